"""Accounts: users, roles, sign-in and sessions."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)

from lms.accounts import oidc_views, views  # noqa: E402,F401  (registers the routes)
