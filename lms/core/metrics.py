"""Prometheus metrics at ``/metrics``, for the addresses in ``LMS_METRICS_ALLOW`` only (404
for anyone else).

Built on ``prometheus_client`` directly, in its multiprocess mode when gunicorn runs several
workers: each worker writes its values to files in ``PROMETHEUS_MULTIPROC_DIR`` and the
worker that answers a scrape adds them all up (``gunicorn.conf.py`` keeps that folder
right). prometheus-flask-exporter would wrap the same library with the same folder, and add
a metric set of its own, labelled by raw path unless told otherwise, behind a route open to
anyone: the few metrics below and the address check are simpler said directly.

Two kinds of metric:

- updated where things happen, in the process where they happen (requests, the pool, failed
  sign-ins, outage pages): declared here at module level with prometheus_client's classes; a
  gauge says how its workers' values add up (``multiprocess_mode``);
- read at scrape time, by the worker that answers, when the value is the same whichever
  worker reads it (whether the database answers): a collector in ``SCRAPE_TIME``.

The job queue's metrics are of the second kind: its depth, and the failed tasks, which the
workers count in the queue's own storage (``lms.core.jobs``), so that any app server reads
every worker's count, whichever host it runs on and however often gunicorn restarted.
``PROMETHEUS_MULTIPROC_DIR``.
"""

import ipaddress
import os

import sqlalchemy as sa
from flask import Flask, Response, abort, current_app, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from sqlalchemy.event import listen

from lms.core import health, jobs
from lms.extensions import db

REQUEST_SECONDS = Histogram(
    "lms_http_request_duration_seconds",
    "Time taken to answer requests, by endpoint and status; its _count counts the requests.",
    ["endpoint", "status"],
)
POOL_CONNECTIONS = Gauge(
    "lms_db_pool_connections",
    "Database connections the pool holds open, and how many of them requests are using.",
    ["state"],
    multiprocess_mode="livesum",
)
SIGN_IN_FAILURES = Counter(
    "lms_sign_in_failures",
    "Sign-ins refused for a wrong username or password.",
)
UNAVAILABLE_RESPONSES = Counter(
    "lms_unavailable_responses",
    "Requests answered with the outage page (503), by the dependency that was unreachable.",
    ["dependency"],
)


class Reachability:
    """Whether the database and, when configured, Redis answer, asked at scrape time."""

    def collect(self):
        family = GaugeMetricFamily(
            "lms_dependency_up",
            "1 when the dependency answers at scrape time, else 0.",
            labels=["dependency"],
        )
        for name, problem in health.current_problems().items():
            family.add_metric([name], 0.0 if problem else 1.0)
        yield family


class JobQueue:
    """The job queue's depth and its failed tasks, read from the queue at scrape time;
    nothing when the queue cannot be read (``lms_dependency_up`` tells about Redis)."""

    def collect(self):
        try:
            stats = jobs.stats(current_app)
        except Exception:
            return
        depth = GaugeMetricFamily(
            "lms_job_queue_depth",
            "Tasks waiting in the job queue: queued to run now, or scheduled for later.",
            labels=["state"],
        )
        depth.add_metric(["queued"], stats["queued"])
        depth.add_metric(["scheduled"], stats["scheduled"])
        yield depth
        failures = CounterMetricFamily(
            "lms_job_failures",
            "Runs of a task that failed (an error, or a roster import that failed), by task.",
            labels=["task"],
        )
        for name, count in sorted(stats["failures"].items()):
            failures.add_metric([name], count)
        yield failures


SCRAPE_TIME = CollectorRegistry()
SCRAPE_TIME.register(Reachability())
SCRAPE_TIME.register(JobQueue())


def observe_request(endpoint: str | None, status: int, seconds: float) -> None:
    REQUEST_SECONDS.labels(endpoint or "unmatched", str(status)).observe(seconds)


def _pool_listener(state: str, change: int):
    def listener(*_event):
        POOL_CONNECTIONS.labels(state).inc(change)

    return listener


def _watch_pool(engine: sa.Engine) -> None:
    for event, state, change in (
        ("connect", "open", 1),
        ("close", "open", -1),
        ("checkout", "in_use", 1),
        ("checkin", "in_use", -1),
    ):
        listen(engine, event, _pool_listener(state, change))


def _allowed(address: str | None) -> bool:
    try:
        client = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    if client.version == 6 and client.ipv4_mapped:
        client = client.ipv4_mapped
    return any(
        client in ipaddress.ip_network(entry, strict=False)
        for entry in current_app.config["LMS_METRICS_ALLOW"]
    )


def _updated_where_they_happen() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        every_worker = CollectorRegistry()
        multiprocess.MultiProcessCollector(every_worker)
        return every_worker
    return REGISTRY


def metrics():
    if not _allowed(request.remote_addr):
        abort(404)
    body = generate_latest(_updated_where_they_happen()) + generate_latest(SCRAPE_TIME)
    return Response(body, content_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})


def register(app: Flask) -> None:
    app.add_url_rule("/metrics", "metrics", metrics)
    with app.app_context():
        _watch_pool(db.engine)
