"""The API's edge: the OpenAPI document and its reference page, the OAuth 2 token endpoint,
bearer-token authentication with scopes and a rate limit per caller, RFC 9457 problem
details in the caller's language, idempotent writes, and the resources.

A request to ``resources`` never looks at the browser's session cookie: the caller is the
bearer token's (``_authenticate``), and the language is the ``Accept-Language`` header's.
Each request commits once, after its response is made (``_finish``): its work (for a write)
with the log of the token's use and the idempotency record.
"""

import csv
import hashlib
import io
import json
from datetime import date
from functools import wraps

import sqlalchemy as sa
from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import grants
from flask import Flask, current_app, g, jsonify, make_response, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from lms.accounts import services as accounts
from lms.accounts.models import User
from lms.api import bp, queries, resources, schemas, services
from lms.api.models import IdempotencyKey
from lms.catalogue import queries as catalogue_queries
from lms.catalogue.models import Module
from lms.certificates.models import Certificate
from lms.certificates.verification import verify_url
from lms.core import clock
from lms.core.errors import ERROR_PAGES, DomainError, Invalid, NotFound
from lms.core.security import content_security_policy
from lms.extensions import csrf, db, limiter
from lms.learning.models import ModuleAssignment, ModuleProgress
from lms.org import jobs as org_jobs
from lms.org import roster
from lms.org.models import OrgUnit, Position, PositionAssignment
from lms.reports import qualification
from lms.reports import queries as report_queries

PROBLEM = "application/problem+json"
EXTENSION = "lms.api"
UNAUTHORIZED = (
    _l("Not authenticated"),
    _l("Send a valid bearer token: Authorization: Bearer <token>."),
)
MISSING_SCOPE = _l("The token lacks the scope %(scope)s.")


class _Api(Api):
    """flask-smorest's Api without its application-wide error handlers: the site's pages keep
    their own, and the API answers with problem details (``_problem``)."""

    def _register_error_handlers(self):
        pass


def setup(state) -> None:
    """Bind the API to ``state.app``: the OpenAPI document, the resources, the token server."""
    app: Flask = state.app
    app.config.update(
        API_TITLE="LMS API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        OAUTH2_TOKEN_EXPIRES_IN={"client_credentials": app.config["LMS_API_TOKEN_SECONDS"]},
    )
    api = _Api(
        app,
        spec_kwargs={
            "components": {
                "securitySchemes": {
                    "oauth2": {
                        "type": "oauth2",
                        "flows": {
                            "clientCredentials": {
                                "tokenUrl": "/api/v1/token",
                                "scopes": {
                                    name: str(text) for name, text in services.SCOPES.items()
                                },
                            }
                        },
                    },
                    "bearer": {"type": "http", "scheme": "bearer"},
                }
            },
            "security": [{"oauth2": []}, {"bearer": []}],
        },
    )
    api.register_blueprint(resources)
    _problem_responses(api)
    # Bearer tokens and client credentials, never cookies: nothing a forged form could use.
    # (The personal tokens page is a form of the session, and keeps its CSRF check.)
    csrf.exempt(token)
    csrf.exempt(resources)
    server = AuthorizationServer(
        app, query_client=services.client_by_client_id, save_token=_save_token
    )
    server.register_grant(grants.ClientCredentialsGrant)
    app.extensions[EXTENSION] = server


def _problem_responses(api: Api) -> None:
    """Every error response the document describes is a problem (RFC 9457)."""
    api.spec.components.schema("Problem", schema=schemas.Problem)
    for response in api.spec.components.responses.values():
        response["content"] = {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}


def _save_token(token: dict, oauth_request) -> None:
    services.save_client_token(token, oauth_request.client)


# --- the token endpoint and the reference page ---------------------------------------------


@bp.route("/api/v1/token", methods=["POST"])
def token():
    """OAuth 2 client credentials: client_id and client_secret (HTTP Basic or form fields)
    for a bearer token of ``LMS_API_TOKEN_SECONDS``."""
    response = current_app.extensions[EXTENSION].create_token_response()
    if response.status_code == 200:
        db.session.commit()
    return response


@bp.route("/api/v1/docs")
def docs():
    """The reference, rendered by the vendored ReDoc from the OpenAPI document."""
    response = make_response(
        render_template("api/docs.html", spec_url=url_for("api-docs.openapi_json"))
    )
    # ReDoc styles its page with <style> elements it writes, and searches in a worker.
    response.headers["Content-Security-Policy"] = (
        content_security_policy(inline_styles=True) + "; worker-src 'self' blob:"
    )
    return response


# --- authentication, limits, problems, the request's one commit ----------------------------


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


