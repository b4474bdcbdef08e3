#!/usr/bin/env python3
"""The two Quick-start commands, needing only Python 3.11:

    python3 tasks.py demo    install, build the demo city on SQLite and serve it on 127.0.0.1,
                             with the job worker beside the server
    python3 tasks.py test    install the test tools, lint, and run the whole test suite

Both create ./.venv on first use and reinstall only when the packaging files change.
"""

import hashlib
import os
import signal
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / "bin"
PLUGIN = "tests/plugins/practice_scenario"


def run(*command: str) -> None:
    print("+", " ".join(command), flush=True)
    subprocess.run(command, cwd=ROOT, check=True)


def install(extras: str, *plugins: str) -> None:
    """The project with ``extras``, then ``plugins`` (folders installed as any plugin would
    be), reinstalled only when the project's packaging files or a plugin's setup.cfg
    changed."""
    if not (BIN / "python").exists():
        print(f"Creating a virtual environment in {VENV.name}/", flush=True)
        venv.create(VENV, with_pip=True)
    configs = [
        *(ROOT / name for name in ("setup.cfg", "setup.py", "pyproject.toml")),
        *(ROOT / plugin / "setup.cfg" for plugin in plugins),
    ]
    fingerprint = hashlib.sha256(b"".join(path.read_bytes() for path in configs)).hexdigest()
    stamp = VENV / f".installed-{extras.replace(',', '-')}"
    if stamp.exists() and stamp.read_text() == fingerprint:
        return
    run(str(BIN / "python"), "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(str(BIN / "python"), "-m", "pip", "install", "--quiet", "-e", f".[{extras}]")
    for plugin in plugins:
        run(str(BIN / "python"), "-m", "pip", "install", "--quiet", "--no-deps", "-e", plugin)
    stamp.write_text(fingerprint)


def demo() -> None:
    install("postgres")
    # The test command installs its third-party test plugin into this same environment;
    # the demo shows the product alone.
    os.environ.setdefault("LMS_DISABLED_PLUGINS", Path(PLUGIN).name)
    # The static files' compressed copies, which the server then sends (the wheel has its own).
    run(str(BIN / "lms"), "static", "compress")
    run(str(BIN / "lms"), "demo")
    port = os.environ.get("LMS_PORT", "5000")
    # The job worker beside the server: roster imports, e-mail and the periodic tasks run.
    worker = subprocess.Popen([str(BIN / "lms"), "worker", "--workers", "1"], cwd=ROOT)
    print(f"\nServing the demo at http://127.0.0.1:{port}/login (Ctrl+C to stop)\n", flush=True)
    try:
        subprocess.run(
            [str(BIN / "lms"), "run", "--host", "127.0.0.1", "--port", port, "--no-reload"],
            cwd=ROOT,
        )
    except KeyboardInterrupt:
        pass
    finally:
        stop(worker)


def stop(process: subprocess.Popen) -> None:
    """Ask the worker to finish its task and stop (Ctrl+C reached it too), then make sure."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def test(pytest_args: list[str]) -> None:
    # With the third-party plugin the contract tests load.
    install("dev", PLUGIN)
    run(str(BIN / "ruff"), "check", ".")
    run(str(BIN / "ruff"), "format", "--check", ".")
    # One worker per core (each builds its own SQLite file and PostgreSQL schema); a test
    # file stays on one worker so its module fixtures are built once. The slowest 20 tests
    # are listed at the end, to keep an eye on what makes the suite long.
    parallel = (
        []
        if any(arg.startswith(("-n", "--numprocesses")) for arg in pytest_args)
        else [
            "--numprocesses=auto",
            "--dist=loadfile",
        ]
    )
    # argv[0] must be the venv's interpreter: Python finds its environment from it.
    python = str(BIN / "python")
    os.execv(python, [python, "-m", "pytest", *parallel, "--durations=20", *pytest_args])


if __name__ == "__main__":
    command, *rest = sys.argv[1:] or ["help"]
    if command == "demo":
        demo()
    elif command == "test":
        test(rest)
    else:
        sys.exit(__doc__)
