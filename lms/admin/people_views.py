"""Admin actions on a person's identity: a password-reset link to hand over, and
anonymising a person who has left."""

from flask import flash, redirect, url_for
from flask_babel import gettext as _

from lms.accounts import password_reset, personal_data
from lms.admin import bp
from lms.admin.forms import AnonymiseForm, ConfirmForm
from lms.admin.views import _actor, _render_user, _user_or_404
from lms.core.errors import Invalid
from lms.core.forms import submit


@bp.route("/users/<int:user_id>/reset-link", methods=["POST"])
def user_reset_link(user_id: int):
    """A password-reset link for a person who has a password but no e-mail to receive one."""
    user = _user_or_404(user_id)
    form = ConfirmForm()
    issued = []
    if submit(form, lambda: issued.append(password_reset.issue_link(_actor(), user))):
        return _render_user(user, reset_link=issued[0])
    return _render_user(user, 422, confirm_form=form)


@bp.route("/users/<int:user_id>/anonymise", methods=["POST"])
def user_anonymise(user_id: int):
    """Anonymise a person who has left, once the admin has typed their username."""
    user = _user_or_404(user_id)
    form = AnonymiseForm()

    def anonymise():
        if form.username.data.strip().lower() != user.username:
            raise Invalid(_("The username typed is not this person's."))
        personal_data.anonymise(_actor(), user)

    if submit(form, anonymise):
        flash(_("The person is anonymised and their account deactivated."), "success")
        return redirect(url_for("admin.user_detail", user_id=user.id))
    return _render_user(user, 422, anonymise_form=form)
