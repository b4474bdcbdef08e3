"""Single sign-on through a real OpenID Connect provider (tests/accounts/oidc_provider): the
site's test client goes out to the provider, a person signs in and consents there (played
over HTTP), and the provider's answer comes back to the site's callback."""

import re
import time
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
import sqlalchemy as sa

from lms.accounts.models import OidcLink, SignIn, User
from lms.config import ConfigError
from lms.core.permissions import Role
from lms.extensions import db
from lms.org.models import PositionAssignment
from tests.accounts.oidc_provider import (
    CALLBACK_PATH,
    CLIENT_ID,
    LABEL,
    NAME,
    Interceptor,
    identity_provider,  # noqa: F401  (a fixture)
)


@pytest.fixture(autouse=True)
def in_english(client):
    """The messages below are read in English, whatever the catalogue says in Vietnamese."""
    client.submit("/language", {"locale": "en", "next": "/"})


@pytest.fixture
def province(app, identity_provider, monkeypatch):  # noqa: F811
    """The site with the test provider configured as ``province``."""
    monkeypatch.setitem(app.config, "LMS_OIDC_PROVIDERS", {NAME: identity_provider.settings()})
    return identity_provider


@pytest.fixture(scope="module")
def interceptor(identity_provider):  # noqa: F811
    proxy = Interceptor(identity_provider)
    yield proxy
    proxy.close()


@pytest.fixture
def intercepted(app, interceptor, monkeypatch):
    """The site with the provider configured behind the interceptor."""
    monkeypatch.setitem(app.config, "LMS_OIDC_PROVIDERS", {NAME: interceptor.settings()})
    yield interceptor
    interceptor.change_id_token = None


@pytest.fixture
def lan(factory):
    """A civil servant whose account the province's directory names by her username."""
    return factory.user(username="nguyen.thi.lan", full_name="Nguyễn Thị Lan")


def go_out(client, next_path: str = "") -> str:
    """Press the provider's button; the address the site sends the browser to."""
    response = client.submit(f"/login/oidc/{NAME}", {"next": next_path})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.location


def come_back(client, url: str):
    parts = urlsplit(url)
    assert parts.path == CALLBACK_PATH, url
    return client.get(f"{parts.path}?{parts.query}")


def sign_in_through(client, provider, login: str):
    return come_back(client, provider.authorize(go_out(client), login))


def refusal(client, response) -> str:
    """The page a refused sign-in ends on, with its message."""
    assert response.status_code == 302 and response.location == "/login"
    return client.get("/login").get_data(as_text=True)


def sign_ins(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(SignIn))


def links(app) -> list[tuple[str, str, str]]:
    with app.app_context():
        return db.session.execute(
            sa.select(OidcLink.provider, OidcLink.subject, User.username).join(
                User, User.id == OidcLink.user_id
            )
        ).all()


def test_the_sign_in_page_shows_a_button_per_provider(client, province):
    page = client.get("/login").get_data(as_text=True)
    assert f'action="/login/oidc/{NAME}"' in page
    assert f"Sign in with {LABEL}" in page


def test_the_way_out_asks_for_a_code_with_pkce_nonce_and_state(client, province):
    query = parse_qs(urlsplit(go_out(client)).query)
    assert query["response_type"] == ["code"]
    assert query["client_id"] == [CLIENT_ID]
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert query["nonce"][0] and query["state"][0]
    assert query["redirect_uri"] == [f"http://localhost{CALLBACK_PATH}"]


def test_a_first_sign_in_links_the_account_with_that_username(app, client, province, lan):
    response = sign_in_through(client, province, "lan")
    assert response.status_code == 302 and response.location == "/"
    assert client.get("/").status_code == 200
    assert links(app) == [(NAME, "lan", "nguyen.thi.lan")]
    assert sign_ins(app) == 1


def test_later_sign_ins_go_by_the_link_whatever_the_username(app, client, province, lan):
    sign_in_through(client, province, "lan")
    client.post("/logout", data={"csrf_token": client.csrf_token()})
    with app.app_context():
        db.session.execute(sa.update(User).where(User.id == lan.id).values(username="lan.renamed"))
        db.session.commit()
    response = sign_in_through(client, province, "lan")
    assert response.location == "/"
    assert links(app) == [(NAME, "lan", "lan.renamed")]


