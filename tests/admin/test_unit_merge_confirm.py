"""Merging units through the admin screens: a confirmation page shows what moves and
offers to merge sub-units of the same kind into the target's own; only its POST merges."""

import re
from datetime import date

import sqlalchemy as sa

from lms.core.permissions import Role
from lms.extensions import db
from lms.org.models import OrgUnit, PositionAssignment

ON = "2026-04-01"
MERGE_DAY = date(2026, 4, 1)


def _commune_counter(factory, site):
    """The commune's own one-stop section, like the ward's."""
    return factory.unit(
        parent=site.commune, kind="one_stop", name_vi="Bộ phận Một cửa", code="HP-AD-1C"
    )


def _admin(factory):
    """An admin reading English, so the tests read the page's words."""
    return factory.user(roles=[Role.ADMIN], locale="en")


def _confirm_url(site):
    return f"/admin/units/{site.ward.id}/merge?target=HP-AD&effective_on={ON}"


def _current_unit_codes(app, user_id) -> set[str]:
    with app.app_context():
        return set(
            db.session.scalars(
                sa.select(OrgUnit.code)
                .join(PositionAssignment, PositionAssignment.unit_id == OrgUnit.id)
                .where(PositionAssignment.user_id == user_id, PositionAssignment.ends_on.is_(None))
            )
        )


def _unit(app, unit_id) -> OrgUnit:
    with app.app_context():
        unit = db.session.get(OrgUnit, unit_id)
        db.session.expunge(unit)
        return unit


def test_the_unit_page_merge_form_opens_the_confirmation_page(client, site, factory, login_as):
    login_as(client, _admin(factory))
    page = client.get(f"/admin/units/{site.ward.id}").get_data(as_text=True)
    form = re.search(r'<form method="get" action="/admin/units/\d+/merge".*?</form>', page, re.S)
    assert form is not None, "the merge form asks first (GET), it does not merge"
    assert 'name="target"' in form.group(0) and 'name="effective_on"' in form.group(0)
    assert "csrf_token" not in form.group(0), "no token in an address"


def test_confirmation_page_lists_what_moves_and_the_sub_units(client, site, factory, login_as):
    other = _commune_counter(factory, site)
    team = factory.unit(parent=site.ward, kind="team", name_vi="Tổ công nghệ", code="HP-HB-T")
    clerk = factory.user(full_name="Lê Văn Cường")
    factory.assignment(clerk, site.position, site.ward)
    second = factory.position(code="SECOND")
    factory.assignment(clerk, second, site.ward)
    factory.assignment(factory.user(), site.position, site.ward, starts_on=date(2026, 5, 1))
    factory.curriculum_item(second, "sample-course")  # the clerk is assigned the module
    login_as(client, _admin(factory))
    response = client.get(_confirm_url(site))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    figures = re.search(r'<ul id="merge-figures">(.*?)</ul>', page, re.S).group(1)
    numbers = [int(n) for n in re.findall(r"(?::|with) (\d+)", figures)]
    # two people (one starting later), three assignments, the clerk's module assignment,
    # the ward's manager, two sub-units with the learner in one of them
    assert numbers == [2, 3, 1, 1, 2, 1]
    assert "(HP-HB-1C)" in page and "(HP-HB-T)" in page
    box = re.search(r'<input type="checkbox" name="sub_units" value="([\d:]+)"( checked)?>', page)
    assert box.group(1) == f"{site.counter.id}:{other.id}"
    assert box.group(2), "a sub-unit of the same kind and name is ticked by default"
    assert f'value="{team.id}:' not in page, "the commune has no team: it moves as it is"
    assert _unit(client.application, site.ward.id).valid_to is None, "nothing merged yet"


