from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from lms.core import cache, clock, tables
from lms.core.db import change_mark
from lms.core.edge import commit
from lms.core.forms import options, submit
from lms.core.paging import keyset_page
from lms.core.permissions import Role, require_role
from lms.core.tables import Column
from lms.extensions import db
from lms.learning.queries import STATUSES, my_assignments
from lms.notifications.services import unread_count
from lms.org import queries as org_queries
from lms.org.models import OrgUnit
from lms.reports import bp, queries, services
from lms.reports.forms import (
    DashboardFilterForm,
    DeleteTargetForm,
    PeopleFilterForm,
    TargetForm,
)
from lms.reports.queries import PERIODS, Filters

STATUS_LABELS = {
    "completed": _l("Completed"),
    "in_progress": _l("In progress"),
    "not_started": _l("Not started"),
    "expired": _l("Expired"),
    "overdue": _l("Overdue"),
}
STATE_LABELS = {
    "assigned": _l("Not started"),
    "in_progress": _l("In progress"),
    "completed": _l("Completed"),
    "renewal_open": _l("Renewal open"),
    "expired": _l("Expired"),
}
SORT_LABELS = {"name": _l("Name"), "due": _l("Due date")}
PERIOD_LABELS = {
    "": _l("All time"),
    "month": _l("This month"),
    "quarter": _l("This quarter"),
    "year": _l("This year"),
}
TARGET_STATE_LABELS = {
    "met": _l("Met"),
    "on_track": _l("On track"),
    "at_risk": _l("At risk"),
    "missed": _l("Missed"),
}
TABLES = ("units", "positions", "modules", "months", "targets", "people")


def _actor():
    return current_user._get_current_object()


def _locale() -> str:
    return str(get_locale())


def _unit_or_404(unit_id: int | None):
    if unit_id is None:
        return None
    unit = queries.visible_unit(_actor(), unit_id)
    if unit is None:
        abort(404)
    return unit


def _filters(form_class, unit_id: int | None):
    """The request's filters: unknown positions, modules or statuses are 404, like an
    unknown unit."""
    locale = _locale()
    form = form_class(request.args)
    everything = [(0, _("All"))]
    form.position.choices = options(
        everything + [(p.id, p.name(locale)) for p in org_queries.positions()]
    )
    titles = queries.module_titles(locale)
    form.module.choices = options(everything + sorted(titles.items(), key=lambda choice: choice[1]))
    form.period.choices = [(period, PERIOD_LABELS[period]) for period in PERIODS]
    if isinstance(form, PeopleFilterForm):
        form.status.choices = [("", _("All"))] + [(s, STATUS_LABELS[s]) for s in STATUSES]
        form.sort.choices = list(SORT_LABELS.items())
    if not form.validate():
        abort(404)
    filters = Filters(
        unit_id=unit_id,
        position_id=form.position.data or None,
        module_id=form.module.data or None,
        period=form.period.data or "",
        completed_since=queries.period_start(form.period.data or "", clock.today()),
    )
    return form, filters, titles


@dataclass
class DashboardPage:
    """What a dashboard shows of the database, read before it is rendered."""

    unit: OrgUnit | None
    ancestors: list[OrgUnit]
    form: DashboardFilterForm
    filters: Filters
    titles: dict[int, str]
    tables: dict
    unread: int

    def shown(self) -> list:
        """What names the page (``cache.fingerprint``): the form's position names besides
        the titles; its other choices are constants."""
        return [
            self.unit,
            self.ancestors,
            self.form.position.choices,
            self.filters,
            self.titles,
            self.tables,
            self.unread,
        ]


def _read_dashboard(unit, form, filters: Filters, titles: dict) -> DashboardPage:
    """The page of ``unit`` (None: the whole scope) for the filters its form holds, from
    what ``_unit_or_404`` and ``_filters`` read."""
    actor, today, locale = _actor(), clock.today(), _locale()
    return DashboardPage(
        unit=unit,
        ancestors=queries.visible_ancestors(actor, unit) if unit else [],
        form=form,
        filters=filters,
        titles=titles,
        tables={
            "headline": queries.headline(actor, today, filters),
            "units": queries.by_unit(actor, today, filters, locale),
            "positions": queries.by_position(actor, today, filters, locale),
            "modules": queries.by_module(actor, today, filters, locale, titles),
            "months": queries.completions_by_month(actor, today, filters),
            "targets": queries.targets(actor, today, filters, locale),
        },
        # The menu's count: read here so that it names the page too.
        unread=unread_count(actor),
    )


def _target_form(form, titles: dict, units: list[tuple[int, str]]) -> TargetForm:
    """The new-target form, its choices taken from what the dashboard already read."""
    target_form = TargetForm(prefix="target")
    target_form.unit.choices = options(units)
    target_form.position.choices = options(
        [(0, _("Everyone holding a position"))]
        + [(choice.value, choice.label) for choice in form.position.choices if choice.value]
    )
    modules = sorted(titles.items(), key=lambda choice: choice[1])
    target_form.module.choices = options(
        [(0, _("The position certificate of that position")), *modules]
    )
    return target_form


