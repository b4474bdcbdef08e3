"""The assignment engine and the recertification state machine, with a clock that moves."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from lms.accounts.models import User
from lms.catalogue.models import Module
from lms.catalogue.queries import activities_of, latest_version
from lms.certificates.models import MODULE, POSITION, Certificate
from lms.core.errors import PermissionDenied
from lms.extensions import db
from lms.learning import assignments, queries, services
from lms.learning.models import ModuleAssignment
from lms.notifications.models import Notification
from lms.org import services as org
from lms.org.models import DUE_FROM_ASSIGNMENT, DUE_FROM_POSITION_START, DUE_ON_DATE
from lms.testing.courses import sync, write_course


@pytest.fixture
def modules(app, tmp_path):
    for slug in ("security", "documents", "counter"):
        write_course(tmp_path / "courses", slug, lessons=2)
    sync(app, tmp_path / "courses")
    with app.app_context():
        return {m.slug: m.id for m in db.session.scalars(sa.select(Module))}


@pytest.fixture
def org_setup(factory):
    ward = factory.unit(kind="ward", code="W1", name_vi="Phường Một")
    leader = factory.position(code="LEAD", name_vi="Lãnh đạo")
    clerk = factory.position(code="CLERK", name_vi="Văn thư")
    return ward, leader, clerk


def require(position, module_id, *, days=30, basis=DUE_FROM_POSITION_START, months=None, on=None):
    org.set_curriculum_item(
        None,
        db.session.merge(position),
        module_id,
        due_basis=basis,
        due_days=None if basis == DUE_ON_DATE else days,
        due_on=on,
        validity_months=months,
    )


def rows(user) -> dict[int, tuple]:
    """module id -> (state, due date, overdue) of the user's current assignments."""
    from lms.core import clock

    return {
        a.module_id: (state, due, overdue)
        for a, state, due, overdue, _pct in queries.my_assignments(user, clock.today())
    }


def certificates(user, kind) -> list[Certificate]:
    return list(
        db.session.scalars(
            sa.select(Certificate)
            .where(Certificate.user_id == user.id, Certificate.kind == kind)
            .order_by(Certificate.id)
        )
    )


def test_holding_a_position_assigns_its_curriculum_with_due_dates(
    appctx, factory, clock, modules, org_setup
):
    ward, leader, _clerk = org_setup
    require(leader, modules["security"], days=30)
    require(leader, modules["documents"], basis=DUE_FROM_ASSIGNMENT, days=10)
    person = factory.user()
    clock.to(date(2026, 2, 1))
    factory.assignment(person, leader, ward, starts_on=date(2026, 1, 20))

    assert rows(person) == {
        modules["security"]: ("assigned", date(2026, 2, 19), False),
        modules["documents"]: ("assigned", date(2026, 2, 11), False),
    }
    told = db.session.scalars(sa.select(Notification.kind).where(Notification.user_id == person.id))
    assert sorted(told) == ["assigned", "assigned"]


def test_a_module_two_positions_require_is_one_assignment_due_at_the_earliest(
    appctx, factory, clock, modules, org_setup
):
    ward, leader, clerk = org_setup
    require(leader, modules["security"], days=60, months=24)
    require(clerk, modules["security"], days=20, months=12)
    person = factory.user()
    factory.assignment(person, leader, ward, starts_on=date(2026, 1, 1))
    factory.assignment(person, clerk, ward, starts_on=date(2026, 1, 1))

    current = assignments.current_assignments(person.id)
    assert list(current) == [modules["security"]]
    assert current[modules["security"]].due_on == date(2026, 1, 21)
    assert current[modules["security"]].validity_months == 12
    assert not assignments.sync_user(person).changed, "running it again changes nothing"


def test_ending_a_position_retires_only_what_no_other_position_requires(
    appctx, factory, clock, modules, org_setup
):
    ward, leader, clerk = org_setup
    require(leader, modules["security"])
    require(leader, modules["documents"])
    require(clerk, modules["documents"])
    admin = factory.user(roles=("admin",))
    person = factory.user()
    held = factory.assignment(person, leader, ward, starts_on=date(2025, 12, 1))
    factory.assignment(person, clerk, ward, starts_on=date(2025, 12, 1))

    org.end_assignment(admin, held, ends_on=date(2026, 1, 5))

    assert set(rows(person)) == {modules["documents"]}
    retired = db.session.scalar(
        sa.select(ModuleAssignment).where(
            ModuleAssignment.user_id == person.id,
            ModuleAssignment.module_id == modules["security"],
        )
    )
    assert retired.retired_on == date(2026, 1, 5), "kept as history, not deleted"


