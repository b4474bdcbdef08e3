"""A person's own API tokens, under their account: made (the value shown once), listed,
revoked. Such a token reads only its holder's own records."""

from flask import abort, current_app, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.api import bp, services
from lms.api.forms import PersonalTokenForm
from lms.core.edge import commit
from lms.core.forms import Form, submit


@bp.route("/account/api-tokens", methods=["GET", "POST"])
@login_required
def personal_tokens():
    form = PersonalTokenForm()
    outcome = submit(
        form,
        lambda: services.create_personal_token(
            current_user,
            name=form.name.data,
            scopes=form.scopes.data,
            days=form.days.data,
        ),
    )
    value = outcome.value[1] if outcome else None
    status = 422 if form.errors else 200
    return render_template(
        "api/token_list.html",
        form=form,
        value=value,
        tokens=services.personal_tokens(current_user),
        revoke_form=Form(),
        longest=current_app.config["LMS_API_PERSONAL_TOKEN_DAYS"],
    ), status


@bp.route("/account/api-tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def personal_token_revoke(token_id: int):
    token = services.own_token(current_user, token_id)
    if token is None:
        abort(404)
    if Form().validate_on_submit():
        commit(lambda: services.revoke_token(current_user, token), done=_("Token revoked."))
    return redirect(url_for("api.personal_tokens"))
