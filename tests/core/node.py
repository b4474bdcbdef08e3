"""npm packages for the tests that run a JavaScript program with Node.js, installed from the
npm registry once into a cache folder outside the repository keyed by the program's
``package.json`` digest (``$XDG_CACHE_HOME/lms-tests/`` or ``~/.cache/lms-tests/``), and reused
by later runs. Without ``node`` and ``npm`` those tests are skipped, except under CI=true,
where they fail."""

import fcntl
import hashlib
import os
import shutil
import subprocess
from pathlib import Path

from tests.core.servers import unavailable


def _cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "lms-tests"


def installed(source: Path, files: tuple[str, ...], *, name: str, what: str) -> Path:
    """A folder holding ``files`` of ``source`` (its ``package.json`` among them) with their
    ``node_modules``, installed if need be; ``what`` names the program for a skip."""
    if not (shutil.which("node") and shutil.which("npm")):
        unavailable(f"Node.js and npm ({what})")
    digest = hashlib.sha256((source / "package.json").read_bytes()).hexdigest()[:16]
    folder = _cache_root() / f"{name}-{digest}"
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as lock:
        # The test workers share one install: the first installs, the others wait for it.
        fcntl.flock(lock, fcntl.LOCK_EX)
        for file in files:
            shutil.copyfile(source / file, folder / file)
        if not (folder / "node_modules" / ".installed").exists():
            subprocess.run(
                ["npm", "install", "--no-audit", "--no-fund", "--ignore-scripts", "--omit=dev"],
                cwd=folder,
                check=True,
                capture_output=True,
                timeout=300,
            )
            (folder / "node_modules" / ".installed").touch()
    return folder
