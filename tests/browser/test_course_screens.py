"""Each shipped module's richest lesson (a table and a diagram) and its first quiz question,
on a desktop and a phone: accessible, nothing wider than the screen, saved as screenshots."""

import pytest

pytestmark = pytest.mark.browser

# module → a lesson with both a table and a diagram
LESSONS = {
    "citizen-authentication": "verifying-identity-at-the-counter",
    "digital-government-foundations": "data-as-foundation",
    "document-management-system": "drafting-outgoing-documents",
    "information-security": "incident-response",
    "online-public-services": "services-and-where-they-live",
}
# Starting a quiz uses up one of the learner's attempts on the live demo site, so these two
# demo learners are used by no other browser test (test_journeys takes its quiz as ducnm and
# thaont, and signs in as learner, admin and manager.hongbang).
LEARNERS = {"desktop": "trangvt", "phone": "namph"}

FITS_THE_SCREEN = "document.documentElement.scrollWidth <= window.innerWidth"
UNLOADED_IMAGES = "[...document.images].filter(i => !i.complete || !i.naturalWidth).length"


def look(visitor, name: str) -> None:
    assert visitor.page.evaluate(FITS_THE_SCREEN), f"{name} is wider than the screen"
    assert visitor.page.evaluate(UNLOADED_IMAGES) == 0, f"{name}: an image did not load"
    visitor.screenshot(name)


@pytest.mark.parametrize("module", sorted(LESSONS))
def test_lesson_and_first_quiz_question_fit_desktop_and_phone(visitor, module):
    device = "desktop" if visitor.page.viewport_size["width"] >= 600 else "phone"
    if device == "desktop":
        visitor.page.set_viewport_size({"width": 1280, "height": 900})
    visitor.sign_in(LEARNERS[device])

    visitor.open(f"/modules/{module}/{LESSONS[module]}")
    lesson = visitor.page.locator(".lesson-body")
    assert lesson.locator(".table-scroll table").count() >= 1
    assert lesson.locator("img[src*='/media/']").count() >= 1
    look(visitor, f"{module}-lesson-{device}")

    visitor.open(f"/modules/{module}/final-quiz")
    visitor.click("button[value=start]")
    first = visitor.page.locator('fieldset[data-slot="0"]')
    assert first.is_visible()
    look(visitor, f"{module}-quiz-{device}")
