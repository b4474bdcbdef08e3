"""Saving a question through the authoring pages: line breaks as line feeds, so that the
bank reads back the same and publishes, and what the form does not show kept as it was."""

import io

import sqlalchemy as sa
from authoring_helpers import QUESTIONS, SLUG, build_module, post, publish

from lms.catalogue.models import Activity
from lms.extensions import db

BASE = f"/authoring/modules/{SLUG}/quizzes/kiem-tra"
# A browser sends a textarea's line breaks as CRLF; text pasted from an old Mac file keeps
# bare CRs, and two of them make a blank line, which ends a question in GIFT.
CARRIAGE_RETURNS = {
    "text": "Dòng một\rdòng hai\r\ndòng ba?",
    "options-0-text": "Đúng\rcả hai dòng",
    "right_option": "0",
    "options-0-feedback": "Phản hồi\r\rđoạn hai",
    "options-1-text": "Sai",
    "general_feedback": "Chung\r\nhai dòng\r",
}


def published_bank(app) -> list[dict]:
    with app.app_context():
        quiz = db.session.scalar(sa.select(Activity).where(Activity.key == "kiem-tra"))
        return quiz.content["banks"]["vi"]


def test_a_question_with_bare_carriage_returns_saves_and_publishes(app, client, people, login_as):
    login_as(client, people.trainer)
    build_module(client, questions=[*QUESTIONS, ("single_choice", CARRIAGE_RETURNS)])
    publish(client)
    question = published_bank(app)[-1]
    assert question["text"] == "Dòng một\ndòng hai\ndòng ba?"
    assert question["data"]["options"][0]["text"] == "Đúng\ncả hai dòng"
    assert question["data"]["options"][0]["feedback"] == "Phản hồi\n\nđoạn hai"
    assert question["general_feedback"] == "Chung\nhai dòng"


def test_editing_an_imported_question_keeps_its_format_id_number_and_tags(
    app, client, people, login_as
):
    login_as(client, people.trainer)
    build_module(client)
    moodle = "// [id:CKS-6] [tag:chữ ký số]\n::Tên::[markdown]**Câu** hỏi? {=Có ~Không}\n"
    response = client.post(
        f"{BASE}/gift",
        data={
            "csrf_token": client.csrf_token(),
            "gift_file": (io.BytesIO(moodle.encode()), "moodle.gift"),
            "language": "vi",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    edited = {**CARRIAGE_RETURNS, "name": "Tên", "text": "**Câu** hỏi\r\nđã sửa?"}
    response = post(client, f"{BASE}/questions/{len(QUESTIONS)}?language=vi", edited)
    assert response.status_code == 302, response.get_data(as_text=True)
    publish(client)
    question = published_bank(app)[-1]
    assert question["text"] == "**Câu** hỏi\nđã sửa?"
    assert (question["text_format"], question["idnumber"], question["tags"]) == (
        "markdown",
        "CKS-6",
        ["chữ ký số"],
    )
