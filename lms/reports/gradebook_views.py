"""The gradebook pages: a person's own training record, and a manager's people × modules
table with its downloads."""

from flask import render_template
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.core import clock, tables
from lms.core.paging import paginate_rows
from lms.core.permissions import Role, require_role
from lms.core.tables import Column
from lms.learning.queries import my_assignments
from lms.reports import bp, gradebook, queries
from lms.reports.forms import DashboardFilterForm
from lms.reports.views import STATE_LABELS, _actor, _filters, _locale, _unit_or_404


@bp.route("/me")
@login_required
def my_record():
    person, today = current_user._get_current_object(), clock.today()
    return render_template(
        "reports/my_record.html",
        person=person,
        assignments=my_assignments(person, today),
        titles=queries.module_titles(_locale()),
        attempts=queries.attempts_by_module(person),
        certificates=queries.certificates_of(person),
        state_labels=STATE_LABELS,
        today=today,
    )


@bp.route("/gradebook")
@bp.route("/units/<int:unit_id>/gradebook")
@require_role(Role.MANAGER, Role.ADMIN)
def gradebook_page(unit_id: int | None = None):
    unit = _unit_or_404(unit_id)
    form, filters, titles = _filters(DashboardFilterForm, unit_id)
    actor, today = _actor(), clock.today()
    page = paginate_rows(gradebook.people(actor, today, filters))
    return render_template(
        "reports/gradebook.html",
        unit=unit,
        ancestors=queries.visible_ancestors(actor, unit) if unit else [],
        form=form,
        page=page,
        modules=_columns(gradebook.modules(actor, today, filters), titles),
        cells=gradebook.cells(today, filters, [person.id for person in page.items]),
        state_labels=STATE_LABELS,
    )


@bp.route("/gradebook.<any(csv, xlsx):fmt>")
@bp.route("/units/<int:unit_id>/gradebook.<any(csv, xlsx):fmt>")
@require_role(Role.MANAGER, Role.ADMIN)
def gradebook_export(fmt: str, unit_id: int | None = None):
    unit = _unit_or_404(unit_id)
    _form, filters, titles = _filters(DashboardFilterForm, unit_id)
    actor, today = _actor(), clock.today()
    modules = _columns(gradebook.modules(actor, today, filters), titles)
    columns = [Column(_("Name"), 30), Column(_("Username"), 20)] + [
        Column(title, 24) for _module_id, title in modules
    ]
    labels = {state: str(label) for state, label in STATE_LABELS.items()}
    rows = (
        (
            person.full_name,
            person.username,
            *(_cell_text(found.get(module_id), labels) for module_id, _title in modules),
        )
        for person, found in gradebook.rows(actor, today, filters)
    )
    name = f"gradebook-{unit.code.lower() if unit else 'all'}-{today.isoformat()}"
    return tables.response(columns, rows, fmt=fmt, name=name)


def _columns(module_ids: list[int], titles: dict[int, str]) -> list[tuple[int, str]]:
    return sorted(((mid, titles.get(mid, "")) for mid in module_ids), key=lambda c: c[1])


def _cell_text(cell: gradebook.Cell | None, labels: dict[str, str]) -> str:
    """A cell in a file: the state, and the best score when there is one ("" unassigned)."""
    if cell is None:
        return ""
    if cell.best is None:
        return labels[cell.state]
    return f"{labels[cell.state]} ({round(cell.best * 100)}%)"
