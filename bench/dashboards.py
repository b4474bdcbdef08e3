"""Manager dashboards on the national dataset: p50/p95 and statements per page; with
``--demo``, the demo city's dashboard served by gunicorn: server CPU per request.

    .venv/bin/python bench/make_national.py          # once: the country in lms_national
    .venv/bin/python bench/dashboards.py [--database lms_national] [--repeat 20]
        [--export-repeat 3] [--url URL]
    .venv/bin/python bench/dashboards.py --demo [--seconds 10] [--warmup 2] [--workers 2]
        [--concurrency 4] [--postgres]

With ``--demo`` it builds the demo city (``lms demo``) in a temporary folder, on SQLite or
(``--postgres``) in a throw-away schema at ``LMS_TEST_POSTGRES_URL``, serves it and the bare
page of ``bench/bare_app.py`` with gunicorn, signs in as the demo's ``manager.city`` and has
``--concurrency`` clients request the manager's dashboard (``/reports/``), then the same
with a commit the dashboard does not show before each request ("read": the change mark
moves, the page's data is read again, found the same and not rendered; the commits are the
load generator's), then the bare page, each for ``--seconds`` after ``--warmup``: requests,
req/s, p50/p95 and the server's CPU time per request (its gunicorn master and workers, from
``/proc``).

Runs the application in this process (no HTTP server: the figures are the application's and
the database's time) against the database ``--database`` on the server of ``--url``, signed
in as the demo admin. The dashboards always read the summary rows
(``lms.learning.summaries``; a live aggregation is only the tests' check of them), so it
times their daily rebuild and one learner's refresh, then the pages three times: just
after the rebuild; right after a curriculum change (a module added to the curriculum of
the most held position, kept current set-based, timed too); and while the daily rebuild
runs in another process (it writes the other generation of rows and swaps it in when it
commits). For the national dashboard (every province), a province, a commune, a drill-down
page (a province's overdue assignments by due date) and its next page (keyset paging) and
the CSV export of one module's assignment across the country (one row per person: about as
many rows as people), prints requests, p50 and p95 in milliseconds, SQL statements per
request, and for the export its rows, megabytes and the growth of the process's peak memory.
Each dashboard is measured three ways: served from the pages kept, "read" (after a commit
it does not show: its data read again, not rendered) and "rendered" (nothing kept).
The curriculum change is left in the database (run ``make_national.py`` again for a clean
one).
"""

import argparse
import contextlib
import html
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa
from harness import (
    LOAD_NOTE,
    ROOT,
    Server,
    Servers,
    add_load_arguments,
    bare_server,
    build_demo,
    cookie_of,
    environment,
    hammer,
    postgres_url,
    print_failures,
    request,
    summary,
    throwaway_schema,
)
from harness import sign_in as sign_in_over_http
from make_national import DEMO_PASSWORD

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def sign_in(client, username: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = _CSRF.search(page).group(1)
    response = client.post(
        "/login", data={"username": username, "password": DEMO_PASSWORD, "csrf_token": token}
    )
    if response.status_code != 302:
        raise SystemExit(f"signing in as {username} failed ({response.status_code})")


class Statements:
    def __init__(self, engine):
        self.engine = engine
        self.n = 0

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self.count)
        return self

    def __exit__(self, *_exc):
        sa.event.remove(self.engine, "before_cursor_execute", self.count)

    def count(self, *_args):
        self.n += 1


# A commit no dashboard shows (a browser's name on a sign-in): it moves the change mark,
# so the next view reads the page's data again, finds the same and does not render.
_UNRELATED = sa.text(
    "UPDATE sign_ins SET user_agent = :agent WHERE id = (SELECT min(id) FROM sign_ins)"
)


def commit_unrelated(engine) -> None:
    with engine.begin() as connection:
        connection.execute(_UNRELATED, {"agent": f"bench {time.perf_counter_ns()}"})


# How a dashboard is requested: served from the pages kept (nothing committed since the
# last view), read (after a commit it does not show), or rendered (nothing kept).
WAYS = ("served", "read", "rendered")


