"""Learning: what a civil servant must learn and how far they are."""

from flask import Blueprint

bp = Blueprint("learning", __name__)

from lms.learning import views  # noqa: E402,F401  (registers the routes)
