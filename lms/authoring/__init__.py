"""Authoring modules in the browser: drafts, lessons, questions, preview, publish, export."""

from flask import Blueprint

bp = Blueprint("authoring", __name__, url_prefix="/authoring")

from lms.authoring import views  # noqa: E402,F401  (registers the routes)
