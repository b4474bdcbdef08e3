"""The second factor: who needs one, authenticator-app codes (TOTP), recovery codes and
remembered browsers. Passkeys live in ``passkeys``.

Recovery codes are random 80-bit strings kept as SHA-256: argon2 would make each of ten
checks per attempt slow, and it only helps against guessing a low-entropy secret such as a
password, which these are not. Every function flushes; the caller commits.
"""

import base64
import hashlib
import hmac
import secrets
from datetime import timedelta

import pyotp
import sqlalchemy as sa
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from flask_babel import lazy_gettext as _l

from lms.accounts.models import User, token_hash
from lms.accounts.second_factor_models import (
    Passkey,
    RecoveryCode,
    RememberedDevice,
    TotpCredential,
)
from lms.core import audit, clock, signals
from lms.core.errors import Invalid
from lms.extensions import db

RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I look-alikes
_RECOVERY_LENGTH = 16  # 16 characters of 32: 80 bits
# Codes of the step before and after the current one are accepted: a phone's clock drifts.
_TOTP_DRIFT_STEPS = 1


def required(user: User) -> bool:
    """Whether ``user`` must sign in with a second factor (``LMS_SECOND_FACTOR_REQUIRED``)."""
    rules = set(current_app.config["LMS_SECOND_FACTOR_REQUIRED"])
    if any(role.value in rules for role in user.role_set):
        return True
    return any(answer for _, answer in signals.second_factor_required.send(user, rules=rules))


def has_second_factor(user: User) -> bool:
    """Whether ``user`` has a confirmed authenticator app or a passkey."""
    totp = sa.select(TotpCredential.user_id).where(
        TotpCredential.user_id == user.id, TotpCredential.confirmed_at.is_not(None)
    )
    passkey = sa.select(Passkey.user_id).where(Passkey.user_id == user.id)
    return db.session.scalar(sa.select(sa.exists(totp.union_all(passkey)))) or False


