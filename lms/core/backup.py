"""A backup of the database while the site runs (``lms db backup FILE``).

SQLite: a copy made with SQLite's online backup API, which reads one consistent state of the
database in a read transaction (the database is in WAL mode, so writers carry on meanwhile),
then turned into a single self-contained file (rollback journal, not WAL) and checked.
PostgreSQL: ``pg_dump --format=custom``, the format ``pg_restore`` reads.

Everything people upload (course media, authoring uploads, rosters) lives in the database,
so the database's backup holds it; docs/operations.md says what else to keep.
"""

import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa


class BackupError(RuntimeError):
    """The backup could not be made; the message says why and what to do."""


@dataclass(frozen=True)
class Backup:
    path: Path
    size: int
    method: str  # "sqlite online backup" or "pg_dump -Fc"


def backup(url: sa.URL, target: Path) -> Backup:
    """Write a consistent copy of the database at ``url`` to ``target``, which must not
    exist; nothing is left at ``target`` when it fails."""
    target = Path(target)
    if target.exists():
        raise BackupError(f"{target} exists already; give the name of a new file")
    if not target.parent.is_dir():
        raise BackupError(f"{target.parent} is not a folder")
    backend = url.get_backend_name()
    if backend == "sqlite":
        _sqlite(url, target)
        method = "sqlite online backup"
    elif backend == "postgresql":
        _postgres(url, target)
        method = "pg_dump -Fc"
    else:
        raise BackupError(f"no backup for {backend} databases")
    return Backup(target, target.stat().st_size, method)


def _sqlite(url: sa.URL, target: Path) -> None:
    source_path = url.database
    if not source_path or source_path == ":memory:" or source_path.startswith("file:"):
        raise BackupError("the SQLite database is not a file")
    if not Path(source_path).is_file():
        raise BackupError(f"the SQLite database {source_path} does not exist")
    # Written beside the target and renamed at the end: never a half-written backup.
    descriptor, partial = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(descriptor)  # mkstemp made it readable by its owner only, as it stays
    try:
        source = sqlite3.connect(source_path, timeout=30)
        copy = sqlite3.connect(partial)
        try:
            # One step (pages=-1): the whole database from one read transaction, so one
            # consistent state; a copy made in several steps restarts whenever someone writes.
            source.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")  # one file, no -wal beside it
            problems = copy.execute("PRAGMA quick_check").fetchall()
        finally:
            copy.close()
            source.close()
        if problems != [("ok",)]:
            raise BackupError(f"the copy failed SQLite's check: {problems[:5]}")
        os.replace(partial, target)
    finally:
        Path(partial).unlink(missing_ok=True)


def pg_dump_command(url: sa.URL, target: Path) -> tuple[list[str], dict[str, str]]:
    """The ``pg_dump`` call and the environment (the password) that back up ``url``."""
    program = shutil.which("pg_dump")
    if program is None:
        raise BackupError(
            "pg_dump is not installed here (PostgreSQL's client programs, of the server's "
            "major version or newer); install them, or run where they are: pg_dump -Fc -f FILE "
            "with the database of LMS_DATABASE_URL"
        )
    # libpq reads the URL (its query: sslmode, options, ...) but the password goes in the
    # environment, not on a command line that other users of the machine can list.
    libpq = url.set(drivername="postgresql", password=None)
    environment = dict(os.environ)
    if url.password is not None:
        environment["PGPASSWORD"] = str(url.password)
    dbname = libpq.render_as_string(hide_password=False)
    return [program, "--format=custom", "--file", str(target), "--dbname", dbname], environment


def _postgres(url: sa.URL, target: Path) -> None:
    command, environment = pg_dump_command(url, target)
    # Made first, readable by its owner only (the dump holds password hashes); pg_dump
    # writes into it.
    os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    result = subprocess.run(command, env=environment, capture_output=True, text=True)  # noqa: S603
    if result.returncode != 0:
        target.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
