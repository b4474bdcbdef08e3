"""What the benchmarks share: the demo build, gunicorn servers, HTTP helpers, the load loop
and the figures.

Every server listens on 127.0.0.1 and lives in a temporary folder; the load generator runs
threads in this process, each on a keep-alive connection of its own (which gunicorn's sync
workers close after every response, so each request opens a new TCP connection).
"""

import collections
import contextlib
import functools
import http.client
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
BIN = Path(sys.prefix) / "bin"
HOST = "127.0.0.1"
LEARNER = "learner"  # made and printed by ``lms demo`` (lms/demo/data.py SHOWCASE)
SESSION_COOKIE = "lms_session"
BARE_MARKER = "bare-bench-marker"  # bench/bare_app.py
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
_CSRF_INPUT = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"')


@dataclass
class Result:
    """One measured case: the latencies of the requests that succeeded, and the failures."""

    name: str
    seconds: float
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    client_cpu: float = 0.0  # share of one CPU the load generator used
    page_bytes: int = 0
    server_cpu: float = 0.0  # CPU seconds of the server's processes while measured


# --- databases -----------------------------------------------------------------------------


def postgres_url() -> str:
    return os.environ.get("LMS_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


def postgres_problem(url: str) -> str | None:
    """Why PostgreSQL at ``url`` cannot be used, or None when it can."""
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        engine.dispose()
    except Exception as error:  # any failure means "not usable"; the message says why
        return f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
    return None


@contextlib.contextmanager
def throwaway_schema(url: str):
    """A schema of its own in PostgreSQL at ``url``, dropped afterwards; yields the URL whose
    connections use it."""
    import sqlalchemy as sa

    name = f"lms_bench_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{name}"'))
        scoped = sa.engine.make_url(url).update_query_dict({"options": f"-csearch_path={name}"})
        yield scoped.render_as_string(hide_password=False)
    finally:
        with engine.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        engine.dispose()


# --- the demo ------------------------------------------------------------------------------


def environment(tmp: Path, course_folder: Path, database_url: str) -> dict[str, str]:
    """The LMS's environment: this folder's instance, a fresh secret and demo password."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
    env.update(
        LMS_INSTANCE_PATH=str(tmp / "instance"),
        LMS_SECRET_KEY=secrets.token_hex(32),
        LMS_DATABASE_URL=database_url,
        LMS_COURSE_DIRS=str(course_folder),
        LMS_DEMO_PASSWORD="bench-" + secrets.token_hex(8),
    )
    return env


def build_demo(env: dict[str, str], course_slug: str) -> str | None:
    """``lms demo``: schema, demo city and courses; checks the learner was made. Returns
    why the course ``course_slug`` was not loaded, or None when it was."""
    done = subprocess.run(  # noqa: S603 - our own venv's script, fixed arguments
        [str(BIN / "lms"), "demo"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"lms demo failed:\n{done.stdout}{done.stderr}")
    if not re.search(rf"^\s+{re.escape(LEARNER)}\s", done.stdout, re.MULTILINE):
        raise SystemExit(f"lms demo did not list the account {LEARNER!r}:\n{done.stdout}")
    problem = re.search(
        rf"^warning: course {re.escape(course_slug)} not loaded: (.*)$", done.stderr, re.MULTILINE
    )
    return problem.group(1) if problem else None


# --- servers -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@functools.cache
def gunicorn_quiet_options() -> list[str]:
    """Newer gunicorns open a control socket in the home folder by default, shared by every
    gunicorn of the user; the benchmark's servers need none."""
    done = subprocess.run(  # noqa: S603 - our own venv's gunicorn
        [str(BIN / "gunicorn"), "--help"], capture_output=True, text=True, check=True
    )
    return ["--no-control-socket"] if "--no-control-socket" in done.stdout else []


class Server:
    """A gunicorn serving ``app`` on a free local port, its log kept in ``log``."""

    def __init__(self, name: str, app: str, workers: int, env: dict, log: Path, *extra: str):
        self.name, self.port, self.log = name, free_port(), log
        command = [str(BIN / "gunicorn"), "--workers", str(workers), "--worker-class", "sync"]
        command += ["--bind", f"{HOST}:{self.port}", *gunicorn_quiet_options(), *extra, app]
        with log.open("wb") as out:
            self.process = subprocess.Popen(  # noqa: S603 - our own venv's gunicorn
                command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
            )

    def wait_ready(self, path: str, timeout: float = 120.0) -> None:
        # Generous: on a shared machine under load, importing the application takes a while.
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} server exited while starting")
            try:
                status, _, _ = request(self.port, path)
                if status < 500:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"{self.name} server did not answer in {timeout:.0f} s")

    def log_tail(self, lines: int = 30) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def log_errors(self, limit: int = 6) -> str:
        """The distinct exception lines of the log, most frequent first, with counts."""
        text = self.log.read_text(encoding="utf-8", errors="replace")
        lines = re.findall(r"^\(?[\w.]+(?:Error|Exception)\)?[:\s].*$", text, re.MULTILINE)
        counts = collections.Counter(line[:160] for line in lines)
        return "\n".join(f"  {n:>5} x {line}" for line, n in counts.most_common(limit))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # gunicorn: graceful shutdown
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class Servers(list):
    """The servers of one run: on a failure their log tails are printed; all stop at the end."""

    def __enter__(self):
        return self

    def __exit__(self, kind, error, _traceback):
        if kind is not None and issubclass(kind, (Exception, SystemExit)):
            for server in self:
                print(f"\n--- {server.name} server log (tail) ---\n{server.log_tail()}")
        for server in self:
            server.stop()
        return False

    def print_errors(self) -> None:
        for server in self:
            print(f"{server.name} server log, errors:\n{server.log_errors() or '  (none)'}")


