"""Where a module page's "Continue" leads."""

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
    login_as(client, factory.user())
    assert _continue_href(client) == "/modules/ba-bai/lesson-1"
    token = client.csrf_token()
    client.post("/modules/ba-bai/lesson-1", data={"action": "done", "csrf_token": token})
    client.get("/modules/ba-bai/lesson-1")  # visited last, but finished
    assert _continue_href(client) == "/modules/ba-bai/lesson-2"
    for key in ("lesson-2", "lesson-3"):
        client.post(f"/modules/ba-bai/{key}", data={"action": "done", "csrf_token": token})
    client.get("/modules/ba-bai/lesson-2")
    # Everything finished: back to where the learner was last.
    assert _continue_href(client) == "/modules/ba-bai/lesson-2"
