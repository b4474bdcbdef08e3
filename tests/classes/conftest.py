"""A module with a session activity, people in two units, and a way to schedule sessions."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import tomli_w

from lms.accounts.models import User
from lms.catalogue.models import Module
from lms.classes import services
from lms.core.permissions import Role
from lms.extensions import db
from lms.testing.courses import sync, write_course

COURSE = "class-course"
TAG = "workshop"
# A Monday at 08:00 in Viet Nam; the clock fixture starts on 2026-01-05 05:00 UTC.
START = datetime(2026, 1, 12, 1, 0, tzinfo=UTC)


def write_session_course(folder, course_id: str = COURSE, *, optional_lesson: bool = True):
    """A course of one lesson and one session activity tagged ``TAG``."""
    root = write_course(folder, course_id, lessons=1)
    manifest = (root / "manifest.toml").read_text(encoding="utf-8")
    import tomllib

    data = tomllib.loads(manifest)
    data["activities"][0]["required"] = not optional_lesson
    data["activities"].append(
        {
            "key": "classroom",
            "type": "session",
            "tag": TAG,
            "title": {"vi": "Buổi học trực tiếp", "en": "Classroom session"},
            "note": {"vi": "Mang theo máy tính.", "en": "Bring a laptop."},
        }
    )
    (root / "manifest.toml").write_text(tomli_w.dumps(data), encoding="utf-8")
    return root


@pytest.fixture
def world(app, factory, tmp_path, clock):
    """Two wards under a city, a manager of one, learners in each, a trainer, an admin,
    and a synced module with a session activity."""
    city = factory.unit(kind="city", code="CT")
    ward = factory.unit(parent=city, kind="ward", code="CT-W1")
    other_ward = factory.unit(parent=city, kind="ward", code="CT-W2")
    clerk = factory.position(code="CLERK")
    officer = factory.position(code="OFFICER")
    learners = []
    for number in range(3):
        learner = factory.user(full_name=f"Học Viên {number}", username=f"hv{number}")
        factory.assignment(learner, clerk, ward)
        learners.append(learner)
    outsider = factory.user(full_name="Người Ngoài", username="outsider")
    factory.assignment(outsider, officer, other_ward)
    write_session_course(tmp_path / "courses")
    sync(app, tmp_path / "courses")
    with app.app_context():
        course_module_id = module_id()
    return SimpleNamespace(
        module_id=course_module_id,
        city=city,
        ward=ward,
        other_ward=other_ward,
        clerk=clerk,
        officer=officer,
        learners=learners,
        outsider=outsider,
        trainer=factory.user(roles=[Role.TRAINER], username="trainer", full_name="Giảng Viên"),
        other_trainer=factory.user(roles=[Role.TRAINER], username="trainer2"),
        manager=factory.manager_of(ward, username="manager"),
        admin=factory.user(roles=[Role.ADMIN], username="admin"),
    )


def details(trainer_id: int, **changes) -> services.SessionDetails:
    """A session in person on START (two slots on one day), enrolment open from a week
    before the clock's start."""
    values = {
        "title_vi": "Lớp chữ ký số",
        "title_en": "Digital signature class",
        "mode": "in_person",
        "venue": "Phòng họp tầng 2",
        "address": "1 Hoàng Văn Thụ, Hồng Bàng",
        "capacity": 20,
        "enrol_opens_at": START - timedelta(days=14),
        "enrol_closes_at": START - timedelta(hours=12),
        "cancel_until": START - timedelta(days=1),
        "slots": [
            (START, START + timedelta(hours=3)),
            (START + timedelta(hours=5), START + timedelta(hours=8)),
        ],
        "trainer_ids": (trainer_id,),
    }
    values.update(changes)
    return services.SessionDetails(**values)


@pytest.fixture
def schedule(world):
    """``schedule(**changes)``: a session created by the trainer (inside an app context)."""

    def make(actor=None, **changes):
        actor = db.session.get(User, (actor or world.trainer).id)
        return services.create_session(actor, details(world.trainer.id, **changes))

    return make


@pytest.fixture
def booked(app, world, clock):
    """A session of the module with two learners enrolled; returns its ids."""
    with app.app_context():
        trainer = attached(world.trainer)
        session = services.create_session(
            trainer, details(trainer.id, module_id=world.module_id, activity_tag=TAG)
        )
        for learner in world.learners[:2]:
            learner = attached(learner)
            services.enrol(learner, session, learner)
        db.session.commit()
        return session.id, [slot.id for slot in session.slots]


def module_id() -> int:
    return db.session.query(Module.id).filter(Module.slug == COURSE).scalar()


def attached(user) -> User:
    return db.session.get(User, user.id)


@pytest.fixture
def kit():
    """The helpers above, for the tests (the test folders are not packages)."""
    return SimpleNamespace(
        START=START,
        TAG=TAG,
        COURSE=COURSE,
        details=details,
        attached=attached,
        module_id=module_id,
        write_session_course=write_session_course,
    )