def measure(client, engine, url: str, repeat: int, *, way: str = "served") -> dict:
    """Time ``repeat`` requests of ``url``, each ``way`` (``WAYS``)."""
    from lms.core import cache

    warm = client.get(url)
    body = warm.get_data()
    warm.close()
    if warm.status_code != 200:
        raise SystemExit(f"{url}: {warm.status_code}")
    timings, statements = [], set()
    for _ in range(repeat):
        if way == "rendered":
            cache.forget_local()
        elif way == "read":
            commit_unrelated(engine)
        with Statements(engine) as counted:
            started = time.perf_counter()
            response = client.get(url)
            body = response.get_data()
            response.close()
            timings.append((time.perf_counter() - started) * 1000)
        statements.add(counted.n)
    return {"timings": timings, "statements": statements, "bytes": len(body)}


def refresh_ms(app) -> float:
    """Median time to commit one learner's change with the summary rows of their units
    computed again (what every start, completion or assignment change adds)."""
    from lms.extensions import db
    from lms.learning import summaries

    timings = []
    with app.app_context():
        people = db.session.scalars(
            sa.text("SELECT user_id FROM position_assignments ORDER BY id LIMIT 20")
        ).all()
        for user_id in people:
            started = time.perf_counter()
            summaries.touch([user_id])
            db.session.commit()
            timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def curriculum_s(app) -> float:
    """Seconds to add a module to the curriculum of the most held position and commit: the
    people's assignments synced and every unit where it is held computed again."""
    from lms.catalogue.models import Module
    from lms.extensions import db
    from lms.org import services
    from lms.org.models import CurriculumItem, Position, PositionAssignment

    with app.app_context():
        held = (
            sa.select(PositionAssignment.position_id)
            .group_by(PositionAssignment.position_id)
            .order_by(sa.func.count().desc())
            .limit(1)
        )
        position = db.session.get(Position, db.session.scalar(held))
        required = sa.select(CurriculumItem.module_id).where(
            CurriculumItem.position_id == position.id
        )
        module_id = db.session.scalar(
            sa.select(Module.id)
            .where(Module.id.not_in(required), Module.retired_at.is_(None))
            .order_by(Module.id)
            .limit(1)
        )
        started = time.perf_counter()
        services.set_curriculum_item(None, position, module_id, due_basis="assignment", due_days=60)
        db.session.commit()
        return time.perf_counter() - started


