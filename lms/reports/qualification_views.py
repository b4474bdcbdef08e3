"""The qualification check page: is each of these people qualified for a position on a
date? Managers and admins; the rules and the SQL are in ``lms.reports.qualification``."""

from flask import render_template, request
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from lms.core import clock, tables
from lms.core.db import end_read_transaction
from lms.core.forms import options
from lms.core.permissions import Role, require_role
from lms.core.tables import Column
from lms.extensions import db
from lms.org import queries as org_queries
from lms.org import roster
from lms.reports import bp, qualification
from lms.reports.forms import QualificationForm

# The page lists at most this many people; the download has everyone.
SHOWN = 500
# After an upload, the usernames go back into the text box (so a download repeats the check
# without choosing the file again) while they fit in a form field.
REFILL_CHARS = 400_000
# The furthest a date may be from today, in years.
YEARS = 50


def _form() -> QualificationForm:
    locale = str(get_locale())
    form = QualificationForm()
    form.position.choices = options(
        (position.id, f"{position.name(locale)} ({position.code})")
        for position in org_queries.positions(include_inactive=False)
    )
    return form


def _page(form, result=None, *, refilled: bool = True, status: int = 200):
    return render_template(
        "reports/qualification.html",
        form=form,
        result=result,
        shown=SHOWN,
        refilled=refilled,
        max_mib=f"{roster.max_bytes() / 1048576:g}",
        max_people=qualification.MAX_PEOPLE,
    ), status


def _date_ok(form, today) -> bool:
    on = form.on.data
    if abs(on.year - today.year) > YEARS:
        form.on.errors.append(_("Choose a date within %(years)d years of today.", years=YEARS))
        return False
    return True


@bp.route("/qualification", methods=["GET", "POST"])
@require_role(Role.MANAGER, Role.ADMIN)
def qualification_check():
    """GET: the form (today's date). POST: the check, shown on the page (the first people)
    or downloaded whole as CSV or XLSX, as the button pressed says."""
    today = clock.today()
    form = _form()
    if request.method == "GET":
        form.on.data = today
        return _page(form)
    if not form.validate_on_submit() or not _date_ok(form, today):
        return _page(form, status=422)
    upload = form.file.data
    end_read_transaction(db.session)
    try:
        if upload and upload.filename:
            people = qualification.people_from_file(roster.read_file(upload.stream))
        else:
            people = qualification.people_from_text(form.people.data or "")
    except roster.RosterFileError as error:
        field = form.file if upload and upload.filename else form.people
        field.errors = [*field.errors, error.message]
        return _page(form, status=422)
    if not people.entries and not people.rejected:
        form.people.errors = [_("Type at least one username, or choose a file.")]
        return _page(form, status=422)
    position = qualification.position_by_id(form.position.data)
    result = qualification.check(
        current_user._get_current_object(),
        position,
        form.on.data,
        people,
        locale=str(get_locale()),
    )
    output = request.form.get("output", "")
    if output in tables.FORMATS:
        return _download(result, output)
    text = "\n".join(entry.identifier for entry in people.entries)
    refilled = len(text) <= REFILL_CHARS
    form.people.data = text if refilled else ""
    return _page(form, result, refilled=refilled)


def _day(day) -> str:
    return format_date(day) if day else ""


def _met_text(item) -> str:
    evidence = item.evidence
    parts = [_("completed %(day)s", day=_day(evidence.completed_on))]
    if evidence.valid_until:
        parts.append(_("valid until %(day)s", day=_day(evidence.valid_until)))
    if evidence.certificate_serial:
        parts.append(_("certificate %(serial)s", serial=evidence.certificate_serial))
    return f"{item.module_title} ({', '.join(parts)})"


def _expiring_text(item) -> str:
    return _(
        "%(module)s (valid until %(day)s)",
        module=item.module_title,
        day=_day(item.evidence.valid_until),
    )


def _missing_text(item) -> str:
    if item.evidence is not None and item.evidence.valid_until:
        return _(
            "%(module)s (expired %(day)s)",
            module=item.module_title,
            day=_day(item.evidence.valid_until),
        )
    return item.module_title


def _rows(result) -> list[tuple]:
    """One row per line of the list: the people in order, then the lines not checked."""
    rows = []
    for person in result.people:
        if person.status == qualification.NOT_FOUND:
            rows.append(
                (person.line, person.identifier, "", _("Not found or not visible"), "", "", "", "")
            )
            continue
        certificate = person.position_certificate
        rows.append(
            (
                person.line,
                person.username,
                person.full_name,
                _("Qualified") if person.qualified else _("Not qualified"),
                "; ".join(_met_text(item) for item in person.met),
                "; ".join(_expiring_text(item) for item in person.expiring),
                "; ".join(_missing_text(item) for item in person.missing),
                _(
                    "%(serial)s, valid until %(day)s",
                    serial=certificate.serial,
                    day=_day(certificate.expires_on),
                )
                if certificate and certificate.expires_on
                else (certificate.serial if certificate else ""),
            )
        )
    for line in result.rejected:
        rows.append(
            (
                line.line,
                line.value,
                "",
                _("Not checked: %(reason)s", reason=line.reason),
                "",
                "",
                "",
                "",
            )
        )
    return rows


def _download(result, fmt: str):
    columns = [
        Column(_("Line"), 8),
        Column(_("Username"), 20),
        Column(_("Name"), 30),
        Column(_("Result"), 24),
        Column(_("Requirements met"), 60),
        Column(_("Expiring before the date"), 40),
        Column(_("Missing"), 40),
        Column(_("Position certificate"), 30),
    ]
    caption = _(
        "Qualified for %(position)s on %(day)s? Checked on %(today)s.",
        position=result.position_name,
        day=_day(result.on),
        today=_day(result.checked_on),
    )
    name = f"qualification-{result.position_code.lower()}-{result.on.isoformat()}"
    return tables.response(
        columns, _rows(result), fmt=fmt, name=name, sheet_title=_("Qualification"), caption=caption
    )
