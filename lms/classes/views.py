"""Pages of training sessions: the list, a session, scheduling, enrolment, rosters and
attendance, QR check-in, the learner's calendar and the no-show rates of a manager's units."""

from urllib.parse import urlsplit

import segno
from babel.dates import get_day_names
from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from lms.accounts.models import User
from lms.catalogue.models import Module
from lms.catalogue.queries import latest_versions, titles_of
from lms.classes import bp, ical, queries, services, sheets
from lms.classes.forms import (
    ActionForm,
    CancelForm,
    SessionForm,
    StaffEnrolForm,
    slot_rows,
    to_local_input,
    to_utc,
)
from lms.classes.models import ABSENT, ATTENDANCE_STATES, ATTENDED, ENROLLED, PARTLY
from lms.classes.month import Month, agenda, lay_out
from lms.core import clock, tables
from lms.core.edge import commit
from lms.core.forms import options, submit
from lms.core.permissions import Role, require_role
from lms.core.urls import safe_next
from lms.extensions import db
from lms.learning.models import ASSIGNED, EXPIRED, IN_PROGRESS
from lms.learning.queries import my_assignments
from lms.org import picker
from lms.org.queries import positions as all_positions

CHECK_IN_REFRESH_SECONDS = 20


def _locale() -> str:
    return str(get_locale())


def _session_or_404(session_id: int):
    session = queries.session_by_id(session_id)
    if session is None:
        abort(404)
    return session


def _staffed_session_or_404(session_id: int):
    """A session the signed-in trainer trains (any, for an admin); others get 404."""
    session = _session_or_404(session_id)
    if not current_user.has_any_role({Role.ADMIN}) and current_user.id not in (
        session.trainer_ids | {session.created_by_id}
    ):
        abort(404)
    return session


def _back(fallback: str) -> str:
    return safe_next(request.form.get("next"), fallback)


# --- Lists and the session page -----------------------------------------------------------


@bp.route("/sessions")
@login_required
def index():
    now = clock.now()
    sessions = queries.upcoming(now)
    return render_template(
        "classes/session_list.html",
        sessions=sessions,
        enrolments=queries.enrolments_of(current_user.id, [s.id for s in sessions]),
        trained=(
            queries.trained_by(current_user, now)
            if current_user.has_any_role({Role.TRAINER, Role.ADMIN})
            else []
        ),
        now=now,
    )


@bp.route("/sessions/<int:session_id>")
@login_required
def detail(session_id: int):
    session = _session_or_404(session_id)
    enrolment = queries.enrolments_of(current_user.id, [session.id]).get(session.id)
    is_staff = current_user.has_any_role({Role.ADMIN}) or current_user.id in session.trainer_ids
    staff = []
    staff_form = None
    # Managers enrol the people of their units (an admin's "staff" would be everyone).
    if current_user.has_any_role({Role.MANAGER}):
        staff = queries.staff_for(current_user, session, clock.today())
        staff_form = StaffEnrolForm()
        staff_form.people.choices = [
            (user.id, user.full_name)
            for user, held in staff
            if held is None or held.status == "cancelled"
        ]
    return render_template(
        "classes/session_detail.html",
        session=session,
        enrolment=enrolment,
        waitlist_position=queries.waitlist_position(enrolment) if enrolment else None,
        taken=queries.places_taken(session),
        is_staff=is_staff,
        can_edit=is_staff or current_user.id == session.created_by_id,
        staff=staff,
        staff_form=staff_form,
        action_form=ActionForm(),
        in_audience=services.in_audience(session, current_user),
        now=clock.now(),
        module_slug=_module_slug(session),
    )


def _module_slug(session) -> str | None:
    if session.module_id is None:
        return None
    module = db.session.get(Module, session.module_id)
    return module.slug if module else None


# --- Scheduling ---------------------------------------------------------------------------


