"""The qualification check on the national dataset: 10,000 people, one position.

    .venv/bin/python bench/make_national.py          # once: the country in lms_national
    .venv/bin/python bench/qualification.py [--database lms_national] [--people 10000]
        [--position NAT_ONE_STOP] [--on 2027-06-01] [--validity-months 12] [--repeat 5]
        [--url URL]

Runs the application in this process against the database ``--database`` on the server of
``--url``. Inside one transaction that is rolled back at the end, it gives the position's
curriculum a validity of ``--validity-months`` (the generated country has none, so nothing
would ever expire), issues a module certificate for each completion of the people it
checks (the generated country has position certificates only; the site issues one per
completion) and attaches a new manager to the first province. Then it checks
``--people`` usernames drawn at random from the whole country (1 % of them unknown) for the
position on the date ``--on``:

- the service (``lms.reports.qualification.check``) as the demo admin, who sees everyone,
  and as the province's manager, who sees the people holding a position in it; then, as
  the admin, ``--people`` holders of the position (more completions to read per person);
- the page's CSV download of the same list (typed into the form), through the test client,
  as the admin.

Prints the time of each (median and maximum over ``--repeat`` runs), the SQL statements,
and how many people were qualified, not qualified and not found. The target is under 5 s
for 10,000 people.
"""

import argparse
import random
import statistics
import sys
import time
from datetime import date

import sqlalchemy as sa
from dashboards import Statements, sign_in
from harness import postgres_url


