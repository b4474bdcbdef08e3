"""The sessions page: a person's sign-ins, ending one, or all but this browser."""

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.accounts import bp, sessions
from lms.accounts.forms import ConfirmForm
from lms.core.edge import commit


@bp.before_app_request
def _load_user_first():
    """Load the signed-in user before any view runs, so the loader's record of a sign-in's
    last use is committed on its own, never together with a view's work. Static files need
    no user."""
    if request.endpoint != "static":
        current_user._get_current_object()


@bp.route("/account/sessions")
@login_required
def sign_ins():
    user = current_user._get_current_object()
    return render_template(
        "accounts/sessions/list.html",
        sign_ins=[
            (sign_in, sessions.device(sign_in.user_agent), sessions.is_current(user, sign_in))
            for sign_in in sessions.active_sign_ins(user)
        ],
        last_use=sessions.last_use,
        form=ConfirmForm(),
    )


@bp.route("/account/sessions/<int:sign_in_id>/end", methods=["POST"])
@login_required
def end_sign_in(sign_in_id: int):
    # The site-wide CSRF check has passed to get here: the form holds nothing else.
    commit(
        lambda: sessions.end_sign_in(current_user._get_current_object(), sign_in_id),
        done=_("That session has ended."),
    )
    return redirect(url_for("accounts.sign_ins"))


@bp.route("/account/sessions/end-others", methods=["POST"])
@login_required
def end_other_sign_ins():
    commit(
        lambda: sessions.end_other_sign_ins(current_user._get_current_object()),
        done=_("You have been signed out everywhere else."),
    )
    return redirect(url_for("accounts.sign_ins"))
