"""Admin screens: org tree, positions and users, composed from the domains' services."""

from flask import Blueprint

from lms.core.permissions import Role, require_role

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@require_role(Role.ADMIN)
def _admins_only():
    """Every admin endpoint needs an admin, checked once here and again in each service."""


from lms.admin import (  # noqa: E402,F401  (registers the routes)
    api_client_views,
    email_views,
    letterhead_views,
    merge_views,
    people_views,
    roster_views,
    views,
    xapi_views,
)
