"""Real servers for the operations tests, each on a free port of 127.0.0.1 and stopped by the
test: a throw-away PostgreSQL cluster (never the shared one), a Redis, and the application
under gunicorn; and a small HTTP client that keeps its cookies.

Without PostgreSQL's or Redis's programs the tests that need them are skipped, except under
CI=true, where they fail.
"""

import contextlib
import copy
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, Request, build_opener

import pytest
from flask_migrate import upgrade

from lms import create_app
from lms.core.permissions import Role
from lms.extensions import db, limiter
from lms.testing.databases import in_ci
from lms.testing.factories import Factories
from lms.testing.plugin import testing_config

ROOT = Path(__file__).parents[2]
SECRET_KEY = "operations-tests-secret-key-long-enough-for-production"
PASSWORD = "Mat-khau-du-dai-42"
# The ``lms`` command of this checkout, whichever ``lms`` script is on the PATH.
LMS_COMMAND = [sys.executable, "-c", "from lms.cli import main; main()"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def unavailable(what: str) -> None:
    if in_ci():
        pytest.fail(f"CI=true needs {what}")
    pytest.skip(f"{what} not installed")


def _wait_for(check, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not start within {seconds} s")
        time.sleep(0.05)


class PostgresCluster:
    """A cluster of its own in a temporary folder, made with initdb and run with pg_ctl; as
    the ``postgres`` user when the tests run as root, since initdb refuses root."""

    def __init__(self):
        versions = sorted(
            Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3])
        )
        if not versions:
            unavailable("PostgreSQL's programs (/usr/lib/postgresql/*/bin/initdb)")
        self.bin = versions[-1].parent
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="lms-test-cluster-"))
        self.data = self.folder / "data"
        self.as_owner = []
        if os.geteuid() == 0:
            self.as_owner = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.folder, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, program: str, *arguments: str) -> None:
        subprocess.run(
            [*self.as_owner, str(self.bin / program), *arguments], check=True, capture_output=True
        )

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''"
        log = str(self.folder / "server.log")
        self._run("pg_ctl", "-D", str(self.data), "-l", log, "-o", options, "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)


class RedisServer:
    """A redis-server of its own that keeps nothing on disk."""

    def __init__(self):
        self.program = shutil.which("redis-server")
        if not self.program:
            unavailable("redis-server")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.program, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""],
            stdout=subprocess.DEVNULL,
        )
        _wait_for(self._answers, "redis-server")

    def _answers(self) -> bool:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port)):
            return True
        return False

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


@dataclass
class Answer:
    status: int
    headers: dict
    text: str
    seconds: float
    url: str = ""  # where the last redirect led


class Browser:
    """An HTTP client with a cookie jar, speaking to a server started here."""

    def __init__(self, base: str, cookies: CookieJar | None = None):
        self.base = base
        self.cookies = CookieJar()
        for cookie in cookies or []:
            self.cookies.set_cookie(copy.copy(cookie))
        self.opener = build_opener(HTTPCookieProcessor(self.cookies))

    def copy_to(self, base: str) -> "Browser":
        """A browser holding a copy of this one's cookies as they are now, speaking to
        ``base``: the same browser going through another server, or a stolen cookie."""
        return Browser(base, self.cookies)

    def cookie_names(self) -> set[str]:
        return {cookie.name for cookie in self.cookies}

    def without(self, name: str) -> "Browser":
        """This browser with the cookie ``name`` dropped (as at the end of a browser session)."""
        for cookie in [cookie for cookie in self.cookies if cookie.name == name]:
            self.cookies.clear(cookie.domain, cookie.path, cookie.name)
        return self

    def request(
        self,
        path: str,
        data: dict | None = None,
        headers: dict | None = None,
        files: dict[str, tuple[str, bytes]] | None = None,
    ):
        """GET ``path``, or POST ``data`` (and ``files``: field -> (file name, content),
        sent as multipart/form-data); redirects are followed."""
        headers = dict(headers or {})
        if files:
            body, headers["Content-Type"] = _multipart(data or {}, files)
        else:
            body = urlencode(data).encode() if data is not None else None
        # Only ever http://127.0.0.1:<port>, a server this module started.
        request = Request(self.base + path, data=body, headers=headers)  # noqa: S310
        started = time.perf_counter()
        try:
            with self.opener.open(request, timeout=15) as response:
                status, received, text = response.status, response.headers, response.read()
                url = response.url
        except HTTPError as error:
            status, received, text, url = error.code, error.headers, error.read(), error.url
        seconds = time.perf_counter() - started
        return Answer(status, dict(received), text.decode(), seconds, url)

    def submit(
        self,
        path: str,
        form_page: str,
        data: dict,
        headers: dict | None = None,
        files: dict[str, tuple[str, bytes]] | None = None,
    ):
        """Post ``data`` to ``path`` with the CSRF token of the page at ``form_page``."""
        page = self.request(form_page).text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        return self.request(path, {"csrf_token": token, **data}, headers, files)

    def sign_in(self, username: str, password: str) -> Answer:
        return self.submit("/login", "/login", {"username": username, "password": password})


