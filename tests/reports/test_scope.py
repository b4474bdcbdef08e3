"""Every reports URL, found from the URL map, refuses what lies outside the manager's subtree:
a unit, a person or a filter from elsewhere is 404 (or 403), never data."""

import itertools
from datetime import date

import pytest

from lms.extensions import db
from lms.reports import services

OUTSIDE_MARKERS = ("Xã An Dương", "Phạm Văn Dũng", "Thành phố Hải Phòng")


# Every signed-in person's own record: it names no one else (tests/reports/test_gradebook.py).
OWN_RECORD = "reports.my_record"


# Pages with no status filter, where a status in the query string is ignored.
UNSORTED = ("reports.dashboard", "reports.gradebook_page", "reports.gradebook_export")


def reports_rules(app):
    """The reports' manager pages."""
    rules = [
        rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("reports.") and rule.endpoint != OWN_RECORD
    ]
    assert len(rules) >= 7
    return rules


@pytest.fixture
def targets(app, country):
    """A target inside the manager's subtree (the ward's section) and one outside it (the
    commune), set by the admin."""
    ids = {}
    with app.app_context():
        admin = db.session.merge(country.admin)
        for name, unit in (("inside", country.section), ("outside", country.commune)):
            target = services.create_target(
                admin,
                unit=db.session.merge(unit),
                position=db.session.merge(country.position),
                module=None,
                percent=80,
                due_on=date(2026, 12, 31),
            )
            ids[name] = target.id
        db.session.commit()
    return ids


def values_for(rule, *, unit_id, user_id, target_id=0, table="people", fmt="csv"):
    """Every combination of the rule's own arguments."""
    choices = {
        "unit_id": [unit_id],
        "user_id": [user_id],
        "target_id": [target_id],
        "table": ["units", "positions", "modules", "months", "targets", "people"],
        "fmt": ["csv", "xlsx"],
    }
    names = sorted(rule.arguments)
    for combination in itertools.product(*(choices[name] for name in names)):
        yield dict(zip(names, combination, strict=True))


def fetch(client, url, rule=None):
    """GET ``url`` (POST an empty form with its CSRF token to a form's address) and close
    the response, as a server does (a streamed download holds its request open until then)."""
    if rule is not None and "GET" not in rule.methods:
        response = client.submit(url)
    else:
        response = client.get(url)
    response.get_data()
    response.close()
    return response


def build(app, rule, values, **query):
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values, **query)


def test_every_reports_url_refuses_ids_outside_the_managers_subtree(
    app, country, targets, login_as
):
    client = app.test_client()
    login_as(client, country.manager)
    requested = 0
    outside = targets["outside"]
    for rule in reports_rules(app):
        for values in values_for(
            rule, unit_id=country.commune.id, user_id=country.dung.id, target_id=outside
        ):
            if not {"unit_id", "user_id", "target_id"} & set(values):
                continue
            url = build(app, rule, values)
            response = fetch(client, url, rule)
            assert response.status_code in (403, 404), (url, response.status_code)
            requested += 1
        for values in values_for(
            rule, unit_id=country.city.id, user_id=country.an.id, target_id=targets["inside"]
        ):
            if "unit_id" in values:
                url = build(app, rule, values)
                assert fetch(client, url, rule).status_code == 404, url
                requested += 1
    assert requested >= 20


@pytest.mark.parametrize("bad", [{"module": 999999}, {"position": 999999}, {"status": "all-of-it"}])
def test_unknown_filters_are_not_found_on_every_list(app, country, login_as, bad):
    client = app.test_client()
    login_as(client, country.manager)
    for rule in reports_rules(app):
        if "user_id" in rule.arguments or "GET" not in rule.methods:
            continue
        if rule.endpoint == "reports.qualification_check":
            continue  # a form that takes no filters (tests/reports/test_qualification.py)
        for values in values_for(rule, unit_id=country.ward.id, user_id=country.an.id):
            if "status" in bad and values.get("table", "people") != "people":
                continue
            if "status" in bad and rule.endpoint in UNSORTED:
                continue
            url = build(app, rule, values, **bad)
            assert fetch(client, url).status_code == 404, url


def test_in_scope_urls_show_nothing_from_outside(app, country, targets, login_as):
    client = app.test_client()
    login_as(client, country.manager)
    for rule in reports_rules(app):
        if rule.endpoint == "reports.delete_target":
            continue  # deleting is tested with targets
        for values in values_for(
            rule, unit_id=country.ward.id, user_id=country.an.id, target_id=targets["inside"]
        ):
            url = build(app, rule, values)
            response = fetch(client, url, rule)
            # An empty new-target form comes back with its errors.
            expected = 200 if "GET" in rule.methods else 422
            assert response.status_code == expected, url
            body = response.get_data()
            if values.get("fmt") == "xlsx":
                continue
            text = body.decode("utf-8")
            for marker in OUTSIDE_MARKERS:
                assert marker not in text, (url, marker)


def test_the_admin_sees_everything(app, country, targets, login_as):
    client = app.test_client()
    login_as(client, country.admin)
    for rule in reports_rules(app):
        if rule.endpoint == "reports.delete_target":
            continue  # deleting is tested with targets
        for values in values_for(
            rule, unit_id=country.commune.id, user_id=country.dung.id, target_id=targets["outside"]
        ):
            url = build(app, rule, values)
            expected = 200 if "GET" in rule.methods else 422
            assert fetch(client, url, rule).status_code == expected, url
    assert "Phạm Văn Dũng" in fetch(client, "/reports/people").get_data(as_text=True)


def test_learners_are_refused_and_visitors_sent_to_sign_in(app, country, targets, login_as):
    learner = app.test_client()
    login_as(learner, country.an)
    anonymous = app.test_client()
    for rule in reports_rules(app):
        for values in values_for(
            rule, unit_id=country.section.id, user_id=country.an.id, target_id=targets["inside"]
        ):
            url = build(app, rule, values)
            assert fetch(learner, url, rule).status_code == 403, url
            response = fetch(anonymous, url, rule)
            assert response.status_code == 302 and "/login" in response.headers["Location"], url