def test_the_old_one_step_post_only_shows_the_confirmation(client, site, factory, login_as):
    _commune_counter(factory, site)
    login_as(client, _admin(factory))
    response = client.submit(
        f"/admin/units/{site.ward.id}/merge", {"target": "HP-AD", "effective_on": ON}
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'name="confirm" value="1"' in page and " checked>" in page
    assert _unit(client.application, site.ward.id).valid_to is None


def test_merging_with_the_sub_unit_ticked_merges_the_one_stop_sections(
    client, site, factory, login_as
):
    other = _commune_counter(factory, site)
    login_as(client, _admin(factory))
    response = client.submit(
        f"/admin/units/{site.ward.id}/merge",
        {
            "target": "HP-AD",
            "effective_on": ON,
            "confirm": "1",
            "sub_units": f"{site.counter.id}:{other.id}",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/units/{site.commune.id}")
    app = client.application
    counter = _unit(app, site.counter.id)
    assert counter.valid_to == MERGE_DAY and counter.merged_into_id == other.id
    assert _unit(app, site.ward.id).merged_into_id == site.commune.id
    assert _current_unit_codes(app, site.learner.id) == {"HP-AD-1C"}
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 people continue 1 positions there; 0 sub-units moved as they are, 1 merged" in page
    commune_children = client.get(f"/admin/units?parent={site.commune.id}").get_data(as_text=True)
    assert "HP-AD-1C" in commune_children and "HP-HB-1C" not in commune_children
    history = client.get(f"/admin/units/{site.counter.id}").get_data(as_text=True)
    assert "merged into HP-AD-1C" in history, "the merged section's history names where it went"


def test_merging_with_the_sub_unit_unticked_moves_it_as_it_is(client, site, factory, login_as):
    _commune_counter(factory, site)
    login_as(client, _admin(factory))
    response = client.submit(
        f"/admin/units/{site.ward.id}/merge",
        {"target": "HP-AD", "effective_on": ON, "confirm": "1"},
    )
    assert response.status_code == 302
    counter = _unit(client.application, site.counter.id)
    assert counter.valid_to is None and counter.parent_id == site.commune.id
    assert _current_unit_codes(client.application, site.learner.id) == {"HP-HB-1C"}


def test_a_sub_unit_pair_not_offered_is_refused(client, site, factory, login_as):
    _commune_counter(factory, site)
    login_as(client, _admin(factory))
    response = client.submit(
        f"/admin/units/{site.ward.id}/merge",
        {
            "target": "HP-AD",
            "effective_on": ON,
            "confirm": "1",
            "sub_units": f"{site.counter.id}:{site.city.id}",
        },
    )
    assert response.status_code == 422
    assert _unit(client.application, site.ward.id).valid_to is None


def test_a_merge_that_cannot_be_is_refused_on_the_unit_page(client, site, factory, login_as):
    login_as(client, _admin(factory))
    inside = client.get(f"/admin/units/{site.ward.id}/merge?target=HP-HB-1C&effective_on={ON}")
    assert inside.status_code == 422
    assert 'role="alert"' in inside.get_data(as_text=True)
    unknown = client.get(f"/admin/units/{site.ward.id}/merge?target=NOPE&effective_on={ON}")
    assert unknown.status_code == 422
    assert "NOPE" in unknown.get_data(as_text=True)
    empty = client.get(f"/admin/units/{site.ward.id}/merge")
    assert empty.status_code == 422


def test_confirmation_page_queries_do_not_grow_with_people(
    client, site, factory, login_as, count_queries
):
    _commune_counter(factory, site)
    login_as(client, _admin(factory))
    client.get(_confirm_url(site))
    with count_queries() as few:
        client.get(_confirm_url(site))
    for number in range(8):
        person = factory.user(full_name=f"Người {number}")
        factory.assignment(person, site.position, site.ward if number % 2 else site.counter)
        factory.unit(parent=site.ward, kind="team", code=f"HP-HB-T{number}")
    with count_queries() as many:
        page = client.get(_confirm_url(site)).get_data(as_text=True)
    assert many.n == few.n
    assert "HP-HB-T7" in page
