"""The package as an operator installs it: ``python -m build`` from the repository, the wheel
installed into a fresh virtual environment outside the repository, and there ``lms init``,
``lms demo``, gunicorn serving ``lms.wsgi:app`` and ``lms worker``, with the templates, static
files, migrations and shipped courses read from the installed package.

The new environment borrows this one's dependencies, so the test needs no network: a ``.pth``
file names a folder of links to everything installed here except the distributions installed
editable from a checkout (this project, the third-party test plugin). ``lms`` can then only
come from the wheel, and the commands run from a folder outside the repository with no
``PYTHONPATH``.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
import tomllib
import venv
import zipfile
from importlib import metadata
from pathlib import Path
from urllib.request import Request, urlopen

import brotli
import pytest

from tests.core.servers import Browser, _wait_for, free_port

ROOT = Path(__file__).parents[2]
SHIPPED = ("templates", "static", "migrations", "courses")
DEMO_PASSWORD = "hoctapso-2026"


def _repository_files(name: str) -> set[str]:
    return {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / name).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }


def _not_in_a_clone(folder: str, names: list[str]) -> set[str]:
    """What a checkout gathers beside its tracked files (environments, builds, caches)."""
    generated = {name for name in names if name.endswith((".egg-info", ".pyc"))}
    generated |= {
        "__pycache__",
        ".pytest_cache",
        ".ruff_cache",
        ".hypothesis",
        "node_modules",
    } & set(names)
    if Path(folder) == ROOT:
        generated |= {".git", ".venv", "build", "dist", "instance", "test-artifacts"} & set(names)
    return generated


def _editable_files() -> set[str]:
    """Top-level names in site-packages that belong to distributions installed editable."""
    names = set()
    for distribution in metadata.distributions():
        direct_url = distribution.read_text("direct_url.json")
        if direct_url and json.loads(direct_url).get("dir_info", {}).get("editable"):
            names |= {Path(file).parts[0] for file in distribution.files or []}
    return names


def _borrowed_dependencies(folder: Path) -> Path:
    """A folder of links to this environment's installed distributions, editable ones left
    out (their ``.pth`` files would not run from it anyway)."""
    folder.mkdir()
    left_out = _editable_files() | {"__pycache__", "lms"}
    paths = sysconfig.get_paths()
    for site_packages in {Path(paths["purelib"]), Path(paths["platlib"])}:
        for entry in site_packages.iterdir():
            if entry.name in left_out or entry.suffix == ".pth" or (folder / entry.name).exists():
                continue
            (folder / entry.name).symlink_to(entry)
    return folder


def _environment(venv_dir: Path) -> dict:
    """This process's environment without what would point at the checkout or configure the
    application: the installed package runs on its defaults."""
    kept = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("LMS_", "FLASK_", "PYTHON", "VIRTUAL_ENV", "PROMETHEUS_"))
    }
    return {**kept, "PATH": f"{venv_dir / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"}


def _succeed(command: list[str], **options) -> None:
    done = subprocess.run(command, capture_output=True, text=True, **options)
    assert done.returncode == 0, f"{command[:4]}: {done.stdout[-2000:]}{done.stderr[-4000:]}"


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(the wheel, the virtual environment, a folder outside the repository to run in)."""
    base = tmp_path_factory.mktemp("package")
    assert not base.resolve().is_relative_to(ROOT.resolve())
    dist = base / "dist"
    # A copy of the repository, as a fresh clone has it: the build writes into its source
    # folder (the egg-info), and reads an earlier build's file list from there.
    source = base / "source"
    shutil.copytree(ROOT, source, ignore=_not_in_a_clone, symlinks=True)
    # The README's command: an sdist, then the wheel built from it (so MANIFEST.in counts).
    # Without isolation the build uses this environment's setuptools (the dev extra).
    _succeed(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(source)],
        cwd=base,
        env={**os.environ, "PYTHONPATH": ""},
    )
    (wheel,) = dist.glob("*.whl")
    venv_dir = base / "venv"
    venv.create(venv_dir, with_pip=False, symlinks=True)
    site_packages = Path(
        sysconfig.get_path("purelib", vars={"base": str(venv_dir), "platbase": str(venv_dir)})
    )
    deps = _borrowed_dependencies(base / "dependencies")
    (site_packages / "borrowed-dependencies.pth").write_text(f"{deps}\n")
    pip = [sys.executable, "-m", "pip", "--python", str(venv_dir / "bin" / "python")]
    _succeed(
        [*pip, "install", "--quiet", "--no-deps", "--no-index", "--no-compile", str(wheel)],
        cwd=base,
        env=_environment(venv_dir),
    )
    work = base / "elsewhere"
    work.mkdir()
    return wheel, venv_dir, work


def run(installed, *command: str, **options) -> subprocess.CompletedProcess:
    _wheel, venv_dir, work = installed
    return subprocess.run(
        [str(venv_dir / "bin" / command[0]), *command[1:]],
        cwd=work,
        env=_environment(venv_dir),
        capture_output=True,
        text=True,
        timeout=300,
        **options,
    )


@pytest.fixture(scope="module")
def demo_site(installed):
    """``lms init`` then ``lms demo`` in the installed package, on its default SQLite file."""
    init = run(installed, "lms", "init")
    assert init.returncode == 0, init.stderr
    demo = run(installed, "lms", "demo")
    assert demo.returncode == 0, demo.stderr
    return init, demo


