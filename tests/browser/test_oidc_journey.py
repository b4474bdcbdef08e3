"""A civil servant signs in through the province's identity provider (a real OpenID Connect
provider, tests/accounts/oidc_provider) in Chromium and lands on My learning, on SQLite and
on PostgreSQL. Axe checks the site's pages only: the provider's login and consent pages are
the test provider's development pages, not ours.

With LMS_SCREENSHOTS=1 the journey saves the provider's consent page and the landing page to
docs/screenshots/oidc-consent.png and oidc-landing.png.
"""

import os
from datetime import date
from pathlib import Path

import pytest
from flask_migrate import upgrade

from lms import create_app
from lms.extensions import db, limiter
from lms.testing import plugin
from lms.testing.courses import sync, write_course
from lms.testing.databases import PostgresSchema, database_params
from lms.testing.factories import Factories
from tests.accounts.oidc_provider import (
    LABEL,
    NAME,
    identity_provider,  # noqa: F401  (a fixture)
)
from tests.browser.conftest import reveal, served, windows

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).parents[2] / "docs" / "screenshots"


def _site(url: str, folder: Path, provider) -> object:
    """A site on ``url`` with the provider configured, and Lan, who holds a position whose
    curriculum has one module."""
    saved = limiter._storage, limiter._limiter
    settings = plugin.testing_config(url, folder)
    settings["LMS_OIDC_PROVIDERS"] = {NAME: provider.settings()}
    settings["LMS_JOBS_IMMEDIATE"] = False  # served() runs a job worker beside the site
    app = create_app(settings)
    with app.app_context():
        upgrade()
    write_course(folder / "courses", "an-toan-thong-tin", lessons=2, title_vi="An toàn thông tin")
    sync(app, folder / "courses")
    factory = Factories(app)
    lan = factory.user(username="nguyen.thi.lan", full_name="Nguyễn Thị Lan")
    ward = factory.unit(kind="ward", code="HP-HB", name_vi="Phường Hồng Bàng")
    position = factory.position(code="VT", name_vi="Công chức Văn phòng - Văn thư")
    factory.assignment(lan, position, ward, starts_on=date(2026, 1, 1))
    factory.curriculum_item(position, "an-toan-thong-tin")
    limiter._storage, limiter._limiter = saved
    return app


@pytest.fixture(scope="module", params=database_params())
def sso_site(request, identity_provider, tmp_path_factory):  # noqa: F811
    """The site with single sign-on through the test provider, served on each database."""
    folder = tmp_path_factory.mktemp(f"sso-{request.param}")
    schema = PostgresSchema() if request.param == "postgresql" else None
    url = schema.create() if schema else f"sqlite:///{folder / 'sso.sqlite3'}"
    app = _site(url, folder, identity_provider)
    try:
        with served(app) as base_url:
            yield base_url
    finally:
        with app.app_context():
            db.engine.dispose()
        if schema is not None:
            schema.drop()


def _screenshot(page, name: str) -> None:
    if os.environ.get("LMS_SCREENSHOTS") == "1":
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def test_signing_in_through_the_province_lands_on_my_learning(browser, sso_site):
    with windows(browser, sso_site) as open_window:
        visitor = open_window(1280, 800)
        page = visitor.page
        visitor.open("/login")
        page.get_by_role("button", name=LABEL).click()
        # The provider's own pages, outside the site: no axe here.
        page.fill("input[name=login]", "lan")
        page.fill("input[name=password]", "any password")
        page.click("button[type=submit]")
        page.wait_for_selector("input[name=prompt][value=consent]", state="attached")
        _screenshot(page, "oidc-consent")
        page.click("button[type=submit]")
        page.wait_for_url(f"{sso_site}/")
        visitor.check_accessibility()
        assert "Nguyễn Thị Lan" in page.inner_text("h1")
        assert "An toàn thông tin" in page.inner_text("main")
        _screenshot(page, "oidc-landing")
        # Signing out ends the session here and sends the person to the provider's
        # sign-out, which brings them back to the sign-in page.
        reveal(page, "header form[action='/logout'] button")
        page.click("header form[action='/logout'] button")
        page.click("button[name=logout][value=yes]")
        page.wait_for_url(f"{sso_site}/login*")
        visitor.check_accessibility()
        page.goto(f"{sso_site}/")
        assert "/login" in page.url
