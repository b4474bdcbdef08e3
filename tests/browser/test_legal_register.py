"""Citations and the legal register in a browser: a lesson whose table cites instruments,
the register's list and an instrument's page, and where trainers and admins see a module
that needs review; each page checked with axe-core, on a desktop and a phone."""

import pytest

pytestmark = pytest.mark.browser

MODULE = "digital-transformation-leadership"
FITS_THE_SCREEN = "document.documentElement.scrollWidth <= window.innerWidth"


def fits(visitor, name: str) -> None:
    assert visitor.page.evaluate(FITS_THE_SCREEN), f"{name} is wider than the screen"
    width = visitor.page.viewport_size["width"]
    visitor.screenshot(f"legal-{name}-{width}")


def test_a_citation_leads_from_the_lesson_to_the_register(visitor):
    visitor.sign_in("learner")
    visitor.open(f"/modules/{MODULE}/leading-digital-transformation")
    citation = visitor.page.locator(".lesson-body table a.citation").first
    assert citation.text_content().startswith("Nghị quyết 57-NQ/TW (Nghị quyết về đột phá")
    # The title is read out with the name; on screen it takes a pixel at most.
    assert citation.locator(".visually-hidden").bounding_box()["width"] <= 1
    fits(visitor, "lesson")

    visitor.click(".lesson-body table a.citation >> nth=0")
    assert visitor.page.url.endswith("/law/57-nq-tw")
    assert visitor.page.locator("h1").inner_text() == "Nghị quyết 57-NQ/TW"
    fits(visitor, "instrument")

    visitor.open("/law/13-2023-nd-cp")
    assert "Nghị định 13/2023/NĐ-CP" in visitor.page.locator("h1").inner_text()
    visitor.click("main nav.breadcrumb a")
    assert visitor.page.locator("tbody tr").count() >= 9
    fits(visitor, "register")


def test_admins_and_trainers_see_the_module_that_needs_review(visitor):
    # The module mentions Decree 13/2023/NĐ-CP, replaced since 1 January 2026: flagged.
    visitor.sign_in("admin")
    visitor.open("/admin/")
    flagged = visitor.page.locator("#law-review-heading + p + ul > li")
    assert flagged.count() >= 1
    visitor.click(f"#law-review-heading ~ ul a[href='/authoring/modules/{MODULE}']")
    assert visitor.page.locator("#review-heading").is_visible()
    fits(visitor, "authoring-review")
    visitor.open("/authoring/")
    fits(visitor, "authoring-list")
