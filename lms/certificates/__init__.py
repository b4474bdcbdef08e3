"""Certificates: issuing, PDF, public verification, revocation."""

from flask import Blueprint

bp = Blueprint("certificates", __name__)

from lms.certificates import views  # noqa: E402,F401  (registers the routes)