def test_the_wheel_carries_the_top_level_folders(installed):
    wheel, _venv, _work = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in SHIPPED:
        expected = _repository_files(folder)
        assert expected
        assert {f"lms/_shipped/{name}" for name in expected} <= names, folder
    assert not [name for name in names if name.startswith(("templates/", "migrations/"))]
    # And every file of the package itself: its data files are listed in setup.cfg's
    # package_data, which a new one is easily left out of. (The .pot is for translators.)
    package = _repository_files("lms") - {"lms/translations/messages.pot"}
    assert sorted(package - names) == []


def test_lms_comes_from_the_installed_package_not_the_checkout(installed):
    _wheel, venv_dir, _work = installed
    found = run(
        installed, "python", "-c", "import lms, lms.config; print(lms.__file__, lms.config.SHIPPED)"
    )
    assert found.returncode == 0, found.stderr
    module, shipped = map(Path, found.stdout.split())
    assert module.is_relative_to(venv_dir)
    assert shipped == module.parent / "_shipped"
    assert not module.is_relative_to(ROOT)


def test_init_and_demo_work_from_the_installed_package(installed, demo_site):
    _wheel, venv_dir, _work = installed
    init, demo = demo_site
    assert "Schema up to date" in init.stdout
    # The default instance folder of an installed package holds the database.
    assert (venv_dir / "var" / "lms-instance" / "lms.sqlite3").is_file()
    courses = sorted((ROOT / "courses").glob("*/manifest.toml"))
    assert f"Modules: {len(courses)} created" in demo.stdout
    assert "warning" not in demo.stderr
    assert "Demo ready" in demo.stdout


def test_gunicorn_serves_the_installed_package(installed, demo_site, tmp_path):
    _wheel, venv_dir, work = installed
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "gunicorn.log"
    gunicorn = [str(venv_dir / "bin" / "python"), "-m", "gunicorn", "--workers", "1"]
    with log.open("wb") as output:
        server = subprocess.Popen(
            [*gunicorn, "--bind", f"127.0.0.1:{port}", "lms.wsgi:app"],
            cwd=work,
            env=_environment(venv_dir),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_for(lambda: _answers(base, server), "gunicorn")
        browser = Browser(base)
        login = browser.request("/login")
        assert login.status == 200
        assert 'name="csrf_token"' in login.text
        stylesheet = browser.request("/static/css/app.css")
        assert stylesheet.status == 200
        assert stylesheet.text == (ROOT / "static" / "css" / "app.css").read_text("utf-8")
        # The wheel's build compressed the static files; pages name them by their content.
        (pico,) = re.findall(
            r'href="(/static/vendor/pico-[^"]+/pico\.min\.[0-9a-f]{12}\.css)"', login.text
        )
        # Only ever http://127.0.0.1:<port>, the server this test started.
        compressed = Request(base + pico, headers={"Accept-Encoding": "br"})  # noqa: S310
        with urlopen(compressed, timeout=15) as response:  # noqa: S310
            assert response.headers["Content-Encoding"] == "br"
            assert "immutable" in response.headers["Cache-Control"]
            body = brotli.decompress(response.read())
        assert (
            body
            == (ROOT / "static" / pico.removeprefix("/static/"))
            .with_name("pico.min.css")
            .read_bytes()
        )
        browser.sign_in("learner", DEMO_PASSWORD)
        catalogue = browser.request("/catalogue")
        assert catalogue.status == 200
        for manifest in (ROOT / "courses").glob("*/manifest.toml"):
            title = tomllib.loads(manifest.read_text("utf-8"))["title"]["vi"]
            assert title in catalogue.text
        # Signed in: the learner's own page, its layout with the sign-out form.
        home = browser.request("/")
        assert home.status == 200
        assert 'action="/logout"' in home.text
        assert "Nguyễn Văn An" in home.text
    finally:
        server.terminate()
        server.wait(15)
    assert "Traceback" not in log.read_text(), log.read_text()


def _answers(base: str, server) -> bool:
    if server.poll() is not None:
        raise RuntimeError(f"gunicorn exited with {server.returncode}")
    try:
        return Browser(base).request("/healthz").status == 200
    except OSError:
        return False


def test_the_worker_runs_tasks_and_stops_cleanly_from_the_installed_package(
    installed, demo_site, tmp_path
):
    _wheel, venv_dir, work = installed
    log = tmp_path / "worker.log"
    with log.open("wb") as output:
        worker = subprocess.Popen(
            [str(venv_dir / "bin" / "lms"), "worker", "--workers", "1"],
            cwd=work,
            env=_environment(venv_dir),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        # The tasks enqueued as it starts run through the queue in the instance folder.
        _wait_for(lambda: _logged(log, worker, "notifications.send_email done"), "the worker")
    finally:
        # The signal the systemd unit stops it with (docs/operations.md).
        worker.send_signal(signal.SIGINT)
        returncode = worker.wait(60)
    text = log.read_text()
    assert returncode == 0, text
    assert "Consumer exiting" in text
    assert "Traceback" not in text
    assert (venv_dir / "var" / "lms-instance" / "jobs.sqlite3").is_file()


def _logged(log: Path, process, line: str) -> bool:
    if process.poll() is not None:
        raise RuntimeError(f"exited with {process.returncode}: {log.read_text()}")
    return line in log.read_text()
