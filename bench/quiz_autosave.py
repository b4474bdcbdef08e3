"""Quiz answer saves per second and their p95 with 50 concurrent learners, beside a bare
Flask route, on SQLite and on PostgreSQL.

Run from the repository root::

    .venv/bin/python bench/quiz_autosave.py
    .venv/bin/python bench/quiz_autosave.py --seconds 10 --warmup 2 --learners 50 --workers 2
    .venv/bin/python bench/quiz_autosave.py --database postgresql --postgres-url URL

For each database in turn (SQLite, then PostgreSQL in a throw-away schema at
``--postgres-url``, skipped with a message when unreachable) it builds the demo city
(``lms demo``) in a temporary folder with one course, a copy of the test quiz course
(``tests/data/courses/quiz-course``) whose quiz has no time limit and no attempt limit,
and adds ``--learners`` learners of its own. It serves the LMS with gunicorn (sync workers)
and, with the same worker count, the bare app of ``bench/bare_app.py``. Every learner
signs in once, opens the quiz, starts an attempt and takes the CSRF token from the attempt
page. Then, all learners at once (one thread and connection each), each learner posts answer
saves as quiz.js does (``Accept: application/json``; ``action=save``, ``attempt``, ``slot``,
``answer-N``: the true/false, short-answer and numeric questions in turn, the value changing
every time) for ``--seconds`` after ``--warmup``; every response must be a 200 with
``"saved": true``. Then the same requests, cookies and bodies go to the bare app's
``POST /save``, which reads the form and answers the same JSON without a session, CSRF check
or database.

It prints requests, requests/s, p50 and p95 latency, failures, the load generator's CPU
share and the server's CPU time per request (its gunicorn master and workers, from
``/proc``) per case, then per database the autosave/bare ratios, and exits non-zero if any
request failed (with the servers' logged errors). The load generator runs on the same
machine as the servers and takes part of its CPUs; the table says how much.
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import tomllib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import tomli_w
from harness import (
    LOAD_NOTE,
    ROOT,
    Result,
    Server,
    Servers,
    add_load_arguments,
    bare_server,
    build_demo,
    cookie_of,
    csrf_token,
    environment,
    hammer,
    post_form,
    postgres_problem,
    postgres_url,
    print_failures,
    request,
    sign_in,
    summary,
    throwaway_schema,
)

QUIZ_COURSE = ROOT / "tests" / "data" / "courses" / "quiz-course"
COURSE = "quiz-course"
QUIZ_KEY = "check"
QUIZ_PATH = f"/modules/{COURSE}/{QUIZ_KEY}"
BARE_PATH = "/save"
JSON_ACCEPT = "application/json"
LEARNER_NAME = "bench.hocvien{n:02d}"
# The quiz's questions in bank order (shuffle_questions = false): the ones that take a typed
# value, with a value for the n-th save.
ANSWERS = [
    (2, lambda n: "true" if n % 2 else "false"),  # true/false
    (3, lambda n: f"can cuoc {n}"),  # short answer
    (4, lambda n: str(n % 100)),  # numeric
]

MAKE_LEARNERS = """
import os, sys
from lms import create_app
from lms.accounts.services import create_user
from lms.extensions import db

app = create_app()
with app.app_context():
    for username in sys.argv[1:]:
        create_user(None, username=username, full_name="Học viên " + username[-2:],
                    password=os.environ["LMS_DEMO_PASSWORD"], locale="vi")
    db.session.commit()
