"""Domain errors that services raise and the web layer turns into responses."""

from flask import Flask, render_template, request
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from lms.core.outages import database_errors_answered


class DomainError(Exception):
    """A rule refused the operation; ``message`` is shown to the user as is."""

    status = 400

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class PermissionDenied(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404


class Invalid(DomainError):
    """Input that a form cannot check alone: a duplicate code, a move into its own subtree."""

    status = 422


ERROR_PAGES = {
    400: (_l("Bad request"), _l("The request could not be understood.")),
    403: (_l("Access denied"), _l("You do not have permission to open this page.")),
    404: (_l("Page not found"), _l("The page does not exist or you may not see it.")),
    405: (_l("Method not allowed"), _l("This address does not accept that kind of request.")),
    413: (_l("File too large"), _l("The upload is larger than the site accepts.")),
    422: (_l("Cannot do that"), _l("The request was refused.")),
    429: (
        _l("Too many attempts"),
        _l("Too many attempts in a short time. Wait a few minutes, then try again."),
    ),
    500: (
        _l("Something went wrong"),
        _l("An unexpected error occurred. It has been logged; please try again later."),
    ),
}

CSRF_PAGE = (
    _l("Form expired"),
    _l(
        "The form was open too long or came from another site, so it was not accepted. "
        "Go back, reload the page and submit again; nothing was saved."
    ),
)


MIB = 1024 * 1024


def too_large_message() -> str | None:
    """Why the request was refused with 413, told from its headers and the limits alone:
    reading its body again would only raise again. None when they do not tell."""
    size, limit = request.content_length, request.max_content_length
    fields = request.max_form_memory_size
    if size and limit and size > limit:
        return _(
            "The request is %(size)s MiB; the site accepts at most %(limit)s MiB at a time. "
            "Send a smaller file.",
            size=format_decimal(size / MIB, format="#,##0.0"),
            limit=format_decimal(limit / MIB, format="#,##0.#"),
        )
    if size and fields:
        # Within the overall limit, Werkzeug refuses a form whose text fields are too long.
        return _(
            "A field of the form holds more text than the site accepts (%(limit)s kB), or "
            "the form has too many fields.",
            limit=format_decimal(fields / 1000, format="#,##0"),
        )
    return None


def render_error(status: int, title=None, message=None):
    default_title, default_message = ERROR_PAGES.get(status, ERROR_PAGES[500])
    body = render_template(
        "errors/error.html",
        status=status,
        title=title or default_title,
        message=message or default_message,
    )
    return body, status


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    @database_errors_answered
    def csrf_failed(_error):
        app.logger.warning("CSRF check failed on %s %s", request.method, request.path)
        return render_error(400, *CSRF_PAGE)

    @app.errorhandler(DomainError)
    @database_errors_answered
    def domain_error(error):
        return render_error(error.status, message=error.message)

    # Unhandled exceptions reach this as InternalServerError after Flask has logged them.
    @app.errorhandler(HTTPException)
    @database_errors_answered
    def http_error(error):
        if error.response is not None:  # e.g. the sign-in throttle's own explanation
            return error.response
        if error.code == 413:
            return render_error(413, message=too_large_message())
        return render_error(error.code or 500)
