"""What a learner answers to the quiz course's questions, where that course lives, and how
a trainer imports it as a module of their own."""

import io
import zipfile
from pathlib import Path

from lms.assessment.questions import Question

QUIZ_COURSE = Path(__file__).parents[1] / "data" / "courses" / "quiz-course"


def quiz_course_zip() -> bytes:
    """The quiz course as a plugin zip, as a trainer uploads it to authoring."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(QUIZ_COURSE.rglob("*")):
            if path.is_file():
                archive.write(path, f"quiz-course/{path.relative_to(QUIZ_COURSE).as_posix()}")
    return buffer.getvalue()


def import_quiz_course(client) -> None:
    """The signed-in trainer imports the quiz course through the authoring page: a module
    authored in the browser, which they own."""
    response = client.submit(
        "/authoring/import",
        {"package": (io.BytesIO(quiz_course_zip()), "quiz-course.zip")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def option_id(bank: list[Question], slot: int, text: str) -> str:
    return next(o["id"] for o in bank[slot].data["options"] if o["text"] == text)


def matching_values(bank: list[Question], slot: int, right: int) -> list[str]:
    """The matching answer with the first ``right`` items paired rightly, the rest wrongly."""
    data = bank[slot].data
    choices = [choice["id"] for choice in data["choices"]]
    values = []
    for index, item in enumerate(data["items"]):
        wrong = next(c for c in choices if c != item["match"])
        values.append(f"{item['id']}:{item['match'] if index < right else wrong}")
    return values
