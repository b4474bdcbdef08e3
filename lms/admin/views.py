import sqlalchemy as sa
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from lms.accounts import activation
from lms.accounts import queries as account_queries
from lms.accounts import services as accounts
from lms.accounts.models import User
from lms.admin import bp
from lms.admin.forms import (
    AnonymiseForm,
    AssignPositionForm,
    ConfirmForm,
    CurriculumItemForm,
    EndAssignmentForm,
    ManagedUnitsForm,
    MergeUnitForm,
    MoveUnitForm,
    PositionForm,
    ResetPasswordForm,
    RevokeCertificateForm,
    RolesForm,
    SearchForm,
    UnitCreateForm,
    UnitForm,
    UserCreateForm,
    UserProfileForm,
    due_basis_choices,
    role_choices,
)
from lms.catalogue import queries as catalogue_queries
from lms.certificates import queries as certificate_queries
from lms.certificates import services as certificates_service
from lms.certificates.models import Certificate
from lms.core import clock
from lms.core.edge import commit
from lms.core.forms import options, submit
from lms.extensions import db
from lms.legal import queries as legal_queries
from lms.org import picker
from lms.org import queries as org_queries
from lms.org import services as org
from lms.org.models import CurriculumItem, OrgUnit, Position, PositionAssignment


def _actor() -> User:
    return current_user._get_current_object()


def _page() -> int:
    return request.args.get("page", 1, type=int)


def _unit_from_code(code: str) -> OrgUnit:
    """The unit a unit field names (its code, or a name matching one unit), within what the
    admin may choose; ``Invalid`` with the reason otherwise."""
    return picker.resolve(_actor(), code, locale=str(get_locale()))


@bp.route("/")
def index():
    counts = db.session.execute(
        sa.select(
            sa.select(sa.func.count(User.id)).where(User.active.is_(True)).scalar_subquery(),
            sa.select(sa.func.count(OrgUnit.id))
            .where(OrgUnit.valid_to.is_(None))
            .scalar_subquery(),
            sa.select(sa.func.count(Position.id))
            .where(Position.active.is_(True))
            .scalar_subquery(),
        )
    ).one()
    flagged = legal_queries.flags(today=clock.today())
    return render_template(
        "admin/index.html",
        counts=counts,
        flagged=flagged,
        versions=catalogue_queries.latest_versions(list(flagged)),
    )


# Users


@bp.route("/users")
def users():
    form = SearchForm(request.args)
    form.role.choices = [*options([("", _("All roles"))]), *role_choices()]
    form.validate()
    active = {"active": True, "inactive": False}.get(form.status.data)
    query = account_queries.users(
        search=form.q.data or "", role=form.role.data or None, active=active
    )
    page = db.paginate(
        query, page=_page(), per_page=current_app.config["LMS_PAGE_SIZE"], error_out=False
    )
    return render_template("admin/user_list.html", form=form, page=page)


@bp.route("/users/new", methods=["GET", "POST"])
def user_create():
    form = UserCreateForm()
    created = {}

    def create():
        created["user"] = accounts.create_user(
            _actor(),
            username=form.username.data,
            full_name=form.full_name.data,
            password=form.password.data,
            email=form.email.data or None,
            locale=form.locale.data,
            roles=form.roles.data,
        )

    if submit(form, create):
        flash(_("User %(name)s created.", name=created["user"].full_name), "success")
        return redirect(url_for("admin.user_detail", user_id=created["user"].id))
    return render_template("admin/user_create.html", form=form)


def _user_or_404(user_id: int) -> User:
    return db.get_or_404(User, user_id)


def _render_user(user: User, status: int = 200, **context):
    today = clock.today()
    defaults = {
        "profile_form": UserProfileForm(obj=user, formdata=None),
        "roles_form": RolesForm(roles=sorted(user.role_set), formdata=None),
        "units_form": ManagedUnitsForm(
            units=", ".join(unit.code for unit in org_queries.managed_units(user)), formdata=None
        ),
        "password_form": ResetPasswordForm(formdata=None),
        "assign_form": AssignPositionForm(starts_on=today, formdata=None),
        "end_form": EndAssignmentForm(ends_on=today, formdata=None),
        "confirm_form": ConfirmForm(),
        "anonymise_form": AnonymiseForm(formdata=None),
    }
    defaults.update(context)
    defaults["assign_form"].position.choices = _position_choices()
    return render_template(
        "admin/user_detail.html",
        user=user,
        assignments=org_queries.assignments_of(user),
        today=today,
        awaiting_activation=not activation.has_usable_password(user),
        activation_days=activation.lifetime_seconds() // 86400,
        **defaults,
    ), status