def _session_form(session=None) -> SessionForm:
    editing = session is not None and request.method == "GET"
    form = SessionForm(data={"slots": slot_rows(session.slots)} if editing else None)
    form.activity.choices = options(
        [("", _("None: a stand-alone session")), *queries.session_activity_choices(_locale())]
    )
    form.trainers.choices = [(user.id, user.full_name) for user in queries.trainers()]
    name = "name_en" if _locale() == "en" else "name_vi"
    form.positions.choices = [
        (position.id, getattr(position, name)) for position in all_positions(include_inactive=False)
    ]
    if session is not None and request.method == "GET":
        form.title_vi.data, form.title_en.data = session.title_vi, session.title_en
        form.activity.data = (
            f"{session.module_id}:{session.activity_tag}" if session.module_id else ""
        )
        form.mode.data = session.mode
        form.venue.data, form.address.data = session.venue, session.address
        form.meeting_url.data = session.meeting_url
        form.capacity.data = session.capacity
        form.enrol_opens_at.data = to_local_input(session.enrol_opens_at)
        form.enrol_closes_at.data = to_local_input(session.enrol_closes_at)
        form.cancel_until.data = to_local_input(session.cancel_until)
        form.trainers.data = sorted(session.trainer_ids)
        form.positions.data = [item.position_id for item in session.audience_positions]
        audience_units = [item.unit_id for item in session.audience_units]
        form.units.data = ", ".join(queries.unit_codes(audience_units))
    elif session is None and request.method == "GET":
        form.trainers.data = [current_user.id] if current_user.has_any_role({Role.TRAINER}) else []
    if request.method == "GET":
        form.show_spare_slots()
    return form


def _adding_a_slot(form: SessionForm) -> bool:
    """The "Add a slot" button: the form comes back as typed, with one more empty row
    and nothing saved (no script needed)."""
    if request.method != "POST" or "add_slot" not in request.form:
        return False
    form.show_spare_slots(1)
    return True


def _details(form: SessionForm) -> services.SessionDetails:
    module_id, _sep, tag = (form.activity.data or "").partition(":")
    return services.SessionDetails(
        title_vi=form.title_vi.data,
        title_en=form.title_en.data or "",
        mode=form.mode.data,
        capacity=form.capacity.data,
        enrol_opens_at=to_utc(form.enrol_opens_at.data),
        enrol_closes_at=to_utc(form.enrol_closes_at.data),
        cancel_until=to_utc(form.cancel_until.data),
        slots=form.parsed_slots,
        venue=form.venue.data or "",
        address=form.address.data or "",
        meeting_url=form.meeting_url.data or "",
        trainer_ids=tuple(form.trainers.data or ()),
        position_ids=tuple(form.positions.data or ()),
        unit_ids=tuple(
            unit.id
            for unit in picker.resolve_many(
                current_user._get_current_object(),
                form.units.data,
                locale=_locale(),
                whole_tree=True,
            )
        ),
        module_id=int(module_id) if module_id.isdigit() else None,
        activity_tag=tag or None,
    )


@bp.route("/sessions/new", methods=["GET", "POST"])
@require_role(Role.TRAINER, Role.ADMIN)
def create():
    form = _session_form()
    if _adding_a_slot(form):
        return render_template("classes/session_form.html", form=form, session=None)
    saved = submit(form, lambda: services.create_session(current_user, _details(form)))
    if saved:
        flash(_("The session is scheduled."), "success")
        return redirect(url_for("classes.detail", session_id=saved.value.id))
    return render_template("classes/session_form.html", form=form, session=None)


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@require_role(Role.TRAINER, Role.ADMIN)
def edit(session_id: int):
    session = _staffed_session_or_404(session_id)
    form = _session_form(session)
    if _adding_a_slot(form):
        return render_template("classes/session_form.html", form=form, session=session)
    saved = submit(form, lambda: services.update_session(current_user, session, _details(form)))
    if saved:
        flash(
            _("The session is saved; the people enrolled were told of the change.")
            if saved.value
            else _("The session is saved."),
            "success",
        )
        return redirect(url_for("classes.detail", session_id=session.id))
    return render_template("classes/session_form.html", form=form, session=session)


# --- Enrolment ----------------------------------------------------------------------------


@bp.route("/sessions/<int:session_id>/enrol", methods=["POST"])
@login_required
def enrol(session_id: int):
    session = _session_or_404(session_id)
    form = ActionForm()
    if form.validate_on_submit():
        enrolled = commit(lambda: services.enrol(current_user, session, current_user))
        if enrolled:
            flash(
                _("You are enrolled.")
                if enrolled.value.status == ENROLLED
                else _(
                    "The session is full: you are on the waitlist and will be enrolled "
                    "automatically when a place frees."
                ),
                "success",
            )
    return redirect(_back(url_for("classes.detail", session_id=session.id)))


@bp.route("/sessions/<int:session_id>/cancel", methods=["POST"])
@login_required
def cancel(session_id: int):
    session = _session_or_404(session_id)
    form = CancelForm()
    if form.validate_on_submit():
        person = db.session.get(User, form.user_id.data) if form.user_id.data else current_user
        enrolment = (
            queries.enrolments_of(person.id, [session.id]).get(session.id) if person else None
        )
        if enrolment is None:
            abort(404)
        commit(
            lambda: services.cancel(current_user, enrolment), done=_("The enrolment is cancelled.")
        )
    return redirect(_back(url_for("classes.detail", session_id=session.id)))