def test_a_deactivated_account_is_refused_though_linked(app, client, province, lan):
    sign_in_through(client, province, "lan")
    client.post("/logout", data={"csrf_token": client.csrf_token()})
    with app.app_context():
        db.session.execute(sa.update(User).where(User.id == lan.id).values(active=False))
        db.session.commit()
    page = refusal(client, sign_in_through(client, province, "lan"))
    assert "This account has been deactivated" in page
    assert client.get("/").status_code == 302 and sign_ins(app) == 1


def test_an_account_links_to_one_identity_per_provider(app, client, province, lan):
    sign_in_through(client, province, "lan")
    client.post("/logout", data={"csrf_token": client.csrf_token()})
    with app.app_context():
        db.session.execute(sa.update(OidcLink).values(subject="an-earlier-identity"))
        db.session.commit()
    page = refusal(client, sign_in_through(client, province, "lan"))
    assert "already linked to another identity" in page
    assert links(app) == [(NAME, "an-earlier-identity", "nguyen.thi.lan")]


def test_the_next_page_survives_the_trip(client, province, lan):
    url = province.authorize(go_out(client, "/certificates"), "lan")
    assert come_back(client, url).location == "/certificates"


def test_no_account_with_that_username_is_refused_even_with_the_same_name(
    app, client, province, factory
):
    # The provider's "Lê Văn Lạ" shares a display name with an account: names never match.
    factory.user(username="la.le", full_name="Lê Văn Lạ")
    page = refusal(client, sign_in_through(client, province, "stranger"))
    assert "as le.van.la, but no account here has that username" in page
    assert client.get("/").status_code == 302
    assert links(app) == [] and sign_ins(app) == 0


def test_just_in_time_creates_the_account_in_its_unit_and_position(
    app, client, province, factory, monkeypatch
):
    monkeypatch.setitem(app.config, "LMS_OIDC_PROVIDERS", {NAME: province.settings(jit=True)})
    ward = factory.unit(kind="ward", code="HP-HB", name_vi="Phường Hồng Bàng")
    position = factory.position(code="VT", name_vi="Công chức Văn phòng - Văn thư")
    response = sign_in_through(client, province, "minh")
    assert response.location == "/"
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "tran.van.minh"))
        assert (user.full_name, user.email) == ("Trần Văn Minh", "minh@haiphong.gov.vn")
        held = db.session.execute(
            sa.select(PositionAssignment.unit_id, PositionAssignment.position_id).where(
                PositionAssignment.user_id == user.id
            )
        ).all()
    assert held == [(ward.id, position.id)]
    assert links(app) == [(NAME, "minh", "tran.van.minh")]


def test_just_in_time_refuses_a_unit_the_site_does_not_know(
    app, client, province, factory, monkeypatch
):
    monkeypatch.setitem(app.config, "LMS_OIDC_PROVIDERS", {NAME: province.settings(jit=True)})
    factory.position(code="VT", name_vi="Công chức Văn phòng - Văn thư")
    page = refusal(client, sign_in_through(client, province, "minh"))
    assert "you work in unit HP-HB, which this site does not know" in page
    with app.app_context():
        assert db.session.scalar(sa.select(User).where(User.username == "tran.van.minh")) is None
    assert links(app) == [] and sign_ins(app) == 0


def test_password_sign_in_can_be_switched_off_for_a_role(
    app, client, province, factory, login_as, monkeypatch
):
    monkeypatch.setitem(app.config, "LMS_PASSWORD_SIGN_IN_DISABLED_ROLES", ["admin"])
    admin = factory.user(username="admin", roles=[Role.ADMIN])
    learner = factory.user(username="learner")
    response = client.submit("/login", {"username": "admin", "password": admin.test_password})
    assert response.status_code == 200
    assert f"does not sign in with a password. Use the button “Sign in with {LABEL}”" in (
        response.get_data(as_text=True)
    )
    assert client.get("/").status_code == 302 and sign_ins(app) == 0
    login_as(client, learner)
    assert client.get("/").status_code == 200


