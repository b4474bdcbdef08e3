"""A bare Flask app for the benchmarks: ``GET /`` renders a template of a given size
(``lesson_page.py``), ``GET /queries`` the same after three indexed queries of the LMS's
database (``LMS_DATABASE_URL``: the reader by user name, the module by slug and the reader's
unread notifications, as a lesson page needs them), ``POST /save`` reads an answer form and
answers in JSON (``quiz_autosave.py``).

The page has the lesson page's shape (head, menu, article, footer) and its article body is
built once at start-up from lesson-like prose, then inserted as is, the way the lesson page
inserts a lesson's stored HTML. ``BENCH_PAGE_BYTES`` sets the size of the rendered page.
Serve it with ``gunicorn --chdir bench bare_app:app``.
"""

import os

import sqlalchemy as sa
from flask import Flask, jsonify, render_template, request
from markupsafe import Markup

MARKER = "bare-bench-marker"
PARAGRAPH = (
    "Chính quyền số là việc cơ quan nhà nước sử dụng công nghệ số để đổi mới cách làm việc, "
    "cung cấp dịch vụ công trực tuyến và phục vụ người dân, doanh nghiệp tốt hơn mỗi ngày."
)
MENU = [
    ("/", "Học tập của tôi"),
    ("/catalogue", "Danh mục học phần"),
    ("/account/password", "Mật khẩu"),
]

app = Flask(__name__)


def _page(body: Markup, reader: str = "", unread: int = 0) -> str:
    return render_template(
        "bare_page.html", menu=MENU, body=body, marker=MARKER, reader=reader, unread=unread
    )


def _body_for(target_bytes: int) -> Markup:
    """Paragraphs of prose making the rendered page about ``target_bytes`` long."""
    with app.test_request_context():
        room = target_bytes - len(_page(Markup("")).encode())
    paragraph = Markup("<p>{}</p>\n").format(PARAGRAPH)
    count, rest = divmod(max(room, 0), len(paragraph.encode()))
    return paragraph * count + Markup("<p>{}</p>\n").format("x" * max(rest - 8, 0))


BODY = _body_for(int(os.environ.get("BENCH_PAGE_BYTES", "20000")))


@app.get("/")
def page():
    return _page(BODY)


DATABASE = (
    sa.create_engine(os.environ["LMS_DATABASE_URL"]) if "LMS_DATABASE_URL" in os.environ else None
)
READER = sa.text("SELECT id, full_name FROM users WHERE username = :username")
MODULE = sa.text("SELECT id FROM modules WHERE slug = :slug")
UNREAD = sa.text("SELECT count(*) FROM notifications WHERE user_id = :user_id AND read_at IS NULL")


@app.get("/queries")
def page_with_queries():
    with DATABASE.connect() as connection:
        reader = connection.execute(
            READER, {"username": os.environ.get("BENCH_READER", "learner")}
        ).one()
        connection.execute(MODULE, {"slug": os.environ.get("BENCH_MODULE", "")}).one()
        unread = connection.execute(UNREAD, {"user_id": reader.id}).scalar_one()
    return _page(BODY, reader.full_name, unread)


@app.post("/save")
def save():
    """The answer form quiz.js posts, read and acknowledged as the quiz acknowledges it; no
    session, CSRF check or database."""
    form = request.form
    slot = form.get("slot", type=int)
    if form.get("action") != "save" or slot is None or f"answer-{slot}" not in form:
        return jsonify(error="not an answer"), 422
    return jsonify(saved=True, notices=[])
