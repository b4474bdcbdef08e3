"""Training needs: the competency framework, position standards, evidence of each person's
level, the gaps between them, and whether training closed them."""

from flask import Blueprint

bp = Blueprint("needs", __name__)

from lms.needs import cli, services, views  # noqa: E402,F401  (routes, commands, listeners)
