"""Several servers, proven: two gunicorn servers and a worker on 127.0.0.1 sharing one
PostgreSQL database and one Redis, as behind a load balancer. Whatever a person does through
one server holds on the other: signing in and out, the failed sign-ins the throttle counts,
a roster import (run once, by the worker); and a periodic task that two workers starting
together both enqueue runs once.

Needs PostgreSQL (the shared server, in a database of its own made and dropped here) and Redis
at 127.0.0.1:6379 (database numbers of their own, emptied); without them the tests are
skipped, except under CI=true, where they fail.
"""

import json
import re
import time
import uuid
from types import SimpleNamespace

import pytest
import redis
import sqlalchemy as sa

from lms.core.permissions import Role
from lms.testing.databases import in_ci, postgres_problem, postgres_url
from tests.core.servers import (
    PASSWORD,
    Browser,
    Gunicorn,
    Worker,
    migrated_with_users,
    running,
)

REDIS_URL = "redis://127.0.0.1:6379/14"
# A queue of its own for the test of two workers starting at once.
SECOND_QUEUE_URL = "redis://127.0.0.1:6379/13"
JSON = {"Accept": "application/json"}
SIGNED_IN = re.compile(r'<form[^>]+action="/logout"')
NEW_PEOPLE = ("nhap.mot", "nhap.hai", "nhap.ba")
ROSTER = (
    "username,full_name,email,unit_code,position_codes,start_date,roles\n"
    "nhap.mot,Vũ Thị Một,,SV-A,SV_CLERK,2026-03-01,\n"
    "nhap.hai,Bùi Văn Hai,,SV-A,SV_CLERK,2026-03-01,\n"
    "nhap.loi,Lỗi Đơn Vị,,NOWHERE,SV_CLERK,2026-03-01,\n"
    "nhap.ba,Đỗ Thị Ba,,SV-A,SV_CLERK,2026-03-01,\n"
).encode()


def _missing(what: str, problem) -> None:
    if in_ci():
        pytest.fail(f"CI=true needs {what}: {problem}")
    pytest.skip(f"{what} unreachable: {problem}")


def _redis(url: str):
    """The Redis database at ``url``, emptied before and after."""
    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as error:
        _missing(f"Redis at {url}", error)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture(scope="module")
def shared_redis():
    yield from _redis(REDIS_URL)


@pytest.fixture
def second_queue():
    yield from _redis(SECOND_QUEUE_URL)


