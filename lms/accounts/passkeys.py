"""Passkeys (WebAuthn): registering one, and proving a sign-in with it, as the second factor
or on its own. Discoverable credentials with user verification are asked for, so a passkey
alone is two factors (the device and its PIN or fingerprint) and signs in without a password.

The caller keeps the challenge of the options it sent (in the session) and gives it back with
the browser's answer, along with the site's relying-party id and origin. Every function
flushes; the caller commits.
"""

import json
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import parse_authentication_credential_json
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from lms.accounts.models import User
from lms.accounts.second_factor_models import Passkey
from lms.core import audit, clock
from lms.core.errors import Invalid
from lms.extensions import db


@dataclass(frozen=True)
class RelyingParty:
    """Who the passkeys are for: the site's host name (``id``), its origin and its name."""

    id: str
    origin: str
    name: str


def _user_handle(user: User) -> bytes:
    return str(user.id).encode()


def _descriptors(user: User) -> list[PublicKeyCredentialDescriptor]:
    ids = db.session.scalars(sa.select(Passkey.credential_id).where(Passkey.user_id == user.id))
    return [PublicKeyCredentialDescriptor(id=credential_id) for credential_id in ids]


def registration_options(user: User, party: RelyingParty) -> tuple[str, bytes]:
    """(options as JSON for ``navigator.credentials.create``, their challenge)."""
    options = generate_registration_options(
        rp_id=party.id,
        rp_name=party.name,
        user_id=_user_handle(user),
        user_name=user.username,
        user_display_name=user.full_name,
        exclude_credentials=_descriptors(user),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
    )
    return options_to_json(options), options.challenge


def register(user: User, answer: dict, *, challenge: bytes, party: RelyingParty, name: str):
    """Keep the passkey the browser made for ``user``. Raises ``Invalid`` when the answer
    does not verify (wrong challenge, origin or site, or no user verification)."""
    if not challenge:  # no options were asked for, or their answer came already
        raise Invalid(_l("The passkey could not be registered. Please try again."))
    try:
        verified = verify_registration_response(
            credential=answer,
            expected_challenge=challenge,
            expected_rp_id=party.id,
            expected_origin=party.origin,
            require_user_verification=True,
        )
    except WebAuthnException as error:
        raise Invalid(_l("The passkey could not be registered. Please try again.")) from error
    passkey = Passkey(
        user_id=user.id,
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        name=name.strip()[:100] or str(_l("Passkey")),
    )
    db.session.add(passkey)
    db.session.flush()
    audit.record(user, "user.passkey_registered", user)
    return passkey


def authentication_options(party: RelyingParty, user: User | None = None) -> tuple[str, bytes]:
    """(options as JSON for ``navigator.credentials.get``, their challenge): for ``user``'s
    passkeys, or, without a user, for any passkey of the site the device holds."""
    options = generate_authentication_options(
        rp_id=party.id,
        allow_credentials=_descriptors(user) if user is not None else None,
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    return options_to_json(options), options.challenge


_REFUSED = _l("That passkey was not accepted. Try again or use another way to sign in.")


def authenticate(
    answer: dict, *, challenge: bytes, party: RelyingParty, user: User | None = None
) -> User:
    """The active user whose passkey signed ``challenge`` (``user``'s own when given).
    Raises ``Invalid`` otherwise."""
    if not challenge:  # no options were asked for, or their answer came already
        raise Invalid(_REFUSED)
    try:
        credential = parse_authentication_credential_json(json.dumps(answer))
    except (WebAuthnException, ValueError, TypeError) as error:
        raise Invalid(_REFUSED) from error
    passkey = db.session.scalar(
        sa.select(Passkey).where(Passkey.credential_id == credential.raw_id)
    )
    owner = db.session.get(User, passkey.user_id) if passkey is not None else None
    if owner is None or not owner.active or (user is not None and owner.id != user.id):
        raise Invalid(_REFUSED)
    handle = credential.response.user_handle
    if handle is not None and handle != _user_handle(owner):
        raise Invalid(_REFUSED)
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=party.id,
            expected_origin=party.origin,
            credential_public_key=passkey.public_key,
            credential_current_sign_count=passkey.sign_count,
            require_user_verification=True,
        )
    except WebAuthnException as error:
        raise Invalid(_REFUSED) from error
    passkey.sign_count = verified.new_sign_count
    passkey.last_used_at = clock.now()
    db.session.flush()
    return owner


def passkeys_of(user: User) -> list[Passkey]:
    return list(
        db.session.scalars(
            sa.select(Passkey).where(Passkey.user_id == user.id).order_by(Passkey.created_at)
        )
    )
