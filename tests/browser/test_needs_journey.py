"""The training-needs loop in a browser: a learner assesses themself and takes a diagnostic
pre-test, sees their gaps and what to take; their manager assigns it in one action; after
the learner completes a module and its post-test, the effectiveness report shows the
pre/post figures and the needs report one gap fewer for their unit.

The demo city is built on a database of this module's own, with the shipped modules and
``safe-counter`` (a module with a diagnostic pre-test and a post-test from a parallel
bank), so the shared demo site of the other browser tests is left as it was."""

import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from lms import create_app
from tests.browser.conftest import reveal

pytestmark = pytest.mark.browser

ROOT = Path(__file__).parents[2]
COURSE = ROOT / "tests" / "needs" / "data" / "courses"
PASSWORD = "Demo-trinh-duyet-1"
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
SERIOUS = {"serious", "critical"}


@pytest.fixture(scope="module")
def needs_app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("needs-live")
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "browser-tests-only-secret-key-long-enough",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'live.sqlite3'}",
            "LMS_INSTANCE_PATH": str(folder),
            "LMS_DEMO_PASSWORD": PASSWORD,
            "LMS_COURSE_DIRS": [str(ROOT / "courses"), str(COURSE)],
            "LMS_SECOND_FACTOR_REQUIRED": [],  # the admin signs in with a password alone
        }
    )
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    return app


@pytest.fixture(scope="module")
def needs_server(needs_app):
    server = make_server("127.0.0.1", 0, needs_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


class Person:
    """One person in one browser window; every page they reach is checked with axe-core."""

    def __init__(self, page, base_url: str):
        self.page, self.base_url = page, base_url

    def check(self):
        from axe_playwright_python.sync_playwright import Axe

        self.page.wait_for_load_state("load")
        results = Axe().run(self.page)
        serious = [
            f"{v['id']}: {v['help']} — " + "; ".join(n["target"][0] for n in v["nodes"][:3])
            for v in results.response["violations"]
            if v["impact"] in SERIOUS
        ]
        assert serious == [], f"{self.page.url}: {serious}"

    def open(self, path: str):
        self.page.goto(self.base_url + path)
        self.check()

    def click(self, selector: str):
        reveal(self.page, selector)
        self.page.click(selector)
        self.check()

    def sign_in(self, username: str):
        self.open("/login")
        self.page.fill("#username", username)
        self.page.fill("#password", PASSWORD)
        self.click("main button[type=submit]")

    def shot(self, name: str):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        width = self.page.viewport_size["width"]
        self.page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)


@pytest.fixture
def people(browser, needs_server):
    contexts = []

    def open_window(width: int = 1280, height: int = 800) -> Person:
        context = browser.new_context(viewport={"width": width, "height": height}, locale="vi-VN")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return Person(page, needs_server)

    yield open_window
    for context in contexts:
        context.close()


def take_quiz(person: Person, answers: list[str]) -> None:
    """Start the quiz on the page and answer its true/false questions in order."""
    person.click("button[value=start]")
    for slot, value in enumerate(answers):
        person.page.click(f'.question-nav a[data-slot="{slot}"]')
        fieldset = person.page.locator(f'fieldset[data-slot="{slot}"]')
        fieldset.locator(f'input[value="{value}"]').check()
        fieldset.locator(".save-state").filter(has_text="Đã lưu").wait_for()
    person.click("button[value=submit]")


def ds1_below(person: Person) -> int:
    person.open("/needs/report")
    return int(person.page.locator('#needs-total td[data-code="DS.1"]').inner_text())


def user_id(app, username: str) -> int:
    from lms.accounts.models import User
    from lms.extensions import db

    with app.app_context():
        return db.session.scalar(sa.select(User.id).where(User.username == username))


def test_needs_loop_from_self_assessment_to_measured_effect(people, needs_app):
    learner = people()
    learner.sign_in("learner")

    # 1. The self-assessment: one question per competency the position requires.
    learner.click("a[href='/my-skills']")
    learner.click("a[href='/my-skills/assessment']")
    questions = learner.page.locator("main form fieldset")
    assert questions.count() == 5
    for index in range(questions.count()):
        questions.nth(index).locator("input[value='2']").check()
    learner.shot("needs-self-assessment")
    learner.click("main form button[type=submit]")
    assert learner.page.url.endswith("/my-skills")

    # 2. The diagnostic pre-test: security answered wrong, identification right.
    learner.open("/modules/safe-counter/pre-test")
    take_quiz(learner, ["true", "false", "true", "false"])

    # 3. My skills: the diagnostic outranks the self-assessment for DS.1 (0 < 2).
    learner.open("/my-skills")
    table = learner.page.locator("main table").first
    ds1 = table.locator("tr", has=learner.page.locator("th", has_text="DS.1"))
    assert "0" in ds1.locator("td").nth(1).inner_text()
    recommended = learner.page.locator("main section ul").first.locator("a")
    slugs = sorted(
        href.split("/")[-1]
        for href in recommended.evaluate_all("a => a.map(x => x.getAttribute('href'))")
    )
    assert slugs == ["citizen-authentication", "online-public-services", "safe-counter"]
    learner.shot("needs-my-skills")

    # 4. The manager assigns the recommendation in one action.
    manager = people()
    manager.sign_in("manager.hongbang")
    before = ds1_below(manager)
    manager.shot("needs-report")
    manager.open(f"/needs/people/{user_id(needs_app, 'learner')}")
    manager.shot("needs-person")
    manager.click("form[action$='/assign'] button[type=submit]")
    assert manager.page.locator(".flash").count() >= 1
    learner.open("/")
    home = learner.page.locator("main").inner_text()
    assert "An toàn dữ liệu tại quầy một cửa" in home

    # 5. The learner reads the lesson and passes the post-test (a parallel question set).
    learner.open("/modules/safe-counter/reading")
    learner.click("button[value=done]")
    learner.open("/modules/safe-counter/post-test")
    take_quiz(learner, ["true", "false", "true", "false"])

    # 6. Effectiveness: pre 50%, post 100%, moved up a level; needs: one DS.1 gap fewer.
    manager.open("/needs/effectiveness/safe-counter")
    total = manager.page.locator("#effect-total tbody tr").first.inner_text()
    assert "50%" in total and "100%" in total and "+50" in total
    manager.shot("needs-effectiveness")
    assert ds1_below(manager) == before - 1


def fits(person: Person, width: int, path: str, name: str) -> None:
    person.open(path)
    person.shot(name)
    scroll = person.page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width + 1, f"{path} scrolls sideways at {width}"


@pytest.mark.parametrize("width", [1280, 390])
def test_needs_pages_fit_desktop_and_phone(people, width):
    manager = people(width, 844)
    manager.sign_in("manager.hongbang")
    for path, name in [
        ("/my-skills", "needs-my-skills-manager"),
        ("/my-skills/assessment", "needs-self-assessment-manager"),
        ("/needs/people", "needs-people"),
        ("/needs/effectiveness", "needs-effectiveness-list"),
    ]:
        fits(manager, width, path, name)
    admin = people(width, 844)
    admin.sign_in("admin")
    for path, name in [
        ("/needs/report", "needs-report-admin"),
        ("/needs/framework", "needs-framework"),
        ("/needs/framework/DS.1", "needs-competency"),
        ("/needs/positions/1/standards", "needs-standards"),
    ]:
        fits(admin, width, path, name)