def test_changing_a_curriculum_updates_everyone_holding_the_position(
    appctx, factory, clock, modules, org_setup
):
    ward, leader, _clerk = org_setup
    people = [factory.user() for _ in range(3)]
    for person in people:
        factory.assignment(person, leader, ward, starts_on=date(2026, 1, 1))

    require(leader, modules["counter"], days=15)
    assert all(
        rows(p) == {modules["counter"]: ("assigned", date(2026, 1, 16), False)} for p in people
    )

    require(leader, modules["counter"], days=45)
    assert all(rows(p)[modules["counter"]][1] == date(2026, 2, 15) for p in people)

    admin = factory.user(roles=("admin",))
    item = db.session.scalars(sa.select(org.CurriculumItem)).one()
    org.remove_curriculum_item(admin, item)
    assert all(rows(p) == {} for p in people)


def test_a_reassignment_counts_an_earlier_completion_that_is_still_valid(
    appctx, factory, clock, modules, org_setup
):
    ward, leader, _clerk = org_setup
    require(leader, modules["security"], months=12)
    admin = factory.user(roles=("admin",))
    person = factory.user()
    clock.to(date(2026, 1, 10))
    held = factory.assignment(person, leader, ward, starts_on=date(2026, 1, 1))
    factory.complete_lessons(person, "security")
    org.end_assignment(admin, held, ends_on=date(2026, 2, 1))
    assert rows(person)[modules["security"]][0] == "completed", "held until the end date"
    clock.to(date(2026, 2, 1))
    assignments.sync_everyone()
    assert rows(person) == {}

    clock.to(date(2026, 3, 1))
    factory.assignment(person, leader, ward, starts_on=date(2026, 3, 1))

    assert rows(person)[modules["security"]][0] == "completed"
    history = db.session.scalars(
        sa.select(ModuleAssignment).where(ModuleAssignment.user_id == person.id)
    ).all()
    assert len(history) == 2, "the retired assignment stays beside the new one"


def test_overdue_when_the_due_date_passes_without_completion(
    appctx, factory, clock, modules, org_setup
):
    ward, leader, _clerk = org_setup
    require(leader, modules["security"], days=30)
    person = factory.user()
    clock.to(date(2026, 1, 1))
    factory.assignment(person, leader, ward, starts_on=date(2026, 1, 1))
    clock.to(date(2026, 1, 31))
    assert rows(person)[modules["security"]] == ("assigned", date(2026, 1, 31), False)
    clock.to(date(2026, 2, 1))
    assert rows(person)[modules["security"]] == ("assigned", date(2026, 1, 31), True)


def test_renewal_window_expiry_and_recompletion_with_certificates_kept(
    app, appctx, factory, clock, modules, org_setup, monkeypatch
):
    monkeypatch.setitem(app.config, "LMS_RENEWAL_WINDOW_DAYS", 30)
    ward, leader, _clerk = org_setup
    require(leader, modules["security"], days=30, months=12)
    person = factory.user()
    clock.to(date(2026, 1, 10))
    factory.assignment(person, leader, ward, starts_on=date(2026, 1, 1))
    module = db.session.get(Module, modules["security"])

    services.open_activity(person, module, activities_of(latest_version(module.id).id)[0])
    assert rows(person)[module.id][0] == "in_progress"
    factory.complete_lessons(person, module.slug)
    assert rows(person)[module.id][0] == "completed"
    [first] = certificates(person, MODULE)
    assert first.expires_on == date(2027, 1, 10)
    [position_first] = certificates(person, POSITION)
    assert position_first.expires_on == date(2027, 1, 10)

    clock.to(date(2026, 12, 10))
    assert rows(person)[module.id][0] == "completed"
    clock.to(date(2026, 12, 11))
    assert rows(person)[module.id] == ("renewal_open", date(2026, 1, 31), False)

    clock.to(date(2027, 1, 10))
    assert rows(person)[module.id] == ("expired", date(2027, 1, 10), False)
    assert first.status_on(date(2027, 1, 10)) == "expired"
    clock.to(date(2027, 1, 11))
    assert rows(person)[module.id] == ("expired", date(2027, 1, 10), True), "due again"

    services.start_renewal(person, module)
    assert rows(person)[module.id][0] == "in_progress"
    factory.complete_lessons(person, module.slug)

    assert rows(person)[module.id][0] == "completed"
    old, new = certificates(person, MODULE)
    assert old.id == first.id and old.status_on(date(2027, 1, 11)) == "expired"
    assert new.status_on(date(2027, 1, 11)) == "valid"
    assert new.expires_on == date(2028, 1, 11)
    assert new.serial != old.serial and new.serial.startswith("2027-")
    assert len(certificates(person, POSITION)) == 2, "a new position certificate too"
    assert len(queries.completions(person)) == 2, "both completions in the history"


