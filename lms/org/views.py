from flask import abort, current_app, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from lms.accounts.models import User
from lms.core import clock
from lms.core.forms import options
from lms.core.permissions import Role, require_role
from lms.extensions import db
from lms.org import bp, queries
from lms.org.forms import PeopleFilterForm


@bp.route("/people")
@require_role(Role.MANAGER, Role.ADMIN)
def people():
    actor = current_user._get_current_object()
    today = clock.today()
    units = queries.managed_units(actor)
    form = PeopleFilterForm(request.args)
    locale = str(get_locale())
    form.unit.choices = options([(0, _("All my units"))] + [(u.id, u.name(locale)) for u in units])
    form.validate()
    unit_id = form.unit.data or None
    if unit_id is not None and queries.visible_unit(actor, unit_id) is None:
        abort(404)
    page = db.paginate(
        queries.people_in_scope(actor, on=today, search=form.q.data or "", unit_id=unit_id),
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config["LMS_PAGE_SIZE"],
        error_out=False,
    )
    positions = queries.current_assignments_for(
        [user.id for user in page.items], on=today, actor=actor
    )
    return render_template(
        "org/people_list.html", form=form, page=page, positions=positions, units=units
    )


@bp.route("/people/<int:user_id>")
@require_role(Role.MANAGER, Role.ADMIN)
def person(user_id: int):
    actor = current_user._get_current_object()
    today = clock.today()
    user = db.first_or_404(queries.people_in_scope(actor, on=today).where(User.id == user_id))
    return render_template(
        "org/person_detail.html",
        person=user,
        assignments=queries.assignments_in_scope(actor, user),
        today=today,
    )
