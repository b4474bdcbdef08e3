"""Assigning a module to everyone of a unit or a position's holders there, from the report
row that shows them: a form (GET), a preview of whom it reaches (GET), its confirmation
(POST), and the page of the job that does the work (``lms.learning.bulk``)."""

from datetime import timedelta

from flask import abort, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user

from lms.catalogue.models import Module
from lms.catalogue.queries import module_choices, titles_of
from lms.core import clock
from lms.core.errors import Invalid
from lms.core.forms import options, submit
from lms.core.permissions import Role, require_role
from lms.extensions import db
from lms.learning import bp, bulk, jobs
from lms.learning.forms import BulkAssignForm, BulkConfirmForm
from lms.org import queries as org_queries
from lms.org.models import OrgUnit, Position

DEFAULT_DUE_DAYS = 30


def _actor():
    return current_user._get_current_object()


def _scope(unit_id: int | None):
    """The unit (404 outside the actor's scope, like an absent one) and position named."""
    unit = None
    if unit_id is not None:
        unit = org_queries.visible_unit(_actor(), unit_id) or abort(404)
    position_id = request.args.get("position", type=int)
    position = db.get_or_404(Position, position_id) if position_id else None
    return unit, position


def _with_choices(form):
    form.module.choices = options(module_choices(str(get_locale())))
    return form


def _render(template: str, unit, position, form, status: int = 200, **context):
    return render_template(
        template,
        unit=unit,
        position=position,
        form=form,
        scope_args=_scope_args(unit, position),
        **context,
    ), status


def _scope_args(unit, position) -> dict:
    args = {"position": position.id if position else None}
    if unit is not None:
        args["unit_id"] = unit.id
    return args


@bp.route("/assign")
@bp.route("/assign/units/<int:unit_id>")
@require_role(Role.MANAGER, Role.ADMIN)
def bulk_form(unit_id: int | None = None):
    unit, position = _scope(unit_id)
    form = _with_choices(BulkAssignForm(request.args if "module" in request.args else None))
    if form.due_on.data is None:
        form.due_on.data = clock.today() + timedelta(days=DEFAULT_DUE_DAYS)
    return _render("learning/bulk_form.html", unit, position, form)


@bp.route("/assign/preview", methods=["GET", "POST"])
@bp.route("/assign/units/<int:unit_id>/preview", methods=["GET", "POST"])
@require_role(Role.MANAGER, Role.ADMIN)
def bulk_preview(unit_id: int | None = None):
    """GET: how many people the choices reach, and a few of their names; POST: confirmed,
    the job is recorded and queued, and its page shows how it goes."""
    actor = _actor()
    unit, position = _scope(unit_id)
    scope = bulk.Scope(unit.id if unit else None, position.id if position else None)
    if request.method == "POST":
        form = _with_choices(BulkConfirmForm())

        def confirm():
            module = db.get_or_404(Module, form.module.data)
            return bulk.request(
                actor,
                scope,
                module,
                due_on=form.due_on.data,
                only_missing=form.only_missing.data,
            )

        outcome = submit(form, confirm)
        if outcome:
            jobs.bulk_assign.enqueue(outcome.value.id)
            return redirect(url_for("learning.bulk_job", bulk_id=outcome.value.id))
        return _render("learning/bulk_form.html", unit, position, form, status=422)
    form = _with_choices(BulkAssignForm(request.args))
    if not form.validate():
        return _render("learning/bulk_form.html", unit, position, form, status=422)
    module = db.get_or_404(Module, form.module.data)
    try:
        bulk.check(actor, scope, module, form.due_on.data)
    except Invalid as refusal:
        form.form_errors.append(str(refusal))
        return _render("learning/bulk_form.html", unit, position, form, status=422)
    seen = bulk.preview(actor, scope, module, only_missing=form.only_missing.data)
    confirm_form = BulkConfirmForm(formdata=None, obj=None, data=form.data)
    return _render(
        "learning/bulk_preview.html",
        unit,
        position,
        confirm_form,
        seen=seen,
        title=titles_of([module.id], str(get_locale()))[module.id],
    )


@bp.route("/assign/jobs/<int:bulk_id>")
@require_role(Role.MANAGER, Role.ADMIN)
def bulk_job(bulk_id: int):
    job = bulk.visible_job(_actor(), bulk_id) or abort(404)
    locale = str(get_locale())
    unit = db.session.get(OrgUnit, job.unit_id) if job.unit_id else None
    position = db.session.get(Position, job.position_id) if job.position_id else None
    return render_template(
        "learning/bulk_job.html",
        job=job,
        unit=unit,
        position=position,
        title=titles_of([job.module_id], locale)[job.module_id],
    )
