"""Trainers and a plugin course for the authoring tests."""

from types import SimpleNamespace

import pytest

from lms.core.permissions import Role
from lms.testing.courses import sync, write_course


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
