"""Admin screens of the REST API's clients: made (the secret shown once), listed, revoked."""

from flask import abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.admin import bp
from lms.admin.forms import ApiClientForm
from lms.admin.views import _unit_from_code
from lms.api import services as api
from lms.core.edge import commit
from lms.core.forms import Form, options, submit


def _form() -> ApiClientForm:
    form = ApiClientForm()
    form.scopes.choices = options(
        (scope, f"{scope}: {label}") for scope, label in api.SCOPES.items()
    )
    return form


@bp.route("/api-clients", methods=["GET", "POST"])
def api_clients():
    form = _form()

    def create():
        codes = [code for code in (form.units.data or "").replace(";", ",").split(",")]
        units = [_unit_from_code(code) for code in codes if code.strip()]
        return api.create_client(
            current_user._get_current_object(),
            name=form.name.data,
            scopes=form.scopes.data,
            units=units,
        )

    outcome = submit(form, create)
    created = outcome.value if outcome else None
    return render_template(
        "admin/api_clients.html",
        form=form,
        created=created,
        clients=api.clients(),
        revoke_form=Form(),
    ), 422 if form.errors or form.form_errors else 200


@bp.route("/api-clients/<int:client_id>/revoke", methods=["POST"])
def api_client_revoke(client_id: int):
    client = api.client_by_id(client_id)
    if client is None:
        abort(404)
    if Form().validate_on_submit():
        commit(
            lambda: api.revoke_client(current_user._get_current_object(), client),
            done=_("Client revoked; its tokens no longer work."),
        )
    return redirect(url_for("admin.api_clients"))
