"""Training-needs pages: My skills and the self-assessment (learners), a person's needs and
the one-action assignment (managers), the needs and effectiveness reports (planners), the
framework and position standards (admins)."""

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.catalogue.models import Module
from lms.catalogue.queries import latest_versions
from lms.core import clock, tables
from lms.core.forms import submit
from lms.core.paging import paginate_rows
from lms.core.permissions import Role, require_role
from lms.core.tables import Column
from lms.extensions import db
from lms.needs import bp, evidence, gaps, queries, services
from lms.needs import forms as needs_forms
from lms.needs.models import LEVELS
from lms.org.models import Position
from lms.org.queries import ancestors as path_of
from lms.org.queries import person_in_scope


def _actor():
    return current_user._get_current_object()


def _locale() -> str:
    return str(get_locale())


# --- learners ------------------------------------------------------------------------------


@bp.route("/my-skills")
@login_required
def my_skills():
    person = _actor()
    return render_template(
        "needs/skills_mine.html",
        needs=gaps.person_needs(person),
        required=services.required_competencies(person),
        framework=gaps.competencies(),
    )


@bp.route("/my-skills/assessment", methods=["GET", "POST"])
@login_required
def self_assessment():
    person = _actor()
    required = services.required_competencies(person)
    framework = gaps.competencies()
    competencies = [framework[code] for code in framework if code in required]
    current = {
        needs_forms.field_name(code): row.level
        for code, row in evidence.current_levels(person.id).items()
        if row.source == "self"
    }
    form = needs_forms.assessment_form(
        competencies, _locale(), required=True, data=None if request.method == "POST" else current
    )
    if competencies and submit(
        form,
        lambda: services.self_assess(person, needs_forms.answers(form, competencies)),
    ):
        flash(_("Thank you: your self-assessment is saved."), "success")
        return redirect(url_for("needs.my_skills"))
    return render_template(
        "needs/assessment_form.html", form=form, required=required, competencies=competencies
    )


# --- managers ------------------------------------------------------------------------------


@bp.route("/needs/people")
@require_role(Role.MANAGER, Role.ADMIN)
def people():
    page = paginate_rows(queries.staff_gaps(_actor(), clock.today()))
    return render_template("needs/people_list.html", page=page)


def _person_or_404(user_id: int):
    return person_in_scope(_actor(), user_id, on=clock.today()) or abort(404)


@bp.route("/needs/people/<int:user_id>")
@require_role(Role.MANAGER, Role.ADMIN)
def person(user_id: int):
    person = _person_or_404(user_id)
    return _person_page(person)


def _person_page(person, *, assign_form=None, rating_form=None, follow_up_form=None, status=200):
    needs = gaps.person_needs(person)
    required = services.required_competencies(person)
    framework = gaps.competencies()
    competencies = [framework[code] for code in framework if code in required]
    completed = queries.completed_modules(person)
    titles = latest_versions([module_id for module_id, _, _ in completed])
    body = render_template(
        "needs/person_detail.html",
        person=person,
        needs=needs,
        assign_form=assign_form or needs_forms.AssignForm(),
        rating_form=rating_form
        or needs_forms.assessment_form(competencies, _locale(), required=False),
        follow_up_form=follow_up_form or needs_forms.FollowUpForm(),
        completed=completed,
        titles=titles,
        history=evidence.history(person.id)[:20],
        framework=framework,
    )
    return body, status


@bp.route("/needs/people/<int:user_id>/assign", methods=["POST"])
@require_role(Role.MANAGER, Role.ADMIN)
def assign(user_id: int):
    person = _person_or_404(user_id)
    form = needs_forms.AssignForm()
    result = {}

    def action():
        result["count"] = services.assign_recommended(_actor(), person, due_on=form.due_on.data)

    if submit(form, action):
        flash(
            _(
                "%(count)d module(s) assigned to %(name)s.",
                count=result["count"],
                name=person.full_name,
            ),
            "success",
        )
        return redirect(url_for("needs.person", user_id=person.id))
    return _person_page(person, assign_form=form, status=422)


@bp.route("/needs/people/<int:user_id>/rating", methods=["POST"])
@require_role(Role.MANAGER, Role.ADMIN)
def rate(user_id: int):
    person = _person_or_404(user_id)
    required = services.required_competencies(person)
    framework = gaps.competencies()
    competencies = [framework[code] for code in framework if code in required]
    form = needs_forms.assessment_form(competencies, _locale(), required=False)
    if submit(
        form,
        lambda: services.rate_person(_actor(), person, needs_forms.answers(form, competencies)),
    ):
        flash(_("Your rating is saved."), "success")
        return redirect(url_for("needs.person", user_id=person.id))
    return _person_page(person, rating_form=form, status=422)


@bp.route("/needs/people/<int:user_id>/follow-up", methods=["POST"])
@require_role(Role.MANAGER, Role.ADMIN)
def follow_up(user_id: int):
    person = _person_or_404(user_id)
    form = needs_forms.FollowUpForm()
    completed = {module_id for module_id, _, _ in queries.completed_modules(person)}
    if form.module_id.data not in completed:
        abort(404)
    module = db.session.get(Module, form.module_id.data)
    if submit(form, lambda: services.rate_follow_up(_actor(), person, module, form.rating.data)):
        flash(_("Your follow-up rating is saved."), "success")
        return redirect(url_for("needs.person", user_id=person.id))
    return _person_page(person, follow_up_form=form, status=422)


# --- planners ------------------------------------------------------------------------------


