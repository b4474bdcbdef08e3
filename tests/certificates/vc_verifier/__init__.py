"""An independent verifier of the site's credentials: Digital Bazaar's JavaScript VC libraries
(``package.json``), run by Node.js through ``verify.mjs``.

The packages are installed from the npm registry once, into a cache folder outside the
repository (``tests.core.node``). Without ``node`` and ``npm`` the tests that need it are
skipped, except under CI=true, where they fail.
"""

import json
import os
import subprocess
from pathlib import Path

from tests.core.node import installed

HERE = Path(__file__).parent
FILES = ("package.json", "verify.mjs")


def install() -> Path:
    """The folder holding ``verify.mjs`` and its ``node_modules``, installed if need be."""
    return installed(HERE, FILES, name="vc-verifier", what="the independent credential verifier")


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
