"""A real Learning Record Store for the tests: Ralph (``ralph-malph`` on PyPI), France
Université Numérique's LRS, with its file-system backend, on a free port of 127.0.0.1.

Ralph is installed once into a virtualenv of its own, outside the repository
(``$XDG_CACHE_HOME/lms-tests/ralph`` or ``~/.cache/lms-tests/ralph``), so none of its
dependencies enter the project's environment, and reused by later runs while its
requirements are unchanged. When it cannot be installed the tests that need it are skipped,
except under CI=true, where they fail.
"""

import base64
import contextlib
import fcntl
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import venv
from pathlib import Path
from urllib.error import URLError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

from tests.core.servers import free_port, unavailable

# Ralph's OIDC module imports requests, which no extra of 5.1.0 installs.
SERVER = Path(__file__).with_name("ralph_server.py")
REQUIREMENTS = ("ralph-malph[cli,lrs]==5.1.0", "requests>=2.31")
USERNAME = "lms"


def _cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "lms-tests"


def install() -> Path:
    """Ralph's ``ralph`` program, installed if need be."""
    folder = _cache_root() / "ralph"
    folder.mkdir(parents=True, exist_ok=True)
    program = folder / "venv" / "bin" / "ralph"
    marker = folder / ".installed"
    wanted = "\n".join(REQUIREMENTS)
    with open(folder / ".lock", "w") as lock:
        # The test workers share one install: the first installs, the others wait for it.
        fcntl.flock(lock, fcntl.LOCK_EX)
        if marker.exists() and marker.read_text() == wanted and program.exists():
            return program
        shutil.rmtree(folder / "venv", ignore_errors=True)
        try:
            venv.create(folder / "venv", with_pip=True, clear=True)
            subprocess.run(
                [
                    str(folder / "venv" / "bin" / "python"),
                    "-m",
                    "pip",
                    "install",
                    "-q",
                    *REQUIREMENTS,
                ],
                check=True,
                capture_output=True,
                timeout=600,
            )
        except (subprocess.SubprocessError, OSError) as error:
            print(f"Ralph could not be installed: {error}", file=sys.stderr)
            unavailable("Ralph (the ralph-malph package, from PyPI)")
        marker.write_text(wanted)
    return program


class Ralph:
    """One Ralph server with a basic-auth account of its own and its statements in a
    folder of its own; ``stop`` and ``start`` again keep them."""

    def __init__(self, program: Path, folder: Path):
        self.program, self.folder = program, folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/xAPI"
        self.username, self.password = USERNAME, secrets.token_urlsafe(16)
        (folder / "data").mkdir(parents=True)
        self.environment = {
            # Ralph's own environment: nothing of the project's on its path.
            **{key: value for key, value in os.environ.items() if key != "PYTHONPATH"},
            "RALPH_APP_DIR": str(folder / "app"),
            "RALPH_AUTH_FILE": str(folder / "app" / "auth.json"),
            "RALPH_RUNSERVER_BACKEND": "fs",
            "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(folder / "data"),
        }
        subprocess.run(
            [
                *(str(program), "auth", "--username", self.username, "--password", self.password),
                *("--scope", "all", "--agent-ifi-mbox", "mailto:lms@example.vn", "--write-to-disk"),
            ],
            env=self.environment,
            check=True,
            capture_output=True,
            timeout=60,
        )
        self.process: subprocess.Popen | None = None

    @property
    def store(self) -> dict:
        """This server as an entry of LMS_XAPI_LRS."""
        return {
            "name": "ralph",
            "url": self.url,
            "username": self.username,
            "password": self.password,
        }

    def start(self) -> None:
        python = self.program.parent / "python"
        with open(self.folder / "server.log", "ab") as log:
            self.process = subprocess.Popen(
                [str(python), "-I", str(SERVER), "127.0.0.1", str(self.port)],
                cwd=self.folder,
                env=self.environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # it and any child of its: one group, stopped together
            )
        deadline = time.monotonic() + 60
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    "Ralph did not start: " + (self.folder / "server.log").read_text()[-2000:]
                )
            time.sleep(0.1)

    def _answers(self) -> bool:
        heartbeat = f"http://127.0.0.1:{self.port}/__heartbeat__"
        with contextlib.suppress(URLError, OSError), urlopen(heartbeat, timeout=2) as answer:
            return answer.status == 200
        return False

    def stop(self) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        self.process = None

    def statements(self, **query) -> list[dict]:
        """Every statement Ralph's own GET /xAPI/statements gives for ``query`` (agent as a
        dict), following its ``more`` links."""
        if "agent" in query:
            query["agent"] = json.dumps(query["agent"])
        found: list[dict] = []
        url = f"{self.url}/statements?{urlencode(query)}"
        while url:
            request = Request(url, headers={"X-Experience-API-Version": "1.0.3"})  # noqa: S310
            request.add_header("Authorization", self._authorization())
            with urlopen(request, timeout=30) as answer:  # noqa: S310
                page = json.load(answer)
            found.extend(page["statements"])
            more = page.get("more")
            url = f"http://127.0.0.1:{self.port}{more}" if more else ""
        return found

    def post(self, statements: list[dict]) -> int:
        """POST ``statements`` to Ralph as another client would; its status."""
        request = Request(  # noqa: S310
            f"{self.url}/statements",
            data=json.dumps(statements).encode(),
            headers={"Content-Type": "application/json", "X-Experience-API-Version": "1.0.3"},
            method="POST",
        )
        request.add_header("Authorization", self._authorization())
        with urlopen(request, timeout=30) as answer:  # noqa: S310
            return answer.status

    def _authorization(self) -> str:
        pair = f"{self.username}:{self.password}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")
