"""A country on PostgreSQL for the dashboard benchmark: provinces, communes with their
sections, people holding positions, the curricula's module assignments with a realistic
spread of completion, overdue and certificates — loaded with COPY in a few minutes.

    .venv/bin/python bench/make_national.py [--people 250000] [--provinces 34]
        [--communes 3300] [--modules 30] [--database lms_national] [--url URL] [--seed 6]

Drops and recreates the database ``--database`` on the server of ``--url`` (default
``LMS_TEST_POSTGRES_URL`` or the local test server; never the ``test`` database the tests
use), migrates it, builds the demo city (``lms demo``: the admin, ``manager.city`` and the
shipped modules) and ``--modules`` generated modules through the catalogue service, then
COPYs the country in. Prints the row counts and the seconds each step took.
"""

import argparse
import json
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from harness import postgres_url

DEMO_PASSWORD = "Bench-quoc-gia-2026"  # noqa: S105  (the generated accounts' password)
TODAY = date(2026, 12, 1)
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi",
          "Đỗ", "Hồ", "Ngô", "Dương", "Lý"]  # fmt: skip
MIDDLE = ["Văn", "Thị", "Hữu", "Minh", "Thu", "Quốc", "Ngọc", "Thanh", "Đức", "Thị Thu", "Hoài"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hùng", "Hương", "Khoa",
         "Lan", "Linh", "Long", "Mai", "Nam", "Ngọc", "Phúc", "Phương", "Quân", "Sơn", "Tâm",
         "Thảo", "Thắng", "Trang", "Trung", "Tuấn", "Vân", "Việt", "Yến"]  # fmt: skip
PROVINCE_NAMES = ["Hà Nội", "Huế", "Lai Châu", "Điện Biên", "Sơn La", "Lạng Sơn", "Quảng Ninh",
                  "Thanh Hóa", "Nghệ An", "Hà Tĩnh", "Cao Bằng", "Tuyên Quang", "Lào Cai",
                  "Thái Nguyên", "Phú Thọ", "Bắc Ninh", "Hưng Yên", "Hải Phòng Mới", "Ninh Bình",
                  "Quảng Trị", "Đà Nẵng", "Quảng Ngãi", "Gia Lai", "Khánh Hòa", "Lâm Đồng",
                  "Đắk Lắk", "Hồ Chí Minh", "Đồng Nai", "Tây Ninh", "Cần Thơ", "Vĩnh Long",
                  "Đồng Tháp", "Cà Mau", "An Giang"]  # fmt: skip
SECTIONS = [
    ("VP", "office", "Văn phòng HĐND và UBND", "People's Council and Committee Office"),
    ("1C", "one_stop", "Bộ phận Một cửa", "One-Stop Section"),
    ("VHXH", "section", "Phòng Văn hóa - Xã hội", "Culture and Society Section"),
]
# code, Vietnamese, English, share of people, number of modules its curriculum requires
POSITIONS = [
    ("NAT_LEADER", "Lãnh đạo cấp xã", "Commune leader", 0.10, 8),
    ("NAT_OFFICE", "Công chức Văn phòng - Thống kê", "Office and statistics officer", 0.20, 10),
    ("NAT_JUSTICE", "Công chức Tư pháp - Hộ tịch", "Justice and civil status officer", 0.15, 10),
    ("NAT_ONE_STOP", "Công chức Một cửa", "One-stop officer", 0.20, 9),
    ("NAT_FINANCE", "Công chức Tài chính - Kế toán", "Finance and accounting officer", 0.15, 10),
    ("NAT_CULTURE", "Công chức Văn hóa - Xã hội", "Culture and society officer", 0.20, 11),
]


def fold(text: str) -> str:
    from lms.core.i18n import fold as app_fold

    return app_fold(text)


class Copier:
    """Rows to a COPY in batches: psycopg formats them, the server reads them as text."""

    def __init__(self, connection):
        self.connection = connection

    def copy(self, table: str, columns: list[str], rows) -> int:
        count = 0
        statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with self.connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        return count


def recreate_database(url: str, name: str) -> str:
    if name in ("test", "postgres"):
        raise SystemExit(f"refusing to drop the database {name!r}")
    server = sa.engine.make_url(url)
    engine = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return server.set(database=name).render_as_string(hide_password=False)


def build_app(url: str, course_dir: Path):
    from lms import create_app

    return create_app(
        {
            "SECRET_KEY": "national-bench-only-secret-key-long-enough",
            "SQLALCHEMY_DATABASE_URI": url,
            "LMS_DEMO_PASSWORD": DEMO_PASSWORD,
            "LMS_COURSE_DIRS": [str(Path(__file__).resolve().parent.parent / "courses")],
            "LMS_INSTANCE_PATH": str(course_dir),
        }
    )


