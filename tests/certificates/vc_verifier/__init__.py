"""An independent verifier of the site's credentials: Digital Bazaar's JavaScript VC libraries
(``package.json``), run by Node.js through ``verify.mjs``.

The packages are installed from the npm registry once, into a cache folder outside the
repository keyed by ``package.json``'s digest (``$XDG_CACHE_HOME/lms-tests/`` or
``~/.cache/lms-tests/``), and reused by later runs. Without ``node`` and ``npm`` the tests
that need it are skipped, except under CI=true, where they fail.
"""

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

from tests.core.servers import unavailable

HERE = Path(__file__).parent
FILES = ("package.json", "verify.mjs")


def _cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "lms-tests"


def install() -> Path:
    """The folder holding ``verify.mjs`` and its ``node_modules``, installed if need be."""
    if not (shutil.which("node") and shutil.which("npm")):
        unavailable("Node.js and npm (the independent credential verifier)")
    digest = hashlib.sha256((HERE / "package.json").read_bytes()).hexdigest()[:16]
    folder = _cache_root() / f"vc-verifier-{digest}"
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as lock:
        # The test workers share one install: the first installs, the others wait for it.
        fcntl.flock(lock, fcntl.LOCK_EX)
        for name in FILES:
            shutil.copyfile(HERE / name, folder / name)
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


class Verifier:
    def __init__(self, folder: Path):
        self.folder = folder

    def __call__(self, *cases: tuple) -> list[dict]:
        """{"verified": bool, "revoked": bool | None, "errors": [...]} for each case
        ``(credential, documents)`` or ``(credential, documents, now)``: ``documents`` (DIDs
        and URLs → what the site serves) are its only network. One Node.js process for all."""
        request = [
            {"credential": case[0], "documents": case[1], "now": (case[2:] or [None])[0]}
            for case in cases
        ]
        path = self.folder / f"input-{os.getpid()}.json"
        path.write_text(json.dumps(request, ensure_ascii=False), encoding="utf-8")
        done = subprocess.run(
            ["node", "verify.mjs", path.name],
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)