def test_signing_out_ends_the_session_here_and_at_the_provider(client, province, lan):
    provider_browser = requests.Session()
    url = province.authorize(go_out(client), "lan", provider_browser)
    come_back(client, url)
    response = client.post("/logout", data={"csrf_token": client.csrf_token()})
    assert client.get("/").status_code == 302
    assert response.location.startswith(f"{province.issuer}/session/end?")
    query = parse_qs(urlsplit(response.location).query)
    assert query["post_logout_redirect_uri"] == ["http://localhost/login"]
    assert query["id_token_hint"][0].count(".") == 2
    # The provider accepts the hint and, once the person confirms, sends them back.
    page = provider_browser.get(response.location, timeout=10)
    assert page.status_code == 200 and "sign-out" in page.text
    form = dict(re.findall(r'name="(\w+)" value="([^"]*)"', page.text))
    action = re.search(r'action="([^"]+)"', page.text).group(1)
    back = provider_browser.post(
        urljoin(page.url, action), data={**form, "logout": "yes"}, allow_redirects=False
    )
    assert back.headers["Location"].startswith("http://localhost/login")


def test_signing_out_after_a_password_sign_in_stays_here(client, province, lan, login_as):
    login_as(client, lan)
    response = client.post("/logout", data={"csrf_token": client.csrf_token()})
    assert response.location == "/login"


def test_keys_the_provider_rotates_are_fetched_again(client, province, lan):
    assert sign_in_through(client, province, "lan").location == "/"
    client.post("/logout", data={"csrf_token": client.csrf_token()})
    province.restart()  # a new signing key, of a key id the site has not seen
    assert sign_in_through(client, province, "lan").location == "/"


# What the site must refuse: each with a message and without a session.


def test_a_state_this_browser_did_not_start_is_refused(app, client, province, lan):
    url = province.authorize(go_out(client), "lan")
    forged = re.sub(r"state=[^&]+", "state=forged", url)
    page = refusal(client, come_back(client, forged))
    assert "This sign-in was not started here" in page
    assert client.get("/").status_code == 302 and sign_ins(app) == 0


def test_a_replayed_code_is_refused(app, client, province, lan):
    url = province.authorize(go_out(client), "lan")
    # Someone who copied the browser's cookie and the address it was sent back to.
    with client.session_transaction() as session:
        before = dict(session)
    assert come_back(client, url).location == "/"
    replayer = app.test_client()
    with replayer.session_transaction() as session:
        session.update(before)
    page = refusal(replayer, come_back(replayer, url))
    assert f"{LABEL} did not sign you in (invalid_grant)" in page
    assert replayer.get("/").status_code == 302 and sign_ins(app) == 1


def test_an_id_token_signed_by_a_key_it_trusts_passes(client, intercepted, lan):
    """The control for the three below: the test's own key is trusted, so only the change
    each of them makes can be why it is refused."""
    intercepted.change_id_token = intercepted.re_signed()
    assert sign_in_through(client, intercepted.provider, "lan").location == "/"


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda proxy: proxy.tampered, id="tampered"),
        pytest.param(lambda proxy: proxy.re_signed(aud="another-site"), id="wrong-audience"),
        pytest.param(lambda proxy: proxy.re_signed(exp=int(time.time()) - 3600), id="expired"),
        pytest.param(lambda proxy: proxy.re_signed(iss="http://127.0.0.1:1"), id="wrong-issuer"),
        pytest.param(lambda proxy: proxy.re_signed(nonce="another"), id="wrong-nonce"),
    ],
)
def test_an_id_token_that_fails_a_check_is_refused(app, client, intercepted, lan, change):
    intercepted.change_id_token = change(intercepted)
    page = refusal(client, sign_in_through(client, intercepted.provider, "lan"))
    assert f"The answer from {LABEL} could not be verified" in page
    assert client.get("/").status_code == 302
    assert sign_ins(app) == 0 and links(app) == []


def test_an_unknown_provider_is_not_found(client, province):
    assert client.submit("/login/oidc/elsewhere").status_code == 404
    assert client.get("/login/oidc/elsewhere/callback").status_code == 404


