"""Roles and the checks every view and service uses.

Services take an explicit ``actor`` and call ``ensure_role``; views are guarded with
``require_role``. Templates never decide who may do what.
"""

from enum import StrEnum
from functools import wraps

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from lms.core.errors import PermissionDenied
from lms.extensions import login_manager


class Role(StrEnum):
    LEARNER = "learner"
    TRAINER = "trainer"
    MANAGER = "manager"
    ADMIN = "admin"

    @property
    def label(self):
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.LEARNER: _l("Learner"),
    Role.TRAINER: _l("Trainer"),
    Role.MANAGER: _l("Manager"),
    Role.ADMIN: _l("Administrator"),
}


def ensure_role(actor, *roles: Role) -> None:
    """Raise ``PermissionDenied`` unless ``actor`` is active and holds one of ``roles``."""
    if actor is None or not actor.is_active or not actor.has_any_role(roles):
        raise PermissionDenied(_l("You do not have permission to do that."))


def require_role(*roles: Role):
    """View decorator: anonymous visitors go to sign-in, others need one of ``roles``."""

    def decorator(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_any_role(roles):
                abort(403)
            return view(*args, **kwargs)

        return guarded

    return decorator
