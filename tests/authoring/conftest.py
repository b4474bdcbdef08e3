"""Trainers and a plugin course for the authoring tests."""

from types import SimpleNamespace

import pytest

from lms.core.permissions import Role
from lms.extensions import db
from lms.needs import services as needs
from lms.testing.courses import sync, write_course


@pytest.fixture(autouse=True)
def framework(app):
    """The competency framework the module form's picker lists."""
    with app.app_context():
        needs.load_framework()
        db.session.commit()


@pytest.fixture
def people(factory):
    return SimpleNamespace(
        trainer=factory.user(roles=(Role.TRAINER,), username="trainer.a"),
        other=factory.user(roles=(Role.TRAINER,), username="trainer.b"),
        admin=factory.user(roles=(Role.ADMIN,), username="admin.a"),
        learner=factory.user(roles=(Role.LEARNER,), username="learner.a"),
    )


@pytest.fixture
def plugin_course(app, tmp_path):
    folder = tmp_path / "plugin-courses"
    write_course(folder, "plugin-course", lessons=2)
    sync(app, folder)
    return "plugin-course"