def _position_choices():
    locale = str(get_locale())
    return options(
        (position.id, position.name(locale))
        for position in org_queries.positions(include_inactive=False)
    )


@bp.route("/users/<int:user_id>")
def user_detail(user_id: int):
    return _render_user(_user_or_404(user_id))


@bp.route("/users/<int:user_id>/activation-link", methods=["POST"])
def user_activation_link(user_id: int):
    user = _user_or_404(user_id)
    form = ConfirmForm()
    issued = []
    if submit(form, lambda: issued.append(activation.issue_link(_actor(), user))):
        return _render_user(user, activation_link=issued[0])
    return _render_user(user, 422, confirm_form=form)


def _user_form_post(user_id: int, form_name: str, form, action, message: str):
    user = _user_or_404(user_id)
    if submit(form, lambda: action(user)):
        flash(message, "success")
        return redirect(url_for("admin.user_detail", user_id=user.id))
    return _render_user(user, 422, **{form_name: form})


@bp.route("/users/<int:user_id>/profile", methods=["POST"])
def user_profile(user_id: int):
    form = UserProfileForm()
    return _user_form_post(
        user_id,
        "profile_form",
        form,
        lambda user: accounts.update_profile(
            _actor(),
            user,
            full_name=form.full_name.data,
            email=form.email.data or None,
            locale=form.locale.data,
        ),
        _("Profile saved."),
    )


@bp.route("/users/<int:user_id>/roles", methods=["POST"])
def user_roles(user_id: int):
    form = RolesForm()
    return _user_form_post(
        user_id,
        "roles_form",
        form,
        lambda user: accounts.set_roles(_actor(), user, form.roles.data),
        _("Roles saved."),
    )


@bp.route("/users/<int:user_id>/units", methods=["POST"])
def user_units(user_id: int):
    form = ManagedUnitsForm()

    def save(user):
        codes = [
            code for code in (form.units.data or "").replace(";", ",").split(",") if code.strip()
        ]
        org.set_managed_units(_actor(), user, [_unit_from_code(code) for code in codes])

    return _user_form_post(user_id, "units_form", form, save, _("Managed units saved."))


@bp.route("/users/<int:user_id>/password", methods=["POST"])
def user_password(user_id: int):
    form = ResetPasswordForm()
    return _user_form_post(
        user_id,
        "password_form",
        form,
        lambda user: accounts.reset_password(_actor(), user, form.password.data),
        _("Password reset. The user has been signed out everywhere."),
    )


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
def user_deactivate(user_id: int):
    return _user_form_post(
        user_id,
        "confirm_form",
        ConfirmForm(),
        lambda user: accounts.set_active(_actor(), user, False),
        _("User deactivated and signed out everywhere."),
    )


@bp.route("/users/<int:user_id>/activate", methods=["POST"])
def user_activate(user_id: int):
    return _user_form_post(
        user_id,
        "confirm_form",
        ConfirmForm(),
        lambda user: accounts.set_active(_actor(), user, True),
        _("User reactivated."),
    )


@bp.route("/users/<int:user_id>/positions", methods=["POST"])
def user_assign(user_id: int):
    form = AssignPositionForm()
    form.position.choices = _position_choices()

    def assign(user):
        position = db.session.get(Position, form.position.data)
        org.assign_position(
            _actor(), user, position, _unit_from_code(form.unit.data), starts_on=form.starts_on.data
        )

    return _user_form_post(user_id, "assign_form", form, assign, _("Position assigned."))


@bp.route("/assignments/<int:assignment_id>/end", methods=["POST"])
def assignment_end(assignment_id: int):
    assignment = db.get_or_404(PositionAssignment, assignment_id)
    form = EndAssignmentForm()
    return _user_form_post(
        assignment.user_id,
        "end_form",
        form,
        lambda _user: org.end_assignment(_actor(), assignment, ends_on=form.ends_on.data),
        _("Position ended; it stays in the history."),
    )