def _render_dashboard(page: DashboardPage, target_form: TargetForm | None = None) -> str:
    if target_form is None:
        units = [(page.unit.id, page.unit.name(_locale()))] if page.unit else []
        units += [(row.key, row.label) for row in page.tables["units"]]
        target_form = _target_form(page.form, page.titles, units)
    return render_template(
        "reports/dashboard.html",
        unit=page.unit,
        ancestors=page.ancestors,
        form=page.form,
        filters=page.filters,
        status_labels=STATUS_LABELS,
        target_form=target_form,
        delete_form=DeleteTargetForm(),
        target_state_labels=TARGET_STATE_LABELS,
        titles=page.titles,
        **page.tables,
    )


@bp.route("/")
@bp.route("/units/<int:unit_id>")
@require_role(Role.MANAGER, Role.ADMIN)
def dashboard(unit_id: int | None = None):
    # The address names the unit and the filters; the validator, the reader.
    return cache.read_page_response(
        _dashboard_mark(),
        "\0".join(("dashboard", cache.address())),
        lambda: _read_dashboard(_unit_or_404(unit_id), *_filters(DashboardFilterForm, unit_id)),
        DashboardPage.shown,
        _render_dashboard,
    )


def _dashboard_mark() -> str | None:
    """What finds a dashboard again without reading it: everything it shows of the
    database (figures, targets, units and scope, positions, titles, the unread count)
    moves ``change_mark``, read before any of it; besides, the day (the figures and
    projections are today's) and what ``cache.validator`` adds (the person, loaded before
    the mark, by value). Most commits change nothing a dashboard shows: then the page read
    again names the same page (``DashboardPage.shown``) and is not rendered again."""
    return cache.validator([change_mark(db.session), clock.today()])


@bp.route("/targets", methods=["POST"])
@bp.route("/units/<int:unit_id>/targets", methods=["POST"])
@require_role(Role.MANAGER, Role.ADMIN)
def create_target(unit_id: int | None = None):
    """Set a target on the dashboard's unit or a unit of its table; a unit outside the
    scope is 404, like an absent one."""
    actor, locale = _actor(), _locale()
    unit = _unit_or_404(unit_id)
    form, filters, titles = _filters(DashboardFilterForm, unit_id)
    target_form = _target_form(form, titles, queries.target_units(actor, unit, locale))
    chosen = request.form.get("target-unit", type=int)
    if chosen is not None and queries.visible_unit(actor, chosen) is None:
        abort(404)

    def create():
        services.create_target(
            actor,
            unit=queries.visible_unit(actor, target_form.unit.data),
            position=queries.position_by_id(target_form.position.data or 0),
            module=queries.module_by_id(target_form.module.data or 0),
            percent=target_form.percent.data,
            due_on=target_form.due_on.data,
        )

    if submit(target_form, create):
        flash(_("Target saved."), "success")
        return redirect(_dashboard_url(unit_id) + "#targets-title")
    return _render_dashboard(_read_dashboard(unit, form, filters, titles), target_form), 422


def _dashboard_url(unit_id: int | None) -> str:
    if unit_id is None:
        return url_for("reports.dashboard")
    return url_for("reports.dashboard", unit_id=unit_id)


@bp.route("/targets/<int:target_id>/delete", methods=["POST"])
@bp.route("/units/<int:unit_id>/targets/<int:target_id>/delete", methods=["POST"])
@require_role(Role.MANAGER, Role.ADMIN)
def delete_target(target_id: int, unit_id: int | None = None):
    """Delete a target, then go back to the dashboard it was deleted from."""
    actor = _actor()
    _unit_or_404(unit_id)
    target = queries.visible_target(actor, target_id)
    if target is None:
        abort(404)
    if not DeleteTargetForm().validate_on_submit():
        abort(400)
    commit(lambda: services.delete_target(actor, target), done=_("Target deleted."))
    return redirect(_dashboard_url(unit_id) + "#targets-title")


def _people_select(form, filters: Filters):
    return queries.people(
        _actor(), clock.today(), filters, status=form.status.data or "", locale=_locale()
    )


def _people_order(form) -> list:
    return queries.people_order(clock.today(), form.sort.data or "name")


@bp.route("/people")
@bp.route("/units/<int:unit_id>/people")
@require_role(Role.MANAGER, Role.ADMIN)
def people(unit_id: int | None = None):
    unit = _unit_or_404(unit_id)
    form, filters, titles = _filters(PeopleFilterForm, unit_id)
    page = keyset_page(_people_select(form, filters), _people_order(form))
    return render_template(
        "reports/people_list.html",
        unit=unit,
        ancestors=queries.visible_ancestors(_actor(), unit) if unit else [],
        form=form,
        page=page,
        titles=titles,
        state_labels=STATE_LABELS,
        status_labels=STATUS_LABELS,
    )