@bp.route("/sessions/<int:session_id>/enrol-staff", methods=["POST"])
@require_role(Role.MANAGER)
def enrol_staff(session_id: int):
    session = _session_or_404(session_id)
    form = StaffEnrolForm()
    staff = {
        user.id: user for user, _held in queries.staff_for(current_user, session, clock.today())
    }
    form.people.choices = [(user_id, user.full_name) for user_id, user in staff.items()]
    if not form.validate_on_submit():
        flash(_("Choose the people to enrol."), "error")
        return redirect(url_for("classes.detail", session_id=session.id))
    outcome = commit(
        lambda: [
            services.enrol(current_user, session, staff[user_id]) for user_id in form.people.data
        ]
    )
    if outcome:
        enrolled = sum(enrolment.status == ENROLLED for enrolment in outcome.value)
        flash(
            _(
                "Enrolled: %(enrolled)d; on the waitlist: %(waiting)d.",
                enrolled=enrolled,
                waiting=len(outcome.value) - enrolled,
            ),
            "success",
        )
    return redirect(url_for("classes.detail", session_id=session.id))


# --- Roster and attendance ----------------------------------------------------------------


@bp.route("/sessions/<int:session_id>/roster")
@require_role(Role.TRAINER, Role.ADMIN)
def roster(session_id: int):
    session = _staffed_session_or_404(session_id)
    people = queries.roster(session)
    return render_template(
        "classes/session_roster.html",
        session=session,
        people=people,
        marks={key: row.status for key, row in queries.attendance_of(session).items()},
        form=ActionForm(),
        states=[(ATTENDED, _("Attended")), (PARTLY, _("Partly")), (ABSENT, _("Absent"))],
        now=clock.now(),
    )


@bp.route("/sessions/<int:session_id>/attendance", methods=["POST"])
@require_role(Role.TRAINER, Role.ADMIN)
def record_attendance(session_id: int):
    session = _staffed_session_or_404(session_id)
    form = ActionForm()
    if form.validate_on_submit():
        marks = {}
        for name, value in request.form.items():
            if not name.startswith("mark-") or value not in ATTENDANCE_STATES:
                continue
            user_id, _sep, slot_id = name.removeprefix("mark-").partition("-")
            if user_id.isdigit() and slot_id.isdigit():
                marks[(int(user_id), int(slot_id))] = value
        changed = commit(lambda: services.record_attendance(current_user, session, marks))
        if changed:
            flash(_("Attendance saved (%(count)d marks changed).", count=changed.value), "success")
    return redirect(url_for("classes.roster", session_id=session.id))


@bp.route("/sessions/<int:session_id>/attendance.<any(csv, xlsx):kind>")
@require_role(Role.TRAINER, Role.ADMIN)
def attendance_sheet(session_id: int, kind: str):
    session = _staffed_session_or_404(session_id)
    columns, rows = sheets.table(session)
    return tables.response(
        columns,
        rows,
        fmt=kind,
        name=f"attendance-session-{session.id}",
        sheet_title=_("Attendance"),
        caption=session.title(_locale()),
    )


# --- QR check-in --------------------------------------------------------------------------


@bp.route("/sessions/<int:session_id>/slots/<int:slot_id>/check-in")
@require_role(Role.TRAINER, Role.ADMIN)
def check_in_screen(session_id: int, slot_id: int):
    session = _staffed_session_or_404(session_id)
    slot = next((slot for slot in session.slots if slot.id == slot_id), None)
    if slot is None:
        abort(404)
    token = services.check_in_token(slot, clock.now())
    url = url_for("classes.check_in", slot_id=slot.id, token=token, _external=True)
    svg = segno.make(url, error="m").svg_inline(omitsize=True, dark="#111", light="#fff")
    checked_in = sum(
        1
        for (_user_id, marked_slot), row in queries.attendance_of(session).items()
        if marked_slot == slot.id and row.status == ATTENDED
    )
    page = render_template(
        "classes/check_in_screen.html",
        session=session,
        slot=slot,
        url=url,
        qr=Markup(svg),  # noqa: S704 (segno's SVG of our own URL)
        checked_in=checked_in,
        taken=queries.places_taken(session),
        refresh=CHECK_IN_REFRESH_SECONDS,
    )
    # The page renews itself (and so its code) without JavaScript.
    return page, {"Refresh": str(CHECK_IN_REFRESH_SECONDS)}


