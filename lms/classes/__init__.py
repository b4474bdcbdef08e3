"""Training sessions in person and online: scheduling, enrolment with a waitlist,
attendance (sheet or QR check-in), calendars, rosters and no-show rates."""

from flask import Blueprint

bp = Blueprint("classes", __name__)

from lms.classes import views  # noqa: E402,F401  (registers the routes)
