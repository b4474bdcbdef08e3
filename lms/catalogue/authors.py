"""Who manages a module: the one ownership rule of every trainer page (authoring, and the
quiz banks, attempts and statistics under ``/trainer``).

Everyone signed in may take the published modules as a learner. Beyond that:

- An admin manages every module.
- A trainer manages the modules authored in the browser that they own or co-author
  (``ModuleAuthor``): their drafts and versions, their question banks with the answers,
  their learners' attempts and how each question does.
- A module from a course plugin is shipped as files. Every trainer may read its content
  (authoring shows it read-only, to preview, export or duplicate; its banks are in its
  folder), but only admins manage it, so only they see its learners' attempts and
  statistics; nobody changes it in the browser: it changes in its folder and
  ``lms courses sync``.

Lookups are scoped with these conditions: a module outside them is not found (404),
whether it exists or not. What the actor may see but not do, such as editing a module from
a course plugin, is refused with its reason (403).
"""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from lms.catalogue.models import Module, ModuleAuthor
from lms.catalogue.services import WEB
from lms.core.errors import NotFound
from lms.core.permissions import Role, ensure_role
from lms.extensions import db


def _is(actor, role: Role) -> bool:
    return actor is not None and actor.is_active and actor.has_any_role([role])


def managed_by(actor) -> sa.ColumnElement[bool]:
    """A condition on ``Module``: the modules ``actor`` manages."""
    if _is(actor, Role.ADMIN):
        return sa.true()
    if not _is(actor, Role.TRAINER):
        return sa.false()
    authored = sa.select(ModuleAuthor.module_id).where(ModuleAuthor.user_id == actor.id)
    return sa.and_(Module.source == WEB, Module.id.in_(authored))


def readable_by(actor) -> sa.ColumnElement[bool]:
    """A condition on ``Module``: the modules whose content, question banks with their
    answers included, ``actor`` may read: those they manage and, for a trainer, every
    module from a course plugin."""
    if _is(actor, Role.TRAINER) and not _is(actor, Role.ADMIN):
        return sa.or_(Module.source != WEB, managed_by(actor))
    return managed_by(actor)


def readable_module(actor, slug: str) -> Module | None:
    """The module ``slug`` if ``actor`` may read its content, else None."""
    return db.session.scalar(sa.select(Module).where(Module.slug == slug, readable_by(actor)))


def _holds(module: Module, condition) -> bool:
    # Learners and admins need no query: their condition is a constant.
    if isinstance(condition, sa.sql.elements.True_ | sa.sql.elements.False_):
        return isinstance(condition, sa.sql.elements.True_)
    return db.session.scalar(sa.select(sa.exists().where(Module.id == module.id, condition)))


def manages(actor, module: Module) -> bool:
    return _holds(module, managed_by(actor))


def reads(actor, module: Module) -> bool:
    return _holds(module, readable_by(actor))


def ensure_manages(actor, module: Module) -> None:
    """Raise ``PermissionDenied`` unless ``actor`` is a trainer or an admin, and
    ``NotFound`` unless they manage ``module``: to them it does not exist."""
    ensure_role(actor, Role.TRAINER, Role.ADMIN)
    if not manages(actor, module):
        raise NotFound(_l("This module does not exist."))


def ensure_reads(actor, module: Module) -> None:
    """As ``ensure_manages``, for reading the module's content."""
    ensure_role(actor, Role.TRAINER, Role.ADMIN)
    if not reads(actor, module):
        raise NotFound(_l("This module does not exist."))
