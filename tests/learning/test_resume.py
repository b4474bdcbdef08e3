"""Where a module page's "Continue" leads, and what a completed module offers instead."""

import re

from lms.testing.courses import sync, write_course

_CONTINUE = re.compile(r'<a role="button" href="([^"]+)">')


def _continue_href(client) -> str:
    return _CONTINUE.search(client.get("/modules/ba-bai").get_data(as_text=True)).group(1)


def test_continue_leads_to_the_first_activity_not_yet_completed(
    app, client, factory, login_as, tmp_path
):
    write_course(tmp_path / "courses", "ba-bai", lessons=3)
    sync(app, tmp_path / "courses")
    login_as(client, factory.user(locale="en"))
    assert _continue_href(client) == "/modules/ba-bai/lesson-1"
    token = client.csrf_token()
    client.post("/modules/ba-bai/lesson-1", data={"action": "done", "csrf_token": token})
    client.get("/modules/ba-bai/lesson-1")  # visited last, but finished
    assert _continue_href(client) == "/modules/ba-bai/lesson-2"
    for key in ("lesson-2", "lesson-3"):
        client.post(f"/modules/ba-bai/{key}", data={"action": "done", "csrf_token": token})
    client.get("/modules/ba-bai/lesson-2")
    # Everything finished, the module completed: nothing to continue, a review from the start.
    page = client.get("/modules/ba-bai").get_data(as_text=True)
    assert ">Continue<" not in page and _CONTINUE.search(page) is None
    assert "You completed this module on" in page
    review = re.search(r'<a role="button" class="secondary" href="([^"]+)">([^<]+)</a>', page)
    assert review.groups() == ("/modules/ba-bai/lesson-1", "Review the module")
