"""Merging two units, with a confirmation step: the unit page's merge form (GET) opens a
page showing what will move and which sub-units can merge into the target's own; that
page's POST merges."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import HiddenField, SelectMultipleField

from lms.admin import bp
from lms.admin.forms import MergeUnitForm
from lms.admin.views import _render_unit, _unit_from_code
from lms.core.edge import commit
from lms.core.errors import Invalid
from lms.extensions import db
from lms.learning import queries as learning_queries
from lms.org import queries as org_queries
from lms.org import services as org
from lms.org.models import OrgUnit


class MergeConfirmForm(MergeUnitForm):
    """The merge form's fields, and the confirmation's: the flag that the admin saw what
    moves, and the ticked sub-unit pairs ("<sub-unit id>:<target's sub-unit id>")."""

    confirm = HiddenField()
    sub_units = SelectMultipleField(choices=[])


def _pair(value: str) -> tuple[int, int]:
    child, other = value.split(":")
    return int(child), int(other)


@bp.route("/units/<int:unit_id>/merge", methods=["GET", "POST"])
def unit_merge(unit_id: int):
    """GET (the unit page's merge form) or a POST without the ``confirm`` flag: the
    confirmation page; nothing is merged. POST with ``confirm``: the merge."""
    unit = db.get_or_404(OrgUnit, unit_id)
    actor = current_user._get_current_object()
    posted = request.method == "POST"
    form = MergeConfirmForm() if posted else MergeConfirmForm(request.args, meta={"csrf": False})
    target, refusals = None, []
    try:
        target = _unit_from_code(form.target.data) if form.target.data else None
        if target is not None:
            org.check_merge(actor, unit, target)
    except Invalid as refusal:
        refusals.append(refusal.message)
    on = form.effective_on.data
    rows = org_queries.merge_sub_units(actor, unit, target, on=on) if target and on else []
    form.sub_units.choices = [
        (f"{row.unit.id}:{row.match.id}", row.match.code) for row in rows if row.match
    ]
    valid = form.validate()
    form.form_errors.extend(refusals)
    if target is None or form.form_errors or form.target.errors or form.effective_on.errors:
        return _render_unit(unit, 422, merge_form=form)
    if posted and form.confirm.data == "1" and valid:
        done = commit(
            lambda: org.merge_units(
                actor, unit, target, on=on, sub_units=dict(map(_pair, form.sub_units.data))
            ),
            form=form,
        )
        if done:
            moved = done.value
            flash(
                _(
                    "%(unit)s is merged into %(target)s: %(people)s people continue "
                    "%(assignments)s positions there; %(moved)s sub-units moved as they are, "
                    "%(merged)s merged into its own sub-units.",
                    unit=unit.name_vi,
                    target=target.name_vi,
                    people=moved.people,
                    assignments=moved.assignments,
                    moved=moved.moved,
                    merged=moved.merged,
                ),
                "success",
            )
            return redirect(url_for("admin.unit_detail", unit_id=target.id))
    ticked = (
        set(form.sub_units.data)
        if form.confirm.data == "1"
        else {f"{row.unit.id}:{row.match.id}" for row in rows if row.suggested}
    )
    figures = org_queries.merge_figures(actor, unit, on)
    return render_template(
        "admin/unit_merge.html",
        unit=unit,
        path=org_queries.ancestors(unit),
        target=target,
        form=form,
        figures=figures,
        module_assignments=learning_queries.current_assignment_count(
            org_queries.moving_people(unit, on)
        ),
        rows=rows,
        ticked=ticked,
    ), 422 if posted and form.confirm.data == "1" else 200