"""


@dataclass
class Learner:
    """A signed-in learner with an attempt in progress."""

    username: str
    cookie: str
    token: str
    attempt: int
    saves: int = 0


# --- setting up ----------------------------------------------------------------------------


def quiz_course(tmp: Path) -> Path:
    """The test quiz course under ``tmp/courses``, its quiz without time or attempt limit and
    its questions in bank order. Returns the course folder."""
    folder = tmp / "courses"
    root = folder / COURSE
    shutil.copytree(QUIZ_COURSE, root)
    manifest = tomllib.loads((root / "manifest.toml").read_text(encoding="utf-8"))
    quiz = next(a for a in manifest["activities"] if a["key"] == QUIZ_KEY)
    quiz.pop("time_limit_minutes", None)
    quiz.update(attempts=0, shuffle_questions=False)
    (root / "manifest.toml").write_text(tomli_w.dumps(manifest), encoding="utf-8")
    return folder


def make_learners(env: dict, count: int) -> list[str]:
    """``count`` learners with the demo password, made through the accounts service."""
    usernames = [LEARNER_NAME.format(n=n) for n in range(1, count + 1)]
    done = subprocess.run(  # noqa: S603 - this venv's python, our own script
        [sys.executable, "-c", MAKE_LEARNERS, *usernames],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"making the learners failed:\n{done.stdout}{done.stderr}")
    return usernames


def start_attempt(port: int, username: str, password: str) -> Learner:
    """Sign in, open the quiz, start an attempt; the learner as the attempt page leaves it."""
    cookie = sign_in(port, username, password)

    def page() -> bytes:
        nonlocal cookie
        status, headers, body = request(port, QUIZ_PATH, headers={"Cookie": cookie})
        cookie = cookie_of(headers) or cookie
        if status != 200:
            raise SystemExit(f"{username}: the quiz page answered {status}")
        return body

    token = csrf_token(page())
    status, headers, _ = post_form(
        port, QUIZ_PATH, {"csrf_token": token, "action": "start", "stay": "1"}, cookie
    )
    cookie = cookie_of(headers) or cookie
    if status != 302:
        raise SystemExit(f"{username}: starting an attempt answered {status}")
    attempt_page = page()
    attempt = re.search(rb'name="attempt" value="(\d+)"', attempt_page)
    token = csrf_token(attempt_page)
    if not attempt or not token:
        raise SystemExit(f"{username}: the attempt page has no attempt or CSRF token")
    return Learner(username, cookie, token, int(attempt.group(1)))


def start_attempts(port: int, usernames: list[str], password: str) -> list[Learner]:
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(lambda name: start_attempt(port, name, password), usernames))


# --- load ----------------------------------------------------------------------------------


def saver(learners: list[Learner], path: str):
    """``send(index, conn)`` for ``hammer``: learner ``index`` saves their next answer."""

    def send(index: int, conn) -> None:
        learner = learners[index]
        learner.saves += 1
        slot, value = ANSWERS[learner.saves % len(ANSWERS)]
        fields = {
            "csrf_token": learner.token,
            "attempt": learner.attempt,
            "action": "save",
            "slot": slot,
            f"answer-{slot}": value(learner.saves),
        }
        status, _, body = post_form(
            conn.port, path, fields, learner.cookie, conn=conn, Accept=JSON_ACCEPT
        )
        if status != 200:
            raise ValueError(f"status {status}: {body[:120]!r}")
        try:
            saved = json.loads(body).get("saved")
        except (ValueError, AttributeError):
            saved = None
        if saved is not True:
            raise ValueError(f"not saved: {body[:120]!r}")

    return send


def measure(name: str, server: Server, learners: list[Learner], path: str, args) -> Result:
    print(f"Measuring {name} for {args.warmup + args.seconds:g} s ...", flush=True)
    return hammer(
        name,
        server.port,
        saver(learners, path),
        concurrency=len(learners),
        warmup=args.warmup,
        seconds=args.seconds,
        server_pid=server.process.pid,
    )


# --- one database --------------------------------------------------------------------------


def run_on(database: str, database_url: str, tmp: Path, args) -> list[Result]:
    folder = quiz_course(tmp)
    env = environment(tmp, folder, database_url)
    print(f"\n== {database}: building the demo city with {COURSE!r} in {tmp} ...", flush=True)
    problem = build_demo(env, COURSE)
    if problem:
        raise SystemExit(f"lms demo did not load the course {COURSE}: {problem}")
    usernames = make_learners(env, args.learners)
    with Servers() as servers:
        lms = Server("lms", "wsgi:app", args.workers, env, tmp / "lms.log")
        servers.append(lms)
        bare = bare_server(args.workers, env, tmp / "bare.log")
        servers.append(bare)
        lms.wait_ready("/login")
        bare.wait_ready("/")
        learners = start_attempts(lms.port, usernames, env["LMS_DEMO_PASSWORD"])
        print(f"{len(learners)} learners signed in, each with an attempt at {QUIZ_PATH}")
        results = [
            measure("autosave", lms, learners, QUIZ_PATH, args),
            measure("bare", bare, learners, BARE_PATH, args),
        ]
        for result in results:
            result.name = f"{database}/{result.name}"
        if any(result.failures for result in results):
            servers.print_errors()
    return results


# --- report --------------------------------------------------------------------------------


def report(results: list[Result], args) -> None:
    print(
        f"\n{args.seconds:g} s per case after {args.warmup:g} s warm-up, {args.learners} "
        f"concurrent learners (one thread and connection each), gunicorn {args.workers} sync "
        f"workers per server, {os.cpu_count()} CPUs"
    )
    print(
        f"{'case':<22}{'requests':>10}{'req/s':>10}{'p50 ms':>9}{'p95 ms':>9}{'failed':>8}"
        f"{'client CPU':>12}{'server CPU ms/req':>19}"
    )
    figures = {result.name: summary(result) for result in results}
    for name, s in figures.items():
        print(
            f"{name:<22}{s['requests']:>10}{s['rps']:>10.1f}{s['p50']:>9.2f}{s['p95']:>9.2f}"
            f"{s['failed']:>8}{s['client_cpu']:>11.0f}%{s['cpu_ms']:>19.2f}"
        )
    for database in dict.fromkeys(name.split("/")[0] for name in figures):
        save, bare = figures[f"{database}/autosave"], figures[f"{database}/bare"]
        if bare["rps"] and bare["p95"]:
            ratio = save["rps"] / bare["rps"]
            print(
                f"{database} autosave/bare: req/s x{ratio:.3f} (the bare route serves "
                f"{1 / ratio if ratio else float('inf'):.1f}x as many), "
                f"p95 latency x{save['p95'] / bare['p95']:.1f}, "
                f"server CPU per request x{save['cpu_ms'] / bare['cpu_ms']:.1f}"
            )
    print(LOAD_NOTE)
    print("With more clients than workers, most of the latency is waiting in the listen queue.")
    print_failures(results)


# --- main ----------------------------------------------------------------------------------


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    add_load_arguments(parser, "case")
    parser.add_argument("--learners", type=int, default=50, help="concurrent learners")
    parser.add_argument(
        "--database",
        choices=["both", "sqlite", "postgresql"],
        default="both",
        help="which databases to run on, in this order: SQLite, then PostgreSQL",
    )
    parser.add_argument(
        "--postgres-url",
        default=postgres_url(),
        help="PostgreSQL server for a throw-away schema (default: LMS_TEST_POSTGRES_URL, "
        "else the local server)",
    )
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    # A plain ``kill`` stops the benchmark like Ctrl-C: servers stopped, folders removed.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    results: list[Result] = []
    try:
        if args.database in {"both", "sqlite"}:
            tmp = Path(tempfile.mkdtemp(prefix="lms-bench-"))
            try:
                results += run_on("sqlite", f"sqlite:///{tmp / 'lms.sqlite3'}", tmp, args)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
        if args.database in {"both", "postgresql"}:
            problem = postgres_problem(args.postgres_url)
            if problem:
                print(f"\nPostgreSQL at {args.postgres_url} is unreachable ({problem}): skipped.")
            else:
                tmp = Path(tempfile.mkdtemp(prefix="lms-bench-"))
                try:
                    with throwaway_schema(args.postgres_url) as url:
                        results += run_on("postgresql", url, tmp, args)
                finally:
                    shutil.rmtree(tmp, ignore_errors=True)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
    if not results:
        print("Nothing measured.", file=sys.stderr)
        return 1
    report(results, args)
    return 1 if any(result.failures for result in results) else 0


if __name__ == "__main__":
    sys.exit(main())
