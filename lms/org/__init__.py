"""Org tree, job positions and position assignments; the manager's view of their people."""

from flask import Blueprint

bp = Blueprint("org", __name__, url_prefix="/org")

from lms.org import views  # noqa: E402,F401  (registers the routes)
