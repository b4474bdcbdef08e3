"""The header on a phone and on a desktop: one row, a menu that opens without JavaScript and
reaches every area the person's roles use, the current area marked."""

from urllib.parse import unquote

import pytest

pytestmark = pytest.mark.browser

VIEWPORTS = {"desktop": (1280, 800), "phone": (390, 844)}

# What each kind of person must reach from the menu.
AREAS = {
    "learner": [
        "/",
        "/catalogue",
        "/reports/me",
        "/certificates",
        "/my-skills",
        "/calendar",
        "/sessions",
    ],
    "manager.hongbang": [
        "/org/people",
        "/reports/",
        "/reports/qualification",
        "/needs/report",
        "/needs/effectiveness",
    ],
    "trainer.khoa": ["/authoring/"],
    "admin": ["/admin/", "/needs/framework", "/needs/report", "/authoring/"],
}


def _in_one_row(visitor) -> bool:
    """Whether every item the header shows shares one horizontal band: each starts above
    where every other ends."""
    boxes = visitor.page.eval_on_selector_all(
        ".site-header nav > ul > li",
        "items => items.filter(i => i.offsetParent !== null)"
        ".map(i => [i.getBoundingClientRect().top, i.getBoundingClientRect().bottom])",
    )
    return max(top for top, _ in boxes) < min(bottom for _, bottom in boxes)


@pytest.mark.parametrize("device", VIEWPORTS)
@pytest.mark.parametrize("username", AREAS)
def test_the_header_is_one_row_and_its_menu_reaches_every_area(window, device, username):
    visitor = window(*VIEWPORTS[device])
    visitor.sign_in(username)
    visitor.screenshot(f"site-header-{username}-{device}")
    assert _in_one_row(visitor)
    menu = visitor.page.locator(".site-menu")
    menu.locator("summary").click()
    visitor.check_accessibility()
    hrefs = menu.locator("a").evaluate_all("links => links.map(a => new URL(a.href).pathname)")
    assert set(AREAS[username]) <= set(hrefs)
    for link in menu.locator("a").all():
        assert link.is_visible()
    visitor.screenshot(f"site-menu-{username}-{device}")


def test_the_current_area_is_marked_and_the_menu_opens_without_javascript(window):
    visitor = window(390, 844, java_script_enabled=False)
    visitor.sign_in("manager.hongbang")
    visitor.open("/reports/qualification")
    page = visitor.page
    page.click(".site-menu summary")
    current = page.locator(".site-menu a[aria-current=page]")
    assert current.count() == 1 and current.get_attribute("href") == "/reports/qualification"
    assert page.locator(".site-menu a[aria-current=true]").get_attribute("href") == "/reports/"
    page.locator(".site-menu a[href='/needs/report']").click()
    assert page.url.endswith("/needs/report")


def test_every_page_names_the_site_icon_inside_itself(window):
    visitor = window(1280, 800)
    visitor.open("/login")
    icon = visitor.page.locator("link[rel=icon]").get_attribute("href")
    kind, _, body = icon.partition(",")
    assert kind == "data:image/svg+xml" and unquote(body).startswith("<svg")


@pytest.mark.parametrize("device", VIEWPORTS)
def test_the_gradebook_and_the_own_record_fit_the_screen(window, device):
    manager = window(*VIEWPORTS[device])
    manager.sign_in("manager.hongbang")
    manager.open("/reports/gradebook")
    assert manager.page.locator("table.gradebook tbody tr").count() > 1
    manager.screenshot(f"gradebook-{device}")
    learner = window(*VIEWPORTS[device])
    learner.sign_in("learner")
    learner.open("/reports/me")
    learner.screenshot(f"my-results-{device}")
    learner.open("/calendar")
    learner.screenshot(f"calendar-{device}")