def bare_server(workers: int, env: dict, log: Path, **settings: str) -> Server:
    """``bench/bare_app.py`` under gunicorn; ``settings`` become its ``BENCH_*`` variables."""
    bare_env = {**env, **{f"BENCH_{key.upper()}": value for key, value in settings.items()}}
    server = Server("bare", "bare_app:app", workers, bare_env, log, "--chdir", str(BENCH))
    return server


# --- server CPU ----------------------------------------------------------------------------

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat_fields(pid: int) -> list[str] | None:
    """The fields of ``/proc/<pid>/stat`` after the command name (which may hold spaces),
    numbered from the state (field 3), or None when the process is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()


def process_tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by process ``pid`` (a gunicorn master), its
    live children (the workers) and the children it has reaped (workers that exited), read
    from ``/proc``. Linux only; the difference of two readings is what a run cost."""
    fields = _stat_fields(pid)
    if fields is None:
        return 0.0
    # utime, stime, cutime, cstime: fields 14-17 of stat(5), here 11-14 counted from 3.
    ticks = sum(int(value) for value in fields[11:15])
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            child = _stat_fields(int(entry.name))
            if child is not None and child[1] == str(pid):  # field 4: the parent's pid
                ticks += int(child[11]) + int(child[12])
    return ticks / _CLOCK_TICKS


# --- HTTP ----------------------------------------------------------------------------------


def request(port: int, path: str, *, method="GET", body=None, headers=None, conn=None):
    """One request; returns (status, headers, body). Opens a connection unless given one."""
    own = conn is None
    conn = conn or http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        if own:
            conn.close()


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def post_form(port: int, path: str, fields: dict, cookie: str | None = None, *, conn=None, **more):
    """POST ``fields`` as a form, with the session ``cookie``; ``more``: further headers."""
    headers = {**FORM, **({"Cookie": cookie} if cookie else {}), **more}
    body = urllib.parse.urlencode(fields, doseq=True)
    return request(port, path, method="POST", body=body, headers=headers, conn=conn)


def cookie_of(headers, name: str = SESSION_COOKIE) -> str | None:
    """``name=value`` of the cookie ``name`` that a response sets, if it sets one."""
    for value in headers.get_all("Set-Cookie") or []:
        pair = value.split(";", 1)[0]
        if pair.startswith(f"{name}="):
            return pair
    return None


def csrf_token(page: bytes) -> str | None:
    found = _CSRF_INPUT.search(page)
    return found.group(1).decode() if found else None


