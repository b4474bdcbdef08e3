"""Single sign-on screens: the provider buttons on the sign-in page, the way out to a
provider and the way back (lms/accounts/oidc.py holds the protocol and the rules)."""

from flask import current_app, flash, redirect, session, url_for
from flask_login import current_user
from wtforms import HiddenField

from lms.accounts import bp, oidc
from lms.accounts.sign_in_flow import finish_sign_in
from lms.core.edge import commit
from lms.core.forms import Form
from lms.core.urls import safe_next

# What the session keeps between the way out and the way back, and for signing out.
NEXT_KEY = "oidc_next"
SIGN_OUT_KEY = "oidc_sign_out"


class ProviderSignInForm(Form):
    next = HiddenField()


@bp.context_processor
def provider_buttons():
    """The configured providers, for the buttons of the sign-in page."""
    return {"oidc_providers": oidc.providers()}


@bp.route("/login/oidc/<provider>", methods=["POST"])
def oidc_start(provider: str):
    chosen = oidc.provider(provider)
    form = ProviderSignInForm()
    target = safe_next(form.next.data, url_for("learning.home"))
    if current_user.is_authenticated:
        return redirect(target)
    if not form.validate_on_submit():
        return redirect(url_for("accounts.login"))
    try:
        response = oidc.authorization_redirect(chosen)
    except oidc.SignInRefused as refusal:
        flash(str(refusal.message), "error")
        return redirect(url_for("accounts.login"))
    session[NEXT_KEY] = target
    return response


@bp.route("/login/oidc/<provider>/callback")
def oidc_callback(provider: str):
    chosen = oidc.provider(provider)
    try:
        claims, id_token = oidc.verified_claims(chosen)
    except oidc.SignInRefused as refusal:
        flash(str(refusal.message), "error")
        return redirect(url_for("accounts.login"))
    signed_in = commit(lambda: oidc.sign_in(chosen, claims))
    if not signed_in:
        current_app.logger.warning(
            "Single sign-on of %s %r refused: %s", chosen.name, claims["sub"], signed_in.refusal
        )
        return redirect(url_for("accounts.login"))
    target = session.get(NEXT_KEY) or url_for("learning.home")
    response = _log_in(signed_in.value, target)
    session[SIGN_OUT_KEY] = {"provider": chosen.name, "id_token": id_token}
    return response


def _log_in(user, target: str):
    """Finish the sign-in of ``user``, whose identity a provider vouched for, as a password
    sign-in finishes: a second factor may come between."""
    return finish_sign_in(
        user, remember=False, method="oidc", next_url=safe_next(target, url_for("learning.home"))
    )


def sign_out_redirect():
    """After the local sign-out: the provider's end-session address when the person signed in
    through one that has it (it sends them back to the sign-in page), else None."""
    signed_in_at = session.pop(SIGN_OUT_KEY, None)
    if not signed_in_at:
        return None
    url = oidc.end_session_url(
        signed_in_at["provider"],
        signed_in_at["id_token"],
        back_to=oidc.external_url("accounts.login"),
    )
    return redirect(url) if url else None
