"""Citations and the legal register in a browser: a lesson whose table cites instruments,
the register's list and an instrument's page, and where trainers and admins see a module
that needs review; each page checked with axe-core, on a desktop and a phone."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.core import clock
from lms.extensions import db
from lms.legal import services
from lms.legal.models import Instrument

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


def _resolution_57_ends(live_app, *, ended: bool) -> None:
    with live_app.app_context():
        resolution = db.session.scalar(sa.select(Instrument).where(Instrument.number == "57-NQ/TW"))
        resolution.in_force_until = clock.today() - timedelta(days=1) if ended else None
        services.refresh_flags(clock.today())
        db.session.commit()


@pytest.fixture
def resolution_ended(live_app):
    """The register learns that Resolution 57-NQ/TW, which the module cites, ended yesterday,
    and the daily job flags the module; afterwards the register is put back."""
    _resolution_57_ends(live_app, ended=True)
    yield
    _resolution_57_ends(live_app, ended=False)


def test_admins_and_trainers_see_the_module_that_needs_review(visitor, resolution_ended):
    visitor.sign_in("admin")
    visitor.open("/admin/")
    flagged = visitor.page.locator("#law-review-heading + p + ul > li")
    assert flagged.count() >= 1
    visitor.click(f"#law-review-heading ~ ul a[href='/authoring/modules/{MODULE}']")
    assert visitor.page.locator("#review-heading").is_visible()
    fits(visitor, "authoring-review")
    visitor.open("/authoring/")
    fits(visitor, "authoring-list")