def curriculum_change(args) -> int:
    """``--curriculum``: a module added to the curriculum of the most held position, then
    removed, each timed to its commit with its SQL statements, after the summary rows are
    rebuilt; checked (the holders'
    current assignments of the module, the summary rows against the live aggregation) and
    the national and a province's dashboard timed before, after the addition and after the
    removal."""
    from lms import create_app
    from lms.accounts.models import User
    from lms.catalogue.models import Module
    from lms.extensions import db
    from lms.learning import summaries
    from lms.learning.models import ModuleAssignment
    from lms.org import services
    from lms.org.models import CurriculumItem, Position, PositionAssignment
    from lms.org.queries import holds_on
    from lms.reports import queries

    url = sa.engine.make_url(args.url).set(database=args.database)
    app = create_app(
        {
            "SECRET_KEY": "national-bench-only-secret-key-long-enough",
            "SQLALCHEMY_DATABASE_URI": url.render_as_string(hide_password=False),
            "RATELIMIT_ENABLED": False,
            # The benchmark signs in as the admin with a password alone.
            "LMS_SECOND_FACTOR_REQUIRED": [],
        }
    )
    client = app.test_client()
    sign_in(client, "admin")
    with app.app_context():
        engine = db.engine
        # As after the night's job (the rows of an earlier run's changes folded away).
        started = time.perf_counter()
        summaries.rebuild()
        db.session.commit()
        print(f"summary rows rebuilt in {time.perf_counter() - started:.1f} s")
        province = db.session.scalar(sa.text("SELECT id FROM org_units WHERE code = 'T01'"))
        held = (
            sa.select(PositionAssignment.position_id)
            .group_by(PositionAssignment.position_id)
            .order_by(sa.func.count().desc())
            .limit(1)
        )
        position_id = db.session.scalar(held)
        required = sa.select(CurriculumItem.module_id).where(
            CurriculumItem.position_id == position_id
        )
        module_id = db.session.scalar(
            sa.select(Module.id)
            .where(Module.id.not_in(required), Module.retired_at.is_(None))
            .order_by(Module.id)
            .limit(1)
        )
        holders = db.session.scalar(
            sa.select(sa.func.count(PositionAssignment.user_id.distinct())).where(
                PositionAssignment.position_id == position_id, holds_on(clock_today())
            )
        )
        db.session.commit()
    print(f"position {position_id}: {holders:,} holders; module {module_id}")
    pages = [
        ("national dashboard", "/reports/"),
        ("province dashboard", f"/reports/units/{province}"),
    ]

    def measure_pages(title: str) -> None:
        found = []
        for name, path in pages:
            timings = measure(client, engine, path, args.repeat)["timings"]
            found.append(f"{name} p50 {statistics.median(timings):.0f} ms")
        print(f"  {title}: " + "; ".join(found))

    def current_count() -> int:
        return db.session.scalar(
            sa.select(sa.func.count()).where(
                ModuleAssignment.module_id == module_id,
                ModuleAssignment.retired_on.is_(None),
                ModuleAssignment.user_id.in_(
                    sa.select(PositionAssignment.user_id).where(
                        PositionAssignment.position_id == position_id,
                        holds_on(clock_today()),
                    )
                ),
            )
        )

    def matches_live() -> bool:
        admin = db.session.scalar(sa.select(User).where(User.username == "admin"))
        filters = queries.Filters()
        summarised = queries.headline(admin, clock_today(), filters)
        with queries.live_aggregates():
            live = queries.headline(admin, clock_today(), filters)
        return summarised == live

    measure_pages("before")
    with app.app_context():
        ok = matches_live()
    print(f"summary rows {'equal' if ok else 'DIFFER from'} the live aggregation before")
    for step in ("add", "remove"):
        with app.app_context():
            position = db.session.get(Position, position_id)
            with Statements(engine) as counted:
                started = time.perf_counter()
                if step == "add":
                    services.set_curriculum_item(
                        None, position, module_id, due_basis="assignment", due_days=60
                    )
                else:
                    item = db.session.scalar(
                        sa.select(CurriculumItem).where(
                            CurriculumItem.position_id == position_id,
                            CurriculumItem.module_id == module_id,
                        )
                    )
                    admin = db.session.scalar(sa.select(User).where(User.username == "admin"))
                    services.remove_curriculum_item(admin, item)
                db.session.commit()
                took = time.perf_counter() - started
            assigned = current_count()
            same = matches_live()
            db.session.commit()
        expected = holders if step == "add" else 0
        ok &= assigned == expected and same
        print(
            f"curriculum {step}: {took:.1f} s, {counted.n:,} statements; "
            f"holders' current assignments of the module {assigned:,} (expected {expected:,}); "
            f"summary rows {'equal' if same else 'DIFFER from'} the live aggregation"
        )
        measure_pages(f"after the {step}")
    return 0 if ok else 1


def clock_today():
    from lms.core import clock

    return clock.today()


# The daily rebuild, in a process of its own.
REBUILD = """
import sys
from lms import create_app
from lms.extensions import db
from lms.learning import summaries
app = create_app({"SECRET_KEY": "national-bench-only-secret-key-long-enough",
                  "SQLALCHEMY_DATABASE_URI": sys.argv[1]})
with app.app_context():
    summaries.rebuild()
    db.session.commit()
"""


DEMO_MANAGER = "manager.city"  # lms/demo/data.py SHOWCASE
DEMO_DASHBOARD = "/reports/"
DEMO_COURSE = "digital-government-foundations"


