"""What a learner answers to the quiz course's questions, and where that course lives."""

from pathlib import Path

from lms.assessment.questions import Question

QUIZ_COURSE = Path(__file__).parents[1] / "data" / "courses" / "quiz-course"


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
