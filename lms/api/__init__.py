"""The REST API, /api/v1: JSON over the same services and scoped queries as the screens,
for a province's HR system and reporting. ``bp`` holds the token endpoint, the reference
page and the person's own tokens page; ``resources`` (flask-smorest) the documented
resources, registered with the OpenAPI document when ``bp`` is (``views.setup``)."""

from flask import Blueprint
from flask_smorest import Blueprint as ResourceBlueprint

bp = Blueprint("api", __name__)
resources = ResourceBlueprint(
    "api_v1",
    __name__,
    url_prefix="/api/v1",
    description="People, the org tree, learning records, certificates and figures.",
)

from lms.api import account_views, views  # noqa: E402,F401  (registers the routes)

bp.record_once(views.setup)