# Org units


def _kind_choices():
    english = str(get_locale()) == "en"
    return options(
        (kind.code, kind.name_en if english else kind.name_vi) for kind in org_queries.unit_kinds()
    )


@bp.route("/units")
def units():
    parent_id = request.args.get("parent", type=int)
    parent = db.get_or_404(OrgUnit, parent_id) if parent_id else None
    form = SearchForm(request.args)
    search = form.q.data.strip() if form.validate() and form.q.data else ""
    found = (
        db.paginate(
            org_queries.search_units(search),
            page=_page(),
            per_page=current_app.config["LMS_PAGE_SIZE"],
            error_out=False,
        )
        if search
        else None
    )
    return render_template(
        "admin/unit_list.html",
        parent=parent,
        form=form,
        found=found,
        path=org_queries.ancestors(parent) if parent else [],
        children=org_queries.children_summary(
            parent_id, on=clock.today(), include_closed=request.args.get("closed") == "1"
        ),
    )


@bp.route("/units/new", methods=["GET", "POST"])
def unit_create():
    parent_id = request.args.get("parent", type=int)
    parent = db.get_or_404(OrgUnit, parent_id) if parent_id else None
    # The tree's "add a unit here" fills the parent; the picker may change it.
    form = UnitCreateForm(effective_on=clock.today(), parent=parent.code if parent else "")
    form.kind.choices = _kind_choices()
    created = {}

    def create():
        typed = (form.parent.data or "").strip()
        created["unit"] = org.create_unit(
            _actor(),
            code=form.code.data,
            kind_code=form.kind.data,
            name_vi=form.name_vi.data,
            name_en=form.name_en.data or "",
            parent=_unit_from_code(typed) if typed else None,
            valid_from=form.effective_on.data,
        )

    if submit(form, create):
        flash(_("Unit %(name)s created.", name=created["unit"].name_vi), "success")
        return redirect(url_for("admin.unit_detail", unit_id=created["unit"].id))
    return render_template("admin/unit_create.html", form=form, parent=parent)


def _render_unit(unit: OrgUnit, status: int = 200, **forms):
    today = clock.today()
    defaults = {
        "edit_form": UnitForm(
            code=unit.code,
            kind=unit.kind_code,
            name_vi=unit.name_vi,
            name_en=unit.name_en,
            effective_on=today,
            formdata=None,
        ),
        "move_form": MoveUnitForm(effective_on=today, formdata=None),
        "merge_form": MergeUnitForm(effective_on=today, formdata=None),
    }
    defaults.update(forms)
    defaults["edit_form"].kind.choices = _kind_choices()
    return render_template(
        "admin/unit_detail.html",
        unit=unit,
        path=org_queries.ancestors(unit),
        children=org_queries.children_summary(unit.id, on=today),
        history=org_queries.unit_history(unit),
        **defaults,
    ), status


@bp.route("/units/<int:unit_id>")
def unit_detail(unit_id: int):
    return _render_unit(db.get_or_404(OrgUnit, unit_id))


def _unit_form_post(unit_id: int, form_name: str, form, action, message: str):
    unit = db.get_or_404(OrgUnit, unit_id)
    if submit(form, lambda: action(unit)):
        flash(message, "success")
        return redirect(url_for("admin.unit_detail", unit_id=unit.id))
    return _render_unit(unit, 422, **{form_name: form})


@bp.route("/units/<int:unit_id>/edit", methods=["POST"])
def unit_edit(unit_id: int):
    form = UnitForm()
    form.kind.choices = _kind_choices()
    return _unit_form_post(
        unit_id,
        "edit_form",
        form,
        lambda unit: org.edit_unit(
            _actor(),
            unit,
            code=form.code.data,
            kind_code=form.kind.data,
            name_vi=form.name_vi.data,
            name_en=form.name_en.data or "",
            on=form.effective_on.data,
        ),
        _("Unit saved."),
    )


@bp.route("/units/<int:unit_id>/move", methods=["POST"])
def unit_move(unit_id: int):
    form = MoveUnitForm()
    return _unit_form_post(
        unit_id,
        "move_form",
        form,
        lambda unit: org.move_unit(
            _actor(), unit, _unit_from_code(form.parent.data), on=form.effective_on.data
        ),
        _("Unit moved."),
    )


