"""When the database or Redis cannot be reached: a small 503 page rather than a crash, one log
line when the outage starts and one when it ends, and no restart to recover.

The database. A connection error is told from any other database error by asking the
database once more (``SELECT 1``): when that fails too, the outage starts. While it lasts
every request is answered at once with the outage page, which needs neither the database
nor the signed-in user (the usual layout reads both), except one request every
``PROBE_INTERVAL`` seconds, which asks the database again: the site is back within that
interval of the database's return. ``/healthz``, ``/readyz`` and ``/metrics`` answer
throughout, for the load balancer and the monitoring.

Redis holds the rate limits' counters. While it is down, views marked with ``fails_closed``
(the sign-in, whose limits are all that slows a password guesser) answer 503, and every
other rate limit is lifted (fails open) until Redis answers again.

The state is per process: with several gunicorn workers, each tells of its own outage.
"""

import functools
import logging
import threading
import time

from flask import Flask, current_app, jsonify, request
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from limits.errors import StorageError

from lms.core import health, metrics
from lms.core.i18n import visitor_locale
from lms.core.logs import request_id
from lms.extensions import db, limiter

# Seconds between two checks of a dependency that is down.
PROBE_INTERVAL = 0.5
# Seconds the outage page asks clients to wait before trying again.
RETRY_AFTER = 5
# What answers even while the database is down.
ALWAYS_ANSWERED = {"healthz", "readyz", "metrics", "static"}

DATABASE_DOWN = _l(
    "The site cannot reach its database just now. Please try again in a few minutes; "
    "if you were sending a form, it has not been saved."
)

logger = logging.getLogger("lms.outages")


class Dependency:
    """Something outside the process that the site needs: whether it is down, since when,
    and a log line when that changes."""

    def __init__(self, name: str, problem, consequence: str):
        self.name = name
        self._problem = problem
        self._consequence = consequence
        self._lock = threading.Lock()
        self._down_since: float | None = None
        self._next_probe = 0.0
        self._answered = 0

    @property
    def down(self) -> bool:
        return self._down_since is not None

    def failed(self, problem: str) -> None:
        """A request found it unreachable: the outage starts, unless it already has."""
        with self._lock:
            if self._down_since is not None:
                return
            self._down_since = time.monotonic()
            self._next_probe = self._down_since + PROBE_INTERVAL
            self._answered = 0
        logger.warning("%s unreachable (%s); %s", self.name, problem, self._consequence)

    def back(self) -> bool:
        """Whether it answers again, asked at most once per ``PROBE_INTERVAL`` while it is
        down, by the request that comes when a check is due; the others hear no at once."""
        with self._lock:
            if self._down_since is None:
                return True
            if time.monotonic() < self._next_probe:
                return False
            self._next_probe = time.monotonic() + PROBE_INTERVAL
        if self._problem():
            return False
        with self._lock:
            if self._down_since is None:
                return True
            lasted, answered = time.monotonic() - self._down_since, self._answered
            self._down_since = None
        logger.info(
            "%s reachable again after %.1f s; %d requests were answered 503",
            self.name,
            lasted,
            answered,
        )
        return True

    def answer(self, message):
        """The outage page, or JSON, for this request."""
        with self._lock:
            self._answered += 1
        metrics.UNAVAILABLE_RESPONSES.labels(self.name).inc()
        return unavailable(message)


def fails_closed(message):
    """Mark a view that must not run without its rate limits: while their storage is
    unreachable it answers 503 with ``message`` instead.

        @outages.fails_closed(_l("Signing in is paused for a few minutes."))
        def login(): ...
    """

    def mark(view):
        view.fails_closed = message
        return view

    return mark


def _dependency(name: str) -> Dependency:
    return current_app.extensions["lms.outages"][name]


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def unavailable(message):
    """A 503 made from the request alone: no database, no signed-in user, and no context
    processor (``render_template`` would run the layout's, which read both)."""
    locale = visitor_locale()
    with force_locale(locale):
        if _wants_json():
            response = jsonify(error="unavailable", message=str(message), request_id=request_id())
        else:
            page = current_app.jinja_env.get_template("errors/unavailable.html")
            body = page.render(locale=locale, message=message, retry=request.method == "GET")
            response = current_app.response_class(body, mimetype="text/html")
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER)
    response.headers["Cache-Control"] = "no-store"
    return response


def _answer_while_database_down():
    if request.endpoint in ALWAYS_ANSWERED:
        return None
    database = _dependency("database")
    if database.down and not database.back():
        return database.answer(DATABASE_DOWN)
    return None


def database_failed(error):
    """Error handler for the database's connection errors: the outage page during an outage
    or when the database does not answer now either; otherwise the error goes on to the 500
    page."""
    db.session.rollback()
    database = _dependency("database")
    if not database.down:
        problem = health.database_problem()
        if problem is None:
            raise error
        database.failed(problem)
    return database.answer(DATABASE_DOWN)


def database_errors_answered(handler):
    """For an error handler whose page has the usual layout, which reads the signed-in
    user: when the database fails under it, answer as ``database_failed`` does."""

    @functools.wraps(handler)
    def guarded(error):
        try:
            return handler(error)
        except health.CONNECTION_ERRORS as failure:
            return database_failed(failure)

    return guarded


def _closed_message():
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "fails_closed", None)


def rate_limits_failed(error: StorageError):
    """Error handler for the rate limits' storage: fail closed where the view says so,
    otherwise lift the limits and serve the request."""
    redis = _dependency("redis")
    redis.failed(health.describe(error))
    message = _closed_message()
    if message is not None:
        return redis.answer(message)
    # Limits are checked before the view runs, so nothing of it has run yet: with the
    # limits now lifted (below), the request is dispatched again.
    try:
        return current_app.dispatch_request()
    except Exception as raised:
        return current_app.handle_user_exception(raised)


@limiter.request_filter
def _limits_lifted_while_storage_down() -> bool:
    redis = _dependency("redis")
    if not redis.down or redis.back():
        return False
    return _closed_message() is None


def register(app: Flask) -> None:
    app.extensions["lms.outages"] = {
        "database": Dependency(
            "database", health.database_problem, "answering 503 until it returns"
        ),
        "redis": Dependency(
            "redis",
            health.redis_problem,
            "sign-in refused and the other rate limits lifted until it returns",
        ),
    }
    app.before_request(_answer_while_database_down)
    for error in health.CONNECTION_ERRORS:
        app.register_error_handler(error, database_failed)
    app.register_error_handler(StorageError, rate_limits_failed)