def issue_module_certificates(session, usernames: list[str]) -> int:
    """A module certificate for each completion of the listed people, as the site issues
    one per completion (``make_national`` generates position certificates only); the check
    joins them. Made by the server from the progress rows, inside the bench's transaction."""
    first, index = session.execute(
        sa.text(
            "SELECT coalesce(max(id), 0) + 1, coalesce(max(status_index), -1) + 1 FROM certificates"
        )
    ).one()
    result = session.execute(
        sa.text(
            """
            INSERT INTO certificates (id, kind, serial, code, user_id, module_id,
                module_progress_id, holder_name, achievement, modules, hours, issued_on,
                issued_at, status_index)
            SELECT :first + row_number() OVER (ORDER BY p.id) - 1, 'module',
                'M' || lpad(p.id::text, 12, '0'), 'M' || lpad(p.id::text, 23, '0'),
                p.user_id, p.module_id, p.id, u.full_name, v.manifest -> 'title',
                json_build_array(json_build_object('slug', m.slug,
                    'title', v.manifest -> 'title', 'version', v.number, 'progress_id', p.id)),
                round(v.estimated_minutes / 60.0, 2), (p.completed_at AT TIME ZONE 'UTC')::date,
                p.completed_at, :index + row_number() OVER (ORDER BY p.id) - 1
            FROM module_progress p
            JOIN users u ON u.id = p.user_id
            JOIN modules m ON m.id = p.module_id
            JOIN module_versions v ON v.id = p.version_id
            WHERE p.completed_at IS NOT NULL AND u.username = ANY(:usernames)
            """
        ),
        {"first": first, "index": index, "usernames": usernames},
    )
    session.execute(sa.text("ANALYZE certificates"))
    return result.rowcount


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="lms_national")
    parser.add_argument("--url", default=postgres_url())
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--position", default="NAT_ONE_STOP")
    parser.add_argument("--on", type=date.fromisoformat, default=date(2027, 6, 1))
    parser.add_argument("--validity-months", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=22)
    args = parser.parse_args(argv)

    from lms import create_app
    from lms.accounts.models import User, UserRole
    from lms.core.permissions import Role
    from lms.extensions import db
    from lms.org.models import CurriculumItem, ManagerUnit, OrgUnit, Position, PositionAssignment
    from lms.reports import qualification
    from lms.testing.plugin import Client, rolled_back

    url = sa.engine.make_url(args.url).set(database=args.database)
    app = create_app(
        {
            "SECRET_KEY": "national-bench-only-secret-key-long-enough",
            "SQLALCHEMY_DATABASE_URI": url.render_as_string(hide_password=False),
            "RATELIMIT_ENABLED": False,
        }
    )
    rng = random.Random(args.seed)
    with app.app_context():
        usernames = db.session.scalars(
            sa.select(User.username).where(User.username.like("cb%")).order_by(User.id)
        ).all()
        if len(usernames) < args.people:
            raise SystemExit(f"{args.database} has {len(usernames):,} people; build it first")
        unknown = args.people // 100
        names = rng.sample(usernames, args.people - unknown)
        names += [f"khong.co.{n}" for n in range(unknown)]
        rng.shuffle(names)
        position = db.session.scalar(sa.select(Position).where(Position.code == args.position))
        if position is None:
            raise SystemExit(f"no position {args.position} in {args.database}")
        position_id = position.id
        holding = db.session.scalars(
            sa.select(User.username)
            .join(PositionAssignment, PositionAssignment.user_id == User.id)
            .where(PositionAssignment.position_id == position_id)
            .order_by(User.id)
        ).all()
        holders = rng.sample(holding, min(args.people, len(holding)))
        sizes = {
            table: db.session.execute(
                sa.text(f"SELECT count(*) FROM {table}")  # noqa: S608  (our table names)
            ).scalar_one()
            for table in ("users", "position_assignments", "module_progress", "certificates")
        }
    print(
        "dataset: "
        + ", ".join(f"{table} {count:,}" for table, count in sizes.items())
        + f"; {args.people:,} people checked for {args.position} on {args.on}"
        + f" (validity {args.validity_months} months), {args.repeat} runs each"
    )

    # Everything below (the validity, the manager, the page's requests) happens in one
    # transaction, rolled back at the end, as the tests do.
    with rolled_back(app) as connection, app.app_context():
        db.session.execute(
            sa.update(CurriculumItem)
            .where(CurriculumItem.position_id == position_id)
            .values(validity_months=args.validity_months)
        )
        province = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == "T01"))
        manager = User(
            username="bench.manager.t01",
            full_name="Bench manager",
            password_hash="-",  # noqa: S106  (no password: it never signs in)
            search_text="bench manager",
        )
        db.session.add(manager)
        db.session.flush()
        db.session.add(UserRole(user_id=manager.id, role=Role.MANAGER.value))
        db.session.add(ManagerUnit(user_id=manager.id, unit_id=province.id))
        db.session.flush()
        issued = issue_module_certificates(db.session, sorted(set(names) | set(holders)))
        admin = db.session.scalar(sa.select(User).where(User.username == "admin"))
        anyone = qualification.people_from_text("\n".join(names))
        holding_it = qualification.people_from_text("\n".join(holders))
        position = db.session.get(Position, position_id)
        for label, actor, people in (
            ("admin", admin, anyone),
            ("province manager", manager, anyone),
            ("admin, holders", admin, holding_it),
        ):
            timings, statements = [], set()
            result = None
            for _ in range(args.repeat):
                db.session.expire_all()
                actor.role_set  # noqa: B018  (the actor's roles, loaded as a request has them)
                with Statements(connection) as counted:
                    started = time.perf_counter()
                    result = qualification.check(actor, position, args.on, people)
                    timings.append(time.perf_counter() - started)
                statements.add(counted.n)
            counts = result.counts
            print(
                f"service, {label:<17} median {statistics.median(timings):6.2f} s, "
                f"max {max(timings):6.2f} s, statements "
                f"{'/'.join(str(n) for n in sorted(statements))}; qualified "
                f"{counts['qualified']:,}, not qualified {counts['not_qualified']:,}, "
                f"not found or not visible {counts['not_found']:,}"
            )
        db.session.commit()  # into the outer transaction (a savepoint's end), for the page
        app.test_client_class = Client  # signs its CSRF token from the session
        client = app.test_client()
        sign_in(client, "admin")
        timings, size, rows = [], 0, 0
        for _ in range(args.repeat):
            started = time.perf_counter()
            response = client.submit(
                "/reports/qualification",
                data={
                    "position": position_id,
                    "on": args.on.isoformat(),
                    "people": "\n".join(names),
                    "output": "csv",
                },
                content_type="multipart/form-data",
            )
            body = response.get_data()
            response.close()
            timings.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise SystemExit(f"the page answered {response.status_code}")
            size, rows = len(body), body.count(b"\n") - 1
        print(f"(module certificates issued for the checked people's completions: {issued:,})")
        print(
            f"page, CSV download  median {statistics.median(timings):6.2f} s, "
            f"max {max(timings):6.2f} s; {rows:,} rows, {size / 1e6:.1f} MB"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
