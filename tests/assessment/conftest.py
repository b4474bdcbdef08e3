"""The quiz course every quiz test takes: one lesson and a quiz with one question of each
built-in type, in bank order (``tests/data/courses/quiz-course``)."""

import shutil

import pytest
import sqlalchemy as sa
from quiz_answers import QUIZ_COURSE

from lms.assessment.questions import Question
from lms.catalogue.models import Activity
from lms.extensions import db
from lms.testing.courses import sync


@pytest.fixture
def course(app, tmp_path):
    folder = tmp_path / "courses"
    shutil.copytree(QUIZ_COURSE, folder / "quiz-course")
    sync(app, folder)
    return folder


@pytest.fixture
def bank(app, course) -> list[Question]:
    """The English bank's questions as stored: slot i is question i (no shuffling)."""
    with app.app_context():
        activity = db.session.scalar(sa.select(Activity).where(Activity.key == "check"))
        return [Question.from_dict(question) for question in activity.content["banks"]["en"]]
