"""The metadata is in setup.cfg; this adds the one build step it cannot say.

A wheel holds only packages, so the repository's top-level folders the application reads are
copied into the package at ``lms/_shipped/<folder>``, where ``lms.config.shipped`` finds them
once installed. An editable install reads them where they are and copies nothing. The copied
static files get their gzip and brotli copies here, as ``lms static compress`` makes them in a
checkout (``lms/core/static.py`` serves them).
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from whitenoise.compress import main as compress

HERE = Path(__file__).resolve().parent
# Keep in step with MANIFEST.in (the sdist a wheel is built from must carry them too).
SHIPPED = ("templates", "static", "migrations", "courses")


class BuildPyWithShipped(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        for name in SHIPPED:
            target = Path(self.build_lib) / "lms" / "_shipped" / name
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(
                HERE / name, target, ignore=shutil.ignore_patterns("__pycache__", "*.py[co]")
            )
        compress(["--quiet", str(Path(self.build_lib) / "lms" / "_shipped" / "static")])


setup(cmdclass={"build_py": BuildPyWithShipped})
