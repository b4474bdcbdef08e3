"""Discovering course plugins: folders with a manifest.toml under the configured course
directories, and installed distributions in the ``lms.courses`` entry-point group.

Discovery reads manifests' ids only and writes nothing.
"""

import tomllib
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path

from lms.plugins.activity import Problem

ENTRY_POINT_GROUP = "lms.courses"


@dataclass(frozen=True)
class CourseSource:
    id: str
    path: Path
    origin: str  # "folder:<path>" or "package:<distribution>"


def _manifest_id(path: Path) -> str:
    try:
        value = tomllib.loads((path / "manifest.toml").read_text(encoding="utf-8")).get("id")
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError):
        value = None
    return value if isinstance(value, str) else path.name


def _folder_sources(course_dirs) -> list[CourseSource]:
    sources = []
    for folder in map(Path, course_dirs):
        for manifest in sorted(folder.glob("*/manifest.toml")) if folder.is_dir() else []:
            path = manifest.parent
            sources.append(CourseSource(_manifest_id(path), path, f"folder:{path}"))
    return sources


def _package_sources() -> list[CourseSource]:
    """Each entry point names a package whose folder holds the course's manifest.toml."""
    sources = []
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        module = entry_point.load()
        path = Path(module.__file__).parent
        distribution = entry_point.dist.name if entry_point.dist else entry_point.value
        sources.append(CourseSource(_manifest_id(path), path, f"package:{distribution}"))
    return sources


def discover(course_dirs) -> tuple[list[CourseSource], list[Problem]]:
    """Every course found, and a problem for each id that two sources claim (both are
    left out, so neither silently wins)."""
    found = _folder_sources(course_dirs) + _package_sources()
    by_id: dict[str, list[CourseSource]] = {}
    for source in found:
        by_id.setdefault(source.id, []).append(source)
    problems = [
        Problem(
            "manifest.toml",
            "id",
            f"the id {course_id!r} is used by {' and '.join(s.origin for s in sources)}",
        )
        for course_id, sources in by_id.items()
        if len(sources) > 1
    ]
    unique = [sources[0] for sources in by_id.values() if len(sources) == 1]
    return unique, problems