@bp.route("/check-in/<int:slot_id>/<token>", methods=["GET", "POST"])
@login_required
def check_in(slot_id: int, token: str):
    slot = queries.slot_by_id(slot_id)
    if slot is None:
        abort(404)
    session = _session_or_404(slot.session_id)
    form = ActionForm()
    if form.validate_on_submit():
        checked_in = commit(lambda: services.check_in(current_user, slot, token), quiet=True)
        if not checked_in:
            page = render_template(
                "classes/check_in_confirm.html",
                session=session,
                slot=slot,
                form=form,
                error=checked_in.refusal.message,
            )
            return page, checked_in.refusal.status
        return render_template("classes/check_in_done.html", session=session, slot=slot)
    return render_template(
        "classes/check_in_confirm.html", session=session, slot=slot, form=form, error=None
    )


# --- Calendar -----------------------------------------------------------------------------


def _host() -> str:
    base = current_app.config.get("LMS_BASE_URL") or request.host_url
    return urlsplit(base).hostname or "localhost"


@bp.route("/calendar")
@login_required
def calendar():
    today, zone = clock.today(), clock.zone()
    month = Month.parse(request.args.get("month"), today)
    token = commit(lambda: services.calendar_token(current_user)).value
    due = _still_due(current_user)
    slots = queries.my_slots_between(current_user, *month.bounds(zone))
    weeks = lay_out(month, today, zone, slots, due)
    return render_template(
        "classes/calendar.html",
        month=month,
        weekdays=_weekday_names(),
        weeks=weeks,
        agenda=agenda(weeks),
        sessions=queries.my_sessions(current_user, clock.now()),
        assignments=due,
        titles=titles_of([row[0].module_id for row in due], _locale()),
        feed_url=url_for("classes.feed", token=token, _external=True),
        form=ActionForm(),
    )


def _weekday_names() -> list[tuple[str, str]]:
    """(short, full) names of the days of the week, Monday first, in the page's language."""
    short, full = (get_day_names(width, locale=get_locale()) for width in ("abbreviated", "wide"))
    return [(short[day], full[day]) for day in range(7)]


def _still_due(user) -> list:
    """The person's assignments with a due date that they still have to complete."""
    return [
        row
        for row in my_assignments(user, clock.today())
        if row.due and row.state in (ASSIGNED, IN_PROGRESS, EXPIRED)
    ]


@bp.route("/calendar/feed", methods=["POST"])
@login_required
def renew_feed():
    if ActionForm().validate_on_submit():
        commit(
            lambda: services.calendar_token(current_user, renew=True),
            done=_("Your calendar address is new; the old one no longer works."),
        )
    return redirect(url_for("classes.calendar"))


@bp.route("/calendar/<token>.ics")
def feed(token: str):
    user = queries.user_of_feed(token)
    if user is None:
        abort(404)
    stamp, host = clock.now(), _host()
    with force_locale(user.locale):
        body = ical.feed(
            queries.feed_sessions(user),
            name=_("Training sessions"),
            locale=user.locale,
            host=host,
            url_of=lambda session: url_for("classes.detail", session_id=session.id, _external=True),
            stamp=stamp,
            due=_due_events(user, host, stamp),
        )
    return Response(body, mimetype="text/calendar")


def _due_events(user, host: str, stamp):
    """Calendar entries of the modules the person still has to complete, on their due day."""
    rows = _still_due(user)
    versions = latest_versions([row[0].module_id for row in rows])
    for row in rows:
        version = versions[row[0].module_id]
        yield ical.due_event(
            f"due-{row[0].id}-{row.due.isoformat()}@{host}",
            _("Due: %(module)s", module=version.title(user.locale)),
            row.due,
            url_for("learning.module", slug=version.module.slug, _external=True),
            stamp,
        )


@bp.route("/sessions/<int:session_id>.ics")
@login_required
def session_ics(session_id: int):
    session = _session_or_404(session_id)
    enrolment = queries.enrolments_of(current_user.id, [session.id]).get(session.id)
    body = ical.session_calendar(
        session,
        locale=_locale(),
        host=_host(),
        url=url_for("classes.detail", session_id=session.id, _external=True),
        stamp=clock.now(),
        show_link=enrolment is not None and enrolment.status == ENROLLED,
    )
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="session-{session.id}.ics"'},
    )


# --- Managers -----------------------------------------------------------------------------


@bp.route("/sessions/no-shows")
@require_role(Role.MANAGER, Role.ADMIN)
def no_shows():
    return render_template(
        "classes/no_shows.html",
        rows=queries.no_show_rates(current_user, clock.now(), clock.today()),
    )