@pytest.fixture(scope="module")
def shared_database(tmp_path_factory):
    """A database of its own on the shared PostgreSQL server, built by the migrations."""
    if problem := postgres_problem():
        _missing(f"PostgreSQL at {postgres_url()}", problem)
    name = f"lms_servers_{uuid.uuid4().hex[:10]}"
    server = sa.create_engine(postgres_url(), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(postgres_url()).set(database=name)
    try:
        migrated_with_users(
            url.render_as_string(hide_password=False),
            tmp_path_factory.mktemp("setup"),
            ["an", "binh", "chi", "admin"],
            setup=_units_and_positions,
            admin=[Role.ADMIN],
        )
        yield url
    finally:
        with server.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def _units_and_positions(factories) -> None:
    city = factories.unit(kind="city", name_vi="Thành phố Thử", code="SV")
    factories.unit(parent=city, kind="commune", name_vi="Xã A", code="SV-A")
    factories.position(code="SV_CLERK", name_vi="Công chức một cửa")


@pytest.fixture(scope="module")
def servers(shared_database, shared_redis, tmp_path_factory):
    """The two servers' base URLs, with one worker (``lms worker``) beside them; each has an
    instance folder of its own, so all they share is the database, Redis (rate limits and the
    job queue) and the secret key."""
    folder = tmp_path_factory.mktemp("servers")
    common = {
        "LMS_DATABASE_URL": shared_database.render_as_string(hide_password=False),
        "LMS_REDIS_URL": REDIS_URL,
        "LMS_LOGIN_LIMIT": "3 per 1 minute",
        # The admin starts a roster import with a password alone.
        "LMS_SECOND_FACTOR_REQUIRED": "",
    }
    with running(
        *(
            Gunicorn({**common, "LMS_INSTANCE_PATH": str(folder / name)}, folder / f"{name}.log")
            for name in ("a", "b")
        ),
        Worker({**common, "LMS_INSTANCE_PATH": str(folder / "w")}, folder / "worker.log"),
    ) as (a, b, worker):
        yield SimpleNamespace(a=a.base, b=b.base, worker=worker)


def _signed_in(browser: Browser) -> bool:
    answer = browser.request("/")
    assert answer.status == 200, answer.text
    return bool(SIGNED_IN.search(answer.text))


def test_a_sign_in_holds_on_both_servers_and_a_sign_out_ends_it_on_both(servers):
    a, b = servers.a, servers.b
    on_a = Browser(a)
    assert on_a.sign_in("an", PASSWORD).status == 200
    assert _signed_in(on_a)
    on_b = on_a.copy_to(b)  # the load balancer sends the same browser to the other server
    assert _signed_in(on_b)
    assert "lms_remember" not in on_b.cookie_names()

    phone = Browser(b)  # the same person in another browser, remembered
    remembered = {"username": "an", "password": PASSWORD, "remember": "y"}
    assert phone.submit("/login", "/login", remembered).status == 200
    phone_remembered_only = phone.copy_to(a).without("lms_session")
    assert _signed_in(phone_remembered_only), "remember-me signs in on the other server"

    stolen = on_b.copy_to(b)  # a copy of the session cookie taken before signing out
    stolen_phone = phone.copy_to(a)
    assert _signed_in(stolen)

    on_b.submit("/logout", "/", {})  # signed out through server B
    for server in (a, b):
        assert not _signed_in(on_a.copy_to(server))
        assert not _signed_in(stolen.copy_to(server)), "the copied cookie is refused"
        assert _signed_in(phone.copy_to(server)), "the person's other browser stays in"

    phone.copy_to(a).submit("/logout", "/", {})  # the phone signs out through server A
    for server in (a, b):
        assert not _signed_in(stolen_phone.copy_to(server))
        assert not _signed_in(stolen_phone.copy_to(server).without("lms_session"))


def test_failed_sign_ins_on_both_servers_add_up_to_the_lockout(servers, shared_redis):
    a, b = servers.a, servers.b
    wrong = {"username": "binh", "password": "not-the-password"}
    # Three failures are allowed per account and address a minute: two on A, one on B,
    # each server below the limit by its own count.
    for server in (a, a, b):
        answer = Browser(server).submit("/login", "/login", wrong)
        assert answer.status == 200 and "Sai tên đăng nhập hoặc mật khẩu" in answer.text
    assert shared_redis.keys("*sign-in-pair*binh*")
    for server in (a, b):
        refused = Browser(server).submit(
            "/login", "/login", {"username": "binh", "password": PASSWORD}
        )
        assert refused.status == 429, refused.text
        assert 0 < int(refused.headers["Retry-After"]) <= 60
    # Another person behind the same address is not held up.
    assert Browser(b).sign_in("chi", PASSWORD).status == 200


def test_a_roster_import_started_on_one_server_is_done_once_and_seen_on_the_other(
    servers, shared_database
):
    a, b = servers.a, servers.b
    admin_on_a = Browser(a)
    assert admin_on_a.sign_in("admin", PASSWORD).status == 200
    started = admin_on_a.submit(
        "/admin/roster", "/admin/roster", {}, files={"file": ("roster.csv", ROSTER)}
    )
    assert started.status == 200, started.text
    job_page = re.search(r"/admin/roster/imports/(\d+)$", started.url)
    assert job_page, started.url
    admin_on_b = admin_on_a.copy_to(b)
    deadline = time.monotonic() + 20
    while (progress := admin_on_b.request(job_page.group(0), headers=JSON)).status == 200:
        if not json.loads(progress.text)["running"]:
            break
        assert time.monotonic() < deadline, progress.text
        time.sleep(0.1)
    state = json.loads(progress.text)
    assert (state["running"], state["done"], state["total"]) == (False, 4, 4)
    results = admin_on_b.request(job_page.group(0)).text  # the results, errors first
    assert "NOWHERE" in results and "nhap.mot" in results

    job_id = int(job_page.group(1))
    engine = sa.create_engine(shared_database)
    try:
        with engine.connect() as connection:
            people = connection.execute(
                sa.text(
                    "SELECT u.username, count(pa.id) FROM users u"
                    " LEFT JOIN position_assignments pa ON pa.user_id = u.id"
                    " WHERE u.username LIKE 'nhap.%' GROUP BY u.username"
                )
            ).all()
            imported = connection.execute(
                sa.text(
                    "SELECT details FROM audit_entries"
                    " WHERE action = 'roster.imported' AND object_id = :job"
                ),
                {"job": job_id},
            ).all()
    finally:
        engine.dispose()
    assert sorted(people) == sorted((name, 1) for name in NEW_PEOPLE)
    assert len(imported) == 1
    assert imported[0].details["created"] == 3 and imported[0].details["error"] == 1
    # Run by the worker, not by the server it was uploaded to.
    assert servers.worker.output().count("Executing lms.core.jobs.org.import_roster") == 1


def test_a_periodic_task_two_workers_start_at_once_runs_once(
    shared_database, second_queue, tmp_path
):
    """Each worker enqueues the periodic task that resumes interrupted imports as it starts
    (and its scheduler at every minute), so two starting together queue it twice: its lease
    lets one run."""
    settings = {
        "LMS_DATABASE_URL": shared_database.render_as_string(hide_password=False),
        "LMS_REDIS_URL": SECOND_QUEUE_URL,
        "LMS_INSTANCE_PATH": str(tmp_path),
    }
    taken = "Executing lms.core.jobs.org.resume_imports"
    ran, refused = "org.resume_imports done in", "org.resume_imports not run"
    logs = [tmp_path / "one.log", tmp_path / "two.log"]
    with running(*(Worker(settings, log) for log in logs)):
        deadline = time.monotonic() + 30
        while True:  # until one run is over and every run taken so far has ended
            text = "".join(log.read_text() for log in logs)
            ended = text.count(ran) + text.count(refused)
            if text.count(ran) and ended >= 2 and ended == text.count(taken):
                break
            assert time.monotonic() < deadline, text
            time.sleep(0.1)
    # One ran; the other worker's run was refused (so were the schedulers' runs at the turn
    # of a minute, if one came meanwhile).
    assert text.count(ran) == 1, text
