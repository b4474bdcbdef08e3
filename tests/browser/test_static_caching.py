"""A lesson page as Chromium loads it: cold, under 40 KB over the wire (static files sent
compressed); warm, one request, the page itself (the static files kept under their hashed
names, not asked for again)."""

import pytest

from tests.browser.conftest import Visitor

pytestmark = pytest.mark.browser

LESSON = "/modules/digital-government-foundations/civil-servant-role"
# A learner no other browser test signs in as: the live site keeps their progress.
LEARNER = "tamhm"
COLD_LIMIT = 40_000

# What this page load fetched, from the browser's resource timing: the page and each file,
# with the bytes of its body as sent (compressed) and of the whole response (0: from cache).
LOADED = """() => [
  ...performance.getEntriesByType("navigation"),
  ...performance.getEntriesByType("resource"),
].map(entry => ({
  url: entry.name,
  body: entry.encodedBodySize,
  transferred: entry.transferSize,
}))"""


def network_requests(context, page):
    """From now on, the requests ``page`` sends over the network, leaving out those its
    cache answers (Playwright's own request events include those): a function that returns
    their URLs so far. Read from Chromium's DevTools protocol."""
    devtools = context.new_cdp_session(page)
    devtools.send("Network.enable")
    sent: dict[str, str] = {}
    from_cache: set[str] = set()
    devtools.on(
        "Network.requestWillBeSent",
        lambda event: sent.setdefault(event["requestId"], event["request"]["url"]),
    )
    devtools.on("Network.requestServedFromCache", lambda event: from_cache.add(event["requestId"]))
    return lambda: [url for request, url in sent.items() if request not in from_cache]


def test_a_cold_lesson_page_is_small_and_a_warm_one_is_one_request(browser, live_server):
    signing_in = browser.new_context(locale="vi-VN")
    Visitor(signing_in.new_page(), live_server).sign_in(LEARNER)
    session = signing_in.storage_state()
    signing_in.close()

    # The same person in a browser with an empty cache.
    context = browser.new_context(locale="vi-VN", storage_state=session)
    try:
        visitor = Visitor(context.new_page(), live_server)
        visitor.page.set_default_timeout(10_000)
        visitor.open(LESSON)
        assert visitor.page.locator(".lesson-body h2").count() >= 1, "the lesson itself"
        cold = visitor.page.evaluate(LOADED)
        stylesheets = [entry for entry in cold if entry["url"].endswith(".css")]
        assert len(stylesheets) >= 2, cold
        assert all(entry["transferred"] > 0 for entry in cold), cold
        # Bodies as sent (compressed), and with the response headers too.
        assert sum(entry["body"] for entry in cold) < COLD_LIMIT, cold
        assert sum(entry["transferred"] for entry in cold) < COLD_LIMIT, cold

        # Elsewhere on the site, then back to the lesson.
        visitor.open("/modules/digital-government-foundations")
        sent = network_requests(context, visitor.page)
        visitor.open(LESSON)
        warm = visitor.page.evaluate(LOADED)
        assert [entry["url"] for entry in warm if entry["transferred"] > 0] == [
            live_server + LESSON
        ], warm
        assert sent() == [live_server + LESSON]
    finally:
        context.close()
