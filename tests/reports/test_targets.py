"""Targets: set within the scope, measured against today, projected at the current pace,
rolled up the tree."""

import re
from datetime import date

import pytest
import sqlalchemy as sa

from lms.catalogue.models import Module
from lms.core import cache
from lms.core.errors import Invalid, PermissionDenied
from lms.extensions import db
from lms.reports import queries, services
from lms.reports.models import Target
from lms.reports.queries import Filters


def set_target(app, clock, country, *, on, unit, percent, due_on, module=None, position=True):
    """The admin sets a target on the day ``on``; the clock comes back to 2026-03-01."""
    clock.to(on)
    with app.app_context():
        target = services.create_target(
            db.session.merge(country.admin),
            unit=db.session.merge(unit),
            position=db.session.merge(country.position) if position else None,
            module=db.session.get(Module, country.modules[module]) if module else None,
            percent=percent,
            due_on=due_on,
        )
        db.session.commit()
        target_id = target.id
    clock.to(date(2026, 3, 1))
    return target_id


def rows_of(app, user, unit=None):
    with app.app_context():
        actor = db.session.merge(user)
        found = queries.targets(
            actor, date(2026, 3, 1), Filters(unit_id=unit.id if unit else None), "vi"
        )
        return {row.target.id: row for row in found}


def count_targets(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Target.id)))


def test_actual_projection_and_states(app, clock, country):
    # Set before anyone completed anything: one completion (An's, 20 Jan) in 55 days.
    at_risk = set_target(app, clock, country, on=date(2026, 1, 5), unit=country.city,
                         module="an-toan", percent=90, due_on=date(2026, 6, 30))  # fmt: skip
    # Everyone holding a position in the ward: An, Bình, Chi; An completed van-ban.
    met = set_target(app, clock, country, on=date(2026, 1, 5), unit=country.ward, position=False,
                     module="van-ban", percent=30, due_on=date(2026, 4, 30))  # fmt: skip
    missed = set_target(app, clock, country, on=date(2026, 1, 5), unit=country.commune,
                        module="an-toan", percent=50, due_on=date(2026, 2, 28))  # fmt: skip
    # Two days old: the pace of all completions since the earliest (2 in 40 days).
    young = set_target(app, clock, country, on=date(2026, 2, 27), unit=country.city,
                       module="van-ban", percent=100, due_on=date(2026, 4, 1))  # fmt: skip
    # The position certificate: An holds it (both modules done on 20 Jan).
    certificate = set_target(app, clock, country, on=date(2026, 1, 5), unit=country.city,
                             percent=25, due_on=date(2026, 12, 31))  # fmt: skip
    rows = rows_of(app, country.admin)

    row = rows[at_risk]
    assert (row.people, row.done, row.recent, row.actual) == (4, 1, 1, 25)
    # 1 + 1/55 a day × 121 days left = 3.2 of 4
    assert row.projected == 80 and row.state == "at_risk"

    row = rows[met]
    assert (row.people, row.done, row.actual, row.state) == (3, 1, 33, "met")

    row = rows[missed]
    assert (row.people, row.done, row.actual, row.state) == (1, 0, 0, "missed")

    row = rows[young]
    assert (row.people, row.done, row.earliest) == (4, 2, date(2026, 1, 20))
    # 2 + 2/40 a day × 31 days left = 3.55 of 4
    assert row.projected == 88 and row.state == "at_risk"

    row = rows[certificate]
    assert (row.people, row.done, row.actual, row.state) == (4, 1, 25, "met")


def test_projection_is_capped_and_on_track(app, clock, country):
    target = set_target(app, clock, country, on=date(2026, 1, 5), unit=country.section,
                        module="an-toan", percent=60, due_on=date(2026, 12, 31))  # fmt: skip
    row = rows_of(app, country.admin)[target]
    # An and Bình; An done: 1 + 1/55 a day × 305 days is far beyond 2.
    assert (row.people, row.done, row.actual, row.projected) == (2, 1, 50, 100)
    assert row.state == "on_track"


def test_targets_roll_up_to_ancestors_not_siblings(app, clock, country, login_as):
    section = set_target(app, clock, country, on=date(2026, 2, 1), unit=country.section,
                         module="an-toan", percent=60, due_on=date(2026, 12, 31))  # fmt: skip
    commune = set_target(app, clock, country, on=date(2026, 2, 1), unit=country.commune,
                         module="van-ban", percent=70, due_on=date(2026, 12, 31))  # fmt: skip
    assert set(rows_of(app, country.admin, country.city)) == {section, commune}
    assert set(rows_of(app, country.admin, country.ward)) == {section}
    assert set(rows_of(app, country.admin, country.commune)) == {commune}
    assert set(rows_of(app, country.manager)) == {section}

    client = app.test_client()
    login_as(client, country.manager)
    page = client.get(f"/reports/units/{country.ward.id}").get_data(as_text=True)
    assert f'data-target="{section}"' in page and f'data-target="{commune}"' not in page
    # The actual figure leads to the people who completed the module.
    link = re.search(rf'data-target="{section}".*?target-actual"><a href="([^"]+)"', page, re.S)
    people = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert "Nguyễn Văn An" in people and "Trần Thị Bình" not in people


