"""The browser judge of the lesson sanitiser and the payloads it judges (see
``test_lesson_sanitiser.py``): each hostile Markdown payload is rendered and loaded in headless
Chromium with alert/confirm/prompt/print hooked, every element's events fired; a payload
"executes" when anything was recorded or a dialog opened."""

import re
from pathlib import Path

import pytest

from lms.core.markdown import render

DATA = Path(__file__).parents[1] / "data" / "corpora"
SEPARATOR = "%%"

HOOKS = """
(() => {
  const record = (name) => function () {
    (window.top.__fired = window.top.__fired || []).push(name);
  };
  for (const name of ["alert", "confirm", "prompt", "print"]) window[name] = record(name);
})();
"""

TRIGGER = """
async () => {
  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest("a, area");
    if (!link || link.protocol !== "javascript:") event.preventDefault();
  }, true);
  document.addEventListener("submit", (event) => event.preventDefault(), true);
  const events = ["mouseover", "mouseenter", "mousemove", "mousedown", "mouseup", "click",
    "dblclick", "contextmenu", "focus", "focusin", "blur", "focusout", "input", "change",
    "keydown", "keyup", "keypress", "pointerover", "pointerenter", "pointerdown", "pointerup",
    "animationstart", "animationend", "transitionend", "toggle", "load", "error", "scroll",
    "wheel", "copy", "paste", "drag", "dragstart", "drop", "select", "invalid", "search"];
  for (const element of document.querySelectorAll("body *")) {
    for (const name of events) {
      try { element.dispatchEvent(new Event(name, { bubbles: true })); } catch (e) {}
    }
    try { element.focus(); element.click(); } catch (e) {}
  }
  for (const name of ["load", "resize", "hashchange", "message", "pageshow", "scroll"]) {
    window.dispatchEvent(new Event(name));
  }
  await new Promise((resolve) => setTimeout(resolve, 60));
  return (window.__fired || []).length;
}
"""

PAGE = """<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>t</title></head>
<body><main><article class="activity"><h1>Bài học</h1><div class="lesson-body">{body}</div>
</article></main></body></html>"""


def listed() -> list[str]:
    payloads = []
    for path in sorted((DATA / "xss").glob("*.txt")):
        lines = path.read_text(encoding="utf-8").splitlines()
        payloads += [line for line in lines if line.strip()]
    return payloads


def markdown_specific() -> list[str]:
    """Our own payloads: after the description, blocks between lines of ``%%``."""
    text = (DATA / "markdown-xss.txt").read_text(encoding="utf-8")
    blocks = re.split(rf"^{SEPARATOR}$", text, flags=re.MULTILINE)[1:]
    return [block.strip("\n") for block in blocks if block.strip()]


def corpus() -> list[str]:
    return listed() + markdown_specific()


def media_url(path: str) -> str:
    return f"/modules/xss/media/0123456789abcdef/{path}"


def sanitised(markdown: str) -> str:
    return render(markdown, media_url=media_url)


@pytest.fixture(scope="module")
def judge(launch_chromium):
    # A Chromium of its own: raw hostile payloads (the control) can take a browser down,
    # and the other browser tests must not share its fate.
    browser = launch_chromium()
    context = browser.new_context(java_script_enabled=True)
    context.add_init_script(HOOKS)
    context.route("**/*", lambda route: route.abort())
    page = context.new_page()
    page.set_default_timeout(3000)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))

    def executes(html: str) -> bool:
        dialogs.clear()
        try:
            # The window outlives set_content: without this, one payload's record counts
            # for every payload after it.
            page.evaluate("window.__fired = []")
            page.set_content(PAGE.format(body=html), wait_until="load")
            fired = page.evaluate(TRIGGER)
        except Exception:  # a payload that navigates the page away ends its own run
            fired = 0
        return bool(fired or dialogs)

    yield executes
    if browser.is_connected():
        browser.close()
