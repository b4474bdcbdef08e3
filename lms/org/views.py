from urllib.parse import urlencode

from flask import current_app, jsonify, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from lms.accounts.models import User
from lms.core import clock
from lms.core.errors import Invalid
from lms.core.permissions import Role, require_role
from lms.core.urls import safe_next
from lms.extensions import db
from lms.org import bp, picker, queries
from lms.org.forms import PeopleFilterForm


@bp.route("/people")
@require_role(Role.MANAGER, Role.ADMIN)
def people():
    actor = current_user._get_current_object()
    today = clock.today()
    form = PeopleFilterForm(request.args)
    form.validate()
    unit_id = None
    if form.unit.data and not form.unit.errors:
        try:
            unit_id = picker.resolve(actor, form.unit.data, locale=str(get_locale())).id
        except Invalid as refusal:
            form.unit.errors = [str(refusal.message)]
    if form.unit.errors:
        return render_template("org/people_list.html", form=form, page=None), 422
    page = db.paginate(
        queries.people_in_scope(actor, on=today, search=form.q.data or "", unit_id=unit_id),
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config["LMS_PAGE_SIZE"],
        error_out=False,
    )
    positions = queries.current_assignments_for(
        [user.id for user in page.items], on=today, actor=actor
    )
    return render_template("org/people_list.html", form=form, page=page, positions=positions)


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


def _whole_tree() -> bool:
    return request.args.get("tree") == "all"


@bp.route("/units/search")
@require_role(Role.MANAGER, Role.ADMIN, Role.TRAINER)
def unit_search():
    """The unit picker's search (JSON): current units the signed-in person may choose
    matching ``q``, or the units with the comma-separated ``codes`` (to show a field's value).
    ``tree=all``: every unit, for a trainer or an admin choosing a session's audience."""
    actor = current_user._get_current_object()
    options = {"locale": str(get_locale()), "whole_tree": _whole_tree()}
    if "codes" in request.args:
        found = picker.chosen(actor, picker.split_codes(request.args["codes"]), **options)
    else:
        found = picker.search(actor, request.args.get("q", "")[:100], **options)
    return jsonify(units=[choice.as_json() for choice in found])


def _picked_url(back: str, field: str, value: str) -> str:
    """``back`` with the picked value for ``field`` (read by the form macro) and its anchor."""
    joiner = "&" if "?" in back else "?"
    return f"{back}{joiner}{urlencode({'pick-' + field: value})}#{field}"


@bp.route("/units/find")
@require_role(Role.MANAGER, Role.ADMIN, Role.TRAINER)
def unit_find():
    """The unit picker without JavaScript: a search page whose results lead back to the
    form (``back``) with the unit chosen for ``field``, added to ``keep`` for a list."""
    actor = current_user._get_current_object()
    q = request.args.get("q", "")[:100]
    field = request.args.get("field", "")[:64]
    back = safe_next(request.args.get("back"), "")
    keep = request.args.get("keep", "")[:2000]
    multiple = request.args.get("multiple") == "1"
    locale, whole_tree = str(get_locale()), _whole_tree()
    found = picker.search(actor, q, locale=locale, whole_tree=whole_tree) if q.strip() else []
    kept = picker.split_codes(keep) if multiple else []
    links = {}
    if back and field.replace("_", "").replace("-", "").isalnum():
        for choice in found:
            codes = kept if choice.code in kept else [*kept, choice.code]
            links[choice.id] = _picked_url(back, field, ", ".join(codes))
    return render_template(
        "org/unit_find.html",
        q=q,
        field=field,
        back=back,
        keep=keep,
        multiple=multiple,
        whole_tree=whole_tree,
        found=found,
        links=links,
        limit=picker.LIMIT,
    )


@bp.app_template_global("unit_picker")
def unit_picker(field, back: str | None = None) -> dict:
    """What the form macro needs to render a ``picker.UnitField``: its value (the unit picked
    on the search page, when the page comes back from there), the search addresses."""
    multiple = getattr(field, "multiple", False)
    tree = {"tree": "all"} if getattr(field, "whole_tree", False) else {}
    picked = request.args.get("pick-" + field.name) if request.method == "GET" else None
    value = picked if picked is not None else (field.data or "")
    back = back or request.path
    find = {"field": field.name, "back": back, **tree}
    if multiple:
        find.update(multiple="1", keep=value)
    # Here rather than in the macro: pybabel leaves templates/_macros out of the catalogue.
    texts = {
        "data_text_none": _("No unit you may choose matches."),
        "data_text_found": _("Units found: {n}. Use the up and down arrows, then Enter to choose."),
        "data_text_remove": _("Remove {unit}"),
        "data_text_chosen": _("Chosen units"),
        "data_text_added": _("Chosen: {unit}"),
    }
    return {
        "value": value,
        "multiple": multiple,
        "texts": texts,
        "find_label": _("Search units by name"),
        "search_url": url_for("org.unit_search", **tree),
        "find_url": url_for("org.unit_find", **find),
    }
