"""What the load balancer asks (/healthz, /readyz), and the pages while the database cannot
be reached, in-process; tests/core/test_outages.py stops a real database under a real
server."""

import json

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask_migrate import upgrade

from lms import create_app
from lms.extensions import limiter
from lms.testing.plugin import Client
from lms.testing.plugin import testing_config as settings_for_tests
from tests.core.servers import free_port


def _app(tmp_path, url: str, **settings):
    app = create_app({**settings_for_tests(url, tmp_path), **settings})
    app.test_client_class = Client
    return app


@pytest.fixture
def unreachable_database(tmp_path):
    """An app whose PostgreSQL is nowhere: nothing listens on its port."""
    return _app(tmp_path, f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/lms")


def test_healthz_answers_whatever_the_database(client, unreachable_database):
    for app_client in (client, unreachable_database.test_client()):
        answer = app_client.get("/healthz")
        assert answer.status_code == 200
        assert answer.text == "ok\n"


def test_readyz_is_ready_with_the_database_answering_at_the_latest_migration(client):
    answer = client.get("/readyz")
    assert answer.status_code == 200
    assert answer.json["status"] == "ready"
    assert answer.json["checks"] == {"database": "ok", "migrations": "current"}
    assert answer.json["revisions"]["database"] == answer.json["revisions"]["code"]


def test_readyz_is_not_ready_while_the_database_is_unreachable(unreachable_database):
    answer = unreachable_database.test_client().get("/readyz")
    assert answer.status_code == 503
    assert answer.json["status"] == "not ready"
    assert answer.json["checks"] == {"database": "unreachable"}


def test_readyz_is_not_ready_while_a_migration_is_pending(tmp_path):
    app = _app(tmp_path, f"sqlite:///{tmp_path / 'behind.sqlite3'}")
    with app.app_context():
        scripts = ScriptDirectory(app.extensions["migrate"].directory)
        head = scripts.get_revision(scripts.get_current_head())
        upgrade(revision=head.down_revision)
    answer = app.test_client().get("/readyz")
    assert answer.status_code == 503
    assert answer.json["checks"] == {"database": "ok", "migrations": "not current"}
    assert answer.json["revisions"] == {
        "database": [head.down_revision],
        "code": [head.revision],
    }


@pytest.fixture
def restore_limiter_storage():
    saved = limiter._storage, limiter._limiter
    yield
    limiter._storage, limiter._limiter = saved


def test_readyz_is_not_ready_while_redis_is_unreachable(restore_limiter_storage, tmp_path):
    nowhere = f"redis://127.0.0.1:{free_port()}/0"
    app = _app(
        tmp_path,
        f"sqlite:///{tmp_path / 'site.sqlite3'}",
        LMS_REDIS_URL=nowhere,
        RATELIMIT_STORAGE_URI=nowhere,
    )
    answer = app.test_client().get("/readyz")
    assert answer.status_code == 503
    assert answer.json["checks"]["redis"] == "unreachable"
    assert answer.json["checks"]["database"] == "ok"


def test_pages_answer_503_without_the_database(unreachable_database):
    client = unreachable_database.test_client()
    assert client.get("/verify/NO-SUCH-CODE").status_code == 503  # the outage is found
    page = client.get("/", headers={"X-Request-ID": "balancer-42"})  # and told at once
    assert page.status_code == 503
    assert page.headers["Retry-After"] == "5"
    assert '<html lang="vi"' in page.text and "Mã lỗi: 503" in page.text
    assert "balancer-42" in page.text
    for headers, path in (({"Accept": "application/json"}, "/"), ({}, "/api/v1/modules")):
        answer = client.get(path, headers=headers)
        assert answer.status_code == 503
        assert answer.headers["Retry-After"] == "5"
        body = json.loads(answer.text)
        assert body["error"] == "unavailable"
        assert body["request_id"] == answer.headers["X-Request-ID"]


def test_a_database_error_while_the_database_answers_is_no_outage(tmp_path):
    app = _app(tmp_path, f"sqlite:///{tmp_path / 'site.sqlite3'}", PROPAGATE_EXCEPTIONS=False)

    @app.route("/locked")
    def locked():
        raise sa.exc.OperationalError("UPDATE …", {}, Exception("database is locked"))

    client = app.test_client()
    assert client.get("/locked").status_code == 500
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").json["checks"]["database"] == "ok"
    assert client.get("/login").status_code == 200
