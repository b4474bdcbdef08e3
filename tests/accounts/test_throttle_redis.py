"""With LMS_REDIS_URL set, failed sign-ins are counted in Redis, shared by every app server."""

import pytest
import redis

from lms import create_app
from lms.extensions import limiter
from lms.testing.databases import in_ci
from lms.testing.plugin import Client

REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def redis_client():
    """The test's Redis database, emptied; unreachable, it skips the test, except under
    CI=true, where the run fails instead."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as error:
        if in_ci():
            pytest.fail(f"CI=true needs Redis at {REDIS_URL}: {error}")
        pytest.skip(f"Redis unreachable at {REDIS_URL}: {error}")
    client.flushdb()
    yield client
    client.flushdb()


@pytest.fixture
def restore_limiter_storage():
    # The limiter is one extension object (ARCHITECTURE: created unbound); binding it to
    # another app here would leave later tests counting in Redis, so put storage back.
    saved = limiter._storage, limiter._limiter
    yield
    limiter._storage, limiter._limiter = saved


def test_two_app_servers_share_the_sign_in_throttle(
    redis_client, restore_limiter_storage, tmp_path
):
    servers = []
    for number in range(2):
        server = create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'shared.sqlite3'}",
                "LMS_INSTANCE_PATH": str(tmp_path / str(number)),
                "LMS_REDIS_URL": REDIS_URL,
                "LMS_LOGIN_LIMIT": "3 per 1 minute",
            }
        )
        server.test_client_class = Client
        servers.append(server)
    servers[0].test_cli_runner().invoke(args=["db", "upgrade"])
    clients = [server.test_client() for server in servers]
    for attempt in range(3):
        wrong = clients[attempt % 2].submit("/login", {"username": "an", "password": "nope-nope"})
        assert wrong.status_code == 200
    assert redis_client.keys("*sign-in-pair*") and redis_client.keys("*sign-in-account*")
    refused = clients[1].submit("/login", {"username": "an", "password": "nope-nope"})
    assert refused.status_code == 429
