"""Screens of the second factor: the sign-in's second step, password-less sign-in with a
passkey, and the account's security page (authenticator app, recovery codes, passkeys)."""

import base64
import io
from urllib.parse import urlsplit

import segno
from flask import current_app, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from lms.accounts import bp, passkeys, second_factor, sign_in_flow, throttle
from lms.accounts.second_factor_forms import SecondFactorForm, SecurityActionForm, TotpConfirmForm
from lms.core.edge import commit

_CHALLENGE = "passkey_challenge"


def _party() -> passkeys.RelyingParty:
    """The site as passkeys know it: LMS_BASE_URL's host when set, else the request's."""
    base = current_app.config["LMS_BASE_URL"] or request.host_url
    parts = urlsplit(base)
    return passkeys.RelyingParty(
        id=parts.hostname or "",
        origin=f"{parts.scheme}://{parts.netloc}",
        name=_("Digital Skills for Civil Servants"),
    )


def _options_response(options_and_challenge):
    options, challenge = options_and_challenge
    session[_CHALLENGE] = base64.b64encode(challenge).decode()
    return current_app.response_class(options, mimetype="application/json")


def _challenge() -> bytes:
    return base64.b64decode(session.pop(_CHALLENGE, ""))


def _refused(outcome):
    return jsonify(error=str(outcome.refusal.message)), 422


# -- The second step of a sign-in -------------------------------------------------------


@bp.route("/login/second-factor", methods=["GET", "POST"])
@throttle.limit_second_factor(sign_in_flow.pending_account_key)
def second_factor_step():
    user = sign_in_flow.pending_user()
    if user is None:
        return redirect(url_for("accounts.login"))
    form = SecondFactorForm()
    days = current_app.config["LMS_SECOND_FACTOR_REMEMBER_DAYS"]
    form.remember_device.label.text = ngettext(
        "Do not ask again on this device for %(num)d day",
        "Do not ask again on this device for %(num)d days",
        days,
    )
    if form.validate_on_submit():
        code = form.code.data
        # Committed on its own: a code or recovery code is spent even if signing in fails after.
        passed = commit(
            lambda: (
                second_factor.verify_totp(user, code) or second_factor.use_recovery_code(user, code)
            )
        ).value
        if passed:
            return sign_in_flow.pass_second_factor(user, remember_device=form.remember_device.data)
        throttle.record_failure()
        current_app.logger.warning(
            "Wrong second factor for %r from %s", user.username, request.remote_addr
        )
        form.code.errors.append(
            _("That code is not right, or it has been used already. Enter a new code.")
        )
    has_passkey = bool(passkeys.passkeys_of(user))
    return render_template(
        "accounts/second_factor/challenge.html", form=form, has_passkey=has_passkey
    )


@bp.route("/login/second-factor/passkey/options", methods=["POST"])
def second_factor_passkey_options():
    user = sign_in_flow.pending_user()
    if user is None:
        return jsonify(error=_("Your sign-in has expired. Please sign in again.")), 422
    return _options_response(passkeys.authentication_options(_party(), user))


@bp.route("/login/second-factor/passkey", methods=["POST"])
@throttle.limit_second_factor(sign_in_flow.pending_account_key)
def second_factor_passkey():
    user = sign_in_flow.pending_user()
    if user is None:
        return jsonify(error=_("Your sign-in has expired. Please sign in again.")), 422
    answer, challenge = request.get_json(silent=True) or {}, _challenge()
    outcome = commit(
        lambda: passkeys.authenticate(answer, challenge=challenge, party=_party(), user=user),
        quiet=True,
    )
    if not outcome:
        throttle.record_failure()
        return _refused(outcome)
    return _json_redirect(sign_in_flow.pass_second_factor(user, remember_device=False))


# -- Password-less sign-in with a passkey ------------------------------------------------


@bp.route("/login/passkey/options", methods=["POST"])
def passkey_sign_in_options():
    return _options_response(passkeys.authentication_options(_party()))


