"""Roster import benchmark: 10,000 civil servants through ``lms.org.roster``.

    .venv/bin/python bench/roster_import.py [--rows 10000] [--database both|sqlite|postgresql]
                                            [--postgres-url URL] [--no-web]

For SQLite (a file in a temporary folder), then PostgreSQL (a throw-away schema at
``--postgres-url``, default ``LMS_TEST_POSTGRES_URL`` or the local server; skipped with a
message when unreachable): builds the schema with the migrations, creates the org it needs
(a city, its wards and communes, each with a one-stop section, and the standard job
positions, with the dashboards' summary rows built, as after a night's job), generates a
roster of ``--rows`` people with realistic Vietnamese names (CSV, both date formats, some
with e-mail and several positions) and times:

- ``dry run``: read the file and check every row, nothing written;
- ``apply``: the same file applied (in bulk, 1,000 rows a chunk, as the CLI does) and committed;
- ``re-apply``: the same file again, every row ``unchanged``;
- ``web apply``: another roster of as many new people posted to ``/admin/roster`` as an
  admin, through the Flask test client: the upload request queues a job and returns (its
  time is printed as ``upload``, the figure that must stay well under a proxy's or gunicorn's
  request timeout, ~30 s); the job runs on a job worker (``lms worker``, a process of its
  own, on the instance's SQLite queue) as on a real server, and the step ends when the job's
  progress (its page, asked for JSON every half second) says it is done (time from upload
  to ``done``, including the polling and the worker's start, a few seconds).

Prints seconds, rows/s and the CPU time of this process (the application's side; the
database server's is not counted) per step and the counts, and exits 1 when a row failed or a count
is not what the step should give. The figures depend on the machine.
"""

import argparse
import io
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from harness import postgres_problem, postgres_url, throwaway_schema  # noqa: E402

FAMILY = "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đinh Mai Trịnh"
MIDDLE_MALE = "Văn Đức Minh Quang Hữu Thành Công Xuân Ngọc Anh"
MIDDLE_FEMALE = "Thị Ngọc Thu Thanh Minh Phương Hồng Kim Bích Diệu"
GIVEN_MALE = (
    "An Bình Cường Dũng Dương Hải Hiếu Hùng Huy Khánh Khoa Long Nam Phong Quân Sơn Tài Thắng "
    "Trung Tuấn Việt Vinh"
)
GIVEN_FEMALE = (
    "Anh Chi Dung Giang Hà Hạnh Hằng Hoa Hương Lan Linh Mai Ngân Nhung Oanh Phương Quyên Tâm "
    "Thảo Trang Vân Yến"
)
WARDS = (
    "Hồng Bàng|Lê Chân|Ngô Quyền|Kiến An|Hải An|Dương Kinh|Đồ Sơn|Thủy Nguyên|An Dương|"
    "Tiên Lãng|Vĩnh Bảo|Cát Hải|Kiến Thụy|An Lão|Bạch Long Vĩ"
)
ADMIN_PASSWORD = "Bench-admin-" + os.urandom(6).hex()


def fold(text: str) -> str:
    from lms.core.i18n import fold as lms_fold

    return lms_fold(text)


def build_org(app):
    """A city with 30 wards/communes, each with a one-stop section; the standard positions."""
    from lms.extensions import db
    from lms.learning import summaries
    from lms.org import services
    from lms.org.models import Position
    from lms.org.reference import seed_reference_data

    with app.app_context():
        seed_reference_data()
        city = services.create_unit(
            None,
            code="BHP",
            kind_code="city",
            name_vi="Thành phố Hải Phòng",
            parent=None,
            valid_from=date(2025, 7, 1),
        )
        codes = []
        for number, name in enumerate(WARDS.split("|") * 2, start=1):
            kind = "ward" if number <= 15 else "commune"
            prefix = "Phường" if kind == "ward" else "Xã"
            unit = services.create_unit(
                None,
                code=f"BHP-{number:02d}",
                kind_code=kind,
                name_vi=f"{prefix} {name}" + ("" if number <= 15 else " Mới"),
                parent=city,
                valid_from=date(2025, 7, 1),
            )
            desk = services.create_unit(
                None,
                code=f"BHP-{number:02d}-1C",
                kind_code="one_stop",
                name_vi=f"Bộ phận Một cửa {prefix} {name}",
                parent=unit,
                valid_from=date(2025, 7, 1),
            )
            codes += [unit.code, desk.code]
        positions = list(db.session.scalars(db.select(Position.code)))
        # As on a site whose daily job has run: the dashboards' summary rows exist, and each
        # chunk keeps those of its people's units current.
        summaries.rebuild()
        db.session.commit()
    return codes, positions


def roster_csv(rows: int, units: list[str], positions: list[str], *, seed: int, tag: str) -> bytes:
    rng = random.Random(seed)
    lines = ["username,full_name,email,unit_code,position_codes,start_date,roles"]
    for number in range(rows):
        female = rng.random() < 0.55
        family = rng.choice(FAMILY.split())
        middle = rng.choice((MIDDLE_FEMALE if female else MIDDLE_MALE).split())
        given = rng.choice((GIVEN_FEMALE if female else GIVEN_MALE).split())
        name = f"{family} {middle} {given}"
        username = f"{fold(given)}.{fold(family)}{fold(middle)[0]}.{tag}{number}".replace(" ", "")
        email = f"{username}@haiphong.gov.vn" if rng.random() < 0.6 else ""
        held = ";".join(rng.sample(positions, 2 if rng.random() < 0.2 else 1))
        day = date(2026, rng.randint(1, 6), rng.randint(1, 28))
        started = day.isoformat() if rng.random() < 0.5 else day.strftime("%d/%m/%Y")
        role = "learner;trainer" if rng.random() < 0.02 else ""
        lines.append(f"{username},{name},{email},{rng.choice(units)},{held},{started},{role}")
    return ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8")


