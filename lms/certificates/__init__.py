"""Certificates: issuing, PDF, public verification, revocation."""

from flask import Blueprint

bp = Blueprint("certificates", __name__)


@bp.record_once
def _load_signing_key(state) -> None:
    """At start-up: a signing key that cannot be loaded stops the application."""
    from lms.certificates import signing

    signing.check_app(state.app)


from lms.certificates import (  # noqa: E402,F401  (registers the routes and receivers)
    export,
    views,
)