@bp.route("/login/passkey", methods=["POST"])
def passkey_sign_in():
    # Not throttled: a passkey's signature cannot be guessed, and a counter shared by
    # everyone would let anyone stop everyone's passkey sign-in.
    answer, challenge = request.get_json(silent=True) or {}, _challenge()
    outcome = commit(
        lambda: passkeys.authenticate(answer, challenge=challenge, party=_party()), quiet=True
    )
    if not outcome:
        return _refused(outcome)
    return _json_redirect(
        sign_in_flow.finish_sign_in(outcome.value, remember=False, method="passkey")
    )


def _json_redirect(response):
    """A redirect made for a page, answered to the script that asked: where to go, with the
    redirect's cookies."""
    body = jsonify(redirect=response.location)
    for cookie in response.headers.getlist("Set-Cookie"):
        body.headers.add("Set-Cookie", cookie)
    return body


# -- The account's security page ---------------------------------------------------------


def _qr_data_uri(uri: str) -> str:
    """The QR code of ``uri`` as an SVG data URI (the CSP allows data: images, no inline
    anything else)."""
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="svg", scale=5, border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@bp.route("/account/security")
@login_required
def security():
    user = current_user._get_current_object()
    return render_template(
        "accounts/second_factor/security.html",
        totp=second_factor.totp_confirmed(user),
        codes_left=second_factor.recovery_codes_left(user),
        passkeys=passkeys.passkeys_of(user),
        required=second_factor.required(user),
    )


@bp.route("/account/security/authenticator", methods=["GET", "POST"])
@login_required
def totp_setup():
    user = current_user._get_current_object()
    if second_factor.totp_confirmed(user):
        return redirect(url_for("accounts.security"))
    form = TotpConfirmForm()
    if form.validate_on_submit():
        outcome = commit(lambda: second_factor.confirm_totp(user, form.code.data), field=form.code)
        if outcome:
            sign_in_flow.second_factor_enrolled()
            codes = outcome.value
            return render_template("accounts/second_factor/recovery_codes.html", codes=codes)
    elif second_factor.enrolment_secret(user) is None:
        commit(lambda: second_factor.start_totp_enrolment(user))
    secret, uri = second_factor.enrolment_secret(user)
    return render_template(
        "accounts/second_factor/totp_setup.html", form=form, secret=secret, qr=_qr_data_uri(uri)
    )


@bp.route("/account/security/recovery-codes", methods=["POST"])
@login_required
def new_recovery_codes():
    user = current_user._get_current_object()
    if not SecurityActionForm().validate_on_submit() or not second_factor.totp_confirmed(user):
        return redirect(url_for("accounts.security"))
    codes = commit(lambda: second_factor.new_recovery_codes(user)).value
    return render_template("accounts/second_factor/recovery_codes.html", codes=codes)


@bp.route("/account/security/forget-devices", methods=["POST"])
@login_required
def forget_devices():
    if SecurityActionForm().validate_on_submit():
        commit(
            lambda: second_factor.forget_devices(current_user._get_current_object()),
            done=_("Every device will ask for your second factor again."),
        )
    return redirect(url_for("accounts.security"))


@bp.route("/account/security/passkeys/options", methods=["POST"])
@login_required
def passkey_registration_options():
    user = current_user._get_current_object()
    return _options_response(passkeys.registration_options(user, _party()))


@bp.route("/account/security/passkeys", methods=["POST"])
@login_required
def passkey_register():
    user = current_user._get_current_object()
    body, challenge = request.get_json(silent=True) or {}, _challenge()
    outcome = commit(
        lambda: passkeys.register(
            user,
            body.get("credential") or {},
            challenge=challenge,
            party=_party(),
            name=str(body.get("name") or ""),
        ),
        quiet=True,
        done=_("Your passkey is registered."),
    )
    if not outcome:
        return _refused(outcome)
    sign_in_flow.second_factor_enrolled()
    return jsonify(redirect=url_for("accounts.security"))
