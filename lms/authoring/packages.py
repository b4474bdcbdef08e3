"""Modules as course plugin folders and zips: writing a draft or a version out, and reading
an uploaded zip back in safely. Checking is ``lms.plugins.manifest.load_course``, the very
code ``lms courses validate`` runs; uploads are data only, so any code file is refused."""

import io
import lzma
import stat
import tempfile
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

import tomli_w
from flask_babel import lazy_gettext as _l

from lms.catalogue.queries import media_data
from lms.plugins.activity import Problem
from lms.plugins.manifest import MANIFEST

MAX_ZIP_BYTES = 25 * 1024 * 1024
MAX_ZIP_ENTRIES = 500
MAX_UNZIPPED_BYTES = 60 * 1024 * 1024
# Everything but media (manifest, lessons, banks, README) together: a course of the
# repository holds under 200 KB, and checking and publishing a module takes about 3 s per
# MiB of Markdown, so this bounds the time of an import.
MAX_TEXT_BYTES = 4 * 1024 * 1024
# A file that unpacks to more than this many times its packed size is a zip bomb.
MAX_RATIO = 100
CODE_SUFFIXES = {".py", ".pyc", ".pyw", ".pyo", ".so", ".pyd", ".sh", ".exe", ".dll"}
# An SVG is a document that can run script where a browser opens it on its own; a course
# plugin on disk may ship one, an upload may not.
SCRIPTABLE_SUFFIXES = {".svg", ".svgz"}
ZIP = "(zip)"
# What the zip module and its decompressors raise for a damaged archive or entry, an unknown
# compression method, a password, or a name that is not the UTF-8 it claims to be.
DAMAGED = (
    zipfile.BadZipFile,
    zlib.error,
    lzma.LZMAError,
    OSError,
    EOFError,
    NotImplementedError,
    RuntimeError,
    ValueError,
)


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


def _normal(name: str) -> str:
    """The path an entry unpacks to: "a//b", "./a/b" and "a\\b" are all "a/b"."""
    return PurePosixPath(name.replace("\\", "/")).as_posix()


def _archive_problems(
    entries: list[zipfile.ZipInfo], files: list[zipfile.ZipInfo], prefix: str
) -> list[Problem]:
    """What the zip directory alone shows is wrong, before a byte is unpacked."""
    if len(entries) > MAX_ZIP_ENTRIES:
        return [
            Problem(
                ZIP, "(file)", _l("more than %(count)d files in the archive", count=MAX_ZIP_ENTRIES)
            )
        ]
    if sum(entry.file_size for entry in entries) > MAX_UNZIPPED_BYTES:
        limit = MAX_UNZIPPED_BYTES // (1024 * 1024)
        return [
            Problem(ZIP, "(size)", _l("the files unpack to more than %(limit)d MiB", limit=limit))
        ]
    paths = [_normal(entry.filename[len(prefix) :]) for entry in files]
    text = sum(
        entry.file_size
        for entry, path in zip(files, paths, strict=True)
        if not path.startswith("media/")
    )
    problems = []
    if text > MAX_TEXT_BYTES:
        limit = MAX_TEXT_BYTES // (1024 * 1024)
        problems.append(
            Problem(
                ZIP,
                "(size)",
                _l("the files other than media unpack to more than %(limit)d MiB", limit=limit),
            )
        )
    for path, count in sorted(Counter(paths).items()):
        if count > 1:
            problems.append(
                Problem(
                    path, "(file)", _l("the archive holds this file %(count)d times", count=count)
                )
            )
    return problems


def unzip(data: bytes, target: Path) -> list[Problem]:
    """Unpack an uploaded plugin zip into ``target`` (the course folder). Returns every
    problem with the archive itself; a refused entry is not written, and an archive with a
    problem in its directory (too many or too large files, one path twice) is not unpacked
    at all. The folder may sit at the top of the zip or inside one top-level folder."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except DAMAGED:
        return [Problem(ZIP, "(file)", _l("this is not a zip archive"))]
    # Folders are left out by name: ZipInfo.is_dir fails on an entry without one.
    files = [entry for entry in entries if not entry.filename.endswith("/")]
    prefix = _common_top([entry.filename for entry in files])
    problems = _archive_problems(entries, files, prefix)
    if problems:
        return problems
    for entry in files:
        problem = _unpack(archive, entry, prefix, target)
        if problem is not None:
            problems.append(problem)
    return problems


def _unpack(
    archive: zipfile.ZipFile, entry: zipfile.ZipInfo, prefix: str, target: Path
) -> Problem | None:
    """Write one entry under ``target``, or say why not."""
    name = entry.filename
    if not name:
        return Problem(ZIP, "(path)", _l("an entry of the archive has no name"))
    if _unsafe_name(name):
        return Problem(name, "(path)", _l("absolute paths and '..' are not allowed"))
    if stat.S_ISLNK(entry.external_attr >> 16):
        return Problem(name, "(file)", _l("links are not allowed"))
    relative = _normal(name[len(prefix) :])
    suffix = PurePosixPath(relative).suffix.lower()
    if suffix in CODE_SUFFIXES:
        return Problem(
            relative, "(file)", _l("code is not allowed here; uploaded modules are data")
        )
    if suffix in SCRIPTABLE_SUFFIXES:
        return Problem(
            relative,
            "(type)",
            _l(
                "SVG images are not accepted in an uploaded module, as they can carry scripts; "
                "save the image as PNG"
            ),
        )
    if entry.compress_size and entry.file_size / entry.compress_size > MAX_RATIO:
        return Problem(relative, "(size)", _l("compressed suspiciously well"))
    destination = target / relative
    try:
        with archive.open(entry) as source:
            content = source.read(entry.file_size + 1)
    except DAMAGED:
        return Problem(relative, "(file)", _l("this file of the archive cannot be read"))
    if len(content) > entry.file_size:
        return Problem(relative, "(size)", _l("larger than the archive says"))
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(content)
    except OSError:
        # A name too long, or a file where another entry needs a folder.
        return Problem(relative, "(path)", _l("this path cannot be unpacked"))
    return None


def _common_top(names: list[str]) -> str:
    """``"<folder>/"`` when every file sits in one top folder without a manifest at the top."""
    if not names or MANIFEST in names:
        return ""
    tops = {name.split("/", 1)[0] for name in names}
    if len(tops) == 1 and all("/" in name for name in names):
        return f"{tops.pop()}/"
    return ""
