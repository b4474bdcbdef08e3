"""Read-side lookups of users."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from lms.accounts.models import SignIn, User, UserRole, token_hash
from lms.core.i18n import fold
from lms.extensions import db


def search_condition(column, text: str):
    """Every word of ``text`` (folded) starts a word of the folded ``column``:
    "nguyen van an" finds "Nguyễn Văn An" and "Nguyễn Văn Anh", not "Nguyễn Văn Thuận"."""
    return sa.and_(
        *(
            sa.or_(
                column.startswith(word, autoescape=True),
                column.contains(" " + word, autoescape=True),
            )
            for word in fold(text).split()
        )
    )


def users(*, search: str = "", role: str | None = None, active: bool | None = None) -> sa.Select:
    """All users matching the filters, ordered by name; diacritic-insensitive ``search``."""
    query = sa.select(User).options(selectinload(User.roles)).order_by(User.full_name, User.id)
    if search.strip():
        query = query.where(search_condition(User.search_text, search))
    if role:
        query = query.where(User.roles.any(UserRole.role == role))
    if active is not None:
        query = query.where(User.active.is_(active))
    return query


# Built once: every request runs it (building a statement costs more than running it).
_SESSION_USER = (
    sa.select(User, SignIn.id, SignIn.last_used_at)
    .join(SignIn, SignIn.user_id == User.id)
    .where(
        User.id == sa.bindparam("user_id"),
        User.session_version == sa.bindparam("version"),
        User.active.is_(True),
        SignIn.token_hash == sa.bindparam("token_hash"),
        SignIn.ended_at.is_(None),
    )
    # Every page asks for the roles (the menu): in the same statement.
    .options(joinedload(User.roles))
)


def session_user(session_id: str) -> tuple[User, int, datetime | None] | None:
    """The user a session or remember-me cookie names (``User.get_id``), if it is still valid:
    the account active, its session version current and the sign-in not ended; with the
    sign-in's id and last use. One query, roles included."""
    parts = session_id.split(":")
    if len(parts) != 3 or not (parts[0].isdigit() and parts[1].isdigit() and parts[2]):
        return None  # also the user:version cookies from before sign-ins were recorded
    user_id, version, token = parts
    row = (
        db.session.execute(
            _SESSION_USER,
            {"user_id": int(user_id), "version": int(version), "token_hash": token_hash(token)},
        )
        .unique()
        .first()
    )
    if row is None:
        return None
    user, sign_in_id, last_used_at = row
    user.sign_in_token = token
    return user, sign_in_id, last_used_at
