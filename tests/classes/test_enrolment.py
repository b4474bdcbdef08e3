"""Enrolment: capacity, the waitlist and its order, promotion, overlaps, cut-off, audience,
and managers enrolling only their own staff."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from lms.classes import queries, services
from lms.classes.models import CANCELLED, ENROLLED, WAITLISTED
from lms.core.errors import Invalid, PermissionDenied
from lms.extensions import db
from lms.notifications.models import Notification

START = datetime(2026, 1, 12, 1, 0, tzinfo=UTC)  # as in conftest.py


@pytest.fixture(autouse=True)
def in_english(appctx):
    """Refusals are checked by their English text."""
    with force_locale("en"):
        yield


def kinds_of(user) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(Notification.kind)
            .where(Notification.user_id == user.id)
            .order_by(Notification.id)
        )
    )


def test_a_full_session_puts_people_on_the_waitlist_in_order(world, appctx, kit, schedule):
    session = schedule(capacity=1)
    first, second, third = (kit.attached(user) for user in world.learners)
    assert services.enrol(first, session, first).status == ENROLLED
    assert services.enrol(second, session, second).status == WAITLISTED
    assert services.enrol(third, session, third).status == WAITLISTED
    assert [
        queries.waitlist_position(e)
        for e in (services.enrolment_of(session, second), services.enrolment_of(session, third))
    ] == [1, 2]
    assert kinds_of(first) == ["enrolled"]
    assert kinds_of(second) == []


def test_cancelling_a_place_promotes_the_first_on_the_waitlist(world, appctx, kit, schedule, clock):
    session = schedule(capacity=1)
    first, second, third = (kit.attached(user) for user in world.learners)
    services.enrol(first, session, first)
    services.enrol(second, session, second)
    clock.advance(minutes=1)
    services.enrol(third, session, third)
    promoted = services.cancel(first, services.enrolment_of(session, first))
    assert [e.user_id for e in promoted] == [second.id]
    assert services.enrolment_of(session, first).status == CANCELLED
    assert services.enrolment_of(session, second).status == ENROLLED
    assert services.enrolment_of(session, third).status == WAITLISTED
    assert kinds_of(second) == ["promoted"]


def test_leaving_the_waitlist_promotes_nobody(world, appctx, kit, schedule):
    session = schedule(capacity=1)
    first, second, third = (kit.attached(user) for user in world.learners)
    for user in (first, second, third):
        services.enrol(user, session, user)
    assert services.cancel(second, services.enrolment_of(session, second)) == []
    assert queries.waitlist_position(services.enrolment_of(session, third)) == 1


def test_enrolling_twice_is_refused(world, appctx, kit, schedule):
    session = schedule()
    learner = kit.attached(world.learners[0])
    services.enrol(learner, session, learner)
    with pytest.raises(Invalid, match="already"):
        services.enrol(learner, session, learner)


def test_overlapping_sessions_are_refused(world, appctx, kit, schedule):
    morning = schedule()
    overlapping = schedule(
        title_vi="Lớp khác",
        slots=[(kit.START + timedelta(hours=2), kit.START + timedelta(hours=4))],
    )
    later = schedule(
        slots=[(kit.START + timedelta(days=1), kit.START + timedelta(days=1, hours=2))]
    )
    learner = kit.attached(world.learners[0])
    services.enrol(learner, morning, learner)
    with pytest.raises(Invalid, match="overlapping"):
        services.enrol(learner, overlapping, learner)
    assert services.enrol(learner, later, learner).status == ENROLLED
    services.cancel(learner, services.enrolment_of(morning, learner))
    assert services.enrol(learner, overlapping, learner).status == ENROLLED


def test_cancellation_closes_at_the_cut_off_but_not_for_trainers(
    world, appctx, kit, schedule, clock
):
    session = schedule()
    learner = kit.attached(world.learners[0])
    services.enrol(learner, session, learner)
    clock.moment = session.cancel_until
    with pytest.raises(Invalid, match="cut-off"):
        services.cancel(learner, services.enrolment_of(session, learner))
    services.cancel(kit.attached(world.trainer), services.enrolment_of(session, learner))
    assert services.enrolment_of(session, learner).status == CANCELLED


def test_enrolment_is_open_only_in_its_window(world, appctx, kit, schedule, clock):
    session = schedule()
    learner = kit.attached(world.learners[0])
    clock.moment = session.enrol_opens_at - timedelta(minutes=1)
    with pytest.raises(Invalid, match="not open"):
        services.enrol(learner, session, learner)
    clock.moment = session.enrol_closes_at
    with pytest.raises(Invalid, match="not open"):
        services.enrol(learner, session, learner)


def test_a_target_audience_keeps_others_out(world, appctx, kit, schedule):
    session = schedule(position_ids=(world.clerk.id,), unit_ids=(world.city.id,))
    learner, outsider = kit.attached(world.learners[0]), kit.attached(world.outsider)
    assert services.enrol(learner, session, learner).status == ENROLLED
    with pytest.raises(Invalid, match="another audience"):
        services.enrol(outsider, session, outsider)
    by_unit = schedule(
        slots=[(kit.START + timedelta(days=2), kit.START + timedelta(days=2, hours=1))],
        unit_ids=(world.other_ward.id,),
    )
    assert services.enrol(outsider, by_unit, outsider).status == ENROLLED


def test_a_manager_enrols_only_people_of_their_units(world, appctx, kit, schedule):
    session = schedule()
    manager = kit.attached(world.manager)
    learner, outsider = kit.attached(world.learners[0]), kit.attached(world.outsider)
    enrolment = services.enrol(manager, session, learner)
    assert enrolment.status == ENROLLED and enrolment.enrolled_by_id == manager.id
    with pytest.raises(PermissionDenied):
        services.enrol(manager, session, outsider)
    with pytest.raises(PermissionDenied):
        services.enrol(learner, session, kit.attached(world.learners[1]))
    assert [user.id for user, _ in queries.staff_for(manager, session, kit.START.date())] == [
        user.id for user in world.learners
    ]


def test_a_larger_capacity_promotes_and_a_change_is_told(world, appctx, kit, schedule):
    session = schedule(capacity=1)
    first, second = kit.attached(world.learners[0]), kit.attached(world.learners[1])
    services.enrol(first, session, first)
    services.enrol(second, session, second)
    moved = [(kit.START + timedelta(hours=1), kit.START + timedelta(hours=4))]
    told = services.update_session(
        kit.attached(world.trainer), session, kit.details(world.trainer.id, capacity=2, slots=moved)
    )
    assert told
    assert services.enrolment_of(session, second).status == ENROLLED
    assert kinds_of(first) == ["enrolled", "session_changed"]
    assert sorted(kinds_of(second)) == ["promoted", "session_changed"]
    assert session.revision == 2


def test_only_trainers_and_admins_schedule_and_only_its_trainers_edit(world, appctx, kit, schedule):
    with pytest.raises(PermissionDenied):
        services.create_session(kit.attached(world.learners[0]), kit.details(world.trainer.id))
    session = schedule()
    with pytest.raises(PermissionDenied):
        services.update_session(
            kit.attached(world.other_trainer), session, kit.details(world.trainer.id, capacity=3)
        )
    services.update_session(
        kit.attached(world.admin), session, kit.details(world.trainer.id, capacity=3)
    )
    assert session.capacity == 3


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"slots": []}, "at least one time slot"),
        ({"mode": "online", "meeting_url": ""}, "meeting link"),
        ({"venue": ""}, "venue"),
        ({"trainer_ids": ()}, "trainer"),
        ({"cancel_until": START + timedelta(hours=1)}, "cut-off"),
        ({"module_id": 999999, "activity_tag": "nope"}, "session activity"),
    ],
)
def test_inconsistent_details_are_refused(world, appctx, kit, schedule, changes, message):
    with pytest.raises(Invalid, match=message):
        schedule(**changes)


def test_reminders_are_sent_once_per_person_and_slot(world, appctx, kit, schedule, clock):
    session = schedule()
    learner = kit.attached(world.learners[0])
    services.enrol(learner, session, learner)
    clock.moment = kit.START - timedelta(hours=23)
    assert services.send_reminders() == 1  # the second slot starts later than 24 hours
    assert services.send_reminders() == 0
    clock.moment = kit.START + timedelta(hours=1)
    assert services.send_reminders() == 1
    assert kinds_of(learner).count("session_reminder") == 2
