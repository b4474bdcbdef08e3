"""What a person keeps to prove a sign-in a second time: an authenticator app's secret,
recovery codes, passkeys, and the browsers they asked to remember."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.db import Base, CreatedAt


class TotpCredential(CreatedAt, Base):
    """A person's authenticator app (RFC 6238), one per person. Until ``confirmed_at`` it is
    an enrolment in progress and protects nothing."""

    __tablename__ = "totp_credentials"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    # Encrypted with a key derived from the site's secret key: the table alone gives no codes.
    secret_encrypted: Mapped[str] = mapped_column(sa.String(255))
    confirmed_at: Mapped[datetime | None]
    # The last 30-second time step a code was accepted for: a code is good once.
    last_step: Mapped[int | None] = mapped_column(sa.BigInteger)


class RecoveryCode(CreatedAt, Base):
    """One of a person's single-use recovery codes, for a lost phone."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # SHA-256 of a random 80-bit code: too much entropy to guess, so no slow hash is needed.
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    used_at: Mapped[datetime | None]


class RememberedDevice(CreatedAt, Base):
    """A browser where a person passed the second factor and asked not to be asked again
    for a while. Its cookie names the row; the row holds the user's session version, so a
    password change (which bumps it) forgets every remembered browser at once."""

    __tablename__ = "remembered_devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    session_version: Mapped[int]
    expires_at: Mapped[datetime]


class Passkey(CreatedAt, Base):
    """A WebAuthn credential (a passkey) a person registered, usable as a second factor or
    to sign in without a password."""

    __tablename__ = "passkeys"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    credential_id: Mapped[bytes] = mapped_column(sa.LargeBinary(1024), unique=True)
    public_key: Mapped[bytes] = mapped_column(sa.LargeBinary(2048))
    sign_count: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    name: Mapped[str] = mapped_column(sa.String(100))
    last_used_at: Mapped[datetime | None]
