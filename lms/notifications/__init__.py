"""Notifications: in-app messages to a person, and e-mail when SMTP is configured."""

from flask import Blueprint

bp = Blueprint("notifications", __name__)

from lms.notifications import views  # noqa: E402,F401  (registers the routes)
