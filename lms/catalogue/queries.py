"""Read-side queries of the catalogue."""

import sqlalchemy as sa

from lms.catalogue.models import Activity, MediaBlob, Module, ModuleVersion, VersionMedia
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


def activities_of(version_id: int) -> list[Activity]:
    """A version's activities in order, their content left to load when one is opened (a
    lesson's content is its text and HTML in every language)."""
    return list(
        db.session.scalars(
            sa.select(Activity)
            .where(Activity.version_id == version_id)
            .order_by(Activity.position)
            .options(sa.orm.defer(Activity.content))
        )
    )


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


def all_modules() -> list:
    """(module, latest version number) of every module, by id."""
    latest = latest_numbers()
    return db.session.execute(
        sa.select(Module, latest.c.number)
        .join(latest, latest.c.module_id == Module.id)
        .order_by(Module.slug)
    ).all()