def _multipart(fields: dict, files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            f"{value}\r\n".encode()
        )
    for name, (filename, content) in files.items():
        parts.append(
            f"--{boundary}\r\nContent-Disposition: form-data; "
            f'name="{name}"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n".encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def migrated_with_users(url: str, instance, usernames, *, setup=None, **roles) -> None:
    """Build the database at ``url`` with the migrations and give it users who sign in with
    ``PASSWORD``; ``roles`` maps a username to its roles; ``setup``, when given, is called
    with the factories to add more. Leaves the limiter as it was: building an application
    binds that one extension object to its storage."""
    saved = limiter._storage, limiter._limiter
    try:
        app = create_app(testing_config(url, instance))
        with app.app_context():
            upgrade()
        factories = Factories(app)
        for username in usernames:
            factories.user(
                username=username, password=PASSWORD, roles=roles.get(username, (Role.LEARNER,))
            )
        if setup is not None:
            setup(factories)
        with app.app_context():
            db.engine.dispose()
    finally:
        limiter._storage, limiter._limiter = saved


def _environment(settings: dict) -> dict:
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("LMS_") and name != "PROMETHEUS_MULTIPROC_DIR"
    }
    return {**inherited, "LMS_SECRET_KEY": SECRET_KEY, **settings}


class Process:
    """A process of the application started here from the project's folder, its output in
    ``log``: ``start`` returns at once, ``ready`` says when it serves, ``stop`` ends it."""

    what = ""
    stop_signal = signal.SIGTERM

    def __init__(self, settings: dict, log: Path):
        self.settings, self.log = settings, log
        self.process = None
        self.offset = 0

    def command(self) -> list[str]:
        raise NotImplementedError

    def ready(self) -> bool:
        raise NotImplementedError

    def output(self) -> str:
        """What it has written since it started."""
        return self.log.read_text()[self.offset :]

    def start(self) -> None:
        self.offset = len(self.log.read_text()) if self.log.exists() else 0
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                self.command(),
                cwd=ROOT,
                env=_environment(self.settings),
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    def started(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"{self.what} exited with {self.process.returncode}")
        return self.ready()


class Gunicorn(Process):
    """The application under gunicorn (so with the project's ``gunicorn.conf.py``)."""

    what = "gunicorn"

    def __init__(self, settings: dict, log: Path, *, workers: int = 1):
        super().__init__(settings, log)
        self.workers = workers
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        return [
            *[sys.executable, "-m", "gunicorn", "--workers", str(self.workers)],
            *["--bind", f"127.0.0.1:{self.port}", "--graceful-timeout", "3", "wsgi:app"],
        ]

    def ready(self) -> bool:
        try:
            return Browser(self.base).request("/healthz").status == 200
        except OSError:  # refused, or no answer yet from a worker still loading the application
            return False


class Worker(Process):
    """``lms worker``, the job queue's consumer; SIGINT lets it finish the tasks under way."""

    what = "lms worker"
    stop_signal = signal.SIGINT

    def __init__(self, settings: dict, log: Path, *, threads: int = 1):
        super().__init__(settings, log)
        self.threads = threads

    def command(self) -> list[str]:
        return [*LMS_COMMAND, "worker", "--workers", str(self.threads)]

    def ready(self) -> bool:
        return "consumer started" in self.output().lower()


@contextlib.contextmanager
def running(*processes: Process):
    """Start ``processes`` all at once, yield them once each is ready, stop them after."""
    started = []
    try:
        for process in processes:
            process.start()
            started.append(process)
        for process in processes:
            _wait_for(process.started, process.what, seconds=60)
        yield processes
    finally:
        for process in started:
            process.process.send_signal(process.stop_signal)
        for process in started:
            try:
                process.process.wait(15)
            except subprocess.TimeoutExpired:
                process.process.kill()
                process.process.wait()


@contextlib.contextmanager
def gunicorn(settings: dict, log: Path, *, workers: int = 1):
    """The application under gunicorn, its output in ``log``; yields its base URL."""
    with running(Gunicorn(settings, log, workers=workers)) as (server,):
        yield server.base
