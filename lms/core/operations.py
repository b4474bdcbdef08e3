"""Running the site: request ids and logs, outages answered, health checks and metrics.

Details in ``docs/operations.md`` ("Health, metrics and outages").
"""

import time

from flask import Flask, g, request, request_finished, request_started

from lms.core import health, logs, metrics, outages


def _start_clock(_app, **_extra) -> None:
    g.request_started = time.perf_counter()


def _account_for(_app, response, **_extra) -> None:
    seconds = time.perf_counter() - g.request_started
    metrics.observe_request(request.endpoint, response.status_code, seconds)
    logs.log_request(response, seconds)


def init_app(app: Flask) -> None:
    logs.register(app)
    outages.register(app)
    health.register(app)
    metrics.register(app)
    # Signals rather than request hooks: they come first and last whatever else fails.
    request_started.connect(_start_clock, app)
    request_finished.connect(_account_for, app)
