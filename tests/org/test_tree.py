from datetime import date

import pytest
import sqlalchemy as sa

from lms.core.errors import Invalid, PermissionDenied
from lms.extensions import db
from lms.org import queries, services
from lms.org.models import ManagerUnit, OrgUnit, OrgUnitClosure, PositionAssignment

MERGE_DAY = date(2026, 1, 1)


def subtree_codes(unit) -> set[str]:
    return set(
        db.session.scalars(
            sa.select(OrgUnit.code).where(OrgUnit.id.in_(queries.subtree_ids(unit.id)))
        )
    )


def closure_is_consistent() -> bool:
    """Rebuild every ancestor pair from parent_id and compare with the closure table."""
    parents = dict(db.session.execute(sa.select(OrgUnit.id, OrgUnit.parent_id)).all())
    expected = set()
    for unit_id in parents:
        depth, current = 0, unit_id
        while current is not None:
            expected.add((current, unit_id, depth))
            current, depth = parents[current], depth + 1
    stored = set(
        db.session.execute(
            sa.select(
                OrgUnitClosure.ancestor_id, OrgUnitClosure.descendant_id, OrgUnitClosure.depth
            )
        ).all()
    )
    return stored == expected


def test_every_unit_under_a_unit_is_one_lookup(appctx, site):
    assert subtree_codes(site.city) == {"HP", "HP-HB", "HP-HB-1C", "HP-AD"}
    assert subtree_codes(site.ward) == {"HP-HB", "HP-HB-1C"}
    assert [unit.code for unit in queries.ancestors(site.counter)] == ["HP", "HP-HB"]
    assert closure_is_consistent()


def test_moving_a_unit_moves_its_subtree(appctx, site, factory):
    deep = factory.unit(parent=site.counter, kind="team", code="HP-HB-1C-T")
    services.move_unit(site.admin, site.ward, site.commune, on=MERGE_DAY)
    assert subtree_codes(site.commune) == {"HP-AD", "HP-HB", "HP-HB-1C", "HP-HB-1C-T"}
    assert [unit.code for unit in queries.ancestors(deep)] == ["HP", "HP-AD", "HP-HB", "HP-HB-1C"]
    assert closure_is_consistent()
    assert [event.kind for event in queries.unit_history(site.ward)] == ["moved", "created"]


def test_a_unit_cannot_move_under_itself(appctx, site):
    with pytest.raises(Invalid):
        services.move_unit(site.admin, site.ward, site.counter, on=MERGE_DAY)
    with pytest.raises(Invalid):
        services.move_unit(site.admin, site.ward, site.ward, on=MERGE_DAY)


def test_renaming_keeps_the_old_name_in_history(appctx, site):
    services.edit_unit(
        site.admin,
        site.ward,
        code="HP-HB",
        kind_code="ward",
        name_vi="Phường Hồng Bàng mới",
        name_en="New Hong Bang Ward",
        on=MERGE_DAY,
    )
    renamed = queries.unit_history(site.ward)[0]
    assert renamed.kind == "renamed"
    assert renamed.details["old_name_vi"] == "Phường Hồng Bàng"
    assert renamed.occurred_on == MERGE_DAY


def test_merging_continues_positions_and_keeps_history(appctx, site, factory):
    team = factory.unit(parent=site.ward, kind="team", code="HP-HB-T")
    services.merge_units(site.admin, site.ward, site.commune, on=MERGE_DAY)

    assert site.ward.valid_to == MERGE_DAY and site.ward.merged_into_id == site.commune.id
    assert subtree_codes(site.commune) >= {"HP-AD", "HP-HB-1C", "HP-HB-T"}
    assert team.parent_id == site.commune.id
    assert closure_is_consistent()
    # the manager of the ward now manages the merged commune
    assert db.session.get(ManagerUnit, (site.manager.id, site.commune.id)) is not None
    assert db.session.get(ManagerUnit, (site.manager.id, site.ward.id)) is None


def test_merging_a_unit_with_people_ends_and_continues_their_positions(appctx, site, factory):
    clerk = factory.user(full_name="Lê Văn Cường")
    held = factory.assignment(clerk, site.position, site.ward, starts_on=date(2025, 7, 1))
    future = factory.assignment(site.outsider, site.position, site.ward, starts_on=date(2026, 2, 1))
    services.merge_units(site.admin, site.ward, site.commune, on=MERGE_DAY)
    db.session.expire_all()

    assert held.ends_on == MERGE_DAY and held.unit_id == site.ward.id
    successor = db.session.scalar(
        sa.select(PositionAssignment).where(PositionAssignment.continues_id == held.id)
    )
    assert successor.unit_id == site.commune.id
    assert successor.starts_on == MERGE_DAY and successor.ends_on is None
    assert future.unit_id == site.commune.id, "a position not yet started simply moves"
    history = queries.assignments_of(clerk)
    assert [(a.unit.code, a.ends_on) for a in history] == [("HP-AD", None), ("HP-HB", MERGE_DAY)]


def test_merge_refuses_closed_units_and_its_own_subtree(appctx, site):
    with pytest.raises(Invalid):
        services.merge_units(site.admin, site.ward, site.counter, on=MERGE_DAY)
    services.merge_units(site.admin, site.counter, site.commune, on=MERGE_DAY)
    with pytest.raises(Invalid):
        services.merge_units(site.admin, site.counter, site.commune, on=MERGE_DAY)


