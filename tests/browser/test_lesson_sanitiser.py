"""The lesson sanitiser judged by a real browser; the control that proves the judge sees is
``test_lesson_sanitiser_control.py`` (a file of its own, so the two run side by side).

Every payload of the XSS corpus (``tests/data/corpora/xss/``, one a line) and of our own
Markdown-specific list (``tests/data/corpora/markdown-xss.txt``) is a lesson's Markdown.
It goes through ``lms.core.markdown.render`` with a media callback, the one call the lesson
type makes at sync time (``LessonActivity.parse``), and the stored HTML is what the lesson
page inserts as it is. Headless Chromium loads each result in the lesson page's wrapper
with no Content-Security-Policy (the sanitiser alone is judged; the site's CSP would hide a
failure), with ``alert``/``confirm``/``prompt``/``print`` replaced in every frame by a
recorder, then every element gets the common events, focus and a click (a ``javascript:``
link runs; any other navigation is cancelled), and timers, animations and image errors get
a moment. A payload "executes" when anything was recorded or a dialog opened.

The control renders the same Markdown with Python-Markdown alone (``to_html``): it must
execute for a substantial share of the payloads, or the harness proves nothing.
"""

from html.parser import HTMLParser

import pytest
from sanitiser_judge import corpus, judge, listed, markdown_specific, sanitised

from lms.core.markdown import ALLOWED_TAGS

pytestmark = pytest.mark.browser
__all__ = ["judge"]  # the fixture, used by name


def test_no_payload_executes_after_sanitising(judge):
    payloads = corpus()
    assert len(listed()) > 1100 and len(markdown_specific()) >= 20
    # The judge is a function of the HTML alone, so each distinct page is judged once
    # (sanitising folds the 1,264 payloads into about 640 pages).
    pages = {}
    for payload in payloads:
        pages.setdefault(sanitised(payload), payload)
    escaped = [payload for html, payload in pages.items() if judge(html)]
    assert escaped == [], f"{len(escaped)} payloads execute after sanitising"
    print(f"\n{len(payloads)} payloads, {len(pages)} distinct pages sanitised: 0 execute")


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, list]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, attrs))


def test_sanitised_html_keeps_only_allowed_tags_and_no_script_url_or_handler():
    for payload in corpus():
        elements = _Elements()
        elements.feed(sanitised(payload))
        for tag, attributes in elements.found:
            assert tag in ALLOWED_TAGS, payload
            for name, value in attributes:
                assert not name.startswith("on"), payload
                url = (value or "").strip().lower()
                assert not url.startswith(("javascript:", "data:", "vbscript:")), payload