def sign_in(port: int, username: str, password: str) -> str:
    """Sign ``username`` in once; returns the session cookie (``name=value``)."""
    status, headers, page = request(port, "/login")
    token, cookie = csrf_token(page), cookie_of(headers)
    if status != 200 or not token or not cookie:
        raise SystemExit(f"sign-in page: status {status}, no CSRF token or session cookie")
    fields = {"username": username, "password": password, "csrf_token": token}
    status, headers, _ = post_form(port, "/login", fields, cookie)
    cookie = cookie_of(headers)
    if status != 302 or "/login" in (headers.get("Location") or "") or not cookie:
        raise SystemExit(f"sign-in as {username!r} failed: status {status}")
    return cookie


# --- load ----------------------------------------------------------------------------------


def hammer(
    name: str,
    port: int,
    send: Callable[[int, http.client.HTTPConnection], object],
    *,
    concurrency: int,
    warmup: float,
    seconds: float,
    server_pid: int | None = None,
) -> Result:
    """``concurrency`` threads, each on its own keep-alive connection, call ``send(index,
    conn)`` (one request; it raises ValueError when the response is not the expected one)
    again and again for ``warmup`` + ``seconds``; only requests started after the warm-up
    count. Every thread starts at once, after a barrier. With ``server_pid`` (a gunicorn
    master), the CPU its processes used from the end of the warm-up until the last request
    ended is kept in ``Result.server_cpu``."""
    barrier = threading.Barrier(concurrency + 1)
    result = Result(name, seconds)
    lock = threading.Lock()
    window: list[float] = []

    def client(index: int) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        latencies, failures = [], []
        barrier.wait()
        measure_from, stop_at = window
        while (began := time.perf_counter()) < stop_at:
            reason = None
            try:
                send(index, conn)
            except (OSError, http.client.HTTPException, ValueError) as error:
                reason = f"{type(error).__name__}: {error}"
                conn.close()  # reconnects on the next request
            if began < measure_from:
                continue
            if reason is None:
                latencies.append(time.perf_counter() - began)
            else:
                failures.append(reason)
        conn.close()
        with lock:
            result.latencies.extend(latencies)
            result.failures.extend(failures)

    threads = [
        threading.Thread(target=client, args=(index,), daemon=True) for index in range(concurrency)
    ]
    for thread in threads:
        thread.start()
    start, cpu = time.perf_counter(), time.process_time()
    window[:] = [start + warmup, start + warmup + seconds]
    barrier.wait()
    if server_pid is not None:
        time.sleep(max(0.0, window[0] - time.perf_counter()))
        cpu_before = process_tree_cpu(server_pid)
    for thread in threads:
        thread.join()
    if server_pid is not None:
        result.server_cpu = process_tree_cpu(server_pid) - cpu_before
    result.client_cpu = (time.process_time() - cpu) / (time.perf_counter() - start)
    return result


# --- figures -------------------------------------------------------------------------------


def percentile(values: list[float], p: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def summary(result: Result) -> dict:
    count = len(result.latencies)
    return {
        "requests": count,
        "rps": count / result.seconds,
        "p50": percentile(result.latencies, 50) * 1000,
        "p95": percentile(result.latencies, 95) * 1000,
        "bytes": result.page_bytes,
        "failed": len(result.failures),
        "client_cpu": result.client_cpu * 100,
        # Server CPU per request: what the page costs, much steadier than req/s on a machine
        # whose other work takes CPU from the servers and the load generator alike.
        "cpu_ms": result.server_cpu * 1000 / count if count else float("nan"),
    }


def print_failures(results: list[Result], limit: int = 5) -> None:
    for result in results:
        for reason in sorted(set(result.failures))[:limit]:
            print(f"{result.name} failure: {reason} (x{result.failures.count(reason)})")


LOAD_NOTE = (
    "Note: the load generator runs on this machine and shares its CPUs with the servers\n"
    "('client CPU' = share of one CPU it used). gunicorn sync workers close the connection\n"
    "after each response, so every request opens a new TCP connection."
)


def add_load_arguments(parser, measured: str) -> None:
    """The options every benchmark takes: how long, after what warm-up, with how many
    gunicorn workers."""
    parser.add_argument("--seconds", type=float, default=10.0, help=f"measured time per {measured}")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured time first")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
