"""The databases a test run covers: SQLite always, PostgreSQL when reachable (required in CI)."""

import os
import uuid
from functools import cache

import pytest
import sqlalchemy as sa

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_url() -> str:
    return os.environ.get("LMS_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


@cache
def postgres_problem() -> str | None:
    """Why PostgreSQL cannot be used for tests, or None when it can."""
    try:
        engine = sa.create_engine(postgres_url(), connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        engine.dispose()
    except Exception as error:
        return f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
    return None


def database_params() -> list:
    """pytest params for the database fixture: the PostgreSQL one is skipped when the
    server is unreachable, except under CI=true, where the run fails instead."""
    problem = postgres_problem()
    marks = []
    if problem and in_ci():
        raise pytest.UsageError(f"CI=true needs PostgreSQL at {postgres_url()}: {problem}")
    if problem:
        marks = [pytest.mark.skip(reason=f"PostgreSQL unreachable ({problem})")]
    return [
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=marks),
    ]


class PostgresSchema:
    """A throw-away schema per test run, so runs never see each other's tables."""

    def __init__(self):
        self.name = f"lms_test_{uuid.uuid4().hex[:10]}"
        self.engine = sa.create_engine(postgres_url())

    def create(self) -> str:
        with self.engine.begin() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{self.name}"'))
        url = sa.engine.make_url(postgres_url())
        return url.update_query_dict({"options": f"-csearch_path={self.name}"}).render_as_string(
            hide_password=False
        )

    def drop(self) -> None:
        with self.engine.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE'))
        self.engine.dispose()