def timed(label: str, rows: int, action):
    started, cpu = time.perf_counter(), time.process_time()
    outcome = action()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        f"  {label:<10} {seconds:7.2f} s  {rows / seconds:8.0f} rows/s  "
        f"{cpu:6.2f} s CPU here   {outcome}"
    )
    return outcome


def run_case(name: str, url: str, rows: int, web: bool, instance: Path) -> bool:
    from flask_migrate import upgrade

    from lms import create_app
    from lms.accounts import services as accounts
    from lms.core.permissions import Role
    from lms.extensions import db
    from lms.org import roster

    secret_key = "bench-" + os.urandom(16).hex()
    app = create_app(
        {
            "SECRET_KEY": secret_key,
            "SQLALCHEMY_DATABASE_URI": url,
            "LMS_INSTANCE_PATH": str(instance),
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "LMS_LOG_LEVEL": "WARNING",
            # The benchmark's admin signs in with a password alone.
            "LMS_SECOND_FACTOR_REQUIRED": [],
        }
    )
    with app.app_context():
        upgrade()
        accounts.create_user(
            None,
            username="bench.admin",
            full_name="Quản trị",
            password=ADMIN_PASSWORD,
            roles=[Role.ADMIN],
            locale="en",
        )
        db.session.commit()
    units, positions = build_org(app)
    first = roster_csv(rows, units, positions, seed=1, tag="a")
    second = roster_csv(rows, units, positions, seed=2, tag="b")
    print(f"\n{name}: {rows} rows, {len(first) / 1048576:.2f} MiB CSV")
    ok = True

    def service(data: bytes, dry_run: bool, expect: str):
        nonlocal ok
        with app.test_request_context():
            report = roster.import_roster(None, roster.read_roster(data), dry_run=dry_run)
            if dry_run:
                db.session.rollback()
            else:
                db.session.commit()
        counts = report.counts
        if counts[expect] != rows:
            ok = False
        return ", ".join(f"{key} {value}" for key, value in counts.items())

    timed("dry run", rows, lambda: service(first, True, "created"))
    timed("apply", rows, lambda: service(first, False, "created"))
    timed("re-apply", rows, lambda: service(first, False, "unchanged"))
    if web:
        client = app.test_client()
        signed_in = client.post(
            "/login", data={"username": "bench.admin", "password": ADMIN_PASSWORD}
        )
        assert signed_in.status_code == 302, signed_in.status_code

        def post():
            nonlocal ok
            started = time.perf_counter()
            response = client.post(
                "/admin/roster",
                data={"file": (io.BytesIO(second), "roster.csv")},
                content_type="multipart/form-data",
            )
            returned = time.perf_counter() - started
            if response.status_code != 302:
                ok = False
                return f"HTTP {response.status_code} instead of the job's page"
            progress = {"Accept": "application/json"}
            while client.get(response.location, headers=progress).get_json()["running"]:
                time.sleep(0.5)
            page = client.get(response.location).get_data(as_text=True)
            stats = re.findall(r"<article><strong>(\d+)</strong>", page)
            if stats != [str(rows), "0", "0", "0"] or "links.csv" not in page:
                ok = False
            return f"upload {returned:.2f} s, then job done: created {stats[:1] or '?'}"

        environment = {
            **os.environ,
            "LMS_INSTANCE_PATH": str(instance),
            "LMS_DATABASE_URL": url,
            "LMS_SECRET_KEY": secret_key,
            "LMS_LOG_LEVEL": "WARNING",
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        }
        worker = subprocess.Popen(
            [sys.executable, "-c", "from lms.cli import main; main()", "worker", "--workers", "1"],
            env=environment,
            stdout=subprocess.DEVNULL,
        )
        try:
            timed("web apply", rows, post)
        finally:
            worker.send_signal(signal.SIGINT)
            worker.wait(timeout=60)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--database", choices=["both", "sqlite", "postgresql"], default="both")
    parser.add_argument("--postgres-url", default=postgres_url())
    parser.add_argument("--no-web", action="store_true", help="skip the web-upload step")
    options = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory(prefix="lms-roster-bench-") as folder:
        tmp = Path(folder)
        if options.database in ("both", "sqlite"):
            url = f"sqlite:///{tmp / 'bench.sqlite3'}"
            ok &= run_case("SQLite", url, options.rows, not options.no_web, tmp / "i1")
        if options.database in ("both", "postgresql"):
            problem = postgres_problem(options.postgres_url)
            if problem:
                print(f"\nPostgreSQL skipped: {problem}")
            else:
                with throwaway_schema(options.postgres_url) as url:
                    ok &= run_case("PostgreSQL", url, options.rows, not options.no_web, tmp / "i2")
    if not ok:
        print("\nSome rows did not give the expected result.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
