"""Helpers of the authoring tests: a module built through the authoring pages."""

import base64
import io
import re

import sqlalchemy as sa

# A 1×1 PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
# What a Windows executable starts with.
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
SLUG = "chu-ky-so-web"
QUESTIONS = [
    (
        "single_choice",
        {
            "text": "Chữ ký số dùng để làm gì?",
            "options-0-text": "Xác thực người ký",
            "right_option": "0",
            "options-0-feedback": "Đúng.",
            "options-1-text": "Trang trí văn bản",
            "options-1-feedback": "Chưa đúng.",
        },
    ),
    (
        "single_choice",
        {
            "text": "Ai cấp chứng thư số?",
            "options-0-text": "Tổ chức cung cấp dịch vụ chứng thực",
            "right_option": "0",
            "options-1-text": "Người dùng tự cấp",
        },
    ),
    (
        "true_false",
        {
            "text": "Chữ ký số có giá trị như chữ ký tay.",
            "correct": "true",
            "feedback_right": "Đúng vậy.",
            "feedback_wrong": "Xem lại bài 1.",
        },
    ),
    (
        "true_false",
        {"text": "Có thể cho người khác mượn USB token.", "correct": "false"},
    ),
    (
        "short_answer",
        {
            "text": "Viết tắt của chữ ký số trong tiếng Anh?",
            "options-0-text": "digital signature",
            "ignore_case": "y",
            "general_feedback": "Digital signature.",
        },
    ),
]


def post(client, url, data=None, **options):
    return client.submit(url, data, **options)


def build_module(client, slug: str = SLUG, *, questions=QUESTIONS):
    """Create through the pages: two lessons (the first with an image), a quiz of five
    questions of three types. Returns the module's overview URL."""
    base = f"/authoring/modules/{slug}"
    response = post(
        client,
        "/authoring/modules/new",
        {
            "slug": slug,
            "languages": ["vi"],
            "title_vi": "Chữ ký số cơ bản",
            "summary_vi": "Dùng chữ ký số trong công việc hằng ngày.",
            "estimated_minutes": "20",
            "c_DG_1": "2",
            "completion_rule": "all-required",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    for key, title in (("bai-1", "Bài 1"), ("bai-2", "Bài 2")):
        response = post(
            client, f"{base}/activities", {"type_id": "lesson", "key": key, "title_vi": title}
        )
        assert response.status_code == 302
    response = client.post(
        f"{base}/media",
        data={
            "csrf_token": client.csrf_token(),
            "activity": "bai-1",
            "file": (io.BytesIO(PNG), "so-do.png"),
        },
        content_type="multipart/form-data",
    )
    assert "uploaded=so-do.png" in response.location
    for key, text in (
        ("bai-1", "## Chữ ký số\n\nXem sơ đồ:\n\n![Sơ đồ](../../media/so-do.png)\n"),
        ("bai-2", "## Bảo vệ khóa\n\nKhông chia sẻ USB token.\n"),
    ):
        response = post(
            client,
            f"{base}/lessons/{key}",
            {"title_vi": "Bài 1" if key == "bai-1" else "Bài 2", "text_vi": text, "action": "save"},
        )
        assert response.status_code == 302, response.get_data(as_text=True)
    response = post(
        client, f"{base}/activities", {"type_id": "quiz", "key": "kiem-tra", "title_vi": "Kiểm tra"}
    )
    assert response.status_code == 302
    for type_id, fields in questions:
        response = post(
            client, f"{base}/quizzes/kiem-tra/questions/new?language=vi&type={type_id}", fields
        )
        assert response.status_code == 302, response.get_data(as_text=True)
    response = post(
        client,
        f"{base}/quizzes/kiem-tra",
        {
            "title_vi": "Kiểm tra",
            "pass_mark": "60",
            "attempts": "0",
            "time_limit_minutes": "0",
            "wait_minutes": "0",
            "grading": "highest",
            "review": "answers",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return base


def publish(client, slug: str = SLUG):
    response = post(client, f"/authoring/modules/{slug}/publish")
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def count(app, model) -> int:
    from lms.extensions import db

    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))
