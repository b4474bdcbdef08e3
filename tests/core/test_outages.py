"""Outages answered, not crashed: the database or Redis going away and coming back while the
site serves requests."""

import json
import logging
import re
import statistics
import time

import pytest

from lms import create_app
from lms.core import outages
from lms.extensions import limiter
from lms.testing.plugin import Client
from lms.testing.plugin import testing_config as settings_for_tests
from tests.core.servers import (
    PASSWORD,
    Browser,
    PostgresCluster,
    RedisServer,
    gunicorn,
    migrated_with_users,
)

SIGNED_IN_PAGE = "/"


@pytest.fixture
def cluster():
    cluster = PostgresCluster()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


def _percentile(values, share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def test_a_database_outage_is_answered_and_the_site_comes_back_without_a_restart(cluster, tmp_path):
    migrated_with_users(cluster.url, tmp_path / "setup", ["an", "binh"])
    log = tmp_path / "server.log"
    settings = {"LMS_DATABASE_URL": cluster.url, "LMS_INSTANCE_PATH": str(tmp_path)}
    with gunicorn(settings, log) as base:
        vietnamese, english, anonymous = Browser(base), Browser(base), Browser(base)
        assert vietnamese.sign_in("an", PASSWORD).status == 200
        assert english.sign_in("binh", PASSWORD).status == 200
        chosen = english.submit("/language", "/", {"locale": "en", "next": "/"})
        assert chosen.status == 200 and 'lang="en"' in chosen.text
        assert vietnamese.request(SIGNED_IN_PAGE).status == 200
        logged_before = log.read_text()

        cluster.stop()
        kinds = [
            (vietnamese, SIGNED_IN_PAGE, {}, "html-vi"),
            (english, SIGNED_IN_PAGE, {}, "html-en"),
            (vietnamese, SIGNED_IN_PAGE, {"Accept": "application/json"}, "json"),
            (anonymous, "/api/v1/modules", {}, "json"),
        ]
        answers = []
        for number in range(52):  # over about two seconds: the database is asked again
            browser, path, headers, kind = kinds[number % len(kinds)]
            answers.append((kind, browser.request(path, headers=headers)))
            time.sleep(0.04)

        started = time.perf_counter()
        cluster.start()
        returned = time.perf_counter()
        while (back := vietnamese.request(SIGNED_IN_PAGE)).status != 200:
            assert time.perf_counter() - returned < 10, back.text
            time.sleep(0.02)
        back_after = time.perf_counter() - returned
        assert english.request(SIGNED_IN_PAGE).status == 200
        outage_lines = log.read_text()[len(logged_before) :].splitlines()

    for kind, answer in answers:
        assert answer.status == 503, (kind, answer.text)
        assert answer.headers["Retry-After"] == "5"
        if kind == "json":
            assert answer.headers["Content-Type"] == "application/json"
            body = json.loads(answer.text)
            assert body["error"] == "unavailable" and body["message"]
            assert body["request_id"] == answer.headers["X-Request-ID"]
        elif kind == "html-vi":
            assert '<html lang="vi"' in answer.text and "Mã lỗi: 503" in answer.text
            assert answer.headers["X-Request-ID"] in answer.text
        else:
            assert '<html lang="en"' in answer.text
            assert "Service temporarily unavailable" in answer.text
            assert "cannot reach its database" in answer.text
    latencies = [answer.seconds * 1000 for _kind, answer in answers]
    print(
        f"\n503 answers during the outage: p50 {statistics.median(latencies):.1f} ms, "
        f"p95 {_percentile(latencies, 0.95):.1f} ms over {len(latencies)} requests; "
        f"first 200 {back_after * 1000:.0f} ms after the database returned "
        f"(pg_ctl start took {(returned - started) * 1000:.0f} ms)"
    )
    assert back_after < 2

    assert len(outage_lines) == 2, outage_lines
    assert "database unreachable (OperationalError: connection failed" in outage_lines[0]
    assert "database reachable again after" in outage_lines[1]
    answered = int(re.search(r"(\d+) requests were answered 503", outage_lines[1]).group(1))
    assert answered >= len(answers)  # and those of the wait for the first 200


def test_a_database_restarted_between_two_requests_is_not_an_outage(cluster, tmp_path):
    """The pool's connections died with the server: the next request gets a new one (the
    closed ones are tried before use, ``lms.core.db.check_connections``), not a 503."""
    migrated_with_users(cluster.url, tmp_path / "setup", ["an"])
    log = tmp_path / "server.log"
    settings = {"LMS_DATABASE_URL": cluster.url, "LMS_INSTANCE_PATH": str(tmp_path)}
    with gunicorn(settings, log) as base:
        browser = Browser(base)
        assert browser.sign_in("an", PASSWORD).status == 200
        assert browser.request(SIGNED_IN_PAGE).status == 200
        cluster.stop()
        cluster.start()
        after = browser.request(SIGNED_IN_PAGE)
    assert after.status == 200, after.text
    assert "lms.outages" not in log.read_text()


@pytest.fixture
def redis_server():
    server = RedisServer()
    server.start()
    yield server
    if server.process.poll() is None:
        server.stop()


@pytest.fixture
def restore_limiter_storage():
    # The limiter is one extension object: binding it to an app on another storage would
    # leave later tests counting there.
    saved = limiter._storage, limiter._limiter
    yield
    limiter._storage, limiter._limiter = saved


class OutageLog(logging.Handler):
    """The lines lms.outages logs from ``watch()`` on: called after create_app, whose
    logging set-up clears the handlers of the application's loggers."""

    def __init__(self):
        super().__init__()
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())

    def watch(self):
        logging.getLogger("lms.outages").addHandler(self)


@pytest.fixture
def outage_log():
    log = OutageLog()
    yield log
    logging.getLogger("lms.outages").removeHandler(log)


def test_without_redis_sign_in_fails_closed_and_other_limits_open(
    redis_server, restore_limiter_storage, outage_log, tmp_path
):
    url = f"sqlite:///{tmp_path / 'site.sqlite3'}"
    migrated_with_users(url, tmp_path / "setup", ["an"])
    redis = {"LMS_REDIS_URL": redis_server.url, "RATELIMIT_STORAGE_URI": redis_server.url}
    app = create_app({**settings_for_tests(url, tmp_path), **redis})
    app.test_client_class = Client
    client = app.test_client()
    outage_log.watch()
    client.submit("/language", {"locale": "en", "next": "/login"})
    wrong = {"username": "an", "password": "not-the-password"}
    assert client.submit("/login", wrong).status_code == 200
    assert client.get("/verify/NO-SUCH-CODE").status_code == 404

    redis_server.stop()
    for password in ("not-the-password", PASSWORD):
        refused = client.submit("/login", {"username": "an", "password": password})
        assert refused.status_code == 503
        assert refused.headers["Retry-After"] == "5"
        assert "Signing in is paused for a few minutes" in refused.text
    for _ in range(3):
        assert client.get("/verify/NO-SUCH-CODE").status_code == 404
        assert client.get("/login").status_code == 200
    assert len(outage_log.lines) == 1
    assert outage_log.lines[0].startswith("redis unreachable (ConnectionError")

    redis_server.start()
    time.sleep(outages.PROBE_INTERVAL + 0.1)  # Redis is asked again no sooner
    assert client.submit("/login", {"username": "an", "password": PASSWORD}).status_code == 302
    assert len(outage_log.lines) == 2
    assert outage_log.lines[1].startswith("redis reachable again after")