def prepare(app, modules: int, folder: Path) -> None:
    from lms.testing.courses import sync, write_course

    runner = app.test_cli_runner()
    for args in (["db", "upgrade"], ["demo"]):
        result = runner.invoke(args=args)
        if result.exit_code != 0:
            raise SystemExit(f"lms {' '.join(args)} failed:\n{result.output}{result.exception}")
    for number in range(1, modules + 1):
        write_course(
            folder / "courses",
            f"ky-nang-so-{number:02d}",
            lessons=2,
            title_vi=f"Kỹ năng số cho công chức {number:02d}",
        )
    sync(app, folder / "courses")


def next_id(connection, table: str) -> int:
    query = f"SELECT coalesce(max(id), 0) + 1 FROM {table}"  # noqa: S608  (our table names)
    return connection.execute(query).fetchone()[0]


def generate(connection, args, rng: random.Random, password_hash: str) -> dict[str, int]:
    copier = Copier(connection)
    counts: dict[str, int] = {}
    now = datetime.now(UTC)
    module_rows = connection.execute(
        "SELECT m.id, v.id FROM modules m JOIN module_versions v ON v.module_id = m.id "
        "ORDER BY m.id, v.number"
    ).fetchall()
    version_of = dict(module_rows)
    module_ids = sorted(version_of)
    core_module = connection.execute(
        "SELECT id FROM modules WHERE slug = 'information-security'"
    ).fetchone()[0]

    # Units: provinces, their departments, communes and the communes' sections.
    unit_id = next_id(connection, "org_units")
    units, closure = [], []
    communes_per_province = max(1, args.communes // args.provinces)
    leaves: list[tuple[int, int]] = []  # (unit id, province index)
    for p in range(args.provinces):
        name = PROVINCE_NAMES[p % len(PROVINCE_NAMES)]
        if p >= len(PROVINCE_NAMES):
            name += f" {p}"
        code = f"T{p + 1:02d}"
        province = unit_id
        unit_id += 1
        units.append((province, code, "province", f"Tỉnh {name}", f"{name} Province", None))
        closure.append((province, province, 0))
        for d, (dname_vi, dname_en) in enumerate(
            [("Sở Nội vụ", "Home Affairs"), ("Sở Tư pháp", "Justice"), ("Sở Tài chính", "Finance")]
        ):
            department = unit_id
            unit_id += 1
            units.append(
                (department, f"{code}-S{d + 1}", "department", f"{dname_vi} tỉnh {name}",
                 f"{name} Department of {dname_en}", province)
            )  # fmt: skip
            closure += [(department, department, 0), (province, department, 1)]
            leaves.append((department, p))
        for c in range(communes_per_province):
            commune = unit_id
            unit_id += 1
            kind = "ward" if c % 3 == 0 else "commune"
            label = "Phường" if kind == "ward" else "Xã"
            cname = f"{GIVEN[c % len(GIVEN)]} {FAMILY[(c // len(GIVEN)) % len(FAMILY)]} {c + 1}"
            ccode = f"{code}-X{c + 1:03d}"
            units.append(
                (commune, ccode, kind, f"{label} {cname}", f"{cname} {kind.title()}", province)
            )
            closure += [(commune, commune, 0), (province, commune, 1)]
            for scode, skind, sname_vi, sname_en in SECTIONS:
                section = unit_id
                unit_id += 1
                units.append(
                    (section, f"{ccode}-{scode}", skind, f"{sname_vi} {label.lower()} {cname}",
                     f"{cname} {sname_en}", commune)
                )  # fmt: skip
                closure += [(section, section, 0), (commune, section, 1), (province, section, 2)]
                leaves.append((section, p))
    counts["org_units"] = copier.copy(
        "org_units",
        [
            "id",
            "code",
            "kind_code",
            "name_vi",
            "name_en",
            "search_text",
            "parent_id",
            "valid_from",
            "created_at",
        ],
        (
            (i, code, kind, vi, en, fold(f"{code} {vi} {en}"), parent, date(2025, 7, 1), now)
            for i, code, kind, vi, en, parent in units
        ),
    )
    counts["org_unit_closure"] = copier.copy(
        "org_unit_closure", ["ancestor_id", "descendant_id", "depth"], closure
    )

    # Positions and their curricula: every one requires information security (so a
    # module filter on it lists everyone once) and a share of the other modules.
    position_id = next_id(connection, "positions")
    positions = []
    items = []
    others = [m for m in module_ids if m != core_module]
    for offset, (code, vi, en, share, required) in enumerate(POSITIONS):
        pid = position_id + offset
        chosen = [core_module, *rng.sample(others, min(required - 1, len(others)))]
        positions.append((pid, code, vi, en, share, chosen))
        for module_id in chosen:
            items.append((pid, module_id, "assignment", rng.choice([60, 90, 120]), now))
    copier.copy(
        "positions",
        [
            "id",
            "code",
            "name_vi",
            "name_en",
            "description_vi",
            "description_en",
            "active",
            "created_at",
        ],
        ((p[0], p[1], p[2], p[3], "", "", True, now) for p in positions),
    )
    counts["curriculum_items"] = copier.copy(
        "curriculum_items",
        ["position_id", "module_id", "due_basis", "due_days", "created_at"],
        items,
    )

    # People, their roles and positions.
    first_user = next_id(connection, "users")
    weights = [p[4] for p in positions]
    # Provinces differ: some are well ahead, some behind, so the charts show something.
    pace = [0.35 + 0.5 * rng.random() for _ in range(args.provinces)]
    people = []
    for n in range(args.people):
        uid = first_user + n
        name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        unit, province = leaves[rng.randrange(len(leaves))]
        position = rng.choices(positions, weights)[0]
        starts = date(2025, 7, 1) + timedelta(days=rng.randrange(0, 400))
        people.append((uid, name, f"cb{uid:07d}", unit, province, position, starts))
    counts["users"] = copier.copy(
        "users",
        [
            "id",
            "username",
            "full_name",
            "password_hash",
            "locale",
            "active",
            "session_version",
            "search_text",
            "created_at",
        ],
        (
            (uid, username, name, password_hash, "vi", True, 1, fold(f"{name} {username}"), now)
            for uid, name, username, *_ in people
        ),
    )
    copier.copy("user_roles", ["user_id", "role"], ((p[0], "learner") for p in people))
    first_holding = next_id(connection, "position_assignments")
    counts["position_assignments"] = copier.copy(
        "position_assignments",
        ["id", "user_id", "position_id", "unit_id", "starts_on", "created_at"],
        (
            (first_holding + i, uid, position[0], unit, starts, now)
            for i, (uid, _n, _u, unit, _p, position, starts) in enumerate(people)
        ),
    )

    # Module assignments, progress and certificates, written to three COPYs at once through
    # temporary files so each person is visited once.
    first_assignment = next_id(connection, "module_assignments")
    first_progress = next_id(connection, "module_progress")
    first_certificate = next_id(connection, "certificates")
    # Closed once copied, below.
    files = {name: tempfile.TemporaryFile("w+", encoding="utf-8") for name in ("ma", "mp", "ce")}  # noqa: SIM115
    assignment_id, progress_id, certificate_id = (
        first_assignment,
        first_progress,
        first_certificate,
    )

    def line(handle, *values):
        handle.write("\t".join(r"\N" if v is None else str(v) for v in values) + "\n")

    for uid, name, _username, unit, province, position, starts in people:
        assigned = max(starts, date(2025, 9, 1))
        done_all = True
        last_done = None
        # People differ too: some finish everything, some nothing.
        diligence = min(0.97, pace[province] * rng.choice([0.3, 0.8, 1.0, 1.2, 1.6]))
        for module_id in position[5]:
            due = assigned + timedelta(days=rng.choice([60, 90, 120]))
            roll = rng.random()
            started_at = completed_at = None
            if roll < diligence:
                span = max(1, (min(TODAY, due + timedelta(days=60)) - assigned).days)
                finished = assigned + timedelta(days=rng.randrange(1, span + 1))
                finished = min(finished, TODAY - timedelta(days=1))
                started_at = datetime.combine(
                    finished - timedelta(days=rng.randrange(0, 10)), datetime.min.time(), UTC
                ) + timedelta(hours=2)
                completed_at = started_at + timedelta(days=1, hours=rng.randrange(0, 8))
                state, pct = "completed", 100
                last_done = max(last_done or completed_at.date(), completed_at.date())
            elif roll < diligence + 0.15:
                started_at = datetime.combine(
                    assigned + timedelta(days=rng.randrange(0, max(1, (TODAY - assigned).days))),
                    datetime.min.time(),
                    UTC,
                ) + timedelta(hours=3)
                state, pct = "in_progress", rng.choice([10, 25, 40, 50, 60, 75, 90])
                done_all = False
            else:
                state = None
                done_all = False
            line(files["ma"], assignment_id, uid, module_id, assigned, due,
                 started_at and started_at.isoformat(),
                 completed_at and completed_at.isoformat(), now.isoformat())  # fmt: skip
            assignment_id += 1
            if state is not None:
                line(files["mp"], progress_id, uid, module_id, version_of[module_id], state, pct,
                     started_at.isoformat(), (completed_at or started_at).isoformat(),
                     completed_at and completed_at.isoformat(), 1)  # fmt: skip
                progress_id += 1
        if done_all and last_done is not None:
            serial = f"{last_done.year % 100:02d}{certificate_id:010d}"
            achievement = json.dumps({"vi": position[2], "en": position[3]}, ensure_ascii=False)
            issued_at = datetime.combine(last_done, datetime.min.time(), UTC).isoformat()
            # Status list entry id - 1: above every entry given so far, which the site
            # gives in order from 0 (lms/certificates/services.py).
            line(files["ce"], certificate_id, "position", serial, f"N{certificate_id:020d}", uid,
                 position[0], unit, name, achievement, "[]", 8.0, last_done, issued_at,
                 certificate_id - 1)  # fmt: skip
            certificate_id += 1
    with connection.cursor() as cursor:
        for name, table, columns in (
            ("ma", "module_assignments", "id, user_id, module_id, assigned_on, due_on, "
             "started_at, completed_at, created_at"),
            ("mp", "module_progress", "id, user_id, module_id, version_id, state, progress_pct, "
             "started_at, last_seen_at, completed_at, cycle"),
            ("ce", "certificates", "id, kind, serial, code, user_id, position_id, unit_id, "
             "holder_name, achievement, modules, hours, issued_on, issued_at, status_index"),
        ):  # fmt: skip
            handle = files[name]
            handle.seek(0)
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                while chunk := handle.read(1 << 20):
                    copy.write(chunk)
            handle.close()
    counts["module_assignments"] = assignment_id - first_assignment
    counts["module_progress"] = progress_id - first_progress
    counts["certificates"] = certificate_id - first_certificate
    tables = ("org_units", "positions", "users", "position_assignments", "module_assignments",
              "module_progress", "certificates", "curriculum_items")  # fmt: skip
    for table in tables:
        connection.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608  (ours)
            f"(SELECT max(id) FROM {table}))"
        )
    return counts


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=250_000)
    parser.add_argument("--provinces", type=int, default=34)
    parser.add_argument("--communes", type=int, default=3_300)
    parser.add_argument("--modules", type=int, default=30, help="generated modules to add")
    parser.add_argument("--database", default="lms_national")
    parser.add_argument("--url", default=postgres_url())
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args(argv)

    import psycopg

    from lms.accounts.passwords import hash_password

    started = time.perf_counter()
    url = recreate_database(args.url, args.database)
    with tempfile.TemporaryDirectory() as folder:
        app = build_app(url, Path(folder))
        prepare(app, args.modules, Path(folder))
        # Hashed at the configured cost, which the application context holds.
        with app.app_context():
            password_hash = hash_password(DEMO_PASSWORD)
    prepared = time.perf_counter()
    print(f"migrated, demo and {args.modules} generated modules: {prepared - started:.1f} s")
    plain = sa.engine.make_url(url).set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(plain) as connection:
        # The COPYs name the columns of their rows; ``updated_at`` (the API's, never null)
        # takes the time of the load meanwhile.
        stamped = [
            table
            for (table,) in connection.execute(
                "SELECT table_name FROM information_schema.columns WHERE column_name = "
                "'updated_at' AND table_schema = current_schema() AND column_default IS NULL"
            )
        ]
        for table in stamped:
            connection.execute(f"ALTER TABLE {table} ALTER COLUMN updated_at SET DEFAULT now()")
        counts = generate(connection, args, random.Random(args.seed), password_hash)
        for table in stamped:
            connection.execute(f"ALTER TABLE {table} ALTER COLUMN updated_at DROP DEFAULT")
        connection.commit()
    loaded = time.perf_counter()
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
    for table, count in counts.items():
        print(f"{table:>22}: {count:>10,}")
    print(f"COPY: {loaded - prepared:.1f} s; VACUUM ANALYZE: {time.perf_counter() - loaded:.1f} s")
    print(f"database: {sa.engine.make_url(url).render_as_string(hide_password=True)}")
    print(f"sign in as admin or manager.city with the password {DEMO_PASSWORD}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
