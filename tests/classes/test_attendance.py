"""Attendance: the sheet, QR check-in codes, and attendance completing the session
activity, the module, and so the module certificate."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from lms.catalogue.models import Module
from lms.certificates.models import Certificate
from lms.classes import services
from lms.classes.models import ABSENT, ATTENDED, PARTLY, Attendance
from lms.core.errors import Invalid, PermissionDenied
from lms.extensions import db
from lms.learning import services as learning


@pytest.fixture(autouse=True)
def in_english(appctx):
    """Refusals are checked by their English text."""
    with force_locale("en"):
        yield


def module_progress(user, kit):
    return learning.current_progress(user, db.session.get(Module, kit.module_id()))


def enrolled_session(world, schedule, kit, **changes):
    session = schedule(module_id=kit.module_id(), activity_tag=kit.TAG, **changes)
    learner = kit.attached(world.learners[0])
    services.enrol(learner, session, learner)
    return session, learner


def test_the_sheet_completes_the_module_when_every_slot_is_attended(world, appctx, kit, schedule):
    session, learner = enrolled_session(world, schedule, kit)
    trainer = kit.attached(world.trainer)
    first, second = session.slots
    services.record_attendance(
        trainer, session, {(learner.id, first.id): ATTENDED, (learner.id, second.id): PARTLY}
    )
    progress = module_progress(learner, kit)
    assert progress is not None and not progress.is_completed, "partly is not attended"
    assert services.record_attendance(trainer, session, {(learner.id, second.id): ATTENDED}) == 1
    progress = module_progress(learner, kit)
    assert progress.is_completed
    certificate = db.session.scalar(
        sa.select(Certificate).where(
            Certificate.user_id == learner.id, Certificate.module_progress_id == progress.id
        )
    )
    assert certificate is not None and certificate.kind == "module"


def test_only_the_sessions_trainers_take_attendance(world, appctx, kit, schedule):
    session, learner = enrolled_session(world, schedule, kit)
    marks = {(learner.id, session.slots[0].id): ABSENT}
    for actor in (world.other_trainer, world.learners[1], world.manager):
        with pytest.raises(PermissionDenied):
            services.record_attendance(kit.attached(actor), session, marks)
    with pytest.raises(Invalid):
        services.record_attendance(
            kit.attached(world.trainer), session, {(world.outsider.id, session.slots[0].id): ABSENT}
        )
    assert services.record_attendance(kit.attached(world.admin), session, marks) == 1


def test_a_fresh_code_checks_in_once(world, appctx, kit, schedule, clock):
    session, learner = enrolled_session(world, schedule, kit)
    slot = session.slots[0]
    clock.moment = slot.starts_at
    token = services.check_in_token(slot, clock.now())
    attendance = services.check_in(learner, slot, token)
    assert (attendance.status, attendance.method) == (ATTENDED, "qr")
    with pytest.raises(Invalid, match="already checked in"):
        services.check_in(learner, slot, services.check_in_token(slot, clock.now()))


def test_the_previous_minutes_code_still_works_but_not_older(world, appctx, kit, schedule, clock):
    session, learner = enrolled_session(world, schedule, kit)
    other = kit.attached(world.learners[1])
    services.enrol(other, session, other)
    slot = session.slots[0]
    clock.moment = slot.starts_at
    token = services.check_in_token(slot, clock.now())
    clock.advance(seconds=60)
    services.check_in(learner, slot, token)
    clock.advance(seconds=60)
    with pytest.raises(Invalid, match="expired"):
        services.check_in(other, slot, token)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-1] + ("0" if token[-1] != "0" else "1"),
        lambda token: f"{int(token.split('-')[0]) + 1}-{token.split('-')[1]}",
        lambda token: "not-a-token",
        lambda token: token.split("-")[1],
    ],
    ids=["signature", "window", "garbage", "no-window"],
)
def test_a_tampered_code_is_refused(world, appctx, kit, schedule, clock, tamper):
    session, learner = enrolled_session(world, schedule, kit)
    slot = session.slots[0]
    clock.moment = slot.starts_at
    with pytest.raises(Invalid, match="not valid"):
        services.check_in(learner, slot, tamper(services.check_in_token(slot, clock.now())))


def test_a_code_of_another_slot_or_session_is_refused(world, appctx, kit, schedule, clock):
    session, learner = enrolled_session(world, schedule, kit)
    other_session = schedule(
        slots=[(kit.START + timedelta(days=3), kit.START + timedelta(days=3, hours=1))]
    )
    first, second = session.slots
    clock.moment = first.starts_at
    with pytest.raises(Invalid, match="not valid"):
        services.check_in(learner, first, services.check_in_token(second, clock.now()))
    with pytest.raises(Invalid, match="not valid"):
        services.check_in(
            learner, first, services.check_in_token(other_session.slots[0], clock.now())
        )


def test_people_not_enrolled_cannot_check_in(world, appctx, kit, schedule, clock):
    session, _learner = enrolled_session(world, schedule, kit)
    slot = session.slots[0]
    clock.moment = slot.starts_at
    with pytest.raises(Invalid, match="not enrolled"):
        services.check_in(
            kit.attached(world.learners[2]), slot, services.check_in_token(slot, clock.now())
        )


def test_checking_in_to_every_slot_completes_the_module(world, appctx, kit, schedule, clock):
    session, learner = enrolled_session(world, schedule, kit)
    for slot in session.slots:
        clock.moment = slot.starts_at + timedelta(minutes=5)
        services.check_in(learner, slot, services.check_in_token(slot, clock.now()))
    assert module_progress(learner, kit).is_completed
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Attendance)
            .where(Attendance.user_id == learner.id)
        )
        == 2
    )


def test_a_learner_marked_absent_can_still_check_in(world, appctx, kit, schedule, clock):
    session, learner = enrolled_session(world, schedule, kit)
    slot = session.slots[0]
    services.record_attendance(
        kit.attached(world.trainer), session, {(learner.id, slot.id): ABSENT}
    )
    clock.moment = slot.starts_at
    assert services.check_in(learner, slot, services.check_in_token(slot, clock.now())).status == (
        ATTENDED
    )
