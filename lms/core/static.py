"""Static files: served by WhiteNoise in front of the application, pre-compressed, and cached
for a year under content-hashed names.

At start every file of the static folders (the application's and any blueprint's) is hashed;
``url_for('static', filename='css/app.css')`` then gives ``/static/css/app.<hash>.css``, which
browsers keep without asking again, since a changed file gets a new name. The plain name is
still served, cached for a minute. ``.gz`` and ``.br`` files beside a file are sent to
browsers that accept them, if they hold the file's current content; ``lms static compress``
writes them (the wheel's build writes them for the installed package). In debug, Flask serves
the folders itself, unhashed, so an edited file shows on the next reload.
"""

import gzip
import hashlib
import os
import posixpath
import tempfile
import zlib
from pathlib import Path

import brotli
from flask import Flask
from whitenoise import WhiteNoise
from whitenoise.compress import Compressor

from lms.core.security import HEADERS

# Hex digits of the content's SHA-256 in a hashed name: enough that two versions of one file
# never share a name.
HASH_LENGTH = 12
DECOMPRESS = {".gz": gzip.decompress, ".br": brotli.decompress}


def hashed_name(filename: str, content: bytes) -> str:
    """``css/app.css`` → ``css/app.<hash>.css``."""
    digest = hashlib.sha256(content).hexdigest()[:HASH_LENGTH]
    stem, extension = posixpath.splitext(filename)
    return f"{stem}.{digest}{extension}"


def static_folders(app: Flask) -> dict[str, tuple[Path, str]]:
    """Each static endpoint, the application's ``static`` and a blueprint's
    ``<name>.static`` → (its folder, the URL prefix its files are under)."""
    folders = {}
    for rule in app.url_map.iter_rules():
        owner, _, view = rule.endpoint.rpartition(".")
        if view != "static":
            continue
        folder = (app.blueprints[owner] if owner else app).static_folder
        if folder:
            # The rule is "<prefix>/<path:filename>".
            folders[rule.endpoint] = (Path(folder), rule.rule.rpartition("<")[0])
    return folders


def is_copy_of(copy: Path, content: bytes) -> bool:
    """Whether the compressed file ``copy`` holds ``content``. (File times tell nothing:
    installing a wheel sets them all anew.)"""
    try:
        return DECOMPRESS[copy.suffix](copy.read_bytes()) == content
    except (OSError, EOFError, zlib.error, brotli.error):
        return False


def _is_compressed_copy(path: Path) -> bool:
    return path.suffix in DECOMPRESS and path.with_suffix("").is_file()


def _files(folder: Path):
    """The files to serve under hashed names: neither compressed copies nor hidden files (a
    compression under way writes to one, gone the next moment)."""
    for path in sorted(folder.rglob("*")):
        hidden = any(part.startswith(".") for part in path.relative_to(folder).parts)
        if path.is_file() and not hidden and not _is_compressed_copy(path):
            yield path


class StaticFiles(WhiteNoise):
    """WhiteNoise over the application's static folders, each file under its plain name and
    its content-hashed name; only the hashed name is cached as immutable."""

    FOREVER = 365 * 24 * 3600

    def __init__(self, app: Flask):
        # Files are served from this site only (no CDN), so no CORS header.
        super().__init__(app.wsgi_app, allow_all_origins=False, add_headers_function=_harden)
        self.hashed_names: dict[str, dict[str, str]] = {}
        self.immutable_urls: set[str] = set()
        for endpoint, (folder, prefix) in static_folders(app).items():
            self._add_folder(endpoint, folder, prefix)

    def _add_folder(self, endpoint: str, folder: Path, prefix: str) -> None:
        names = self.hashed_names.setdefault(endpoint, {})
        for path in _files(folder):
            filename = path.relative_to(folder).as_posix()
            content = path.read_bytes()
            names[filename] = hashed_name(filename, content)
            self.immutable_urls.add(prefix + names[filename])
            # A compressed copy left from an older version of the file would be sent in its
            # place: only copies of this version count.
            stale = {
                str(copy)
                for copy in (path.with_name(path.name + suffix) for suffix in DECOMPRESS)
                if copy.is_file() and not is_copy_of(copy, content)
            }
            for url in (prefix + filename, prefix + names[filename]):
                static_file = self.get_static_file(str(path), url)
                # (encoding, path, headers) each; whitenoise 6, as setup.cfg pins.
                static_file.alternatives = [
                    alternative
                    for alternative in static_file.alternatives
                    if alternative[1] not in stale
                ]
                self.files[url] = static_file

    def immutable_file_test(self, path: str, url: str) -> bool:
        return url in self.immutable_urls

    def add_hashed_name(self, endpoint: str, values: dict) -> None:
        """``url_defaults`` callback: a static file's URL names its hashed copy."""
        names = self.hashed_names.get(endpoint)
        if names and values.get("filename") in names:
            values["filename"] = names[values["filename"]]


def _harden(headers, _path, _url) -> None:
    for name, value in HEADERS.items():
        headers.setdefault(name, value)


def init_app(app: Flask) -> None:
    """Serve the static folders through ``StaticFiles``, except in debug; call it once the
    blueprints are registered."""
    if app.debug:
        return
    static_files = StaticFiles(app)
    app.wsgi_app = static_files
    app.url_defaults(static_files.add_hashed_name)


class AtomicCompressor(Compressor):
    """WhiteNoise's compressor writing each file whole, so a server starting meanwhile (or a
    second run) never sees half a file."""

    def write_data(self, path, data, suffix, stat_result):
        target = path + suffix
        handle, temporary = tempfile.mkstemp(
            dir=os.path.dirname(path), prefix=f".{os.path.basename(target)}.", suffix=".tmp"
        )
        with os.fdopen(handle, "wb") as output:
            output.write(data)
        # Readable by whoever may read the file itself (mkstemp makes it the owner's only).
        os.chmod(temporary, stat_result.st_mode & 0o777)
        os.replace(temporary, target)
        return target


def compress(folder: Path) -> int:
    """Write the ``.gz`` (and, with brotli installed, ``.br``) copies of the files in
    ``folder`` that have none for their current version; returns how many files were
    compressed."""
    compressor = AtomicCompressor(quiet=True)
    done = 0
    for path in _files(folder):
        if not compressor.should_compress(path.name) or _has_current_copy(path):
            continue
        compressor.compress(str(path))
        done += 1
    return done


def _has_current_copy(path: Path) -> bool:
    return is_copy_of(path.with_name(path.name + ".gz"), path.read_bytes())
