from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from lms.accounts import activation, bp, oidc_views, services, throttle
from lms.accounts.forms import ActivationForm, ChangePasswordForm, LanguageForm, SignInForm
from lms.accounts.sign_in_flow import finish_sign_in
from lms.core.edge import commit
from lms.core.urls import safe_next


def _browser() -> dict:
    """Where a sign-in comes from, kept with it so a person can tell their sign-ins apart."""
    return {"address": request.remote_addr, "user_agent": request.user_agent.string}


@bp.route("/login", methods=["GET", "POST"])
@throttle.limit_sign_in
def login():
    form = SignInForm(next=request.args.get("next", ""))
    target = safe_next(form.next.data, url_for("learning.home"))
    if current_user.is_authenticated:
        return redirect(target)
    if form.validate_on_submit():
        signed_in = commit(
            lambda: services.authenticate(form.username.data, form.password.data), form=form
        )
        user = signed_in.value
        # A refusal (a role that signs in through a provider) is already said on the form.
        if user is None and signed_in.refusal is None:
            throttle.record_failure()
            current_app.logger.warning(
                "Failed sign-in for %r from %s", form.username.data, request.remote_addr
            )
            form.password.errors.append(_("Wrong username or password."))
        elif user is not None:
            return finish_sign_in(
                user, remember=form.remember.data, method="password", next_url=target
            )
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    commit(lambda: services.sign_out(current_user._get_current_object()))
    logout_user()
    flash(_("You have signed out."), "success")
    return oidc_views.sign_out_redirect() or redirect(url_for("accounts.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if commit(
            lambda: services.change_password(user, current=form.current.data, new=form.new.data),
            field=form.new,
        ):
            remember = current_app.config["REMEMBER_COOKIE_NAME"] in request.cookies
            login_user(user, remember=remember)
            flash(
                _("Your password has been changed. Other devices have been signed out."), "success"
            )
            return redirect(url_for("learning.home"))
    return render_template("accounts/password_change.html", form=form)


@bp.route("/language", methods=["POST"])
def set_language():
    form = LanguageForm()
    target = safe_next(form.next.data, url_for("learning.home"))
    if form.validate_on_submit():
        session["locale"] = form.locale.data
        if current_user.is_authenticated:
            commit(
                lambda: services.set_locale(current_user._get_current_object(), form.locale.data)
            )
    return redirect(target)


@bp.route("/account/activate/<token>", methods=["GET", "POST"])
def activate(token: str):
    """Set one's first password through the link an administrator handed out."""
    try:
        user = activation.user_for_token(token)
    except activation.ActivationError as error:
        return render_template("accounts/activate.html", problem=error.message, form=None), 400
    form = ActivationForm()
    if form.validate_on_submit() and commit(
        lambda: activation.activate(user, form.new.data), field=form.new
    ):
        session.clear()
        commit(lambda: services.start_sign_in(user, **_browser()))
        login_user(user)
        flash(_("Your password is set and you are signed in. Welcome!"), "success")
        response = redirect(url_for("learning.home"))
        throttle.remember_device(response, user)
        return response
    return render_template("accounts/activate.html", form=form, user=user, problem=None)