def test_a_renewal_starts_the_quiz_attempts_afresh_but_keeps_the_old_ones(
    appctx, factory, clock, modules, org_setup
):
    """A renewed module's lessons start undone; the earlier cycle keeps its record."""
    ward, leader, _clerk = org_setup
    require(leader, modules["counter"], months=6)
    person = factory.user()
    factory.assignment(person, leader, ward, starts_on=date(2026, 1, 1))
    module = db.session.get(Module, modules["counter"])
    factory.complete_lessons(person, module.slug)
    with pytest.raises(services.Invalid):
        services.start_renewal(person, module)
    clock.advance(days=170)
    renewed = services.start_renewal(person, module)
    assert renewed.cycle == 2 and renewed.progress_pct == 0
    states = queries.activity_states(person, renewed.version_id)
    assert states == {}


def test_position_certificate_names_position_unit_and_module_versions(
    appctx, factory, clock, modules, org_setup
):
    ward, leader, _clerk = org_setup
    require(leader, modules["security"])
    require(leader, modules["documents"])
    person = factory.user(full_name="Nguyễn Thị Hương")
    factory.assignment(person, leader, ward)
    factory.complete_lessons(person, "security")
    assert certificates(person, POSITION) == []
    factory.complete_lessons(person, "documents")

    [certificate] = certificates(person, POSITION)
    assert certificate.holder_name == "Nguyễn Thị Hương"
    assert certificate.position_name["vi"] == "Lãnh đạo"
    assert certificate.unit_name["vi"] == "Phường Một"
    assert sorted(entry["slug"] for entry in certificate.modules) == ["documents", "security"]
    assert all(entry["version"] == 1 for entry in certificate.modules)
    assert certificate.serial == f"{certificate.issued_on.year}-{int(certificate.serial[5:]):06d}"
    assert len(certificate.code) * 5 >= 80, "at least 80 random bits"
    assignments.sync_user(person)
    assert len(certificates(person, POSITION)) == 1, "the same completions certify once"


def test_serial_numbers_count_up_per_year(appctx, factory, clock, modules):
    people = [factory.user() for _ in range(3)]
    clock.to(date(2026, 12, 31))
    factory.complete_lessons(people[0], "security")
    factory.complete_lessons(people[1], "security")
    clock.to(date(2027, 1, 1))
    factory.complete_lessons(people[2], "security")
    serials = [c.serial for p in people for c in certificates(p, MODULE)]
    assert serials[0][:5] == "2026-" and int(serials[1][5:]) == int(serials[0][5:]) + 1
    assert serials[2] == "2027-000001"


def test_a_manager_assigns_a_module_to_someone_in_their_units_only(
    appctx, factory, clock, modules, org_setup
):
    ward, leader, _clerk = org_setup
    elsewhere = factory.unit(code="W2")
    manager = factory.manager_of(ward)
    mine, other = factory.user(), factory.user()
    factory.assignment(mine, leader, ward)
    factory.assignment(other, leader, elsewhere)
    module = db.session.get(Module, modules["counter"])

    assignments.assign_manually(manager, mine, module, due_on=date(2026, 3, 1))
    assert rows(mine) == {module.id: ("assigned", date(2026, 3, 1), False)}
    with pytest.raises(PermissionDenied):
        assignments.assign_manually(manager, other, module, due_on=date(2026, 3, 1))


def test_due_date_notices_are_told_once_per_event(appctx, factory, clock, modules, org_setup):
    ward, leader, _clerk = org_setup
    require(leader, modules["security"], days=20)
    person = factory.user()
    clock.to(date(2026, 1, 1))
    factory.assignment(person, leader, ward, starts_on=date(2026, 1, 1))

    def kinds():
        return sorted(
            db.session.scalars(
                sa.select(Notification.kind).where(Notification.user_id == person.id)
            )
        )

    clock.to(date(2026, 1, 10))
    assert assignments.notify_due_dates(date(2026, 1, 10)) == 1
    assert assignments.notify_due_dates(date(2026, 1, 10)) == 0
    assert assignments.notify_due_dates(date(2026, 1, 11)) == 0
    clock.to(date(2026, 1, 22))
    assert assignments.notify_due_dates(date(2026, 1, 22)) == 1
    assert assignments.notify_due_dates(date(2026, 1, 23)) == 0
    assert kinds() == ["assigned", "due_soon", "overdue"]


