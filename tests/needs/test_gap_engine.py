"""The gap engine: required level minus the level the evidence rule gives, per competency,
and the smallest set of modules that closes the gaps."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from lms.core.errors import Invalid
from lms.core.permissions import Role
from lms.extensions import db
from lms.needs import evidence, gaps
from lms.needs import services as needs
from lms.needs.gaps import Offer, smallest_cover
from lms.needs.models import MANAGER, SELF, TEST, Gap


@pytest.fixture
def admin(factory):
    return factory.user(roles=[Role.ADMIN], username="needs-admin")


@pytest.fixture
def person(appctx, factory, org, admin, clock):
    """A counter officer whose position requires DS.1 at 2 and ID.1 at 3."""
    learner = factory.user(full_name="Nguyễn Thị Hoa")
    factory.assignment(learner, org.counter_officer, org.counter, starts_on=date(2025, 7, 1))
    needs.set_standards(admin, org.counter_officer, {"DS.1": 2, "ID.1": 3})
    return learner


def rows_of(needs_of):
    return {row.competency.code: row for row in needs_of.positions[0].rows}


def slugs(offers):
    return sorted(offer.slug for offer in offers)


def stored_gaps(user):
    return {
        gap.competency_code: (gap.required, gap.current)
        for gap in db.session.scalars(sa.select(Gap).where(Gap.user_id == user.id))
    }


def test_no_evidence_is_level_zero_below_every_standard(person):
    result = gaps.person_needs(person)
    rows = rows_of(result)
    assert (rows["DS.1"].required, rows["DS.1"].current, rows["DS.1"].gap) == (2, 0, 2)
    assert (rows["ID.1"].required, rows["ID.1"].current, rows["ID.1"].gap) == (3, 0, 3)
    assert rows["DS.1"].source is None
    assert not result.meets_standard
    # One module (the longer "tong-hop") covers both gaps: fewer modules beats fewer minutes.
    assert slugs(result.recommended) == ["tong-hop"]
    assert stored_gaps(person) == {"DS.1": (2, 0), "ID.1": (3, 0)}


def test_self_assessment_only_counts(person):
    needs.self_assess(person, {"DS.1": 2, "ID.1": 1})
    result = gaps.person_needs(person)
    rows = rows_of(result)
    assert (rows["DS.1"].current, rows["DS.1"].gap, rows["DS.1"].source) == (2, 0, SELF)
    assert (rows["ID.1"].current, rows["ID.1"].gap) == (1, 2)
    # Only identification is left: the short module that builds it is enough.
    assert slugs(result.recommended) == ["dinh-danh"]
    assert stored_gaps(person) == {"ID.1": (3, 1)}


def test_self_assessment_must_answer_every_required_competency(person):
    with pytest.raises(Invalid):
        needs.self_assess(person, {"DS.1": 2})
    with pytest.raises(Invalid):
        needs.self_assess(person, {"DS.1": 2, "ID.1": 7})
    assert evidence.history(person.id) == []


def test_diagnostic_result_outranks_a_newer_self_assessment(person, clock):
    evidence.record(person.id, {"DS.1": 1, "ID.1": 3}, source=TEST)
    clock.advance(days=3)
    needs.self_assess(person, {"DS.1": 4, "ID.1": 4})
    rows = rows_of(gaps.person_needs(person))
    assert (rows["DS.1"].current, rows["DS.1"].source, rows["DS.1"].gap) == (1, TEST, 1)
    assert (rows["ID.1"].current, rows["ID.1"].gap) == (3, 0)
    assert stored_gaps(person) == {"DS.1": (2, 1)}


def test_newest_evidence_of_the_same_rank_wins(person, clock, factory, org):
    manager = factory.manager_of(org.ward)
    needs.rate_person(db.session.merge(manager), person, {"DS.1": 1})
    clock.advance(days=10)
    needs.rate_person(db.session.merge(manager), person, {"DS.1": 2})
    rows = rows_of(gaps.person_needs(person))
    assert (rows["DS.1"].current, rows["DS.1"].source) == (2, MANAGER)


def test_expired_evidence_no_longer_counts(person, clock):
    evidence.record(person.id, {"DS.1": 3, "ID.1": 3}, source=TEST)
    needs.self_assess(person, {"DS.1": 1, "ID.1": 1})
    assert gaps.person_needs(person).meets_standard
    # Test results count 24 months; self-assessments 12.
    clock.advance(days=370)
    rows = rows_of(gaps.person_needs(person))
    assert (rows["DS.1"].current, rows["DS.1"].source) == (3, TEST)
    clock.advance(days=366)
    rows = rows_of(gaps.person_needs(person))
    assert (rows["DS.1"].current, rows["DS.1"].source, rows["DS.1"].gap) == (0, None, 2)
    gaps.refresh()
    assert stored_gaps(person) == {"DS.1": (2, 0), "ID.1": (3, 0)}


def test_a_valid_completion_meets_the_standard_and_is_not_trained_again(
    person, factory, org, clock
):
    evidence.record(person.id, {"DS.1": 1, "ID.1": 3}, source=TEST)
    factory.start_module(person, "bao-mat")
    factory.complete_lessons(person, "bao-mat")
    result = gaps.person_needs(person)
    rows = rows_of(result)
    assert (rows["DS.1"].current, rows["DS.1"].source) == (3, "completion")
    assert result.meets_standard
    assert result.recommended == []
    assert stored_gaps(person) == {}


def test_an_expired_completion_no_longer_covers(person, factory, org, clock, admin):
    from lms.org import services as org_services

    org_services.set_curriculum_item(
        admin,
        org.counter_officer,
        org.modules["bao-mat"],
        due_basis="assignment",
        due_days=30,
        validity_months=12,
    )
    evidence.record(person.id, {"ID.1": 3}, source=TEST)
    factory.start_module(person, "bao-mat")
    factory.complete_lessons(person, "bao-mat")
    assert gaps.person_needs(person).meets_standard
    clock.advance(days=400)
    result = gaps.person_needs(person)
    assert not result.meets_standard
    assert slugs(result.recommended) == ["bao-mat"]


def test_two_positions_requiring_different_levels_of_one_competency(person, factory, org, admin):
    factory.assignment(person, org.security_officer, org.office, starts_on=date(2025, 8, 1))
    needs.set_standards(admin, org.security_officer, {"DS.1": 3})
    needs.self_assess(person, {"DS.1": 2, "ID.1": 3})
    result = gaps.person_needs(person)
    counter, security = result.positions
    assert counter.assignment.position_id == org.counter_officer.id
    assert counter.meets_standard
    assert not security.meets_standard
    assert [(r.competency.code, r.required, r.current, r.gap) for r in security.rows] == [
        ("DS.1", 3, 2, 1)
    ]
    assert slugs(security.recommended) == ["bao-mat"]
    assert slugs(result.recommended) == ["bao-mat"]
    # The planners' table keeps the higher standard, in the unit of the position asking it.
    gap = db.session.get(Gap, (person.id, "DS.1"))
    assert (gap.required, gap.current, gap.unit_id) == (3, 2, org.office.id)


def test_manager_assigns_the_recommendation_in_one_action(person, factory, org, clock):
    from lms.learning.assignments import current_assignments

    manager = db.session.merge(factory.manager_of(org.ward))
    needs.self_assess(person, {"DS.1": 1, "ID.1": 1})
    count = needs.assign_recommended(
        manager, person, due_on=clock.moment.date() + timedelta(days=30)
    )
    assert count == 1
    assert set(current_assignments(person.id)) == {org.modules["tong-hop"]}
    with pytest.raises(Invalid):
        needs.assign_recommended(manager, person, due_on=clock.moment.date() + timedelta(days=30))


def test_automatic_assignment_per_position(person, org, admin, clock):
    from lms.learning.assignments import current_assignments

    assert needs.set_auto_assign(admin, org.counter_officer, enabled=True, due_days=30) == 1
    assert set(current_assignments(person.id)) == {org.modules["tong-hop"]}


def offer(slug, levels, minutes):
    return Offer(hash(slug), slug, None, levels, minutes)


def test_smallest_cover_prefers_fewer_modules_then_fewer_minutes():
    catalogue = {
        o.module_id: o
        for o in [
            offer("a", {"X": 2}, 10),
            offer("b", {"Y": 2}, 10),
            offer("c", {"X": 2, "Y": 1}, 30),
            offer("d", {"X": 3, "Y": 3}, 90),
            offer("e", {"X": 3, "Y": 3}, 60),
        ]
    }
    chosen, uncovered = smallest_cover({"X": 2, "Y": 2, "Z": 1}, catalogue)
    assert [o.slug for o in chosen] == ["e"]
    assert uncovered == ["Z"]
    chosen, _ = smallest_cover(
        {"X": 1, "Y": 1}, {k: v for k, v in catalogue.items() if v.slug in "abc"}
    )
    assert [o.slug for o in chosen] == ["c"]
    assert smallest_cover({}, catalogue) == ([], [])