def test_manager_sets_a_target_in_scope_through_the_form(app, clock, country, login_as):
    client = app.test_client()
    login_as(client, country.manager)
    page = client.get(f"/reports/units/{country.ward.id}").get_data(as_text=True)
    assert 'name="target-percent"' in page
    response = client.submit(
        f"/reports/units/{country.ward.id}/targets",
        {
            "target-unit": country.section.id,
            "target-position": country.position.id,
            "target-module": country.modules["an-toan"],
            "target-percent": "75",
            "target-due_on": "2026-09-30",
        },
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Bộ phận Một cửa" in page and "75%" in page and "30/09/2026" in page
    assert count_targets(app) == 1


def test_manager_cannot_set_a_target_outside(app, clock, country, login_as):
    client = app.test_client()
    login_as(client, country.manager)
    data = {
        "target-unit": country.commune.id,
        "target-position": country.position.id,
        "target-module": country.modules["an-toan"],
        "target-percent": "75",
        "target-due_on": "2026-09-30",
    }
    assert client.submit(f"/reports/units/{country.ward.id}/targets", data).status_code == 404
    assert client.submit(f"/reports/units/{country.commune.id}/targets", data).status_code == 404
    assert client.submit("/reports/targets", data).status_code == 404
    assert count_targets(app) == 0
    with app.app_context(), pytest.raises(PermissionDenied):
        services.create_target(
            db.session.merge(country.manager),
            unit=db.session.merge(country.commune),
            position=None,
            module=db.session.get(Module, country.modules["an-toan"]),
            percent=50,
            due_on=date(2026, 9, 30),
        )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        # The site speaks Vietnamese by default.
        ({"target-percent": "0"}, "Chỉ tiêu phải từ 1 đến 100 phần trăm."),
        ({"target-percent": "101"}, "Chỉ tiêu phải từ 1 đến 100 phần trăm."),
        ({"target-position": "0", "target-module": "0"}, "Hãy chọn một học phần"),
        ({"target-due_on": "2026-02-28"}, "Hạn đã qua."),
    ],
)
def test_invalid_targets_are_refused_with_a_message(
    app, clock, country, login_as, changes, message
):
    client = app.test_client()
    login_as(client, country.manager)
    data = {
        "target-unit": country.ward.id,
        "target-position": country.position.id,
        "target-module": country.modules["an-toan"],
        "target-percent": "75",
        "target-due_on": "2026-09-30",
        **changes,
    }
    response = client.submit(f"/reports/units/{country.ward.id}/targets", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count_targets(app) == 0


def test_service_refuses_bad_input(app, clock, country):
    with app.app_context():
        admin, ward = db.session.merge(country.admin), db.session.merge(country.ward)
        with pytest.raises(Invalid):
            services.create_target(admin, unit=ward, position=None, module=None, percent=50,
                                   due_on=date(2026, 9, 30))  # fmt: skip
        with pytest.raises(Invalid):
            services.create_target(admin, unit=ward, position=None, module=None, percent=0,
                                   due_on=date(2026, 9, 30))  # fmt: skip


def test_delete_is_scoped(app, clock, country, login_as):
    inside = set_target(app, clock, country, on=date(2026, 2, 1), unit=country.section,
                        module="an-toan", percent=60, due_on=date(2026, 12, 31))  # fmt: skip
    outside = set_target(app, clock, country, on=date(2026, 2, 1), unit=country.commune,
                         module="van-ban", percent=70, due_on=date(2026, 12, 31))  # fmt: skip
    client = app.test_client()
    login_as(client, country.manager)
    assert client.submit(f"/reports/targets/{outside}/delete").status_code == 404
    assert client.post(f"/reports/targets/{inside}/delete").status_code == 400  # no CSRF
    assert count_targets(app) == 2
    response = client.submit(f"/reports/units/{country.ward.id}/targets/{inside}/delete")
    assert response.status_code == 302
    assert count_targets(app) == 1


def test_targets_export(app, clock, country, login_as):
    set_target(app, clock, country, on=date(2026, 1, 5), unit=country.ward, module="van-ban",
               percent=30, due_on=date(2026, 4, 30), position=False)  # fmt: skip
    client = app.test_client()
    login_as(client, country.admin)
    text = client.get(f"/reports/units/{country.city.id}/export/targets.csv").get_data(as_text=True)
    lines = text.lstrip("\ufeff").splitlines()
    assert len(lines) == 2
    assert lines[1].startswith("Phường Hồng Bàng,") and ",30,3,1,33," in lines[1]
    assert "2026-04-30" in lines[1]


def test_targets_section_statements_do_not_grow_with_targets(
    app, clock, country, login_as, count_queries
):
    client = app.test_client()
    login_as(client, country.admin)
    url = f"/reports/units/{country.city.id}"
    counts = []
    for number in range(2):
        for _ in range(1 if number == 0 else 6):
            set_target(app, clock, country, on=date(2026, 2, 1), unit=country.section,
                       module="an-toan", percent=60, due_on=date(2026, 12, 31))  # fmt: skip
        client.get(url)
        cache.forget_local()  # count a page rendered, not one kept
        with count_queries() as counted:
            page = client.get(url).get_data(as_text=True)
        counts.append(counted.n)
    assert page.count("data-target=") == 7
    assert counts[0] == counts[1]