# Positions


@bp.route("/positions")
def positions():
    return render_template("admin/position_list.html", positions=org_queries.positions())


@bp.route("/positions/new", methods=["GET", "POST"])
def position_create():
    form = PositionForm()

    def create():
        org.create_position(
            _actor(),
            code=form.code.data,
            name_vi=form.name_vi.data,
            name_en=form.name_en.data or "",
            description_vi=form.description_vi.data or "",
            description_en=form.description_en.data or "",
        )

    if submit(form, create):
        flash(_("Position created."), "success")
        return redirect(url_for("admin.positions"))
    return render_template("admin/position_form.html", form=form, position=None)


@bp.route("/positions/<int:position_id>", methods=["GET", "POST"])
def position_edit(position_id: int):
    position = db.get_or_404(Position, position_id)
    form = PositionForm(obj=position)

    def save():
        org.edit_position(
            _actor(),
            position,
            code=form.code.data,
            name_vi=form.name_vi.data,
            name_en=form.name_en.data or "",
            description_vi=form.description_vi.data or "",
            description_en=form.description_en.data or "",
            active=form.active.data,
        )

    if submit(form, save):
        flash(_("Position saved."), "success")
        return redirect(url_for("admin.positions"))
    return _position_page(position, form, _curriculum_form())


def _curriculum_form() -> CurriculumItemForm:
    form = CurriculumItemForm(prefix="curriculum")
    form.module.choices = options(catalogue_queries.module_choices(str(get_locale())))
    form.due_basis.choices = due_basis_choices()
    return form


def _position_page(position: Position, form, curriculum_form):
    items = org_queries.curriculum(position.id)
    return render_template(
        "admin/position_form.html",
        form=form,
        position=position,
        curriculum=items,
        module_titles=catalogue_queries.titles_of(
            [item.module_id for item in items], str(get_locale())
        ),
        curriculum_form=curriculum_form,
        confirm=ConfirmForm(),
    )


@bp.route("/positions/<int:position_id>/curriculum", methods=["POST"])
def curriculum_set(position_id: int):
    position = db.get_or_404(Position, position_id)
    form = _curriculum_form()

    def save():
        org.set_curriculum_item(
            _actor(),
            position,
            form.module.data,
            due_basis=form.due_basis.data,
            due_days=form.due_days.data,
            due_on=form.due_on.data,
            validity_months=form.validity_months.data,
        )

    if submit(form, save):
        flash(_("Curriculum saved; everyone holding the position is updated."), "success")
        return redirect(url_for("admin.position_edit", position_id=position.id))
    return _position_page(position, PositionForm(obj=position), form), 422


@bp.route("/curriculum/<int:item_id>/remove", methods=["POST"])
def curriculum_remove(item_id: int):
    item = db.get_or_404(CurriculumItem, item_id)
    position_id = item.position_id
    if ConfirmForm().validate_on_submit():
        commit(
            lambda: org.remove_curriculum_item(_actor(), item),
            done=_("Module removed from the curriculum; completions are kept."),
        )
    return redirect(url_for("admin.position_edit", position_id=position_id))


# Certificates


@bp.route("/certificates")
def certificates():
    form = SearchForm(request.args)
    page = db.paginate(
        certificate_queries.search(form.q.data or ""),
        page=_page(),
        per_page=current_app.config["LMS_PAGE_SIZE"],
        error_out=False,
    )
    return render_template(
        "admin/certificate_list.html",
        form=form,
        page=page,
        today=clock.today(),
        revoke_form=RevokeCertificateForm(),
    )


@bp.route("/certificates/<int:certificate_id>/revoke", methods=["POST"])
def certificate_revoke(certificate_id: int):
    certificate = db.get_or_404(Certificate, certificate_id)
    form = RevokeCertificateForm()
    if submit(
        form, lambda: certificates_service.revoke(_actor(), certificate, reason=form.reason.data)
    ):
        flash(_("Certificate %(serial)s revoked.", serial=certificate.serial), "success")
    else:
        for message in [*form.form_errors, *form.reason.errors]:
            flash(message, "error")
    return redirect(url_for("admin.certificates", q=certificate.serial))
