"""Every reports URL, found from the URL map, refuses what lies outside the manager's subtree:
a unit, a person or a filter from elsewhere is 404 (or 403), never data."""

import itertools

import pytest

OUTSIDE_MARKERS = ("Xã An Dương", "Phạm Văn Dũng", "Thành phố Hải Phòng")


def reports_rules(app):
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("reports.")]
    assert len(rules) >= 7
    return rules


def values_for(rule, *, unit_id, user_id, table="people", fmt="csv"):
    """Every combination of the rule's own arguments."""
    choices = {
        "unit_id": [unit_id],
        "user_id": [user_id],
        "table": ["units", "positions", "modules", "months", "people"],
        "fmt": ["csv", "xlsx"],
    }
    names = sorted(rule.arguments)
    for combination in itertools.product(*(choices[name] for name in names)):
        yield dict(zip(names, combination, strict=True))


def fetch(client, url):
    """GET ``url`` and close the response, as a server does (a streamed download holds its
    request open until then)."""
    response = client.get(url)
    response.get_data()
    response.close()
    return response


def build(app, rule, values, **query):
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values, **query)


def test_every_reports_url_refuses_ids_outside_the_managers_subtree(app, country, login_as):
    client = app.test_client()
    login_as(client, country.manager)
    requested = 0
    for rule in reports_rules(app):
        for values in values_for(rule, unit_id=country.commune.id, user_id=country.dung.id):
            if "unit_id" not in values and "user_id" not in values:
                continue
            url = build(app, rule, values)
            response = fetch(client, url)
            assert response.status_code in (403, 404), (url, response.status_code)
            requested += 1
        for values in values_for(rule, unit_id=country.city.id, user_id=country.an.id):
            if "unit_id" in values:
                url = build(app, rule, values)
                assert fetch(client, url).status_code == 404, url
                requested += 1
    assert requested >= 20


@pytest.mark.parametrize("bad", [{"module": 999999}, {"position": 999999}, {"status": "all-of-it"}])
def test_unknown_filters_are_not_found_on_every_list(app, country, login_as, bad):
    client = app.test_client()
    login_as(client, country.manager)
    for rule in reports_rules(app):
        if "user_id" in rule.arguments:
            continue
        for values in values_for(rule, unit_id=country.ward.id, user_id=country.an.id):
            if "status" in bad and values.get("table", "people") != "people":
                continue
            if "status" in bad and rule.endpoint == "reports.dashboard":
                continue
            url = build(app, rule, values, **bad)
            assert fetch(client, url).status_code == 404, url


def test_in_scope_urls_show_nothing_from_outside(app, country, login_as):
    client = app.test_client()
    login_as(client, country.manager)
    for rule in reports_rules(app):
        for values in values_for(rule, unit_id=country.ward.id, user_id=country.an.id):
            url = build(app, rule, values)
            response = fetch(client, url)
            assert response.status_code == 200, url
            body = response.get_data()
            if values.get("fmt") == "xlsx":
                continue
            text = body.decode("utf-8")
            for marker in OUTSIDE_MARKERS:
                assert marker not in text, (url, marker)


def test_the_admin_sees_everything(app, country, login_as):
    client = app.test_client()
    login_as(client, country.admin)
    for rule in reports_rules(app):
        for values in values_for(rule, unit_id=country.commune.id, user_id=country.dung.id):
            url = build(app, rule, values)
            assert fetch(client, url).status_code == 200, url
    assert "Phạm Văn Dũng" in fetch(client, "/reports/people").get_data(as_text=True)


def test_learners_are_refused_and_visitors_sent_to_sign_in(app, country, login_as):
    learner = app.test_client()
    login_as(learner, country.an)
    anonymous = app.test_client()
    for rule in reports_rules(app):
        for values in values_for(rule, unit_id=country.section.id, user_id=country.an.id):
            url = build(app, rule, values)
            assert fetch(learner, url).status_code == 403, url
            response = fetch(anonymous, url)
            assert response.status_code == 302 and "/login" in response.headers["Location"], url