def _principal() -> services.Principal | None:
    if "api_principal" not in g:
        value = _bearer()
        g.api_principal = services.principal_for(value) if value else None
    return g.api_principal


def _caller_key() -> str:
    principal = _principal()
    return principal.key if principal is not None else f"address:{request.remote_addr}"


# Declared once, on the blueprint (the limiter is one object for every app of the process):
# each caller's requests are counted together, whichever app serves them.
limiter.limit(lambda: current_app.config["LMS_API_RATE_LIMIT"], key_func=_caller_key)(resources)


class Problem(Exception):
    def __init__(self, status: int, title, detail, **extra):
        super().__init__(str(detail))
        self.status, self.title, self.detail, self.extra = status, title, detail, extra


def _problem(status: int, title, detail, **extra):
    body = {
        "type": "about:blank",
        "title": str(title),
        "status": status,
        "detail": str(detail),
        **extra,
    }
    response = make_response(json.dumps(body, ensure_ascii=False), status)
    response.mimetype = PROBLEM
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="lms"'
    return response


@resources.before_request
def _authenticate():
    g.locale_from_header = True  # no session: Accept-Language (lms.core.i18n)
    if _principal() is None:
        raise Problem(401, *UNAUTHORIZED)


def need(scope: str) -> services.Principal:
    """The request's principal, if its token holds ``scope``; else a 403 problem."""
    principal = _principal()
    if scope not in principal.scopes:
        raise Problem(403, ERROR_PAGES[403][0], MISSING_SCOPE % {"scope": scope})
    return principal


@resources.errorhandler(Problem)
def _on_problem(error: Problem):
    return _problem(error.status, error.title, error.detail, **error.extra)


@resources.errorhandler(DomainError)
def _on_domain_error(error: DomainError):
    title = ERROR_PAGES.get(error.status, ERROR_PAGES[400])[0]
    return _problem(error.status, title, error.message)


@resources.errorhandler(HTTPException)
def _on_http_error(error: HTTPException):
    status = error.code or 500
    title, detail = ERROR_PAGES.get(status, (error.name, error.description))
    extra = {}
    messages = getattr(error, "data", {}).get("messages")
    if messages:
        extra["errors"] = messages
        detail = _l("Some fields are not valid; see errors.")
    return _problem(status, title, detail, **extra)


@resources.after_request
def _finish(response):
    """The request's one commit: its write (unless it failed), the idempotency record and
    the log of the token's use."""
    principal = g.get("api_principal")
    if response.status_code >= 400:
        db.session.rollback()
    elif (record := g.get("idempotency")) is not None:
        record.status = response.status_code
        record.body = response.get_json()
        record.location = response.headers.get("Location")
        db.session.add(record)
    if principal is not None:
        services.record_use(
            principal.token, method=request.method, path=request.path, status=response.status_code
        )
    db.session.commit()
    return response


def idempotent(view):
    """A write that an ``Idempotency-Key`` header makes safe to send again: the same key with
    the same body replays the stored response; with another body it is refused (422)."""

    @wraps(view)
    def guarded(*args, **kwargs):
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key:
            return view(*args, **kwargs)
        if len(key) > 255:
            raise Invalid(_l("The Idempotency-Key is longer than 255 characters."))
        owner = _principal().key
        digest = hashlib.sha256(
            request.method.encode() + request.path.encode() + b"\0" + request.get_data()
        ).hexdigest()
        stored = db.session.scalar(
            db.select(IdempotencyKey).where(
                IdempotencyKey.owner == owner, IdempotencyKey.key == key
            )
        )
        if stored is not None:
            if stored.request_hash != digest:
                raise Invalid(
                    _l("This Idempotency-Key was used with another request; use a new key.")
                )
            replay = make_response(jsonify(stored.body), stored.status)
            if stored.location:
                replay.headers["Location"] = stored.location
            replay.headers["Idempotent-Replayed"] = "true"
            return replay
        g.idempotency = IdempotencyKey(owner=owner, key=key, request_hash=digest, status=0, body={})
        return view(*args, **kwargs)

    return guarded


def _locale() -> str:
    return str(get_locale())


def _not_found():
    return NotFound(ERROR_PAGES[404][1])


def _with(row, **extra) -> dict:
    """A row's columns and ``extra`` values, for a schema to write out."""
    return {
        column.key: getattr(row, column.key) for column in sa.inspect(row).mapper.column_attrs
    } | extra


def _stored_id(value: int) -> int:
    """An id from the path, if the database could hold it; else it names nothing (404)."""
    if not 1 <= value <= schemas.MAX_ID:
        raise _not_found()
    return value


