"""A roster import refreshes learning and needs once per chunk of rows: the people it
assigns get their curricula and their skill gaps, as one assignment at a time gives them."""

from datetime import date

import pytest
import sqlalchemy as sa

from lms.core.permissions import Role
from lms.extensions import db
from lms.learning.models import ModuleAssignment
from lms.needs import gaps
from lms.needs import services as needs
from lms.needs.models import Gap, GapCount
from lms.org import roster
from lms.org import services as org_services
from lms.org.models import DUE_FROM_ASSIGNMENT

HEADER = "username,full_name,email,unit_code,position_codes,start_date,roles"
ROWS = [
    "quay.mot,Người Quầy Một,,NW-1C,NCOUNTER,2025-08-01,",
    "bao.mat.mot,Người Bảo Mật Một,,NW-VP,NSEC,2025-08-01,",
    "quay.hai,Người Quầy Hai,,NW-1C,NCOUNTER;NSEC,2025-08-01,",
    "bao.mat.hai,Người Bảo Mật Hai,,NW-VP,NSEC,2025-08-01,",
    "quay.ba,Người Quầy Ba,,NW-1C,NCOUNTER,2025-08-01,",
]


@pytest.fixture
def admin(factory):
    return factory.user(roles=[Role.ADMIN], username="roster-admin")


def apply(admin, *, every: int) -> roster.RosterReport:
    data = ("\n".join([HEADER, *ROWS]) + "\n").encode()
    run = roster.RosterRun(admin, roster.read_roster(data), dry_run=False)
    for _done in run.apply(every=every):
        pass
    db.session.commit()
    return run.report


def stored() -> tuple[set, set]:
    gap_rows = db.session.execute(
        sa.select(Gap.user_id, Gap.competency_code, Gap.unit_id, Gap.required, Gap.current)
    )
    counts = db.session.execute(
        sa.select(GapCount.unit_id, GapCount.competency_code, GapCount.people, GapCount.levels)
    )
    return set(gap_rows), set(counts)


@pytest.mark.parametrize("every", [2, 500])
def test_imported_people_get_curricula_and_gaps_once_per_chunk(appctx, org, admin, clock, every):
    clock.to(date(2026, 3, 1))
    needs.set_standards(admin, org.counter_officer, {"DS.1": 2, "ID.1": 3})
    org_services.set_curriculum_item(
        None,
        db.session.merge(org.counter_officer),
        org.modules["bao-mat"],
        due_basis=DUE_FROM_ASSIGNMENT,
        due_days=30,
    )
    db.session.commit()

    report = apply(admin, every=every)

    assert report.counts["created"] == 5
    ids = {row.username: row.user_id for row in report.rows}
    counter_people = {ids["quay.mot"], ids["quay.hai"], ids["quay.ba"]}
    assigned = db.session.execute(
        sa.select(ModuleAssignment.user_id, ModuleAssignment.module_id, ModuleAssignment.due_on)
    )
    assert set(assigned) == {
        (user_id, org.modules["bao-mat"], date(2026, 3, 31)) for user_id in counter_people
    }
    gap_rows, counts = stored()
    counter_unit = org.counter.id
    assert gap_rows == {
        (user_id, code, counter_unit, level, 0)
        for user_id in counter_people
        for code, level in (("DS.1", 2), ("ID.1", 3))
    }
    assert counts == {(counter_unit, "DS.1", 3, 6), (counter_unit, "ID.1", 3, 9)}
    # What a refresh of everyone gives is what the chunks left.
    gaps.refresh()
    assert stored() == (gap_rows, counts)

    again = apply(admin, every=every)
    assert [row.status for row in again.rows] == ["unchanged"] * 5
    assert stored() == (gap_rows, counts)


def test_positions_without_a_standard_leave_the_gaps_alone(
    appctx, org, admin, clock, count_queries
):
    clock.to(date(2026, 3, 1))
    with count_queries() as counted:
        report = apply(admin, every=500)
    assert report.counts["created"] == 5
    assert stored() == (set(), set())
    assert counted.n < 40, counted.n
