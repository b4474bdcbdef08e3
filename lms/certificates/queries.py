"""Read-side queries of certificates, scoped to who asks."""

import sqlalchemy as sa

from lms.accounts.models import User
from lms.accounts.queries import search_condition
from lms.certificates.models import Certificate
from lms.extensions import db


def certificates_of(user: User) -> list[Certificate]:
    """Every certificate the user holds or held, newest first."""
    query = (
        sa.select(Certificate)
        .where(Certificate.user_id == user.id)
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    )
    return list(db.session.scalars(query))


def own_certificate(user: User, certificate_id: int) -> Certificate | None:
    return db.session.scalar(
        sa.select(Certificate).where(
            Certificate.id == certificate_id, Certificate.user_id == user.id
        )
    )


def by_code(code: str) -> Certificate | None:
    if not code:
        return None
    return db.session.scalar(sa.select(Certificate).where(Certificate.code == code))


def search(text: str) -> sa.Select:
    """Certificates by serial, holder name or username (admins' list)."""
    query = sa.select(Certificate).order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    text = text.strip()
    if text:
        holders = sa.select(User.id).where(search_condition(User.search_text, text))
        query = query.where(sa.or_(Certificate.serial == text, Certificate.user_id.in_(holders)))
    return query