def _report():
    unit_id = request.args.get("unit", type=int)
    unit, children = queries.report_units(_actor(), unit_id)
    if unit_id is not None and unit is None:
        abort(404)
    return queries.needs_report(_actor(), unit, children)


@bp.route("/needs/report")
@require_role(Role.MANAGER, Role.ADMIN)
def report():
    data = _report()
    ancestors = []
    if data.unit is not None:
        ancestors = path_of(data.unit)
    return render_template("needs/report.html", report=data, ancestors=ancestors)


def _report_rows(data):
    locale = _locale()
    units = [(None, data.unit)] + [(child.id, child) for child in data.children]
    for key, unit in units:
        for competency in data.competencies:
            cell = data.cell(key, competency.code)
            if not cell.people:
                continue
            yield (
                unit.code if unit is not None else "",
                unit.name(locale) if unit is not None else _("All my units"),
                competency.code,
                competency.name(locale),
                cell.required,
                cell.people,
                cell.by_gap.get(1, 0),
                cell.by_gap.get(2, 0),
                cell.by_gap.get(3, 0),
                cell.levels,
                "; ".join(
                    f"{o.slug} ({o.levels[competency.code]})"
                    for o in data.modules.get(competency.code, [])
                ),
            )


@bp.route("/needs/report.<any(csv, xlsx):kind>")
@require_role(Role.MANAGER, Role.ADMIN)
def report_export(kind: str):
    data = _report()
    columns = [
        Column(_("Unit code"), 14),
        Column(_("Unit"), 40),
        Column(_("Competency code"), 14),
        Column(_("Competency"), 40),
        Column(_("Highest level required"), 12),
        Column(_("People below standard"), 12),
        Column(_("1 level below"), 12),
        Column(_("2 levels below"), 12),
        Column(_("3 or more levels below"), 12),
        Column(_("Levels missing in all"), 12),
        Column(_("Modules that build it (level)"), 40),
    ]
    # Read now, in the request: the rows are translated.
    rows = list(_report_rows(data))
    name = f"needs-{data.unit.code if data.unit else 'all'}-{clock.today().isoformat()}"
    return tables.response(columns, rows, fmt=kind, name=name, sheet_title=_("Training needs"))


@bp.route("/needs/effectiveness")
@require_role(Role.MANAGER, Role.ADMIN)
def effectiveness_list():
    modules = queries.modules_with_tests(_actor(), clock.today())
    titles = latest_versions([module_id for module_id, _, _ in modules])
    return render_template("needs/effectiveness_list.html", modules=modules, titles=titles)


@bp.route("/needs/effectiveness/<slug>")
@require_role(Role.MANAGER, Role.ADMIN)
def effectiveness(slug: str):
    module = db.session.scalar(sa.select(Module).where(Module.slug == slug))
    version = latest_versions([module.id]).get(module.id) if module is not None else None
    if version is None:
        abort(404)
    total, by_cohort, by_unit = queries.effectiveness(_actor(), module.id, clock.today())
    return render_template(
        "needs/effectiveness_detail.html",
        version=version,
        total=total,
        by_cohort=by_cohort,
        by_unit=by_unit,
    )


# --- admins --------------------------------------------------------------------------------


@bp.route("/needs/framework")
@require_role(Role.ADMIN)
def framework():
    return render_template(
        "needs/framework_list.html",
        competencies=list(gaps.competencies().values()),
        positions=queries.positions_with_standards(),
    )


@bp.route("/needs/framework/<code>", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def competency_edit(code: str):
    competency = queries.competency(code)
    if competency is None:
        abort(404)
    data = {"name_vi": competency.name_vi, "name_en": competency.name_en}
    for level in competency.levels:
        data[f"level{level.level}_vi"] = level.description_vi
        data[f"level{level.level}_en"] = level.description_en
    form = needs_forms.competency_form(competency, data=None if request.method == "POST" else data)

    def action():
        services.edit_competency(
            _actor(),
            competency,
            name_vi=form.name_vi.data,
            name_en=form.name_en.data,
            levels={
                n: (getattr(form, f"level{n}_vi").data, getattr(form, f"level{n}_en").data)
                for n in LEVELS
            },
        )

    if submit(form, action):
        flash(_("The competency is saved."), "success")
        return redirect(url_for("needs.framework"))
    return render_template("needs/competency_form.html", form=form, competency=competency)


@bp.route("/needs/positions/<int:position_id>/standards", methods=["GET", "POST"])
@require_role(Role.ADMIN)
def standards(position_id: int):
    position = db.get_or_404(Position, position_id)
    competencies = list(gaps.competencies().values())
    current = queries.standards(position.id)
    setting = queries.needs_setting(position.id)
    data = {needs_forms.field_name(code): level for code, level in current.items()}
    data["auto_assign"] = bool(setting and setting.auto_assign)
    data["due_days"] = setting.due_days if setting else 60
    form = needs_forms.standards_form(
        competencies, _locale(), data=None if request.method == "POST" else data
    )

    def action():
        levels = {c.code: getattr(form, needs_forms.field_name(c.code)).data for c in competencies}
        services.set_standards(_actor(), position, levels)
        if form.auto_assign.data or setting is not None:
            services.set_auto_assign(
                _actor(), position, enabled=form.auto_assign.data, due_days=form.due_days.data
            )

    if submit(form, action):
        flash(_("The standards of %(name)s are saved.", name=position.name(_locale())), "success")
        return redirect(url_for("needs.standards", position_id=position.id))
    return render_template(
        "needs/standards_form.html", form=form, position=position, competencies=competencies
    )
