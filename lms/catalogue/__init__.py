"""The catalogue: modules, their immutable versions, sync from course plugins, export."""

from flask import Blueprint

bp = Blueprint("catalogue", __name__)

from lms.catalogue import views  # noqa: E402,F401  (registers the routes)
