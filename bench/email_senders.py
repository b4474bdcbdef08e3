"""E-mail delivery benchmark: pending notification e-mail sent by one, then two, senders.

    .venv/bin/python bench/email_senders.py [--emails 1000] [--senders 1 2]
                                            [--database both|sqlite|postgresql]
                                            [--postgres-url URL]

For SQLite (a file in a temporary folder), then PostgreSQL (a throw-away schema at
``--postgres-url``, default ``LMS_TEST_POSTGRES_URL`` or the local server; skipped with a
message when unreachable): builds the schema with the migrations, makes ``--emails`` pending
notification e-mails (for 50 people), and for each count of ``--senders`` puts them all back
to pending and has that many processes (forked from this one) run
``notifications.send_pending_email`` at once against a local SMTP server (aiosmtpd, from the
dev extra) that accepts everything.

Prints per case the seconds from the start to the last sender's end and e-mails/s, and exits
1 unless every e-mail reached the server exactly once and was recorded as sent. The figures
depend on the machine (each e-mail is a commit, so the disk's flush time counts).
"""

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from harness import postgres_problem, postgres_url, throwaway_schema  # noqa: E402

PEOPLE = 50
FORK = multiprocessing.get_context("fork")


def _send(app, results) -> None:
    from lms.extensions import db
    from lms.notifications import services

    with app.test_request_context():
        db.engine.dispose(close=False)
        results.put(services.send_pending_email(limit=10**9))


def run_case(name: str, url: str, emails: int, sender_counts: list[int], instance: Path) -> bool:
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from lms import create_app
    from lms.accounts import services as accounts
    from lms.extensions import db
    from lms.notifications import services
    from lms.notifications.models import EMAIL_PENDING, EMAIL_SENT, Notification
    from tests.notifications.smtp_sink import smtp_sink

    print(f"\n{name}: {emails} e-mails")
    ok = True
    with smtp_sink() as (sink, port):
        app = create_app(
            {
                "TESTING": True,  # only so the people below get cheap password hashes
                "SECRET_KEY": "bench-" + os.urandom(16).hex(),
                "SQLALCHEMY_DATABASE_URI": url,
                "LMS_INSTANCE_PATH": str(instance),
                "LMS_LOG_LEVEL": "WARNING",
                "LMS_ARGON2_TIME_COST": 1,
                "LMS_ARGON2_MEMORY_KIB": 8,
                "LMS_SMTP_HOST": "127.0.0.1",
                "LMS_SMTP_PORT": port,
                "LMS_SMTP_STARTTLS": False,
            }
        )
        with app.test_request_context():
            upgrade()
            people = [
                accounts.create_user(
                    None,
                    username=f"bench.{n}",
                    full_name=f"Người thứ {n}",
                    password=os.urandom(12).hex() + "-Aa1",
                    email=f"bench.{n}@example.vn",
                )
                for n in range(PEOPLE)
            ]
            for n in range(emails):
                services.notify(
                    people[n % PEOPLE], "assigned", f"assigned:{n}", title={"vi": f"Mô-đun {n}"}
                )
            db.session.commit()
        for senders in sender_counts:
            with app.app_context():
                db.session.execute(
                    sa.update(Notification).values(
                        email_status=EMAIL_PENDING, email_tries=0, email_attempted_at=None
                    )
                )
                db.session.commit()
                db.engine.dispose()
            sink.received.clear()
            results = FORK.Queue()
            processes = [FORK.Process(target=_send, args=(app, results)) for _ in range(senders)]
            started = time.perf_counter()
            for process in processes:
                process.start()
            reports = [results.get(timeout=3600) for _ in processes]
            seconds = time.perf_counter() - started
            for process in processes:
                process.join()
            with app.app_context():
                sent = db.session.scalar(
                    sa.select(sa.func.count()).where(Notification.email_status == EMAIL_SENT)
                )
                db.session.remove()
            delivered = Counter(mail["Message-ID"] for mail in sink.received)
            once = len(delivered) == emails and set(delivered.values()) == {1}
            ok &= once and sent == emails
            shares = "+".join(str(report[0]) for report in reports)
            print(
                f"  {senders} sender(s)  {seconds:7.2f} s  {emails / seconds:7.0f} e-mails/s   "
                f"sent {shares}; delivered exactly once: {'yes' if once else 'NO'}"
            )
        with app.app_context():
            db.engine.dispose()
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--emails", type=int, default=1000)
    parser.add_argument("--senders", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--database", choices=["both", "sqlite", "postgresql"], default="both")
    parser.add_argument("--postgres-url", default=postgres_url())
    options = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory(prefix="lms-email-bench-") as folder:
        tmp = Path(folder)
        if options.database in ("both", "sqlite"):
            url = f"sqlite:///{tmp / 'bench.sqlite3'}"
            ok &= run_case("SQLite", url, options.emails, options.senders, tmp / "i1")
        if options.database in ("both", "postgresql"):
            problem = postgres_problem(options.postgres_url)
            if problem:
                print(f"\nPostgreSQL skipped: {problem}")
            else:
                with throwaway_schema(options.postgres_url) as url:
                    ok &= run_case("PostgreSQL", url, options.emails, options.senders, tmp / "i2")
    if not ok:
        print("\nSome e-mail was not delivered exactly once.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
