"""What a nightly sync relies on: cursor paging and ``updated_since``, idempotent writes,
the upsert of a person by the HR system's id, and the roster synced as a job."""

import sqlalchemy as sa

from lms.accounts.models import User
from lms.core.db import utcnow
from lms.extensions import db
from tests.api.conftest import bearer

PERSON = {
    "username": "hr.person",
    "full_name": "Phạm Thị Hoa",
    "email": "hoa@example.gov.vn",
    "unit_code": "HP-HB-1C",
    "position_codes": ["ONE_STOP_T"],
    "start_date": "2026-01-01",
}


def test_pages_follow_the_cursor_and_updated_since_reads_only_changes(
    app, client, site, factory, make_caller
):
    for number in range(5):
        factory.assignment(factory.user(username=f"extra{number}"), site.position, site.counter)
    token = make_caller(["people:read"]).token()
    seen, cursor, pages = [], None, 0
    while True:
        query = "?limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(f"/api/v1/people{query}", headers=bearer(token)).get_json()
        seen += [person["id"] for person in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3 and len(seen) == len(set(seen)) == 7
    since = utcnow().isoformat()
    with app.app_context():
        db.session.get(User, site.learner.id).full_name = "Nguyễn Văn An Mới"
        db.session.commit()
    changed = client.get(
        "/api/v1/people", query_string={"updated_since": since}, headers=bearer(token)
    ).get_json()
    assert [person["username"] for person in changed["items"]] == ["learner"]
    bad = client.get("/api/v1/people?cursor=not-ours", headers=bearer(token))
    assert bad.status_code == 422 and bad.content_type == "application/problem+json"
    assert client.get("/api/v1/people?limit=1001", headers=bearer(token)).status_code == 422


def test_upsert_by_external_id_creates_once_then_changes_nothing(client, site, make_caller):
    token = make_caller(["people:write", "people:read"]).token()
    url = "/api/v1/people/by-external-id/HR-0042"
    created = client.put(url, json=PERSON, headers=bearer(token))
    assert created.status_code == 201, created.get_data(as_text=True)
    again = client.put(url, json=PERSON, headers=bearer(token))
    assert again.status_code == 200
    assert again.get_json()["id"] == created.get_json()["id"]
    assert again.get_json()["updated_at"] == created.get_json()["updated_at"]
    renamed = client.put(url, json={**PERSON, "full_name": "Phạm Thị Hoa B"}, headers=bearer(token))
    assert renamed.get_json()["full_name"] == "Phạm Thị Hoa B"
    person_id = created.get_json()["id"]
    gone = client.post(f"/api/v1/people/{person_id}/deactivate", headers=bearer(token))
    assert gone.status_code == 200 and gone.get_json()["active"] is False


def test_an_idempotency_key_replays_and_refuses_another_body(app, client, site, make_caller):
    token = make_caller(["people:write"]).token()
    url = "/api/v1/people/by-external-id/HR-7"
    headers = bearer(token, **{"Idempotency-Key": "nightly-2026-12-08-7"})
    first = client.put(url, json=PERSON, headers=headers)
    replay = client.put(url, json=PERSON, headers=headers)
    assert first.status_code == replay.status_code == 201
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.get_json() == first.get_json()
    other = client.put(url, json={**PERSON, "full_name": "Another"}, headers=headers)
    assert other.status_code == 422 and other.content_type == "application/problem+json"
    with app.app_context():
        assert db.session.get(User, first.get_json()["id"]).full_name == PERSON["full_name"]


def test_invalid_bodies_are_problems_naming_the_fields(client, site, make_caller):
    token = make_caller(["people:write"]).token()
    response = client.put(
        "/api/v1/people/by-external-id/HR-8",
        json={**PERSON, "start_date": "yesterday", "unit_code": ""},
        headers=bearer(token, **{"Accept-Language": "en"}),
    )
    assert response.status_code == 422
    errors = response.get_json()["errors"]["json"]
    assert set(errors) == {"start_date", "unit_code"}


def roster_rows(count: int, *, renamed: range = range(0)) -> list[dict]:
    return [
        {
            "username": f"sync.{number:05d}",
            "full_name": f"Người {number}" + (" (đổi)" if number in renamed else ""),
            "email": "",
            "unit_code": "HP-HB-1C",
            "position_codes": "ONE_STOP_T",
            "start_date": "2026-01-01",
            "roles": "",
        }
        for number in range(count)
    ]


def sync(client, token, rows, *, dry_run=False) -> dict:
    response = client.post(
        "/api/v1/roster-syncs", json={"rows": rows, "dry_run": dry_run}, headers=bearer(token)
    )
    assert response.status_code == 202, response.get_data(as_text=True)
    polled = client.get(response.headers["Location"], headers=bearer(token))
    assert polled.status_code == 200
    return polled.get_json()


def test_a_roster_synced_twice_changes_nothing_the_second_time(app, client, site, make_caller):
    token = make_caller(["people:write"]).token()
    first = sync(client, token, roster_rows(2000))
    assert first["status"] == "done"
    assert first["counts"] == {"created": 2000, "updated": 0, "unchanged": 0, "error": 0}
    second = sync(client, token, roster_rows(2000))
    assert second["counts"] == {"created": 0, "updated": 0, "unchanged": 2000, "error": 0}
    third = sync(client, token, roster_rows(2000, renamed=range(100, 150)))
    assert third["counts"] == {"created": 0, "updated": 50, "unchanged": 1950, "error": 0}


def test_a_dry_run_reports_and_changes_nothing_and_errors_name_their_rows(
    app, client, site, make_caller
):
    token = make_caller(["people:write"]).token()
    rows = roster_rows(3)
    rows[1]["unit_code"] = "NOWHERE"
    report = sync(client, token, rows, dry_run=True)
    assert report["dry_run"] is True and report["status"] == "done"
    assert report["counts"] == {"created": 2, "updated": 0, "unchanged": 0, "error": 1}
    assert [(row["line"], row["username"]) for row in report["errors"]] == [(3, "sync.00001")]
    with app.app_context():
        assert not db.session.scalars(sa.select(User.id).where(User.username.like("sync.%"))).all()


def test_only_a_client_of_the_whole_tree_syncs_the_roster(client, site, make_caller):
    token = make_caller(["people:write"], units=["HP-HB"]).token()
    response = client.post(
        "/api/v1/roster-syncs", json={"rows": roster_rows(1)}, headers=bearer(token)
    )
    assert response.status_code == 403


def test_a_page_costs_the_same_statements_whatever_its_rows(
    client, site, factory, make_caller, count_queries
):
    token = make_caller(["people:read", "certificates:read", "learning:read"]).token()

    def statements(url: str) -> int:
        with count_queries() as counted:
            assert client.get(url, headers=bearer(token)).status_code == 200
        return counted.n

    before = {url: statements(url) for url in ("/api/v1/people", "/api/v1/module-assignments")}
    for number in range(6):
        factory.assignment(factory.user(username=f"more{number}"), site.position, site.counter)
    after = {url: statements(url) for url in before}
    assert after == before


def test_learning_records_and_certificates_of_the_scope_are_read(
    client, site, factory, make_caller
):
    factory.curriculum_item(site.position, site.module_slug)
    for person in (site.learner, site.outsider):
        factory.complete_lessons(person, site.module_slug)
    token = make_caller(["learning:read", "certificates:read"], units=["HP-HB"]).token()

    def items(url: str) -> list[dict]:
        response = client.get(url, headers=bearer(token))
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()["items"]

    assignments = items("/api/v1/module-assignments")
    assert [(row["user_id"], row["state"]) for row in assignments] == [
        (site.learner.id, "completed")
    ]
    completions = items("/api/v1/completions")
    assert [row["user_id"] for row in completions] == [site.learner.id]
    certificates = items("/api/v1/certificates")
    assert {row["user_id"] for row in certificates} == {site.learner.id}
    assert {row["status"] for row in certificates} == {"valid"}
    assert all("/verify/" in row["verification_url"] for row in certificates)
    modules = items("/api/v1/modules")
    assert site.module_slug in {module["slug"] for module in modules}
