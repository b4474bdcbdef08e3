"""The register of legal instruments, citations of them in content, and module reviews."""

from flask import Blueprint

URL_PREFIX = "/law"

bp = Blueprint("legal", __name__, url_prefix=URL_PREFIX)

from lms.legal import views  # noqa: E402,F401  (registers the routes)
