"""Discovering course plugins: folders with a manifest.toml under the configured course
directories, and installed distributions in the ``lms.courses`` entry-point group.

Discovery reads manifests' ids only and writes nothing.
"""

from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path

from lms.plugins.activity import Problem
from lms.plugins.manifest import read_manifest

ENTRY_POINT_GROUP = "lms.courses"


@dataclass(frozen=True)
class CourseSource:
    id: str
    path: Path
    origin: str  # "folder:<path>" or "package:<distribution>"


def _manifest_id(path: Path) -> str:
    """The id the manifest states, else the folder's name (loading the course then reports
    what is wrong with its manifest)."""
    data, _ = read_manifest(path)
    value = data.get("id") if data else None
    return value if isinstance(value, str) else path.name


def folder_source(path: Path) -> CourseSource:
    return CourseSource(_manifest_id(path), path, f"folder:{path}")


def _folder_sources(course_dirs) -> list[CourseSource]:
    return [
        folder_source(manifest.parent)
        for folder in map(Path, course_dirs)
        for manifest in (sorted(folder.glob("*/manifest.toml")) if folder.is_dir() else [])
    ]


def _package_sources() -> list[CourseSource]:
    """Each entry point names a package whose folder holds the course's manifest.toml."""
    sources = []
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        module = entry_point.load()
        path = Path(module.__file__).parent
        distribution = entry_point.dist.name if entry_point.dist else entry_point.value
        sources.append(CourseSource(_manifest_id(path), path, f"package:{distribution}"))
    return sources


def id_clashes(sources: list[CourseSource]) -> list[Problem]:
    """A problem for each id that more than one source claims, naming every one of them."""
    by_id: dict[str, list[CourseSource]] = {}
    for source in sources:
        by_id.setdefault(source.id, []).append(source)
    return [
        Problem(
            "manifest.toml",
            "id",
            f"the id {course_id!r} is used by {' and '.join(s.origin for s in claimants)}",
        )
        for course_id, claimants in by_id.items()
        if len(claimants) > 1
    ]


def discover(course_dirs) -> tuple[list[CourseSource], list[Problem]]:
    """Every course found, and a problem for each id that two sources claim. Sources that
    clash are all listed, so each can still be checked; syncing refuses to run while
    any clash is left (``lms.catalogue.services.sync_courses``)."""
    found = _folder_sources(course_dirs) + _package_sources()
    return found, id_clashes(found)