# --- resources ----------------------------------------------------------------------------


@resources.route("/units")
@resources.arguments(schemas.ListArgs, location="query")
@resources.response(200, schemas.page_of(schemas.UnitOut))
def units(args):
    """Units of the org tree the caller reaches (scope org:read), with their effective dates
    and the unit each merged into."""
    principal = need("org:read")
    return queries.paged(queries.units(principal), OrgUnit, **args)


@resources.route("/positions")
@resources.arguments(schemas.ListArgs, location="query")
@resources.response(200, schemas.page_of(schemas.PositionOut))
def positions(args):
    """Job positions (scope org:read)."""
    need("org:read")
    return queries.paged(queries.positions(), Position, **args)


@resources.route("/position-assignments")
@resources.arguments(schemas.ListArgs, location="query")
@resources.response(200, schemas.page_of(schemas.PositionAssignmentOut))
def position_assignments(args):
    """Who holds which position in which unit, past and present (scope org:read)."""
    principal = need("org:read")
    return queries.paged(queries.position_assignments(principal), PositionAssignment, **args)


@resources.route("/people")
@resources.arguments(schemas.ListArgs, location="query")
@resources.response(200, schemas.page_of(schemas.PersonOut))
def people(args):
    """People the caller may see (scope people:read): a client those its account sees on
    the screens, a personal token its holder."""
    principal = need("people:read")
    return queries.paged(queries.people(principal, clock.today()), User, **args)


@resources.route("/people/<int:user_id>")
@resources.response(200, schemas.PersonOut)
def person(user_id: int):
    """One person (scope people:read); 404 whether absent or out of scope."""
    found = queries.person(need("people:read"), _stored_id(user_id))
    if found is None:
        raise _not_found()
    return found


@resources.route("/people/by-external-id/<external_id>", methods=["PUT"])
@resources.arguments(schemas.PersonIn)
@resources.response(200, schemas.PersonOut)
@resources.alt_response(201, schema=schemas.PersonOut, description="Created")
@idempotent
def person_upsert(body, external_id: str):
    """Create or update the person the HR system knows as ``external_id`` (scope
    people:write): account, name, e-mail, and the positions in the unit from the start date.
    Sending the same person again changes nothing."""
    principal = need("people:write")
    if len(external_id) > 64:
        raise Invalid(_l("An external id has at most 64 characters."))
    unit = db.session.scalar(
        db.select(OrgUnit).where(OrgUnit.code == body["unit_code"].strip().upper())
    )
    codes = [code.strip().upper() for code in body["position_codes"]]
    found = {
        position.code: position
        for position in db.session.scalars(db.select(Position).where(Position.code.in_(codes)))
    }
    if unit is None:
        raise Invalid(_l("Unknown unit code %(code)s.", code=body["unit_code"]))
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise Invalid(_l("Unknown position code %(code)s.", code=", ".join(unknown)))
    outcome = services.upsert_person(
        principal.actor,
        external_id,
        username=body["username"],
        full_name=body["full_name"],
        email=body["email"],
        unit=unit,
        positions=[found[code] for code in dict.fromkeys(codes)],
        starts_on=body["start_date"],
    )
    return outcome.user, 201 if outcome.created else 200


@resources.route("/people/<int:user_id>/deactivate", methods=["POST"])
@resources.response(200, schemas.PersonOut)
@idempotent
def person_deactivate(user_id: int):
    """Deactivate a person (scope people:write): their sign-ins end; their records stay."""
    principal = need("people:write")
    found = queries.person(principal, _stored_id(user_id))
    if found is None:
        raise _not_found()
    accounts.set_active(principal.actor, found, False)
    return found


@resources.route("/modules")
@resources.arguments(schemas.ListArgs, location="query")
@resources.response(200, schemas.page_of(schemas.ModuleOut))
def modules(args):
    """The module catalogue (scope learning:read), titled in the caller's language."""
    need("learning:read")
    page = queries.paged(queries.modules(), Module, **args)
    titles = catalogue_queries.titles_of([module.id for module in page.items], _locale())
    page.items = [
        {
            "id": module.id,
            "slug": module.slug,
            "title": titles.get(module.id),
            "retired": module.retired_at is not None,
            "updated_at": module.updated_at,
        }
        for module in page.items
    ]
    return page


@resources.route("/module-assignments")
@resources.arguments(schemas.ListArgs, location="query")
@resources.response(200, schemas.page_of(schemas.ModuleAssignmentOut))
def module_assignments(args):
    """Current module assignments and their state today (scope learning:read)."""
    principal = need("learning:read")
    today = clock.today()
    page = queries.paged(queries.module_assignments(principal, today), ModuleAssignment, **args)
    page.items = [_with(assignment, state=state) for assignment, state in page.items]
    return page


