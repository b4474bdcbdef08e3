"""Admin actions on a person's identity: a password-reset link to hand over."""

from lms.accounts import password_reset
from lms.admin import bp
from lms.admin.forms import ConfirmForm
from lms.admin.views import _actor, _render_user, _user_or_404
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