def _fernet() -> Fernet:
    """The key the TOTP secrets are encrypted with, derived from the site's secret key (so a
    copy of the database alone gives no codes; changing the secret key means enrolling again)."""
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"lms totp secret").derive(
        current_app.config["SECRET_KEY"].encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def _totp_of(credential: TotpCredential) -> pyotp.TOTP:
    return pyotp.TOTP(_fernet().decrypt(credential.secret_encrypted.encode()).decode())


def _credential(user: User) -> TotpCredential | None:
    return db.session.get(TotpCredential, user.id)


def totp_confirmed(user: User) -> bool:
    credential = _credential(user)
    return credential is not None and credential.confirmed_at is not None


def start_totp_enrolment(user: User) -> None:
    """Give ``user`` a new, unconfirmed authenticator secret (replacing an unconfirmed one).
    Raises ``Invalid`` when an authenticator app is already confirmed."""
    credential = _credential(user)
    if credential is not None and credential.confirmed_at is not None:
        raise Invalid(_l("An authenticator app is already set up for your account."))
    secret = _fernet().encrypt(pyotp.random_base32().encode()).decode()
    if credential is None:
        db.session.add(TotpCredential(user_id=user.id, secret_encrypted=secret))
    else:
        credential.secret_encrypted = secret
    db.session.flush()


def enrolment_secret(user: User) -> tuple[str, str] | None:
    """(secret, otpauth URI) of ``user``'s unconfirmed enrolment, for the QR code; None once
    confirmed: the secret is never shown again."""
    credential = _credential(user)
    if credential is None or credential.confirmed_at is not None:
        return None
    totp = _totp_of(credential)
    issuer = current_app.config["LMS_CERTIFICATE_ISSUER"]
    return totp.secret, totp.provisioning_uri(name=user.username, issuer_name=issuer)


def _matching_step(totp: pyotp.TOTP, code: str) -> int | None:
    code = "".join(code.split())
    current = totp.timecode(clock.now())
    for step in range(current - _TOTP_DRIFT_STEPS, current + _TOTP_DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _claim_step(user: User, step: int) -> bool:
    """Record ``step`` as used unless it or a later one already was; atomic, so two requests
    racing with one code cannot both pass."""
    claimed = db.session.execute(
        sa.update(TotpCredential)
        .where(
            TotpCredential.user_id == user.id,
            sa.or_(TotpCredential.last_step.is_(None), TotpCredential.last_step < step),
        )
        .values(last_step=step)
    )
    return claimed.rowcount == 1


def confirm_totp(user: User, code: str) -> list[str]:
    """Confirm the enrolment with a first code from the app; returns the new recovery codes
    (to be shown once). Raises ``Invalid`` for a wrong code."""
    credential = _credential(user)
    if credential is None or credential.confirmed_at is not None:
        raise Invalid(_l("Start setting up the authenticator app again."))
    step = _matching_step(_totp_of(credential), code)
    if step is None or not _claim_step(user, step):
        raise Invalid(_l("That code is not right. Enter the code the app shows now."))
    credential.confirmed_at = clock.now()
    db.session.flush()
    audit.record(user, "user.totp_enrolled", user)
    return new_recovery_codes(user)


def verify_totp(user: User, code: str) -> bool:
    """Whether ``code`` is ``user``'s current authenticator code, not used before."""
    credential = _credential(user)
    if credential is None or credential.confirmed_at is None:
        return False
    step = _matching_step(_totp_of(credential), code)
    return step is not None and _claim_step(user, step)


def _normalise_recovery_code(code: str) -> str:
    return "".join(character for character in code.upper() if character.isalnum())


def _recovery_hash(code: str) -> str:
    return hashlib.sha256(_normalise_recovery_code(code).encode()).hexdigest()


def new_recovery_codes(user: User) -> list[str]:
    """Replace ``user``'s recovery codes with ten new ones, returned formatted to be shown
    once (only their hashes are kept)."""
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [
        "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    db.session.add_all(
        RecoveryCode(user_id=user.id, code_hash=_recovery_hash(code)) for code in codes
    )
    db.session.flush()
    audit.record(user, "user.recovery_codes_made", user)
    return ["-".join(code[i : i + 4] for i in range(0, len(code), 4)) for code in codes]


def use_recovery_code(user: User, code: str) -> bool:
    """Spend one of ``user``'s recovery codes; False when it is not one or already used."""
    used = db.session.execute(
        sa.update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _recovery_hash(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=clock.now())
    )
    if used.rowcount != 1:
        return False
    audit.record(user, "user.recovery_code_used", user)
    return True


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


def remember_device(user: User) -> str:
    """Remember a browser for ``user`` (``LMS_SECOND_FACTOR_REMEMBER_DAYS``); returns the
    token its cookie carries. A password change forgets it (the session version moves on)."""
    token = secrets.token_urlsafe(32)
    days = current_app.config["LMS_SECOND_FACTOR_REMEMBER_DAYS"]
    db.session.add(
        RememberedDevice(
            user_id=user.id,
            token_hash=token_hash(token),
            session_version=user.session_version,
            expires_at=clock.now() + timedelta(days=days),
        )
    )
    db.session.flush()
    return token


def is_remembered(user: User, token: str) -> bool:
    """Whether ``token`` names a remembered browser of ``user`` that is still valid."""
    return (
        db.session.scalar(
            sa.select(
                sa.exists().where(
                    RememberedDevice.user_id == user.id,
                    RememberedDevice.token_hash == token_hash(token),
                    RememberedDevice.session_version == user.session_version,
                    RememberedDevice.expires_at > clock.now(),
                )
            )
        )
        or False
    )


def forget_devices(user: User) -> None:
    """Ask for the second factor again in every browser ``user`` had remembered."""
    db.session.execute(sa.delete(RememberedDevice).where(RememberedDevice.user_id == user.id))
    audit.record(user, "user.remembered_devices_forgotten", user)
