"""A live demo site on a fresh SQLite database, and Debian's Chromium driven by Playwright."""

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from lms import create_app
from lms.testing.databases import in_ci

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


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    """The demo site's application, for tests that look behind the pages."""
    folder = tmp_path_factory.mktemp("live")
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "browser-tests-only-secret-key-long-enough",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'live.sqlite3'}",
            "LMS_INSTANCE_PATH": str(folder),
            "LMS_DEMO_PASSWORD": DEMO_PASSWORD,
        }
    )
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    return app


@pytest.fixture(scope="session")
def live_server(live_app):
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


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


class Visitor:
    """One person in one browser window; every page they reach is checked with axe-core."""

    def __init__(self, page, base_url: str):
        self.page = page
        self.base_url = base_url
        self.checked: list[str] = []

    def open(self, path: str):
        self.page.goto(self.base_url + path)
        self.check_accessibility()

    def check_accessibility(self):
        from axe_playwright_python.sync_playwright import Axe

        self.page.wait_for_load_state("load")
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


@pytest.fixture
def window(browser, live_server):
    """``window(width, height)``: a new browser window as a ``Visitor`` of the demo site."""
    contexts = []

    def open_window(width: int, height: int) -> Visitor:
        context = browser.new_context(viewport={"width": width, "height": height}, locale="vi-VN")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return Visitor(page, live_server)

    yield open_window
    for context in contexts:
        context.close()
