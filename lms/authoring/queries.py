"""Read-side queries of authoring, scoped to what the trainer may see."""

import difflib
from dataclasses import dataclass

import sqlalchemy as sa
import tomli_w

from lms.accounts.models import User
from lms.authoring.models import ModuleDraft
from lms.catalogue import authors as module_authors
from lms.catalogue.models import MediaBlob, Module, ModuleAuthor, ModuleVersion, VersionMedia
from lms.catalogue.queries import latest_numbers
from lms.catalogue.services import WEB, version_files
from lms.extensions import db


def modules_for(actor) -> list:
    """Rows (Module, latest number or None, latest manifest or None, draft or None, is_owner)
    of every module ``actor`` may read (``lms.catalogue.authors``): the web modules they
    author (every one for an admin) and every module from a course plugin (read-only); one
    query."""
    latest = latest_numbers()
    mine = ModuleAuthor.module_id == Module.id
    query = (
        sa.select(
            Module,
            latest.c.number,
            ModuleVersion.manifest,
            ModuleDraft,
            sa.func.coalesce(ModuleAuthor.is_owner, False).label("is_owner"),
        )
        .outerjoin(latest, latest.c.module_id == Module.id)
        .outerjoin(
            ModuleVersion,
            sa.and_(ModuleVersion.module_id == Module.id, ModuleVersion.number == latest.c.number),
        )
        .outerjoin(ModuleDraft, ModuleDraft.module_id == Module.id)
        .outerjoin(ModuleAuthor, sa.and_(mine, ModuleAuthor.user_id == actor.id))
        .where(module_authors.readable_by(actor))
        .order_by(Module.source != WEB, Module.slug)
    )
    return db.session.execute(query).all()


def versions(module: Module) -> list:
    """(ModuleVersion, publisher's name or None) of every version, newest first."""
    return db.session.execute(
        sa.select(ModuleVersion, User.full_name)
        .outerjoin(User, User.id == ModuleVersion.published_by_id)
        .where(ModuleVersion.module_id == module.id)
        .order_by(ModuleVersion.number.desc())
    ).all()


def authors(module: Module) -> list:
    """(User, is_owner) of the module's authors, owner first."""
    return db.session.execute(
        sa.select(User, ModuleAuthor.is_owner)
        .join(ModuleAuthor, ModuleAuthor.user_id == User.id)
        .where(ModuleAuthor.module_id == module.id)
        .order_by(ModuleAuthor.is_owner.desc(), User.full_name)
    ).all()


def media_blob(
    module: Module, digest_prefix: str, path: str, draft_media: dict
) -> MediaBlob | None:
    """A media file of the module's draft or of any of its versions."""
    digest = draft_media.get(path)
    if digest is not None and digest.startswith(digest_prefix):
        return db.session.scalar(
            sa.select(MediaBlob)
            .where(MediaBlob.sha256 == digest)
            .options(sa.orm.undefer(MediaBlob.data))
        )
    return db.session.scalar(
        sa.select(MediaBlob)
        .join(VersionMedia, VersionMedia.sha256 == MediaBlob.sha256)
        .join(ModuleVersion, ModuleVersion.id == VersionMedia.version_id)
        .where(
            ModuleVersion.module_id == module.id,
            VersionMedia.path == path,
            MediaBlob.sha256.startswith(digest_prefix, autoescape=True),
        )
        .options(sa.orm.undefer(MediaBlob.data))
        .limit(1)
    )


@dataclass
class FileDiff:
    path: str
    status: str  # "added", "removed", "changed"
    lines: list[tuple[str, str]]  # (kind: "+", "-", " ", "@", text)


def diff(old: ModuleVersion, new: ModuleVersion, registry) -> list[FileDiff]:
    """What changed between two versions, file by file of their plugin folders: unified
    diffs of the manifest, lessons and banks, and media added, removed or replaced."""
    before, after = _texts(old, registry), _texts(new, registry)
    changes = []
    for path in sorted(before.keys() | after.keys()):
        a, b = before.get(path), after.get(path)
        if a == b:
            continue
        status = "added" if a is None else "removed" if b is None else "changed"
        if path.startswith("media/"):
            changes.append(FileDiff(path, status, []))
            continue
        lines = []
        for line in list(
            difflib.unified_diff((a or "").splitlines(), (b or "").splitlines(), lineterm="", n=2)
        )[2:]:
            kind = line[:1] if line[:1] in "+-@" else " "
            lines.append((kind, line[1:] if kind != "@" else line))
        changes.append(FileDiff(path, status, lines))
    return changes


def _texts(version: ModuleVersion, registry) -> dict[str, str]:
    manifest, files, media = version_files(version, registry)
    return {
        "manifest.toml": tomli_w.dumps(manifest),
        **files,
        **{f"media/{path}": digest for path, digest in media.items()},
    }
