"""Request ids and the log's format.

Every request has an id: the ``X-Request-ID`` its proxy or client sent when it looks like
one, else a new one. It is sent back in the response's ``X-Request-ID`` header and shown on
error pages, so a person can quote it and the log can be searched for it.

With ``LMS_LOG_FORMAT=json`` the application's log is one JSON object a line — ``time``,
``level``, ``logger``, ``message``, ``request_id`` inside a request, ``exception`` with its
traceback — and each request adds one line of its own (``method``, ``path``, ``status``,
``duration_ms``, ``endpoint``, ``remote_addr``).
"""

import json
import logging
import re
import uuid
from datetime import UTC, datetime

from flask import Flask, current_app, g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
# What a request id may be when it comes from outside: it lands in logs and pages as is.
_GIVEN_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

request_logger = logging.getLogger("lms.requests")


def request_id() -> str:
    """This request's id (inside a request)."""
    if "request_id" not in g:
        given = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = given if _GIVEN_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
    return g.request_id


class JsonFormatter(logging.Formatter):
    """One JSON object per record; fields given as ``extra={"fields": {...}}`` join it."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context():
            entry["request_id"] = request_id()
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def log_request(response, seconds: float) -> None:
    """The request's own line, in the JSON log only (plain logs leave it to the server)."""
    if current_app.config["LMS_LOG_FORMAT"] != "json":
        return
    request_logger.info(
        "%s %s %s",
        request.method,
        request.path,
        response.status_code,
        extra={
            "fields": {
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round(seconds * 1000, 1),
                "endpoint": request.endpoint,
                "remote_addr": request.remote_addr,
            }
        },
    )


def _send_request_id(response):
    response.headers[REQUEST_ID_HEADER] = request_id()
    return response


def register(app: Flask) -> None:
    if app.config["LMS_LOG_FORMAT"] == "json":
        for handler in app.logger.handlers:
            handler.setFormatter(JsonFormatter())
    app.add_template_global(request_id)
    app.after_request(_send_request_id)
