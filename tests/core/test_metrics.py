"""Prometheus metrics at /metrics: who may read them, that they move, and that gunicorn's
workers are counted together."""

import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask_migrate import upgrade
from prometheus_client import CollectorRegistry, multiprocess
from prometheus_client.parser import text_string_to_metric_families

from lms import create_app
from lms.extensions import db
from lms.testing.plugin import testing_config as settings_for_tests
from tests.core.servers import Browser, gunicorn


def _samples(exposition: str) -> dict:
    """{(name, frozenset of label items): value} of a scrape."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
    }


def _value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def _scrape(client) -> dict:
    answer = client.get("/metrics")
    assert answer.status_code == 200
    assert answer.content_type.startswith("text/plain; version=")
    return _samples(answer.text)


@pytest.mark.parametrize(
    ("address", "allowed"),
    [("127.0.0.1", True), ("::1", True), ("203.0.113.9", False), ("10.1.2.3", False)],
)
def test_metrics_answer_only_the_allowed_addresses(client, address, allowed):
    answer = client.get("/metrics", environ_base={"REMOTE_ADDR": address})
    assert answer.status_code == (200 if allowed else 404)
    assert ("lms_http_request_duration_seconds" in answer.text) is allowed


def test_the_allowed_addresses_are_a_setting(client, monkeypatch):
    monkeypatch.setitem(client.application.config, "LMS_METRICS_ALLOW", ["10.0.0.0/8"])
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200
    assert client.get("/metrics").status_code == 404


def test_counters_move_with_requests_and_failed_sign_ins(client, factory):
    user = factory.user()
    before = _scrape(client)
    client.get("/login")
    client.get("/no-such-page")
    client.submit("/login", {"username": user.username, "password": "not-the-password"})
    after = _scrape(client)

    def moved(name, **labels):
        return _value(after, name, **labels) - _value(before, name, **labels)

    requests = "lms_http_request_duration_seconds_count"
    assert moved(requests, endpoint="accounts.login", status="200") == 2
    assert moved(requests, endpoint="unmatched", status="404") == 1
    assert moved("lms_sign_in_failures_total") == 1
    assert _value(after, "lms_dependency_up", dependency="database") == 1
    assert ("lms_db_pool_connections", frozenset({("state", "in_use")})) in after


def _migrated(url: str, instance) -> None:
    app = create_app(settings_for_tests(url, instance))
    with app.app_context():
        upgrade()
        db.engine.dispose()


def _failures_per_worker(folder) -> dict[str, float]:
    """Each worker's own count of failed sign-ins, read from its files alone."""
    counts = {}
    for path in folder.glob("counter_*.db"):
        alone = folder.parent / f"alone-{path.stem}"
        alone.mkdir()
        shutil.copy(path, alone)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=str(alone))
        counts[path.stem] = registry.get_sample_value("lms_sign_in_failures_total") or 0.0
        shutil.rmtree(alone)
    return counts


def test_two_gunicorn_workers_are_counted_together(tmp_path):
    url = f"sqlite:///{tmp_path / 'site.sqlite3'}"
    _migrated(url, tmp_path / "setup")
    folder = tmp_path / "metrics"
    settings = {
        "LMS_DATABASE_URL": url,
        "LMS_INSTANCE_PATH": str(tmp_path),
        "PROMETHEUS_MULTIPROC_DIR": str(folder),
    }
    sent = 0
    with gunicorn(settings, tmp_path / "server.log", workers=2) as base:

        def fail_to_sign_in(number: int) -> int:
            return Browser(base).sign_in(f"nobody-{number}", "not-the-password").status

        # A sync worker answers one request at a time: requests sent together go to both.
        with ThreadPoolExecutor(4) as pool:
            while sent < 64:
                assert set(pool.map(fail_to_sign_in, range(sent, sent + 8))) == {200}
                sent += 8
                per_worker = _failures_per_worker(folder)
                if len([count for count in per_worker.values() if count]) == 2:
                    break
        scrapes = [_samples(Browser(base).request("/metrics").text) for _ in range(6)]

    assert len([count for count in per_worker.values() if count]) == 2, per_worker
    assert sum(per_worker.values()) == sent
    for scrape in scrapes:
        assert _value(scrape, "lms_sign_in_failures_total") == sent
        posted = _value(
            scrape,
            "lms_http_request_duration_seconds_count",
            endpoint="accounts.login",
            status="200",
        )
        assert posted == 2 * sent  # each browser fetched the form, then posted it
