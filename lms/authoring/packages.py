"""Modules as course plugin folders and zips: writing a draft or a version out, and reading
an uploaded zip back in safely. Checking is ``lms.plugins.manifest.load_course``, the very
code ``lms courses validate`` runs; uploads are data only, so any code file is refused."""

import io
import stat
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

import tomli_w

from lms.catalogue.queries import media_data
from lms.plugins.activity import Problem
from lms.plugins.manifest import MANIFEST

MAX_ZIP_BYTES = 25 * 1024 * 1024
MAX_ZIP_ENTRIES = 500
MAX_UNZIPPED_BYTES = 60 * 1024 * 1024
# A file that unpacks to more than this many times its packed size is a zip bomb.
MAX_RATIO = 100
CODE_SUFFIXES = {".py", ".pyc", ".pyw", ".pyo", ".so", ".pyd", ".sh", ".exe", ".dll"}
ZIP = "(zip)"


def folder_entries(manifest: dict, files: dict[str, str], media: dict[str, str]):
    """(path, bytes) of every file of the plugin folder, manifest first, in a stable order."""
    blobs = media_data(media.values())
    yield MANIFEST, tomli_w.dumps(manifest).encode()
    for path in sorted(files):
        yield path, files[path].encode()
    for path in sorted(media):
        yield f"media/{path}", blobs[media[path]]


@contextmanager
def folder(manifest: dict, files: dict[str, str], media: dict[str, str]) -> Iterator[Path]:
    """A temporary course folder with these contents, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="lms-authoring-") as temporary:
        root = Path(temporary) / str(manifest.get("id") or "module")
        for path, data in folder_entries(manifest, files, media):
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        yield root


def to_zip(manifest: dict, files: dict[str, str], media: dict[str, str]) -> bytes:
    """A zip of the plugin folder, everything under ``<id>/`` as ``lms courses export``
    writes it."""
    buffer = io.BytesIO()
    top = str(manifest["id"])
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in folder_entries(manifest, files, media):
            info = zipfile.ZipInfo(f"{top}/{path}", date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def _unsafe_name(name: str) -> bool:
    path = PurePosixPath(name.replace("\\", "/"))
    return (
        name.startswith(("/", "\\"))
        or (len(name) > 1 and name[1] == ":")
        or ".." in path.parts
        or "\x00" in name
    )


def unzip(data: bytes, target: Path) -> list[Problem]:
    """Unpack an uploaded plugin zip into ``target`` (the course folder). Returns every
    problem with the archive itself; a refused entry is not written. The folder may sit at
    the top of the zip or inside one top-level folder."""
    problems: list[Problem] = []
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        return [Problem(ZIP, "(file)", "this is not a zip archive")]
    if len(entries) > MAX_ZIP_ENTRIES:
        return [Problem(ZIP, "(file)", f"more than {MAX_ZIP_ENTRIES} files in the archive")]
    if sum(entry.file_size for entry in entries) > MAX_UNZIPPED_BYTES:
        limit = MAX_UNZIPPED_BYTES // (1024 * 1024)
        return [Problem(ZIP, "(size)", f"the files unpack to more than {limit} MiB")]
    names = [entry.filename for entry in entries if not entry.is_dir()]
    prefix = _common_top(names)
    for entry in entries:
        name = entry.filename
        if entry.is_dir():
            continue
        if _unsafe_name(name):
            problems.append(Problem(name, "(path)", "absolute paths and '..' are not allowed"))
            continue
        if stat.S_ISLNK(entry.external_attr >> 16):
            problems.append(Problem(name, "(file)", "links are not allowed"))
            continue
        relative = name[len(prefix) :]
        if PurePosixPath(relative).suffix.lower() in CODE_SUFFIXES:
            problems.append(
                Problem(relative, "(file)", "code is not allowed here; uploaded modules are data")
            )
            continue
        if entry.compress_size and entry.file_size / entry.compress_size > MAX_RATIO:
            problems.append(Problem(relative, "(size)", "compressed suspiciously well"))
            continue
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        with archive.open(entry) as source:
            content = source.read(entry.file_size + 1)
        if len(content) > entry.file_size:
            problems.append(Problem(relative, "(size)", "larger than the archive says"))
            continue
        destination.write_bytes(content)
    return problems


def _common_top(names: list[str]) -> str:
    """``"<folder>/"`` when every file sits in one top folder without a manifest at the top."""
    if not names or MANIFEST in names:
        return ""
    tops = {name.split("/", 1)[0] for name in names}
    if len(tops) == 1 and all("/" in name for name in names):
        return f"{tops.pop()}/"
    return ""
