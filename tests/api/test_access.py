"""Who may call the API and what each caller sees: bearer tokens from the token endpoint
(client credentials) or a person's own, their scopes, expiry and revocation, the client's
part of the org tree, and the browser's session, which the API does not accept."""

import sqlalchemy as sa

from lms.accounts.models import User
from lms.api import services
from lms.api.models import ApiRequest, ApiToken
from lms.extensions import db
from tests.api.conftest import Caller, bearer

PEOPLE = "/api/v1/people"


def usernames(response) -> set[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return {person["username"] for person in response.get_json()["items"]}


def test_a_token_from_client_credentials_reads_and_each_use_is_logged(
    app, client, site, make_caller
):
    caller = make_caller(["people:read"])
    token = caller.token()
    assert usernames(client.get(PEOPLE, headers=bearer(token))) >= {"learner", "outsider"}
    with app.app_context():
        stored = db.session.scalars(sa.select(ApiToken.token_hash)).all()
        logged = db.session.execute(
            sa.select(ApiRequest.method, ApiRequest.path, ApiRequest.status)
        ).all()
    assert token not in stored and len(stored[0]) == 64  # kept as its SHA-256 only
    assert logged == [("GET", PEOPLE, 200)]


def test_no_bad_expired_or_revoked_token_reads_anything(app, client, site, make_caller, clock):
    for headers in ({}, bearer("not-a-token"), {"Authorization": "Basic eDp5"}):
        response = client.get(PEOPLE, headers=headers)
        assert response.status_code == 401
        assert response.content_type == "application/problem+json"
        assert response.get_json()["status"] == 401
    caller = make_caller(["people:read"])
    token = caller.token()
    clock.advance(seconds=app.config["LMS_API_TOKEN_SECONDS"] + 1)
    assert client.get(PEOPLE, headers=bearer(token)).status_code == 401
    fresh = caller.token()
    assert client.get(PEOPLE, headers=bearer(fresh)).status_code == 200
    with app.app_context():
        made = services.client_by_client_id(caller.client_id)
        services.revoke_client(None, made)
        db.session.commit()
    assert client.get(PEOPLE, headers=bearer(fresh)).status_code == 401
    refused = client.post(
        "/api/v1/token",
        data={"grant_type": "client_credentials"},
        auth=(caller.client_id, caller.secret),
    )
    assert refused.status_code in (400, 401)


def test_a_wrong_secret_gets_no_token(client, site, make_caller):
    caller = make_caller(["people:read"])
    response = client.post(
        "/api/v1/token", data={"grant_type": "client_credentials"}, auth=(caller.client_id, "wrong")
    )
    assert response.status_code == 401


def test_a_missing_scope_is_a_403_problem_in_the_callers_language(client, site, make_caller):
    token = make_caller(["people:read"]).token()
    english = client.get("/api/v1/units", headers=bearer(token, **{"Accept-Language": "en"}))
    vietnamese = client.get("/api/v1/units", headers=bearer(token, **{"Accept-Language": "vi"}))
    assert english.status_code == vietnamese.status_code == 403
    assert english.content_type == "application/problem+json"
    assert english.get_json()["title"] == "Access denied"
    assert "org:read" in english.get_json()["detail"]
    assert vietnamese.get_json()["title"] != "Access denied"


def test_a_client_asks_for_fewer_scopes_than_it_holds(client, site, make_caller):
    token = make_caller(["people:read", "org:read"]).token(scope="org:read")
    assert client.get(PEOPLE, headers=bearer(token)).status_code == 403
    assert client.get("/api/v1/units", headers=bearer(token)).status_code == 200


def test_the_browser_session_is_not_accepted(client, site, login_as):
    login_as(client, site.admin)
    response = client.get(PEOPLE)
    assert response.status_code == 401
    assert client.get("/api/v1/units").status_code == 401


def test_a_client_scoped_to_a_ward_sees_nothing_outside_it(client, site, make_caller):
    token = make_caller(
        ["people:read", "org:read", "learning:read", "reports:read"], units=["HP-HB"]
    ).token()
    assert usernames(client.get(PEOPLE, headers=bearer(token))) == {"learner"}
    units = client.get("/api/v1/units", headers=bearer(token)).get_json()["items"]
    assert {unit["code"] for unit in units} == {"HP-HB", "HP-HB-1C"}
    assert client.get(f"{PEOPLE}/{site.outsider.id}", headers=bearer(token)).status_code == 404
    assert client.get(f"{PEOPLE}/{site.learner.id}", headers=bearer(token)).status_code == 200
    held = client.get("/api/v1/position-assignments", headers=bearer(token)).get_json()["items"]
    assert {row["user_id"] for row in held} == {site.learner.id}
    commune = client.get(f"/api/v1/figures?unit_id={site.commune.id}", headers=bearer(token))
    assert commune.status_code == 404


def test_a_scoped_client_may_not_create_people(client, site, make_caller):
    token = make_caller(["people:write"], units=["HP-HB"]).token()
    response = client.put(
        "/api/v1/people/by-external-id/HR-1",
        json={
            "username": "new.person",
            "full_name": "Người Mới",
            "unit_code": "HP-HB-1C",
            "position_codes": ["ONE_STOP_T"],
            "start_date": "2026-01-01",
        },
        headers=bearer(token),
    )
    assert response.status_code == 403
    assert response.content_type == "application/problem+json"


def test_a_nul_character_anywhere_is_a_400_problem_not_a_database_error(
    app, client, site, make_caller
):
    """Schemathesis found it on PostgreSQL: a NUL in a position code reached the query."""
    token = make_caller(["people:read", "people:write"]).token()
    person = {
        "username": "new.person",
        "full_name": "Người Mới",
        "unit_code": "HP-HB-1C",
        "position_codes": ["\x00"],
        "start_date": "2026-01-01",
    }
    calls = [
        client.put("/api/v1/people/by-external-id/HR-1", json=person, headers=bearer(token)),
        client.put("/api/v1/people/by-external-id/HR%00", json={}, headers=bearer(token)),
        client.get("/api/v1/people?cursor=%00", headers=bearer(token)),
    ]
    for response in calls:
        assert response.status_code == 400
        assert response.content_type == "application/problem+json"
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.username == "new.person")) is None
    fine = dict(person, position_codes=["ONE_STOP_T"])
    created = client.put("/api/v1/people/by-external-id/HR-1", json=fine, headers=bearer(token))
    assert created.status_code in (200, 201)