def demo_scale(args) -> int:
    """The demo city's manager dashboard under load, beside the bare page: server CPU per
    request. Returns the exit status (1 when a request failed)."""
    tmp = Path(tempfile.mkdtemp(prefix="lms-bench-"))
    try:
        with contextlib.ExitStack() as stack:
            if args.postgres:
                database_url = stack.enter_context(throwaway_schema(postgres_url()))
            else:
                database_url = f"sqlite:///{tmp / 'lms.sqlite3'}"
            env = environment(tmp, ROOT / "courses", database_url)
            # The demo's city manager manages a province-level unit, for which a second factor
            # is required by default: the benchmark signs in with a password only.
            env["LMS_SECOND_FACTOR_REQUIRED"] = "admin"
            print(f"Building the demo city in {tmp} ...", flush=True)
            build_demo(env, DEMO_COURSE)
            servers = stack.enter_context(Servers())
            lms = Server("lms", "wsgi:app", args.workers, env, tmp / "lms.log")
            servers.append(lms)
            bare = bare_server(args.workers, env, tmp / "bare.log")
            servers.append(bare)
            lms.wait_ready("/login")
            bare.wait_ready("/")
            cookie = sign_in_over_http(lms.port, DEMO_MANAGER, env["LMS_DEMO_PASSWORD"])
            # The first page puts the session's CSRF token in it: keep the cookie that comes
            # back, as a browser does.
            _, headers, _ = request(lms.port, DEMO_DASHBOARD, headers={"Cookie": cookie})
            cookie = cookie_of(headers) or cookie

            # The commits of the "read" run, from the load generator (not the servers' CPU).
            writer = sa.create_engine(database_url)
            stack.callback(writer.dispose)

            def page(port: int, path: str, headers: dict, before=None):
                def send(_index, conn) -> None:
                    if before is not None:
                        before()
                    status, _, _ = request(port, path, headers=headers, conn=conn)
                    if status != 200:
                        raise ValueError(f"status {status}")

                return send

            results = []
            for name, server, path, headers, before in (
                ("dashboard", lms, DEMO_DASHBOARD, {"Cookie": cookie}, None),
                ("read", lms, DEMO_DASHBOARD, {"Cookie": cookie}, lambda: commit_unrelated(writer)),
                ("bare", bare, "/", {}, None),
            ):
                print(f"Measuring {name} for {args.warmup + args.seconds:g} s ...", flush=True)
                results.append(
                    hammer(
                        name,
                        server.port,
                        page(server.port, path, headers, before),
                        concurrency=args.concurrency,
                        warmup=args.warmup,
                        seconds=args.seconds,
                        server_pid=server.process.pid,
                    )
                )
            print(
                f"\n{args.seconds:g} s per page after {args.warmup:g} s warm-up, "
                f"{args.concurrency} clients, gunicorn {args.workers} sync workers, "
                f"{'PostgreSQL' if args.postgres else 'SQLite'}, {os.cpu_count()} CPUs"
            )
            print(
                f"{'page':<10}{'requests':>10}{'req/s':>10}{'p50 ms':>9}{'p95 ms':>9}"
                f"{'failed':>8}{'client CPU':>12}{'server CPU ms/req':>19}"
            )
            for result in results:
                f = summary(result)
                print(
                    f"{result.name:<10}{f['requests']:>10}{f['rps']:>10.1f}{f['p50']:>9.2f}"
                    f"{f['p95']:>9.2f}{f['failed']:>8}{f['client_cpu']:>11.0f}%"
                    f"{f['cpu_ms']:>19.2f}"
                )
            print(LOAD_NOTE)
            print_failures(results)
            failed = any(result.failures for result in results)
            if failed:
                servers.print_errors()
            return 1 if failed else 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="lms_national")
    parser.add_argument("--url", default=postgres_url())
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--export-repeat", type=int, default=3)
    parser.add_argument("--demo", action="store_true", help="the demo city's dashboard, served")
    add_load_arguments(parser, "page (--demo)")
    parser.add_argument("--concurrency", type=int, default=4, help="clients (--demo)")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL (--demo)")
    parser.add_argument(
        "--curriculum",
        action="store_true",
        help="only a curriculum change (a module added, then removed), timed and checked",
    )
    args = parser.parse_args(argv)
    if args.demo:
        return demo_scale(args)
    if args.curriculum:
        return curriculum_change(args)

    from lms import create_app
    from lms.extensions import db
    from lms.learning import summaries

    url = sa.engine.make_url(args.url).set(database=args.database)
    app = create_app(
        {
            "SECRET_KEY": "national-bench-only-secret-key-long-enough",
            "SQLALCHEMY_DATABASE_URI": url.render_as_string(hide_password=False),
            "RATELIMIT_ENABLED": False,
            # The benchmark signs in as the admin with a password alone.
            "LMS_SECOND_FACTOR_REQUIRED": [],
        }
    )
    with app.app_context():
        engine = db.engine
        with engine.connect() as connection:
            first = connection.execute(
                sa.text("SELECT id FROM org_units WHERE code = 'T01'")
            ).scalar_one()
            commune = connection.execute(
                sa.text("SELECT id FROM org_units WHERE code = 'T01-X001'")
            ).scalar_one()
            module = connection.execute(
                sa.text("SELECT id FROM modules WHERE slug = 'information-security'")
            ).scalar_one()
            sizes = {
                table: connection.execute(
                    sa.text(f"SELECT count(*) FROM {table}")  # noqa: S608  (our table names)
                ).scalar_one()
                for table in ("org_units", "users", "position_assignments", "module_assignments")
            }
    print(
        "dataset: "
        + ", ".join(f"{table} {count:,}" for table, count in sizes.items())
        + f"; {args.repeat} requests per page"
    )
    client = app.test_client()
    sign_in(client, "admin")
    drill_down = f"/reports/units/{first}/people?status=overdue&sort=due"
    following = re.search(
        r'href="([^"]+)" rel="next"', client.get(drill_down).get_data(as_text=True)
    )
    pages = [
        ("national dashboard", "/reports/"),
        ("province dashboard", f"/reports/units/{first}"),
        ("commune dashboard", f"/reports/units/{commune}"),
        ("drill-down page", drill_down),
    ]
    if following:
        pages.append(("drill-down next page", html.unescape(following.group(1))))

    def measure_pages(title: str) -> None:
        print(f"{title}:")
        print(f"{'page':<22} {'p50 ms':>8} {'p95 ms':>8} {'statements':>10} {'KB':>6}")
        for name, path in pages:
            ways = WAYS if name.endswith("dashboard") else WAYS[:1]
            for way in ways:
                label = name.replace("dashboard", way) if way != "served" else name
                found = measure(client, engine, path, args.repeat, way=way)
                print(
                    f"{label:<22} {statistics.median(found['timings']):>8.0f} "
                    f"{percentile(found['timings'], 0.95):>8.0f} "
                    f"{'/'.join(str(n) for n in sorted(found['statements'])):>10} "
                    f"{found['bytes'] / 1024:>6.0f}"
                )

    with app.app_context():
        started = time.perf_counter()
        summaries.rebuild()
        db.session.commit()
        took = time.perf_counter() - started
    print(f"summary rows rebuilt for the whole country in {took:.1f} s")
    print(f"one learner's change refreshes its units in {refresh_ms(app):.0f} ms")
    measure_pages("just after the rebuild")
    print(f"a curriculum change, kept current set-based, committed in {curriculum_s(app):.1f} s")
    measure_pages("right after a curriculum change")
    rebuilding = subprocess.Popen(  # noqa: S603  (this interpreter, our code, our URL)
        [sys.executable, "-c", REBUILD, url.render_as_string(hide_password=False)],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
    )
    measure_pages("while the daily rebuild runs in another process")
    print(f"(the rebuild {'was still running' if rebuilding.poll() is None else 'had ended'})")
    rebuilding.wait()

    path = f"/reports/export/people.csv?module={module}"
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    timings, rows, size, statements = [], 0, 0, set()
    for _ in range(args.export_repeat):
        with Statements(engine) as counted:
            started = time.perf_counter()
            response = client.get(path, buffered=False)
            rows, size = 0, 0
            for chunk in response.response:
                size += len(chunk)
                rows += chunk.count(b"\n")
            response.close()
            timings.append(time.perf_counter() - started)
        statements.add(counted.n)
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    print(
        f"CSV export: {rows - 1:,} rows, {size / 1e6:.1f} MB, "
        f"p50 {statistics.median(timings):.1f} s, max {max(timings):.1f} s, "
        f"statements {'/'.join(str(n) for n in sorted(statements))}, "
        f"peak memory grew {grown:.0f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
