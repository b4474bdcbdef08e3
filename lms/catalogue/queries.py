"""Read-side queries of the catalogue."""

import sqlalchemy as sa

from lms.catalogue.models import (
    Activity,
    MediaBlob,
    Module,
    ModuleVersion,
    VersionMedia,
    localized,
)
from lms.core import cache
from lms.extensions import db


def latest_numbers() -> sa.Subquery:
    """(module_id, number) of every module's latest version."""
    return (
        sa.select(ModuleVersion.module_id, sa.func.max(ModuleVersion.number).label("number"))
        .group_by(ModuleVersion.module_id)
        .subquery("latest")
    )


def latest_version(module_id: int) -> ModuleVersion | None:
    return db.session.scalar(
        sa.select(ModuleVersion)
        .where(ModuleVersion.module_id == module_id)
        .order_by(ModuleVersion.number.desc())
        .limit(1)
    )


_ACTIVITIES_OF = (
    sa.select(Activity)
    .where(Activity.version_id == sa.bindparam("version_id"))
    .order_by(Activity.position)
    .options(sa.orm.defer(Activity.content))
)


def activities_of(version_id: int) -> list[Activity]:
    """A version's activities in order, their content left to load when one is opened (a
    lesson's content is its text and HTML in every language). Every activity view runs it:
    the statement is built once."""
    return list(db.session.scalars(_ACTIVITIES_OF, {"version_id": version_id}))


def media(slug: str, digest_prefix: str, path: str) -> MediaBlob | None:
    """A media file of module ``slug`` by the digest its URL carries and its path."""
    return db.session.scalar(
        sa.select(MediaBlob)
        .join(VersionMedia, VersionMedia.sha256 == MediaBlob.sha256)
        .join(ModuleVersion, ModuleVersion.id == VersionMedia.version_id)
        .join(Module, Module.id == ModuleVersion.module_id)
        .where(
            Module.slug == slug,
            VersionMedia.path == path,
            MediaBlob.sha256.startswith(digest_prefix, autoescape=True),
        )
        .options(sa.orm.undefer(MediaBlob.data))
        .limit(1)
    )


def media_data(digests) -> dict[str, bytes]:
    """The bytes of media blobs by sha256; one query."""
    if not digests:
        return {}
    rows = db.session.execute(
        sa.select(MediaBlob.sha256, MediaBlob.data).where(MediaBlob.sha256.in_(set(digests)))
    )
    return dict(rows.all())


def all_modules() -> list:
    """(module, latest version number) of every module, by id."""
    latest = latest_numbers()
    return db.session.execute(
        sa.select(Module, latest.c.number)
        .join(latest, latest.c.module_id == Module.id)
        .order_by(Module.slug)
    ).all()


def _at_latest(query: sa.Select) -> sa.Select:
    latest = latest_numbers()
    return query.join(
        latest,
        sa.and_(
            latest.c.module_id == ModuleVersion.module_id,
            latest.c.number == ModuleVersion.number,
        ),
    )


def live_versions(*columns) -> sa.Select:
    """SELECT every module open to learners at its latest version (``ModuleVersion``, then
    ``columns``), joined to ``Module``: the one definition of what learners are offered, for
    callers to add their joins, filters and order to."""
    query = sa.select(ModuleVersion, *columns).join(Module, Module.id == ModuleVersion.module_id)
    return _at_latest(query).where(Module.retired_at.is_(None))


def _latest_versions(module_ids=None) -> sa.Select:
    query = _at_latest(sa.select(ModuleVersion))
    if module_ids is not None:
        query = query.where(ModuleVersion.module_id.in_(module_ids))
    return query


def latest_versions(module_ids) -> dict[int, ModuleVersion]:
    """Each module's latest version (with its module), by module id; one query."""
    if not module_ids:
        return {}
    versions = db.session.scalars(_latest_versions(list(set(module_ids))))
    return {version.module_id: version for version in versions}


# Built once: a dashboard asks at every view. Each version's titles are kept by its content
# hash (a version never changes): reading a manifest's titles parses the whole manifest.
_LATEST = _at_latest(
    sa.select(ModuleVersion.module_id, ModuleVersion.id, ModuleVersion.content_hash)
)
_LATEST_OF = _LATEST.where(ModuleVersion.module_id.in_(sa.bindparam("module_ids", expanding=True)))
_TITLES = sa.select(ModuleVersion.content_hash, ModuleVersion.manifest["title"]).where(
    ModuleVersion.id.in_(sa.bindparam("ids", expanding=True))
)


def titles_of(module_ids, locale: str) -> dict[int, str]:
    """Each module's title at its latest version, by module id; one query (two when this
    process has not read the titles of some of these versions yet)."""
    if not module_ids:
        return {}
    return _titles(db.session.execute(_LATEST_OF, {"module_ids": list(set(module_ids))}), locale)


def all_titles(locale: str) -> dict[int, str]:
    """Every module's title at its latest version, by module id; as ``titles_of``."""
    return _titles(db.session.execute(_LATEST), locale)


def _titles(versions, locale: str) -> dict[int, str]:
    versions = versions.all()
    kept = {content_hash: cache.kept(f"titles:{content_hash}") for _, _, content_hash in versions}
    missing = [version_id for _, version_id, content_hash in versions if kept[content_hash] is None]
    if missing:
        for content_hash, titles in db.session.execute(_TITLES, {"ids": missing}):
            kept[content_hash] = titles
            cache.keep(f"titles:{content_hash}", titles)
    return {
        module_id: localized(kept[content_hash], locale) for module_id, _, content_hash in versions
    }


def module_choices(locale: str) -> list[tuple[int, str]]:
    """(id, title) of every module open to new learners, by title."""
    versions = db.session.scalars(
        _latest_versions()
        .join(Module, Module.id == ModuleVersion.module_id)
        .where(Module.retired_at.is_(None))
    )
    return sorted(
        ((version.module_id, version.title(locale)) for version in versions),
        key=lambda choice: choice[1],
    )
