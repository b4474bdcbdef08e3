"""pytest plugin (entry point ``pytest11``): the application built once per database from the
migrations, every test inside a transaction that is rolled back, factories, and helpers.

Fixtures: ``app``, ``client``, ``appctx``, ``factory``, ``login_as``, ``count_queries``,
``clock`` (moves the application's time).
"""

import secrets
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from flask_migrate import upgrade
from itsdangerous import URLSafeTimedSerializer

from lms import create_app
from lms.extensions import db, limiter
from lms.testing.databases import PostgresSchema, database_params
from lms.testing.factories import Factories


class Client(FlaskClient):
    """The test client with the one thing every form needs: a valid CSRF token."""

    def csrf_token(self) -> str:
        """A valid token for this client's session, made the way Flask-WTF makes one, so a
        form post needs no page fetched first."""
        config = self.application.config
        field = config["WTF_CSRF_FIELD_NAME"]
        with self.session_transaction() as session:
            raw = session.setdefault(field, secrets.token_hex(20))
        secret = config.get("WTF_CSRF_SECRET_KEY") or self.application.secret_key
        return URLSafeTimedSerializer(secret, salt="wtf-csrf-token").dumps(raw)

    def submit(self, url: str, data: dict | None = None, **options):
        return self.post(url, data={"csrf_token": self.csrf_token(), **(data or {})}, **options)


def testing_config(database_url: str, instance_path) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "tests-only-secret-key-that-is-long-enough",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "LMS_INSTANCE_PATH": str(instance_path),
        "RATELIMIT_STORAGE_URI": "memory://",
        "SERVER_NAME": None,
        # argon2's floor: a factory user costs microseconds instead of ~40 ms.
        "LMS_ARGON2_TIME_COST": 1,
        "LMS_ARGON2_MEMORY_KIB": 8,
        # Tasks run where they are enqueued (a roster import within its upload request).
        "LMS_JOBS_IMMEDIATE": True,
        # Nobody must use a second factor, so a test signs an admin in with a password; the
        # second factor's own tests switch the rule on.
        "LMS_SECOND_FACTOR_REQUIRED": [],
    }


def pytest_generate_tests(metafunc):
    if "database_kind" in metafunc.fixturenames:
        metafunc.parametrize("database_kind", database_params(), scope="session")


@contextmanager
def committed_postgres_app(instance_path, *, connections: int, **config):
    """An application on a PostgreSQL schema of its own, built by the migrations, whose data
    is committed rather than rolled back: for tests of concurrent requests, each of which
    needs a connection of its own (``connections`` at once). The schema is dropped after."""
    schema = PostgresSchema()
    settings = testing_config(schema.create(), instance_path)
    settings.update(
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": connections + 5, "max_overflow": 0}, **config
    )
    app = None
    try:
        app = create_app(settings)
        app.test_client_class = Client
        with app.app_context():
            upgrade()
        yield app
    finally:
        if app is not None:
            with app.app_context():
                db.engine.dispose()
        schema.drop()


@pytest.fixture(scope="session")
def built_app(database_kind, tmp_path_factory):
    """One application per database, its schema built by the migrations."""
    schema = None
    if database_kind == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    else:
        schema = PostgresSchema()
        url = schema.create()
    app = create_app(testing_config(url, tmp_path_factory.mktemp("instance")))
    app.test_client_class = Client
    with app.app_context():
        upgrade()
        # Commits inside a test become savepoints of the test's own transaction.
        db.session.configure(join_transaction_mode="create_savepoint")
    yield app
    with app.app_context():
        db.engine.dispose()
    if schema is not None:
        schema.drop()


@contextmanager
def rolled_back(built_app):
    """Bind ``built_app`` to one connection whose transaction is rolled back on leaving;
    yields the connection."""
    with built_app.app_context():
        engines = db.engines
        engine = engines[None]
        connection = engine.connect()
        transaction = connection.begin()
        engines[None] = connection
    try:
        yield connection
    finally:
        with built_app.app_context():
            db.session.remove()
            engines[None] = engine
        transaction.rollback()
        connection.close()
        limiter.reset()


@pytest.fixture
def app(built_app):
    """The application, bound to a connection whose transaction is rolled back after the test."""
    with rolled_back(built_app):
        yield built_app


@pytest.fixture
def client(app) -> Client:
    return app.test_client()


@pytest.fixture
def appctx(app):
    """An app context for service-level tests; do not mix with ``client`` in one test."""
    with app.test_request_context():
        yield app


@pytest.fixture
def factory(app) -> Factories:
    return Factories(app)


@pytest.fixture
def login_as():
    def sign_in(client: Client, user, password: str | None = None, **extra):
        response = client.submit(
            "/login",
            {"username": user.username, "password": password or user.test_password, **extra},
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    return sign_in


@pytest.fixture
def count_queries(app):
    """``with count_queries() as counted: ...`` then ``counted.n`` is the number of statements."""

    @contextmanager
    def counting():
        with app.app_context():
            connection = db.engines[None]

        class Counter:
            n = 0

        def count(*_args):
            Counter.n += 1

        sa.event.listen(connection, "before_cursor_execute", count)
        try:
            yield Counter
        finally:
            sa.event.remove(connection, "before_cursor_execute", count)

    return counting


class MovingClock:
    """The application's "now", held still and moved by the test."""

    def __init__(self, moment: datetime):
        self.moment = moment

    def now(self) -> datetime:
        return self.moment

    def to(self, day: date) -> None:
        """Noon of ``day`` in Viet Nam (05:00 UTC), so "today" is ``day`` there."""
        self.moment = datetime.combine(day, time(5, 0), tzinfo=UTC)

    def advance(self, **delta) -> None:
        self.moment += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch) -> MovingClock:
    """Every ``lms.core.clock.now()`` (and so ``today()``) answers this clock's time."""
    from lms.core import clock as app_clock

    moving = MovingClock(datetime(2026, 1, 5, 5, 0, tzinfo=UTC))
    monkeypatch.setattr(app_clock, "now", moving.now)
    return moving
