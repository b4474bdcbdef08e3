"""Request ids, on responses, error pages and log lines; the JSON log."""

import json
import re

import pytest

from lms import create_app
from lms.testing.plugin import Client
from lms.testing.plugin import testing_config as settings_for_tests

GENERATED = re.compile(r"[0-9a-f]{32}")


def test_a_request_id_from_the_proxy_is_kept_and_shown_on_the_error_page(client):
    answer = client.get("/no-such-page", headers={"X-Request-ID": "edge-7f3a.2"})
    assert answer.status_code == 404
    assert answer.headers["X-Request-ID"] == "edge-7f3a.2"
    assert "<code>edge-7f3a.2</code>" in answer.text


@pytest.mark.parametrize("given", [None, "", "x" * 129, "<script>", "two words", "é"])
def test_a_request_without_a_usable_id_gets_a_new_one(client, given):
    headers = {} if given is None else {"X-Request-ID": given}
    answers = [client.get("/no-such-page", headers=headers) for _ in range(2)]
    ids = [answer.headers["X-Request-ID"] for answer in answers]
    assert all(GENERATED.fullmatch(request_id) for request_id in ids)
    assert ids[0] != ids[1]
    assert f"<code>{ids[0]}</code>" in answers[0].text


def test_the_json_log_has_a_line_per_request_and_the_request_id_on_every_line(tmp_path, capsys):
    settings = settings_for_tests(f"sqlite:///{tmp_path / 'site.sqlite3'}", tmp_path)
    app = create_app({**settings, "LMS_LOG_FORMAT": "json"})
    app.test_client_class = Client
    client = app.test_client()
    capsys.readouterr()
    client.get("/no-such-page", headers={"X-Request-ID": "edge-1"})
    client.post("/language", data={"locale": "en"}, headers={"X-Request-ID": "edge-2"})

    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [(line["logger"], line["request_id"]) for line in lines] == [
        ("lms.requests", "edge-1"),
        ("lms", "edge-2"),  # the refused form, told inside the request
        ("lms.requests", "edge-2"),
    ]
    first = lines[0]
    assert first["message"] == "GET /no-such-page 404"
    assert first["level"] == "INFO"
    assert (first["method"], first["path"], first["status"]) == ("GET", "/no-such-page", 404)
    assert first["endpoint"] is None and first["remote_addr"] == "127.0.0.1"
    assert isinstance(first["duration_ms"], float)
    assert lines[1]["message"] == "CSRF check failed on POST /language"
    assert lines[2]["status"] == 400


def test_the_plain_log_has_no_line_per_request(tmp_path, capsys):
    app = create_app(settings_for_tests(f"sqlite:///{tmp_path / 'site.sqlite3'}", tmp_path))
    capsys.readouterr()
    app.test_client().get("/no-such-page")
    assert capsys.readouterr().err == ""