def test_manager_scope_is_their_units_and_everything_below(appctx, site):
    visible = set(
        db.session.scalars(
            sa.select(OrgUnit.code).where(queries.in_scope(site.manager, OrgUnit.id))
        )
    )
    assert visible == {"HP-HB", "HP-HB-1C"}
    everything = db.session.scalar(sa.select(sa.func.count(OrgUnit.id)))
    admin_sees = db.session.scalar(
        sa.select(sa.func.count(OrgUnit.id)).where(queries.in_scope(site.admin, OrgUnit.id))
    )
    assert admin_sees == everything
    learner_sees = db.session.scalar(
        sa.select(sa.func.count(OrgUnit.id)).where(queries.in_scope(site.learner, OrgUnit.id))
    )
    assert learner_sees == 0


def test_manager_of_several_units_sees_all_their_subtrees(appctx, site, factory):
    manager = factory.manager_of(site.counter, site.commune)
    visible = set(
        db.session.scalars(sa.select(OrgUnit.code).where(queries.in_scope(manager, OrgUnit.id)))
    )
    assert visible == {"HP-HB-1C", "HP-AD"}


def test_only_admins_change_the_tree(appctx, site):
    for actor in (site.manager, site.learner, site.trainer):
        with pytest.raises(PermissionDenied):
            services.create_unit(
                actor,
                code="X1",
                kind_code="commune",
                name_vi="X",
                parent=site.city,
                valid_from=MERGE_DAY,
            )
        with pytest.raises(PermissionDenied):
            services.merge_units(actor, site.ward, site.commune, on=MERGE_DAY)


def test_managers_assign_positions_only_inside_their_scope(appctx, site, factory):
    person = factory.user()
    services.assign_position(site.manager, person, site.position, site.counter, starts_on=MERGE_DAY)
    with pytest.raises(PermissionDenied):
        services.assign_position(
            site.manager, person, site.position, site.commune, starts_on=MERGE_DAY
        )


def test_ending_a_position_keeps_it_as_history(appctx, site):
    services.end_assignment(site.admin, site.assignment, ends_on=MERGE_DAY)
    assert queries.current_assignments(site.learner, on=MERGE_DAY) == []
    assert queries.current_assignments(site.learner, on=date(2025, 12, 31)) == [site.assignment]
    assert queries.assignments_of(site.learner) == [site.assignment]


def test_a_position_held_twice_in_one_unit_is_refused(appctx, site):
    with pytest.raises(Invalid):
        services.assign_position(
            site.admin, site.learner, site.position, site.counter, starts_on=MERGE_DAY
        )


def test_unit_codes_are_unique(appctx, site):
    with pytest.raises(Invalid):
        services.create_unit(
            site.admin,
            code="hp-hb",
            kind_code="ward",
            name_vi="Trùng",
            parent=site.city,
            valid_from=MERGE_DAY,
        )


def test_merging_sub_units_into_the_targets_own_down_the_tree(appctx, site, factory):
    other = factory.unit(parent=site.commune, kind="one_stop", code="HP-AD-1C")
    desk = factory.unit(parent=site.counter, kind="team", code="HP-HB-1C-D")
    other_desk = factory.unit(parent=other, kind="team", code="HP-AD-1C-D")
    spare = factory.unit(parent=site.counter, kind="team", code="HP-HB-1C-S")
    clerk = factory.user()
    factory.assignment(clerk, site.position, desk)
    result = services.merge_units(
        site.admin,
        site.ward,
        site.commune,
        on=MERGE_DAY,
        sub_units={site.counter.id: other.id, desk.id: other_desk.id},
    )
    db.session.expire_all()

    assert (result.people, result.assignments, result.moved, result.merged) == (2, 2, 1, 2)
    assert site.counter.merged_into_id == other.id and site.counter.valid_to == MERGE_DAY
    assert desk.merged_into_id == other_desk.id and desk.valid_to == MERGE_DAY
    assert spare.parent_id == other.id and spare.valid_to is None
    assert {a.unit.code for a in queries.current_assignments(clerk, on=MERGE_DAY)} == {"HP-AD-1C-D"}
    assert {a.unit.code for a in queries.current_assignments(site.learner, on=MERGE_DAY)} == {
        "HP-AD-1C"
    }
    assert closure_is_consistent()


def test_a_sub_unit_pair_must_follow_the_merge(appctx, site, factory):
    factory.unit(parent=site.commune, kind="one_stop", code="HP-AD-1C")
    with pytest.raises(Invalid):
        # the city is no sub-unit of the commune
        services.merge_units(
            site.admin,
            site.ward,
            site.commune,
            on=MERGE_DAY,
            sub_units={site.counter.id: site.city.id},
        )


def test_a_unit_merging_into_its_parent_is_no_target_for_its_own_sub_units(appctx, site, factory):
    inner = factory.unit(parent=site.ward, kind="ward", code="HP-HB-W")
    rows = queries.merge_sub_units(site.admin, site.ward, site.city, on=MERGE_DAY)
    assert {row.unit.code: row.match for row in rows} == {"HP-HB-1C": None, "HP-HB-W": None}
    with pytest.raises(Invalid):
        services.merge_units(
            site.admin, site.ward, site.city, on=MERGE_DAY, sub_units={inner.id: site.ward.id}
        )
