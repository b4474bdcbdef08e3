"""Loading course plugins into the catalogue, and writing modules back out as plugins."""

import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
import tomli_w
from flask_babel import lazy_gettext as _l

from lms.catalogue.models import (
    Activity,
    MediaBlob,
    Module,
    ModuleCompetency,
    ModuleVersion,
    VersionMedia,
)
from lms.catalogue.queries import latest_version, media_data
from lms.core import audit, clock, signals
from lms.core.errors import Invalid
from lms.core.i18n import fold
from lms.extensions import db
from lms.plugins.activity import Problem
from lms.plugins.courses import CourseSource
from lms.plugins.manifest import (
    MANIFEST,
    MEDIA_TYPES,
    Course,
    activity_identity,
    content_hash,
    file_digest,
    load_course,
)

log = logging.getLogger(__name__)
# The source of modules authored in the browser (not from a course plugin).
WEB = "web"
# Where a sync report files the problems of discovery: ids that two sources claim.
DISCOVERY = "(discovery)"


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    failed: dict[str, list[Problem]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failed


def sync_courses(
    sources: list[CourseSource], discovery_problems: list[Problem], registry, *, actor=None
) -> SyncReport:
    """Bring the catalogue in line with the discovered courses.

    A course whose content hash changed gets a new published version; an unchanged one
    nothing; one that no longer exists is retired (history kept); a broken one is
    reported and skipped while the others load. Nothing at all is written while
    ``discovery_problems`` (two sources claiming one id) are left: which of the two is
    the module cannot be guessed. A sync with any failure retires nothing, as the course
    that failed may be the one that looks missing; retiring ends every assignment of a
    module. Then ``courses_synced`` is sent: what travels with the courses (the legal
    register) loads, and files its own failures in the report.
    """
    report = SyncReport()
    if discovery_problems:
        report.failed[DISCOVERY] = discovery_problems
        return report
    for source in sources:
        course, problems = load_course(source.path, registry)
        if course is not None and _authored_in_browser(course.id):
            problems = [Problem(MANIFEST, "id", _l("a module authored in the browser has this id"))]
            course = None
        if course is None:
            report.failed[source.id] = problems
            continue
        outcome = publish_course(course, source.origin, actor=actor)
        getattr(report, outcome).append(course.id)
    if not report.failed:
        report.retired = _retire_missing({source.id for source in sources}, actor)
    signals.courses_synced.send(report, actor=actor)
    return report


def _authored_in_browser(slug: str) -> bool:
    return (
        db.session.scalar(sa.select(Module.id).where(Module.slug == slug, Module.source == WEB))
        is not None
    )


def publish_course(course: Course, origin: str, *, actor=None) -> str:
    """Store ``course`` as a new version unless its latest version has the same hash.
    Returns "created", "updated" or "unchanged"."""
    module = db.session.scalar(sa.select(Module).where(Module.slug == course.id))
    outcome = "updated"
    if module is None:
        module = Module(slug=course.id, source=origin)
        db.session.add(module)
        db.session.flush()
        outcome = "created"
    module.source = origin
    module.retired_at = None
    latest = latest_version(module.id)
    if latest is not None and latest.content_hash == course.content_hash:
        return "unchanged"
    version = _new_version(module, course, (latest.number if latest else 0) + 1, actor)
    audit.record(
        actor, "module.published", module, version=version.number, hash=course.content_hash
    )
    log.info("Published %s version %d", course.id, version.number)
    return outcome


def _new_version(module: Module, course: Course, number: int, actor) -> ModuleVersion:
    manifest = course.manifest_fields()
    version = ModuleVersion(
        module_id=module.id,
        number=number,
        content_hash=course.content_hash,
        manifest=manifest,
        estimated_minutes=course.estimated_minutes,
        search_text=fold(" ".join([*course.title.values(), *course.summary.values()])),
        language_codes=f" {' '.join(course.languages)} ",
        published_at=clock.now(),
        published_by_id=actor.id if actor else None,
    )
    db.session.add(version)
    db.session.flush()
    db.session.add_all(
        Activity(
            version_id=version.id,
            position=position,
            key=spec.key,
            type_id=spec.type_id,
            titles=spec.title,
            required=spec.required,
            content=spec.content,
            content_hash=_activity_hash(spec.type_id, spec.content),
        )
        for position, spec in enumerate(course.activities)
    )
    db.session.add_all(
        ModuleCompetency(version_id=version.id, code=item["code"], level=item["level"])
        for item in course.competencies
    )
    _store_media(version, course)
    db.session.flush()
    return version


def _activity_hash(type_id: str, content: dict) -> str:
    canonical = json.dumps(
        {"type": type_id, "content": content}, sort_keys=True, ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _store_media(version: ModuleVersion, course: Course) -> None:
    for path, data in course.media.items():
        digest = hashlib.sha256(data).hexdigest()
        if db.session.get(MediaBlob, digest) is None:
            content_type = MEDIA_TYPES[Path(path).suffix.lower()]
            db.session.add(
                MediaBlob(sha256=digest, content_type=content_type, size=len(data), data=data)
            )
        db.session.add(VersionMedia(version_id=version.id, path=path, sha256=digest))
    # README and question banks travel with the version as text, for export.
    files = {path: data.decode("utf-8") for path, data in course.other_files.items()}
    version.manifest = {**version.manifest, "files": files}


def publish_revision(
    module: Module, *, actor, contents: dict[str, dict], files: dict[str, str]
) -> ModuleVersion:
    """Publish a new version of ``module``: its latest version with the content of the
    activities named in ``contents`` (by key) and the text ``files`` (a bank, by path)
    replaced. Everything else, media included, carries over unchanged.

    Raises ``Invalid`` when the module comes from a course plugin on disk, whose folder
    is where it changes (the next sync would publish the folder's content again).
    """
    if module.source != WEB:
        raise Invalid(
            _l("This module comes from a course folder: change it there and sync the courses.")
        )
    latest = latest_version(module.id)
    manifest = {**latest.manifest, "files": {**latest.manifest.get("files", {}), **files}}
    activities = [
        (activity, contents.get(activity.key, activity.content))
        for activity in db.session.scalars(
            sa.select(Activity).where(Activity.version_id == latest.id).order_by(Activity.position)
        )
    ]
    media = dict(
        db.session.execute(
            sa.select(VersionMedia.path, VersionMedia.sha256).where(
                VersionMedia.version_id == latest.id
            )
        ).all()
    )
    version = ModuleVersion(
        module_id=module.id,
        number=latest.number + 1,
        content_hash=_revision_hash(manifest, activities, media),
        manifest=manifest,
        estimated_minutes=latest.estimated_minutes,
        search_text=latest.search_text,
        language_codes=latest.language_codes,
        published_at=clock.now(),
        published_by_id=actor.id if actor else None,
    )
    db.session.add(version)
    db.session.flush()
    _copy_children(latest, version, activities, media)
    audit.record(actor, "module.published", module, version=version.number)
    return version


def _revision_hash(manifest: dict, activities: list, media: dict[str, str]) -> str:
    fields = {key: value for key, value in manifest.items() if key != "files"}
    texts = {path: file_digest(text.encode()) for path, text in manifest["files"].items()}
    return content_hash(
        fields,
        [
            activity_identity(a.key, a.type_id, a.titles, a.required, content)
            for a, content in activities
        ],
        {**{f"media/{path}": digest for path, digest in media.items()}, **texts},
    )


def _copy_children(latest, version, activities: list, media: dict[str, str]) -> None:
    db.session.add_all(
        Activity(
            version_id=version.id,
            position=activity.position,
            key=activity.key,
            type_id=activity.type_id,
            titles=activity.titles,
            required=activity.required,
            content=content,
            content_hash=_activity_hash(activity.type_id, content),
        )
        for activity, content in activities
    )
    db.session.add_all(
        ModuleCompetency(version_id=version.id, code=competency.code, level=competency.level)
        for competency in db.session.scalars(
            sa.select(ModuleCompetency).where(ModuleCompetency.version_id == latest.id)
        )
    )
    db.session.add_all(
        VersionMedia(version_id=version.id, path=path, sha256=digest)
        for path, digest in media.items()
    )
    db.session.flush()


def _retire_missing(present: set[str], actor) -> list[str]:
    gone = db.session.scalars(
        sa.select(Module).where(
            Module.slug.not_in(present), Module.retired_at.is_(None), Module.source != WEB
        )
    ).all()
    for module in gone:
        module.retired_at = clock.now()
        audit.record(actor, "module.retired", module)
    return [module.slug for module in gone]


def export_module(slug: str, destination: Path, registry) -> Path:
    """Write the latest version of module ``slug`` as a course plugin folder under
    ``destination``; returns the folder. Never writes code."""
    module = db.session.scalar(sa.select(Module).where(Module.slug == slug))
    if module is None:
        raise LookupError(slug)
    version = latest_version(module.id)
    folder = destination / slug
    folder.mkdir(parents=True, exist_ok=True)
    manifest, files, media = version_files(version, registry)
    _write_files(folder, files)
    data = media_data(media.values())
    for path, digest in media.items():
        target = folder / "media" / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data[digest])
    (folder / "manifest.toml").write_text(tomli_w.dumps(manifest), encoding="utf-8")
    return folder


def _write_files(folder: Path, files: dict[str, str]) -> None:
    for path, text in files.items():
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def version_files(version: ModuleVersion, registry) -> tuple[dict, dict[str, str], dict[str, str]]:
    """A version as the course plugin folder it exports to, without writing anything: the
    manifest table (activities included), the text files by path (lessons, banks,
    README) and the media by path under ``media/`` → sha256 of its ``MediaBlob``."""
    manifest = {k: v for k, v in version.manifest.items() if k != "files"}
    manifest["activities"] = []
    files: dict[str, str] = {}
    activities = db.session.scalars(
        sa.select(Activity).where(Activity.version_id == version.id).order_by(Activity.position)
    )
    for activity in activities:
        activity_type = registry.activity_type(activity.type_id)
        if activity_type is None:
            raise Invalid(
                _l(
                    "This module has an activity of the type %(type)s, which is not installed: "
                    "it cannot be exported or edited until the plugin is back.",
                    type=activity.type_id,
                )
            )
        fields, activity_files = activity_type.export(activity.content)
        table = {"key": activity.key, "type": activity.type_id, **fields}
        if not activity.required:
            table["required"] = False
        table["title"] = activity.titles
        manifest["activities"].append(table)
        files.update(activity_files)
    files.update(version.manifest.get("files", {}))
    media = dict(
        db.session.execute(
            sa.select(VersionMedia.path, VersionMedia.sha256).where(
                VersionMedia.version_id == version.id
            )
        ).all()
    )
    return manifest, files, media