@bp.route("/people/<int:user_id>")
@require_role(Role.MANAGER, Role.ADMIN)
def person(user_id: int):
    actor, today = _actor(), clock.today()
    person = org_queries.person_in_scope(actor, user_id, on=today) or abort(404)
    return render_template(
        "reports/person_detail.html",
        person=person,
        positions=org_queries.assignments_in_scope(actor, person),
        assignments=my_assignments(person, today),
        titles=queries.module_titles(_locale()),
        attempts=queries.attempts_by_module(person),
        certificates=queries.certificates_of(person),
        state_labels=STATE_LABELS,
        today=today,
    )


def _figure_columns(first: str) -> list[Column]:
    return [
        Column(first, 40),
        Column(_("People"), 10),
        Column(_("Assignments"), 12),
        Column(_("Completed"), 12),
        Column(_("In progress"), 12),
        Column(_("Not started"), 12),
        Column(_("Expired"), 10),
        Column(_("Overdue"), 10),
        Column(_("Completion rate"), 12),
    ]


def _figure_rows(rows) -> list[tuple]:
    return [
        (
            row.label,
            row.people,
            row.assignments,
            row.completed,
            row.in_progress,
            row.not_started,
            row.expired,
            row.overdue,
            row.percent,
        )
        for row in rows
    ]


def _people_rows(select, titles: dict, labels: dict, yes: str):
    """The people list's rows, read in batches when first iterated (while the response is
    sent): everything that needs the request is passed in already translated."""
    result = db.session.execute(select.execution_options(yield_per=tables.BATCH))
    for row in result:
        yield (
            row.full_name,
            row.username,
            row.unit,
            titles.get(row.module_id, "") if row.module_id else "",
            labels[row.state] if row.state else "",
            row.due,
            yes if row.overdue else "",
            row.progress_pct if row.module_id else None,
        )


@bp.route(
    "/export/<any(units, positions, modules, months, targets, people):table>.<any(csv, xlsx):fmt>"
)
@bp.route(
    "/units/<int:unit_id>/export/"
    "<any(units, positions, modules, months, targets, people):table>.<any(csv, xlsx):fmt>"
)
@require_role(Role.MANAGER, Role.ADMIN)
def export(table: str, fmt: str, unit_id: int | None = None):
    unit = _unit_or_404(unit_id)
    actor, today, locale = _actor(), clock.today(), _locale()
    name = f"{table}-{unit.code.lower() if unit else 'all'}-{today.isoformat()}"
    if table == "people":
        form, filters, titles = _filters(PeopleFilterForm, unit_id)
        columns = [
            Column(_("Name"), 30),
            Column(_("Username"), 20),
            Column(_("Unit"), 40),
            Column(_("Module"), 40),
            Column(_("Status"), 14),
            Column(_("Due date"), 12, is_date=True),
            Column(_("Overdue"), 10),
            Column(_("Progress (per cent)"), 18),
        ]
        labels = {state: str(label) for state, label in STATE_LABELS.items()}
        people = _people_select(form, filters).order_by(*_people_order(form))
        rows = _people_rows(people, titles, labels, _("Yes"))
        return tables.response(columns, rows, fmt=fmt, name=name)
    form, filters, titles = _filters(DashboardFilterForm, unit_id)
    if table == "months":
        columns = [Column(_("Month"), 12, is_date=True), Column(_("Completions"), 14)]
        rows = queries.completions_by_month(actor, today, filters)
    elif table == "targets":
        columns = [
            Column(_("Unit"), 40),
            Column(_("Who"), 30),
            Column(_("What"), 40),
            Column(_("Target (per cent)"), 12),
            Column(_("People"), 10),
            Column(_("People who reached it"), 14),
            Column(_("Actual (per cent)"), 12),
            Column(_("Projected (per cent)"), 12),
            Column(_("Due date"), 12, is_date=True),
            Column(_("State"), 14),
        ]
        rows = [
            (
                row.unit_label,
                row.position_label or _("Everyone holding a position"),
                titles.get(row.target.module_id, "")
                if row.target.module_id
                else _("Position certificate"),
                row.target.percent,
                row.people,
                row.done,
                row.actual,
                row.projected,
                row.target.due_on,
                str(TARGET_STATE_LABELS[row.state]),
            )
            for row in queries.targets(actor, today, filters, locale)
        ]
    else:
        find, first = {
            "units": (queries.by_unit, _("Unit")),
            "positions": (queries.by_position, _("Position")),
            "modules": (queries.by_module, _("Module")),
        }[table]
        columns = _figure_columns(first)
        rows = _figure_rows(find(actor, today, filters, locale))
    return tables.response(columns, rows, fmt=fmt, name=name)
