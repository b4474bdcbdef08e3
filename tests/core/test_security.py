"""Security properties that hold for every page and every form, found from the URL map.
Who may open which page is the authorization matrix's (``tests/security``)."""

from pathlib import Path
from urllib.parse import urlsplit

import pytest

CORPUS = Path(__file__).parents[1] / "data" / "corpora" / "Open-Redirect-payloads.txt"
STATIC = {"static"}


def url_args(site) -> dict:
    return {
        "user_id": site.learner.id,
        "unit_id": site.ward.id,
        "position_id": site.position.id,
        "assignment_id": site.assignment.id,
        "attempt_id": 1,
        "slug": site.module_slug,
        "key": site.activity_key,
        "segment": "lessons",  # the address of a lesson's editor
        "digest": "0123456789abcdef",
        "path": "signing.svg",
        "kind": "csv",
        "token": "not-a-token",
        "import_id": 1,
        "code": "AAAA-BBBB",
        "certificate_id": 1,
        "item_id": 1,
        "table": "people",
        "fmt": "csv",
        "session_id": 1,
        "slot_id": 1,
        "target_id": 1,
        "number": 1,  # a status list of the credentials
        "provider": "province",  # an OpenID Connect provider (none is configured here)
        "sign_in_id": 1,
        "job_id": 1,  # a roster sync of the API
        "bulk_id": 1,  # a bulk assignment
        "client_id": 1,
        "token_id": 1,
        "external_id": "HR-0001",
    }


def urls(app, site, method: str):
    args = url_args(site)
    with app.test_request_context():
        from flask import url_for

        for rule in app.url_map.iter_rules():
            if rule.endpoint in STATIC or method not in rule.methods:
                continue
            yield (
                rule.endpoint,
                url_for(rule.endpoint, **{name: args[name] for name in rule.arguments}),
            )


def test_access_denied_page_explains_in_the_users_language(client, site, login_as):
    login_as(client, site.learner)
    page = client.get("/admin/users").get_data(as_text=True)
    assert "Không có quyền truy cập" in page
    client.submit("/language", {"locale": "en", "next": "/"})
    assert "Access denied" in client.get("/admin/users").get_data(as_text=True)


def test_every_form_refuses_a_post_without_csrf_token(app, site, login_as):
    anonymous = app.test_client()
    admin = app.test_client()
    login_as(admin, site.admin)
    posted = 0
    for endpoint, url in urls(app, site, "POST"):
        # The REST API reads no cookie, so a forged cross-site request carries no credential:
        # it is refused as unauthenticated (tests/api/test_access.py), or as an OAuth request
        # without client credentials at /api/v1/token.
        refused = (400, 401) if url.startswith("/api/") else (400,)
        for client in (anonymous, admin):
            response = client.post(url, data={"username": "admin", "password": "x"})
            assert response.status_code in refused, (endpoint, url, response.status_code)
            posted += 1
    assert posted >= 30
    assert admin.get("/admin/users").status_code == 200, "the admin is still signed in"


# The API's reference page: the vendored ReDoc writes its styles inline (styled-components);
# its scripts still come from the site only.
INLINE_STYLES = {"/api/v1/docs"}


def _assert_hardened(response, url):
    headers = response.headers
    policy = headers.get("Content-Security-Policy", "")
    assert "script-src 'self'" in policy, url
    if url in INLINE_STYLES:
        assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0], url
    else:
        assert "unsafe-inline" not in policy, url
    assert "frame-ancestors 'none'" in policy, url
    assert headers.get("X-Content-Type-Options") == "nosniff", url
    assert headers.get("Referrer-Policy") == "same-origin", url
    assert headers.get("X-Frame-Options") == "DENY", url


def test_every_page_carries_security_headers_for_every_role(app, site, login_as):
    pages = [url for _, url in urls(app, site, "GET")] + ["/no-such-page", "/static/css/app.css"]
    roles = [None, site.learner, site.trainer, site.manager, site.admin]
    crawled = 0
    for user in roles:
        client = app.test_client()
        if user is not None:
            login_as(client, user)
        for url in pages:
            response = client.get(url)
            assert response.status_code < 500, (url, response.status_code)
            _assert_hardened(response, url)
            crawled += 1
    assert crawled >= 5 * 15


def _payloads():
    return [line.rstrip("\n") for line in CORPUS.read_text(encoding="utf-8").splitlines() if line]


def _stays_on_site(location: str) -> bool:
    parts = urlsplit(location)
    return (
        parts.netloc in ("", "localhost")
        and parts.path.startswith("/")
        and not (location.startswith("//") or location.startswith("/\\"))
    )


def test_sign_in_next_accepts_only_local_paths(client, factory):
    user = factory.user()
    payloads = _payloads()
    assert len(payloads) > 200
    # Signing in with a sample of payloads, then every payload while signed in: both paths
    # redirect through the same check, and the second needs no password hashing.
    token = client.csrf_token()
    for payload in payloads[::40]:
        response = client.post(
            "/login",
            data={
                "username": user.username,
                "password": user.test_password,
                "next": payload,
                "csrf_token": token,
            },
        )
        assert response.status_code == 302, payload
        assert _stays_on_site(response.headers["Location"]), payload
        client.submit("/logout")
        token = client.csrf_token()
    client.submit("/login", {"username": user.username, "password": user.test_password})
    for payload in payloads:
        response = client.get("/login", query_string={"next": payload})
        assert response.status_code == 302, payload
        assert _stays_on_site(response.headers["Location"]), payload


@pytest.mark.parametrize("target", ["/admin/users?q=an", "/account/password"])
def test_sign_in_next_keeps_local_paths(client, factory, target):
    user = factory.user()
    response = client.submit(
        "/login", {"username": user.username, "password": user.test_password, "next": target}
    )
    assert response.headers["Location"] == target


def test_language_switch_next_stays_on_site(client):
    token = client.csrf_token()
    for payload in _payloads():
        response = client.post(
            "/language", data={"locale": "en", "next": payload, "csrf_token": token}
        )
        assert _stays_on_site(response.headers["Location"]), payload


def test_a_nul_character_in_a_form_or_query_is_refused_before_any_query(client, factory):
    """PostgreSQL cannot compare text with a NUL in it: the request stops at a 400."""
    factory.user(username="nul.user", password="Mat-khau-dai-2026")
    with_nul = client.submit(
        "/login", {"username": "nul\x00.user", "password": "Mat-khau-dai-2026"}
    )
    assert with_nul.status_code == 400
    assert client.get("/login?next=%00").status_code == 400
    assert client.get("/login").status_code == 200
