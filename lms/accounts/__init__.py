"""Accounts: users, roles, sign-in and sessions."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)

from lms.accounts import (  # noqa: E402,F401  (registers the routes)
    oidc_views,
    password_reset_views,
    personal_data_views,
    second_factor_views,
    sessions_views,
    views,
)
