"""The planners' needs report for the whole country, on the national dataset (PostgreSQL).

    .venv/bin/python bench/needs_report.py [--database lms_national_needs] [--url URL]
        [--runs 9] [--seed 6]

Needs a database built by ``bench/make_national.py --database lms_national_needs`` and
migrated to the needs revision. Gives each national position its competency standards,
then generates evidence in bulk with INSERT … SELECT (self-assessments for about 60% of
the people and competencies, managers' ratings for 15%, diagnostic test results for 30%,
and every completion of a module that builds a competency), refreshes everyone's stored
gaps (``needs.gaps.refresh``, timed), and times the country-wide report as the admin sees
it: the two aggregate queries alone, and the whole page through the app. Prints p50/p95
over ``--runs`` runs (after one warm-up) and the statements per run. Re-running replaces
the generated standards and evidence.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

import sqlalchemy as sa
from harness import postgres_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# The level each national position requires (make_national.POSITIONS).
STANDARDS = {
    "NAT_LEADER": {"DG.1": 3, "DG.2": 2, "DOC.1": 2, "DS.1": 2, "COM.1": 2},
    "NAT_OFFICE": {"DOC.1": 3, "IT.1": 3, "DS.1": 2, "DG.1": 2, "DG.2": 2},
    "NAT_JUSTICE": {"ID.1": 3, "DS.2": 2, "PS.2": 2, "DS.1": 2},
    "NAT_ONE_STOP": {"PS.1": 3, "ID.1": 3, "COM.1": 2, "DS.2": 2, "DS.1": 2, "PS.2": 2},
    "NAT_FINANCE": {"PS.2": 3, "IT.1": 2, "DS.1": 2, "DG.2": 2},
    "NAT_CULTURE": {"COM.1": 3, "DG.1": 2, "IT.1": 2, "DS.1": 1},
}
PASSWORD = "Bench-quoc-gia-2026"  # noqa: S105  (make_national's demo password)


def build_app(url: str):
    from lms import create_app

    return create_app(
        {
            "SECRET_KEY": "needs-bench-only-secret-key-long-enough",
            "SQLALCHEMY_DATABASE_URI": url,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
        }
    )


def generate(db, seed: int) -> dict[str, int]:
    from lms.needs import services

    services.load_framework()
    run = db.session.execute
    run(sa.text("SELECT setseed(:seed)"), {"seed": seed / 100})
    run(sa.text("DELETE FROM competency_gaps"))
    run(sa.text("DELETE FROM competency_gap_counts"))
    run(sa.text("DELETE FROM competency_evidence"))
    run(
        sa.text(
            "DELETE FROM position_standards WHERE position_id IN "
            "(SELECT id FROM positions WHERE code LIKE 'NAT\\_%')"
        )
    )
    rows = [
        {"code": position, "competency": code, "level": level}
        for position, levels in STANDARDS.items()
        for code, level in levels.items()
    ]
    run(
        sa.text(
            "INSERT INTO position_standards (position_id, competency_code, level) "
            "SELECT id, :competency, :level FROM positions WHERE code = :code"
        ),
        rows,
    )
    holders = (
        "FROM position_assignments pa JOIN position_standards ps "
        "ON ps.position_id = pa.position_id "
        "WHERE pa.ends_on IS NULL AND random() < :share"
    )
    counts = {}
    for source, share, top, months in (
        ("self", 0.6, 5, 12),
        ("manager", 0.15, 5, 12),
        ("test", 0.3, 4, 24),
    ):
        result = run(
            sa.text(
                "INSERT INTO competency_evidence (user_id, competency_code, level, source, "
                "observed_at, valid_until) "
                f"SELECT pa.user_id, ps.competency_code, floor(random() * {top})::int, "
                f"'{source}', now() - random() * interval '400 days', "
                f"(now() - random() * interval '400 days' + interval '{months} months')::date "
                + holders
            ),
            {"share": share},
        )
        counts[f"evidence {source}"] = result.rowcount
    result = run(
        sa.text(
            "INSERT INTO competency_evidence (user_id, competency_code, level, source, "
            "observed_at, valid_until, module_id) "
            "SELECT mp.user_id, mc.code, mc.level, 'completion', mp.completed_at, "
            "coalesce(mp.expires_on, DATE '9999-12-31'), mp.module_id "
            "FROM module_progress mp "
            "JOIN module_competencies mc ON mc.version_id = mp.version_id "
            "JOIN competencies c ON c.code = mc.code "
            "WHERE mp.state = 'completed' AND mp.completed_at IS NOT NULL"
        )
    )
    counts["evidence completion"] = result.rowcount
    db.session.commit()
    run(sa.text("ANALYZE competency_evidence"))
    run(sa.text("ANALYZE position_standards"))
    return counts


def timed(function, runs: int):
    function()  # warm-up
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        seconds.append(time.perf_counter() - started)
    return seconds


def figures(name: str, seconds: list[float], statements: int | None = None) -> str:
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    text = f"{name:<34} p50 {statistics.median(ordered) * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms"
    if statements is not None:
        text += f"   {statements} statements"
    return text


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="lms_national_needs")
    parser.add_argument("--url", default=postgres_url())
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args(argv)
    if args.database == "lms_national":
        raise SystemExit("use a database of your own, not lms_national")
    url = sa.engine.make_url(args.url).set(database=args.database)
    app = build_app(url.render_as_string(hide_password=False))

    from lms.accounts.models import User
    from lms.extensions import db
    from lms.needs import gaps, queries

    with app.app_context():
        started = time.perf_counter()
        counts = generate(db, args.seed)
        print(f"standards and evidence generated in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        stored = gaps.refresh()
        db.session.commit()
        db.session.execute(sa.text("ANALYZE competency_gaps"))
        db.session.execute(sa.text("ANALYZE competency_gap_counts"))
        units = db.session.scalar(sa.text("SELECT count(*) FROM competency_gap_counts"))
        print(f"gaps refreshed for everyone in {time.perf_counter() - started:.1f} s")
        people = db.session.scalar(
            sa.text(
                "SELECT count(DISTINCT user_id) FROM position_assignments WHERE ends_on IS NULL"
            )
        )
        for name, count in {
            **counts,
            "people holding a position": people,
            "gaps": stored,
            "unit x competency counts": units,
        }.items():
            print(f"  {name:<28} {count:>10,}")

        admin = db.session.scalar(sa.select(User).where(User.username == "admin"))
        statements = []

        def count(*_args):
            statements[-1] += 1

        def report():
            statements.append(0)
            unit, children = queries.report_units(admin, None)
            data = queries.needs_report(admin, unit, children)
            db.session.rollback()
            return data

        engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", count)
        seconds = timed(report, args.runs)
        sa.event.remove(engine, "before_cursor_execute", count)
        per_run = statements[-1]
        data = report()
        print(
            f"country report: {len(data.children)} top units x {len(data.competencies)} "
            f"competencies, {sum(c.people for (u, _), c in data.cells.items() if u is None):,} "
            "gaps in all"
        )
        print(figures("needs report (queries)", seconds, per_run))

    client = app.test_client()
    response = client.post("/login", data={"username": "admin", "password": PASSWORD})
    if response.status_code != 302:
        raise SystemExit("could not sign in as admin (was the dataset built by make_national?)")

    def page():
        reply = client.get("/needs/report")
        assert reply.status_code == 200, reply.status_code

    print(figures("needs report page (GET)", timed(page, args.runs)))

    def export():
        reply = client.get("/needs/report.xlsx")
        assert reply.status_code == 200, reply.status_code

    print(figures("needs report XLSX export", timed(export, max(3, args.runs // 3))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
