"""REST API benchmark: the people list, 1,000 a page, and a roster sync of 10,000 people.

    .venv/bin/python bench/api.py [--people 10000] [--page 1000] [--postgres]
    .venv/bin/python bench/api.py --existing URL [--page 1000]

On the configured database (``LMS_DATABASE_URL``, which is upgraded in place, so give it an
empty one; unset, a SQLite file in a temporary folder; ``--postgres``: a throw-away schema at
``LMS_TEST_POSTGRES_URL`` or the local server, dropped afterwards), builds the schema with
the migrations and the org of ``bench/roster_import.py`` (a city of 30 wards and communes and
their one-stop sections), makes an API client of the whole tree with every scope, then:

- ``roster sync``: ``--people`` new people posted as JSON rows to ``/api/v1/roster-syncs``,
  the job run where it is enqueued (``LMS_JOBS_IMMEDIATE``, so no worker start is counted),
  polled once; then the same rows again (every row ``unchanged``);
- ``people list``: every person read through ``/api/v1/people`` ``--page`` at a time,
  following ``next_cursor``: pages, p50 and p95 latency per page, rows/s.

``--existing URL`` reads an already built database instead (e.g. the country of
``bench/make_national.py``, ``postgresql+psycopg://postgres@127.0.0.1:5432/lms_national``):
no migration, no org, no sync; only the people list, through a whole-tree client made for the
run and revoked after it (the database keeps it, revoked, with its logged requests).

Requests go through Flask's test client in this process (no HTTP server): the figures are the
application's and the database's. Exits 1 when a count is not what the step should give.
"""

import argparse
import csv
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from harness import postgres_url, throwaway_schema  # noqa: E402
from roster_import import build_org, roster_csv  # noqa: E402


def rows_of(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--page", type=int, default=1000)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--existing", metavar="URL", help="list the people of this database")
    options = parser.parse_args()
    if options.existing:
        return run_existing(options)
    if options.postgres:
        with throwaway_schema(postgres_url()) as url:
            return run(options, url)
    return run(options, os.environ.get("LMS_DATABASE_URL"))


def bench_app(tmp: str, database_url: str):
    from lms import create_app

    return create_app(
        {
            "SECRET_KEY": "bench-" + os.urandom(16).hex(),
            "LMS_INSTANCE_PATH": tmp,
            "LMS_JOBS_IMMEDIATE": True,
            "RATELIMIT_ENABLED": False,
            "LMS_LOG_LEVEL": "WARNING",
            "SQLALCHEMY_DATABASE_URI": database_url,
        }
    )


def whole_tree_client(app) -> tuple[int, dict]:
    """A client of the whole tree with every scope: its id and the bearer header."""
    from lms.api import services
    from lms.extensions import db

    with app.app_context():
        client_row, secret = services.create_client(
            None, name="bench", scopes=sorted(services.SCOPES), units=[]
        )
        client_id, row_id = client_row.client_id, client_row.id
        db.session.commit()
    token = (
        app.test_client()
        .post("/api/v1/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret))
        .get_json()["access_token"]
    )
    return row_id, {"Authorization": f"Bearer {token}"}


def run_existing(options) -> int:
    from lms.api import services
    from lms.extensions import db

    with tempfile.TemporaryDirectory() as tmp:
        app = bench_app(tmp, options.existing)
        row_id, headers = whole_tree_client(app)
        try:
            with app.app_context():
                print(f"database: {db.engine.url.get_backend_name()} {db.engine.url.database}")
            return 0 if list_people(app.test_client(), headers, options.page) > 0 else 1
        finally:
            with app.app_context():
                services.revoke_client(None, services.client_by_id(row_id))
                db.session.commit()


def run(options, database_url: str | None) -> int:
    from flask_migrate import upgrade

    from lms.extensions import db

    with tempfile.TemporaryDirectory() as tmp:
        app = bench_app(tmp, database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        with app.app_context():
            upgrade()
            print(f"database: {db.engine.url.get_backend_name()}")
        units, positions = build_org(app)
        web = app.test_client()
        _, headers = whole_tree_client(app)
        rows = rows_of(roster_csv(options.people, units, positions, seed=1, tag="a"))
        ok = True

        def sync(expect: str) -> None:
            nonlocal ok
            started = time.perf_counter()
            posted = web.post("/api/v1/roster-syncs", json={"rows": rows}, headers=headers)
            job = web.get(posted.headers["Location"], headers=headers).get_json()
            seconds = time.perf_counter() - started
            ok = ok and job["status"] == "done" and job["counts"][expect] == len(rows)
            print(
                f"roster sync ({expect}): {len(rows)} rows in {seconds:.1f} s, "
                f"{len(rows) / seconds:.0f} rows/s; {job['counts']}"
            )

        sync("created")
        sync("unchanged")
        ok = ok and list_people(web, headers, options.page) >= options.people
    return 0 if ok else 1


def list_people(web, headers: dict, page_size: int) -> int:
    """Read every person through the paged list; print the figures; return how many."""
    latencies, read, cursor = [], 0, None
    started = time.perf_counter()
    while True:
        query = {"limit": page_size} | ({"cursor": cursor} if cursor else {})
        begun = time.perf_counter()
        page = web.get("/api/v1/people", query_string=query, headers=headers).get_json()
        latencies.append(time.perf_counter() - begun)
        read += len(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    seconds = time.perf_counter() - started
    p95 = statistics.quantiles(latencies, n=20)[-1] if len(latencies) > 1 else latencies[0]
    print(
        f"people list: {read} people in {len(latencies)} pages of {page_size}, "
        f"p50 {statistics.median(latencies) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
        f"{read / seconds:.0f} rows/s"
    )
    return read


if __name__ == "__main__":
    sys.exit(main())