@pytest.mark.parametrize(
    ("environment", "problem"),
    [
        ({"LMS_OIDC_PROVIDERS": "hp"}, "LMS_OIDC_HP_ISSUER is not set"),
        (
            {
                "LMS_OIDC_PROVIDERS": "hp",
                "LMS_OIDC_HP_ISSUER": "login.haiphong.gov.vn",
                "LMS_OIDC_HP_CLIENT_ID": "lms",
                "LMS_OIDC_HP_CLIENT_SECRET": "secret",
                "LMS_OIDC_HP_LABEL": "Hải Phòng",
            },
            "LMS_OIDC_HP_ISSUER must be an https://",
        ),
        ({"LMS_PASSWORD_SIGN_IN_DISABLED_ROLES": "admin,boss"}, "unknown role 'boss'"),
        ({"LMS_PASSWORD_SIGN_IN_DISABLED_ROLES": "admin"}, "no provider"),
    ],
)
def test_a_half_configured_provider_stops_the_start(tmp_path, monkeypatch, environment, problem):
    from lms import create_app

    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=re.escape(problem)):
        create_app({"TESTING": True, "LMS_INSTANCE_PATH": str(tmp_path)})


def test_providers_come_from_the_environment(tmp_path, monkeypatch):
    from lms import create_app

    for name, value in {
        "LMS_OIDC_PROVIDERS": "haiphong, hanoi",
        "LMS_OIDC_HAIPHONG_ISSUER": "https://login.haiphong.gov.vn",
        "LMS_OIDC_HAIPHONG_CLIENT_ID": "lms",
        "LMS_OIDC_HAIPHONG_CLIENT_SECRET": "s1",
        "LMS_OIDC_HAIPHONG_LABEL": "Hải Phòng",
        "LMS_OIDC_HAIPHONG_USERNAME_CLAIM": "civil_servant_code",
        "LMS_OIDC_HAIPHONG_JIT": "true",
        "LMS_OIDC_HANOI_ISSUER": "https://sso.hanoi.gov.vn/realms/cb",
        "LMS_OIDC_HANOI_CLIENT_ID": "lms-hn",
        "LMS_OIDC_HANOI_CLIENT_SECRET": "s2",
        "LMS_OIDC_HANOI_LABEL": "Hà Nội",
        "LMS_OIDC_HANOI_SCOPES": "openid profile",
        "LMS_PASSWORD_SIGN_IN_DISABLED_ROLES": "admin manager",
    }.items():
        monkeypatch.setenv(name, value)
    config = create_app({"TESTING": True, "LMS_INSTANCE_PATH": str(tmp_path)}).config
    haiphong, hanoi = (
        config["LMS_OIDC_PROVIDERS"]["haiphong"],
        config["LMS_OIDC_PROVIDERS"]["hanoi"],
    )
    assert (haiphong["username_claim"], haiphong["jit"], haiphong["scopes"]) == (
        "civil_servant_code",
        True,
        ["openid", "profile", "email"],
    )
    assert (hanoi["username_claim"], hanoi["jit"], hanoi["scopes"]) == (
        "preferred_username",
        False,
        ["openid", "profile"],
    )
    assert config["LMS_PASSWORD_SIGN_IN_DISABLED_ROLES"] == ["admin", "manager"]


def test_forms_may_lead_on_to_the_providers_only(tmp_path):
    """The sign-in and sign-out buttons' redirects go to the provider, which the content
    security policy's form-action must allow, and nothing else."""
    from lms import create_app

    settings = {
        "issuer": "https://sso.haiphong.gov.vn/realms/can-bo",
        "client_id": "lms",
        "client_secret": "secret",
        "label": "Hải Phòng",
    }
    app = create_app(
        {
            "TESTING": True,
            "LMS_INSTANCE_PATH": str(tmp_path),
            "LMS_OIDC_PROVIDERS": {"hp": settings},
        }
    )
    policy = app.test_client().get("/login").headers["Content-Security-Policy"]
    assert "form-action 'self' https://sso.haiphong.gov.vn;" in policy
