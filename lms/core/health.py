"""What a load balancer asks: ``/healthz``, the process answers; ``/readyz``, it can serve —
the database answers, so does Redis when configured, and the database's schema is the one
this code's migrations lead to.

The checks ask each dependency afresh; they are also what the outage handling
(``lms.core.outages``) and the ``lms_dependency_up`` metric ask.
"""

from functools import cache

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app, jsonify
from sqlalchemy.exc import InterfaceError, OperationalError

from lms.extensions import db, limiter

# What a database that cannot be reached raises (as opposed to a refused statement).
CONNECTION_ERRORS = (OperationalError, InterfaceError)


def describe(error: Exception) -> str:
    """The error's kind and first line, without SQLAlchemy's wrapping: for a log line."""
    cause = getattr(error, "orig", None) or getattr(error, "storage_error", None) or error
    lines = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {lines[0] if lines else ''}"


def database_problem() -> str | None:
    """Why the database does not answer ``SELECT 1`` now; None when it does."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except CONNECTION_ERRORS as error:
        db.session.rollback()
        return describe(error)
    return None


def redis_problem() -> str | None:
    """Why the rate limits' storage does not answer now; None when it does."""
    return None if limiter.storage.check() else "no answer to PING"


def current_problems() -> dict[str, str | None]:
    """Each configured dependency and why it does not answer (None: it does)."""
    problems = {"database": database_problem()}
    if current_app.config["LMS_REDIS_URL"]:
        problems["redis"] = redis_problem()
    return problems


@cache
def _script_heads(directory: str) -> frozenset[str]:
    return frozenset(ScriptDirectory(directory).get_heads())


def migration_revisions() -> tuple[frozenset[str], frozenset[str]]:
    """The database's current revisions and the heads of this code's migration scripts."""
    current = MigrationContext.configure(db.session.connection()).get_current_heads()
    return frozenset(current), _script_heads(current_app.extensions["migrate"].directory)


def healthz():
    return "ok\n", 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


def readyz():
    checks = {
        name: "unreachable" if problem else "ok" for name, problem in current_problems().items()
    }
    revisions = {}
    if checks["database"] == "ok":
        current, heads = migration_revisions()
        checks["migrations"] = "current" if current == heads else "not current"
        revisions = {"database": sorted(current), "code": sorted(heads)}
    ready = all(result in ("ok", "current") for result in checks.values())
    body = jsonify(status="ready" if ready else "not ready", checks=checks, revisions=revisions)
    return body, 200 if ready else 503, {"Cache-Control": "no-store"}


def register(app: Flask) -> None:
    app.add_url_rule("/healthz", "healthz", healthz)
    app.add_url_rule("/readyz", "readyz", readyz)
