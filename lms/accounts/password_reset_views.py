"""Password reset by the person: ask for a link, then choose a new password through it."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from lms.accounts import bp, password_reset, services
from lms.accounts.forms import ActivationForm, ForgotPasswordForm
from lms.accounts.jobs import send_password_reset
from lms.core.edge import commit
from lms.extensions import limiter


def _typed_identifier() -> str:
    return services.normalise_username(request.form.get("identifier", ""))


# Every request counts, found or not: the limits say nothing about which accounts exist.
@bp.route("/account/forgot-password", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LMS_PASSWORD_RESET_LIMIT"],
    key_func=lambda: f"password-reset-account:{_typed_identifier()}",
    methods=["POST"],
    override_defaults=False,
)
@limiter.limit(
    lambda: current_app.config["LMS_PASSWORD_RESET_ADDRESS_LIMIT"],
    key_func=lambda: f"password-reset-address:{request.remote_addr or 'unknown'}",
    methods=["POST"],
    override_defaults=False,
)
def forgot_password():
    if not password_reset.available():
        return render_template("accounts/password_reset/forgot.html", form=None, sent=False)
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        # The same work whether or not an account matches: the job looks it up.
        send_password_reset.enqueue(form.identifier.data)
        return render_template("accounts/password_reset/forgot.html", form=None, sent=True)
    return render_template("accounts/password_reset/forgot.html", form=form, sent=False)


@bp.route("/account/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password through a reset link; every session of the person ends."""
    try:
        user = password_reset.user_for_token(token)
    except password_reset.ResetError as error:
        return render_template(
            "accounts/password_reset/reset.html", problem=error.message, form=None
        ), 400
    form = ActivationForm()
    if form.validate_on_submit() and commit(
        lambda: password_reset.reset(user, form.new.data), field=form.new
    ):
        if current_user.is_authenticated:
            logout_user()
        # Signing in again goes through the sign-in page, second factor included.
        flash(
            _("Your password is changed and every session has ended. Sign in with it."),
            "success",
        )
        return redirect(url_for("accounts.login"))
    return render_template("accounts/password_reset/reset.html", form=form, user=user, problem=None)
