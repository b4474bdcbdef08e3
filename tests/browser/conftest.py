"""A live demo site on a fresh SQLite database, and Debian's Chromium driven by Playwright."""

import os
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from lms import create_app
from lms.core import jobs
from lms.extensions import db
from lms.testing.databases import PostgresSchema, database_params, in_ci

CHROMIUM = os.environ.get("LMS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
DEMO_PASSWORD = "Demo-trinh-duyet-1"
ARTIFACTS = Path(__file__).parents[2] / "test-artifacts" / "screenshots"
SERIOUS = {"serious", "critical"}


def pytest_collection_modifyitems(config, items):
    if Path(CHROMIUM).exists():
        return
    if in_ci():
        raise pytest.UsageError(f"CI=true needs Chromium at {CHROMIUM} for the browser tests")
    skip = pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


def demo_app(database_url: str, folder) -> Flask:
    """The demo site built on ``database_url`` by ``lms demo``."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "browser-tests-only-secret-key-long-enough",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "LMS_INSTANCE_PATH": str(folder),
            "LMS_DEMO_PASSWORD": DEMO_PASSWORD,
            # The journeys sign the demo's admin and managers in with a password.
            "LMS_SECOND_FACTOR_REQUIRED": [],
        }
    )
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    return app


@contextmanager
def served(app: Flask):
    """``app`` served on a free port of 127.0.0.1, with a job worker beside it as ``lms
    worker`` runs one (its threads, without the periodic tasks); yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    worker = jobs.queue(app).huey.create_consumer(workers=1, worker_type="thread", periodic=False)
    worker.start()
    yield f"http://127.0.0.1:{server.server_port}"
    worker.stop(graceful=True)
    server.shutdown()


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    """The demo site's application, for tests that look behind the pages."""
    folder = tmp_path_factory.mktemp("live")
    return demo_app(f"sqlite:///{folder / 'live.sqlite3'}", folder)


@pytest.fixture(scope="session")
def live_server(live_app):
    with served(live_app) as url:
        yield url


@pytest.fixture(scope="session", params=database_params())
def live_server_each_database(request, live_server, tmp_path_factory):
    """The demo site on SQLite (the one ``live_server`` serves) and on a PostgreSQL schema
    of its own, for journeys that must hold on both databases."""
    if request.param == "sqlite":
        yield live_server
        return
    schema = PostgresSchema()
    app = demo_app(schema.create(), tmp_path_factory.mktemp("live-postgresql"))
    try:
        with served(app) as url:
            yield url
    finally:
        with app.app_context():
            db.engine.dispose()
        schema.drop()


@pytest.fixture(scope="session")
def playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="session")
def launch_chromium(playwright):
    """Start a Chromium of one's own (the caller closes it)."""
    return lambda: playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


@pytest.fixture(scope="session")
def browser(launch_chromium):
    chromium = launch_chromium()
    yield chromium
    chromium.close()


def reveal(page, selector: str) -> None:
    """Open the site's menu when what ``selector`` names is hidden in it, as a person opens it
    to reach an area (the header shows only the menu button on a phone)."""
    target = page.locator(selector).first
    if target.count() and not target.is_visible():
        menu = page.locator("header details.site-menu")
        if menu.count() and menu.get_attribute("open") is None:
            menu.locator("summary").click()


class Visitor:
    """One person in one browser window; every page they reach is checked with axe-core."""

    def __init__(self, page, base_url: str, *, axe: bool = True):
        self.page = page
        self.base_url = base_url
        # axe-core runs as a script in the page, so a window without JavaScript skips it.
        self.axe = axe
        self.checked: list[str] = []

    def open(self, path: str):
        self.page.goto(self.base_url + path)
        self.check_accessibility()

    def check_accessibility(self):
        from axe_playwright_python.sync_playwright import Axe

        self.page.wait_for_load_state("load")
        if not self.axe:
            return
        results = Axe().run(self.page)
        serious = [
            f"{violation['id']} ({violation['impact']}): {violation['help']} — "
            + "; ".join(node["target"][0] for node in violation["nodes"][:3])
            for violation in results.response["violations"]
            if violation["impact"] in SERIOUS
        ]
        assert serious == [], f"{self.page.url}: {serious}"
        self.checked.append(self.page.url)

    def click(self, selector: str):
        reveal(self.page, selector)
        self.page.click(selector)
        self.check_accessibility()

    def sign_in(self, username: str, password: str = DEMO_PASSWORD):
        self.open("/login")
        self.page.fill("#username", username)
        self.page.fill("#password", password)
        self.click("main button[type=submit]")

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture(params=[(1280, 800), (390, 844)], ids=["desktop", "phone"])
def visitor(request, browser, live_server):
    width, height = request.param
    context = browser.new_context(viewport={"width": width, "height": height}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield Visitor(page, live_server)
    context.close()


@contextmanager
def windows(browser, base_url: str):
    contexts = []

    def open_window(width: int, height: int, **options) -> Visitor:
        context = browser.new_context(
            viewport={"width": width, "height": height}, locale="vi-VN", **options
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return Visitor(page, base_url, axe=options.get("java_script_enabled", True))

    yield open_window
    for context in contexts:
        context.close()


@pytest.fixture
def window(browser, live_server):
    """``window(width, height, **context_options)``: a new browser window as a ``Visitor`` of
    the demo site."""
    with windows(browser, live_server) as open_window:
        yield open_window


@pytest.fixture
def window_each_database(browser, live_server_each_database):
    """``window`` on the demo site of each database (``live_server_each_database``)."""
    with windows(browser, live_server_each_database) as open_window:
        yield open_window