def test_a_personal_token_reads_only_its_holders_records(app, client, site, login_as):
    login_as(client, site.learner)
    page = client.submit(
        "/account/api-tokens",
        {"name": "my script", "scopes": ["people:read", "certificates:read"], "days": "7"},
    )
    assert page.status_code == 200
    with app.app_context():
        token = db.session.scalars(sa.select(ApiToken)).one()
        assert token.user_id == site.learner.id
    value = page.get_data(as_text=True).split("<pre><code>")[1].split("</code>")[0]
    assert usernames(client.get(PEOPLE, headers=bearer(value))) == {"learner"}
    assert client.get(f"{PEOPLE}/{site.outsider.id}", headers=bearer(value)).status_code == 404
    assert client.get("/api/v1/certificates", headers=bearer(value)).status_code == 200
    assert client.get("/api/v1/units", headers=bearer(value)).status_code == 403
    client.submit(f"/account/api-tokens/{token.id}/revoke")
    assert client.get(PEOPLE, headers=bearer(value)).status_code == 401


def test_a_person_may_not_take_a_client_scope_for_their_own_token(app, client, site, login_as):
    login_as(client, site.learner)
    page = client.submit(
        "/account/api-tokens", {"name": "x", "scopes": ["people:write"], "days": "7"}
    )
    assert page.status_code == 422
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


def test_the_reference_page_and_document_are_served_without_a_cdn(client):
    document = client.get("/api/v1/openapi.json")
    assert document.status_code == 200 and document.get_json()["openapi"] == "3.1.0"
    page = client.get("/api/v1/docs")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "/static/vendor/redoc-2.5.4/redoc.standalone." in html and "https://" not in html
    assert client.get("/static/vendor/redoc-2.5.4/redoc.standalone.js").status_code == 200


def test_the_rate_limit_counts_per_client(app, client, site, make_caller):
    app.config["LMS_API_RATE_LIMIT"] = "3 per minute"
    try:
        first, second = make_caller(["people:read"]).token(), make_caller(["people:read"]).token()
        statuses = [client.get(PEOPLE, headers=bearer(first)).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        assert client.get(PEOPLE, headers=bearer(second)).status_code == 200
    finally:
        app.config["LMS_API_RATE_LIMIT"] = "600 per minute"


def test_expired_personal_token_is_refused(app, client, site, clock):
    with app.app_context():
        learner = db.session.get(User, site.learner.id)
        _row, value = services.create_personal_token(
            learner, name="t", scopes=["people:read"], days=1
        )
        db.session.commit()
    assert client.get(PEOPLE, headers=bearer(value)).status_code == 200
    clock.advance(days=1, seconds=1)
    assert client.get(PEOPLE, headers=bearer(value)).status_code == 401


def test_an_admin_creates_and_revokes_a_client_on_its_page(app, client, site, login_as):
    login_as(client, site.admin)
    page = client.submit(
        "/admin/api-clients",
        {"name": "Sở Nội vụ HR", "scopes": ["people:read", "org:read"], "units": "HP-HB"},
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 200, html
    client_id = html.split("<dt>client_id</dt><dd><code>")[1].split("<")[0]
    secret = html.split("<dt>client_secret</dt><dd><code>")[1].split("<")[0]
    token = Caller(client, client_id, secret).token()
    assert usernames(client.get(PEOPLE, headers=bearer(token))) == {"learner"}
    with app.app_context():
        made = services.client_by_client_id(client_id)
    client.submit(f"/admin/api-clients/{made.id}/revoke")
    assert client.get(PEOPLE, headers=bearer(token)).status_code == 401


def test_an_unknown_unit_or_scope_is_refused_on_the_page(client, site, login_as):
    login_as(client, site.admin)
    page = client.submit(
        "/admin/api-clients", {"name": "x", "scopes": ["people:read"], "units": "NOWHERE"}
    )
    assert page.status_code == 422
    assert "NOWHERE" in page.get_data(as_text=True)


def test_the_personal_tokens_form_needs_its_csrf_token(app, client, site, login_as):
    login_as(client, site.learner)
    forged = client.post(
        "/account/api-tokens", data={"name": "x", "scopes": ["people:read"], "days": "7"}
    )
    assert forged.status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0