@resources.route("/completions")
@resources.arguments(schemas.ListArgs, location="query")
@resources.response(200, schemas.page_of(schemas.CompletionOut))
def completions(args):
    """Completed modules, each completion of each version (scope learning:read)."""
    principal = need("learning:read")
    return queries.paged(queries.completions(principal, clock.today()), ModuleProgress, **args)


@resources.route("/certificates")
@resources.arguments(schemas.ListArgs, location="query")
@resources.response(200, schemas.page_of(schemas.CertificateOut))
def certificates(args):
    """Certificates with their public verification address and status today (scope
    certificates:read)."""
    principal = need("certificates:read")
    today = clock.today()
    page = queries.paged(queries.certificates(principal, today), Certificate, **args)
    page.items = [
        _with(
            certificate,
            status=certificate.status_on(today),
            verification_url=verify_url(certificate.code),
        )
        for certificate in page.items
    ]
    return page


@resources.route("/figures")
@resources.arguments(schemas.FiguresArgs, location="query")
@resources.response(200, schemas.Figures)
def figures(args):
    """The dashboard's figures today per unit (the children of ``unit_id``, else the tops of
    the caller's scope), per position or per module (scope reports:read)."""
    principal = need("reports:read")
    today = clock.today()
    unit_id = args["unit_id"]
    if unit_id is not None and report_queries.visible_unit(principal.actor, unit_id) is None:
        raise _not_found()
    table = {
        "unit": report_queries.by_unit,
        "position": report_queries.by_position,
        "module": report_queries.by_module,
    }[args["by"]]
    rows = table(principal.actor, today, report_queries.Filters(unit_id=unit_id), _locale())
    return {"on": today, "by": args["by"], "rows": rows}


@resources.route("/qualification")
@resources.arguments(schemas.QualificationArgs, location="query")
@resources.response(200)
def qualification_check(args):
    """Whether each person (by username) is qualified for a position on a date (default
    today): the requirements met, with the certificates that meet them, those missing or
    expiring before the date (scope reports:read). People out of scope read as not found."""
    principal = need("reports:read")
    position = qualification.position_by_id(args["position_id"])
    if position is None:
        raise _not_found()
    listed = qualification.people_from_text("\n".join(args["username"]))
    result = qualification.check(
        principal.actor, position, args["on"] or clock.today(), listed, locale=_locale()
    )
    return result.as_json()


@resources.route("/roster-syncs", methods=["POST"])
@resources.arguments(schemas.RosterSyncIn)
@resources.response(202, schemas.RosterSyncOut)
@idempotent
def roster_sync(body):
    """Sync the HR roster: the rows go through the roster import as a job (scope
    people:write, a client of the whole tree); poll the job's address (``Location``)."""
    principal = need("people:write")
    data = roster_csv(body["rows"])
    table = roster.read_roster(data)
    job = roster.queue_job(
        principal.actor,
        data,
        source="api",
        total_rows=len(table.rows),
        dry_run=body["dry_run"],
    )
    # The job's row must be committed before a worker looks for it.
    db.session.commit()
    org_jobs.import_roster.enqueue(job.id)
    db.session.refresh(job)
    response = jsonify(schemas.RosterSyncOut().dump(_sync_status(job)))
    response.status_code = 202
    response.headers["Location"] = url_for("api_v1.roster_sync_status", job_id=job.id)
    return response


@resources.route("/roster-syncs/<int:job_id>")
@resources.response(200, schemas.RosterSyncOut)
def roster_sync_status(job_id: int):
    """A roster sync's progress, counts (created, updated, unchanged, error) and the rows in
    error with their reasons."""
    principal = need("people:write")
    job = roster.get_job(_stored_id(job_id))
    if job is None or job.actor_id != principal.actor.id:
        raise _not_found()
    return _sync_status(job)


def _sync_status(job) -> dict:
    rows = (job.report or {}).get("rows", [])
    return {
        "id": job.id,
        "status": job.status,
        "dry_run": job.dry_run,
        "total_rows": job.total_rows,
        "rows_done": job.rows_done,
        "counts": job.counts,
        "errors": [row for row in rows if row["status"] == roster.ERROR],
        "error": job.error,
        "url": url_for("api_v1.roster_sync_status", job_id=job.id, _external=True),
    }


def roster_csv(rows: list[dict]) -> bytes:
    """The rows as the CSV file the roster import reads (its own columns, UTF-8)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(roster.COLUMNS)
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in roster.COLUMNS])
    return buffer.getvalue().encode()


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(str(item) for item in value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