def test_due_on_a_fixed_date_and_merged_units_keep_the_original_start(
    appctx, factory, clock, modules, org_setup
):
    ward, leader, _clerk = org_setup
    require(leader, modules["documents"], basis=DUE_ON_DATE, on=date(2026, 6, 30))
    require(leader, modules["security"], days=100)
    target = factory.unit(code="W9")
    admin = factory.user(roles=("admin",))
    person = factory.user()
    factory.assignment(person, leader, ward, starts_on=date(2025, 12, 1))
    clock.to(date(2026, 1, 15))

    org.merge_units(admin, db.session.merge(ward), db.session.merge(target), on=date(2026, 1, 15))

    due = {module_id: due for module_id, (_s, due, _o) in rows(person).items()}
    assert due == {
        modules["documents"]: date(2026, 6, 30),
        modules["security"]: date(2025, 12, 1) + timedelta(days=100),
    }


def test_states_are_counted_in_one_sql_statement(
    appctx, factory, clock, modules, org_setup, count_queries
):
    ward, leader, _clerk = org_setup
    require(leader, modules["security"], days=10, months=12)
    people = [factory.user() for _ in range(4)]
    clock.to(date(2026, 1, 1))
    for person in people:
        factory.assignment(person, leader, ward, starts_on=date(2026, 1, 1))
    factory.complete_lessons(people[0], "security")
    factory.complete_lessons(people[1], "security")
    module = db.session.get(Module, modules["security"])
    services.open_activity(people[2], module, activities_of(latest_version(module.id).id)[0])
    clock.to(date(2026, 12, 1))

    state = queries.assignment_state(clock.moment.date())
    with count_queries() as counted:
        counts = dict(
            db.session.execute(
                sa.select(state, sa.func.count())
                .where(ModuleAssignment.retired_on.is_(None))
                .group_by(state)
            ).all()
        )
    assert counts == {"renewal_open": 2, "in_progress": 1, "assigned": 1}
    assert counted.n == 1


def _statements_of(app, action) -> int:
    """How many SQL statements ``action`` runs."""
    seen = []

    def note(*_args):
        seen.append(1)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        action()
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)
    return len(seen)


def test_a_curriculum_change_costs_the_same_statements_for_3_holders_as_for_30(
    app, factory, clock, modules, org_setup
):
    from lms.learning import summaries
    from lms.notifications.models import ASSIGNED

    ward, leader, clerk = org_setup
    section = factory.unit(parent=ward, kind="one_stop", code="W1-1C", name_vi="Một cửa")
    holders = {leader.id: [], clerk.id: []}
    for position, count in ((leader, 3), (clerk, 30)):
        for number in range(count):
            person = factory.user()
            unit = ward if number % 2 else section
            factory.assignment(person, position, unit, starts_on=date(2026, 1, 1))
            holders[position.id].append(person.id)
    with app.app_context():
        summaries.rebuild()
        db.session.commit()
    counts = {}
    for position in (leader, clerk):

        def change(position=position):
            with app.app_context():
                org.set_curriculum_item(
                    None,
                    db.session.merge(position),
                    modules["counter"],
                    due_basis=DUE_FROM_ASSIGNMENT,
                    due_days=20,
                )
                db.session.commit()

        def remove(position=position):
            with app.app_context():
                admin = db.session.scalar(sa.select(User).where(User.username == "w.admin"))
                item = db.session.scalar(
                    sa.select(org.CurriculumItem).where(
                        org.CurriculumItem.position_id == position.id
                    )
                )
                org.remove_curriculum_item(admin, item)
                db.session.commit()

        added = _statements_of(app, change)
        with app.app_context():
            current = db.session.scalars(
                sa.select(ModuleAssignment.user_id).where(
                    ModuleAssignment.module_id == modules["counter"],
                    ModuleAssignment.retired_on.is_(None),
                    ModuleAssignment.user_id.in_(holders[position.id]),
                )
            ).all()
            told = db.session.scalar(
                sa.select(sa.func.count(Notification.id)).where(
                    Notification.kind == ASSIGNED, Notification.user_id.in_(holders[position.id])
                )
            )
            expected_due = assignments.clock.today() + timedelta(days=20)
            due = set(
                db.session.scalars(
                    sa.select(ModuleAssignment.due_on).where(
                        ModuleAssignment.user_id.in_(holders[position.id])
                    )
                )
            )
        assert sorted(current) == sorted(holders[position.id])
        assert told == len(holders[position.id])
        assert due == {expected_due}
        if position is leader:
            factory.user(roles=("admin",), username="w.admin")
        counts[position.id] = (added, _statements_of(app, remove))
        with app.app_context():
            still = db.session.scalar(
                sa.select(sa.func.count(ModuleAssignment.id)).where(
                    ModuleAssignment.retired_on.is_(None),
                    ModuleAssignment.user_id.in_(holders[position.id]),
                )
            )
        assert still == 0
    assert counts[clerk.id][0] <= counts[leader.id][0], counts
    assert counts[clerk.id][1] <= counts[leader.id][1], counts
