"""Personal data (Law 91/2025/QH15): a person takes away everything the site holds about
them, and an admin anonymises a person who has left.

Both read the tables through the metadata, not through each domain, so a table added later
is covered without a change here: the person's rows are those of every table with a
foreign key to ``users`` holding their id (and, one level down, the rows of a table that
hangs off such a table by a ``user_id`` row, such as the answers of their quiz attempts),
and the audit entries about them. Columns that open something (a hash, a token, a secret)
are never exported. Other domains add files to the export through the signal
``personal_data_exported`` (certificates add their PDFs).

Anonymising replaces the person's name and e-mail address wherever they appear in any text
or JSON column (as whole words, so "Nguyễn Văn An" is replaced and "Nguyễn Văn Anh" is not),
and their username wherever a whole value is it; then the account itself is renamed
"Former official #<id>", loses its address and password, is deactivated, and its sign-ins
are deleted. Counts and dates are untouched, so every aggregate figure stays the same, and
certificates still verify, now issued to the former official.
"""

import io
import json
import re
import zipfile
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from lms.accounts.activation import unusable_password_hash
from lms.accounts.models import SignIn, User
from lms.accounts.services import _search_text, end_sessions
from lms.core import audit, clock, signals
from lms.core.errors import Invalid
from lms.core.models import AuditEntry
from lms.core.permissions import Role, ensure_role
from lms.extensions import db

FORMAT_VERSION = 1
# A column whose name holds one of these opens something: never exported.
SECRET_WORDS = ("hash", "token", "secret")
PROFILE_COLUMNS = ("id", "username", "full_name", "email", "locale", "active", "created_at")


def former_name(user_id: int) -> str:
    return f"Former official #{user_id}"


def _users() -> sa.Table:
    return User.__table__


def _person_columns(table: sa.Table) -> list[sa.Column]:
    return [
        column
        for column in table.columns
        if any(key.column.table is _users() for key in column.foreign_keys)
    ]


def _subject_tables() -> dict[sa.Table, sa.ColumnElement]:
    """Every table holding rows about a person, with the condition that picks the rows of
    the person ``:person`` (a bound parameter)."""
    person = sa.bindparam("person")
    tables: dict[sa.Table, sa.ColumnElement] = {}
    for table in db.metadata.sorted_tables:
        columns = _person_columns(table)
        if table is _users() or not columns:
            continue
        tables[table] = sa.or_(*(column == person for column in columns))
    audit_entries = AuditEntry.__table__
    tables[audit_entries] = sa.or_(
        tables[audit_entries],
        sa.and_(audit_entries.c.object_type == "users", audit_entries.c.object_id == person),
    )
    # One level down: the rows hanging off a row that is the person's own (by user_id).
    for table in db.metadata.sorted_tables:
        if table in tables or table is _users():
            continue
        for column in table.columns:
            for key in column.foreign_keys:
                parent = key.column.table
                if parent in tables and "user_id" in parent.c and parent is not audit_entries:
                    owned = sa.select(key.column).where(parent.c.user_id == person)
                    tables[table] = column.in_(owned)
    return tables


def _exported(column: sa.Column) -> bool:
    return not any(word in column.name for word in SECRET_WORDS) and column.name != "search_text"


def _jsonable(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return None  # media bytes belong to no person
    return value


def _rows(table: sa.Table, condition, user_id: int) -> list[dict]:
    columns = [column for column in table.columns if _exported(column)]
    query = sa.select(*columns).where(condition).order_by(*table.primary_key.columns)
    return [
        {name: _jsonable(value) for name, value in row._mapping.items()}
        for row in db.session.execute(query, {"person": user_id})
    ]


def export(actor: User, user: User) -> bytes:
    """A ZIP of everything held about ``user``: ``profile.json``, one ``<table>.json`` per
    table with rows about them, the files other domains add (``certificates/*.pdf``), and
    ``README.txt``. Only the person themself may take it. Recorded in the audit log."""
    if actor.id != user.id:
        raise Invalid(_l("You can download only your own data."))
    files: dict[str, bytes] = {}
    profile = {name: _jsonable(getattr(user, name)) for name in PROFILE_COLUMNS}
    profile["roles"] = sorted(user.role_set)
    files["profile.json"] = _json(profile)
    for table, condition in _subject_tables().items():
        rows = _rows(table, condition, user.id)
        if rows:
            files[f"{table.name}.json"] = _json(rows)
    signals.personal_data_exported.send(user, files=files)
    files["README.txt"] = _readme(user, sorted(files))
    audit.record(actor, "user.personal_data_exported", user, files=len(files))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in sorted(files.items()):
            archive.writestr(name, content)
    return buffer.getvalue()


def _json(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2, default=str).encode()


def _readme(user: User, names: list[str]) -> bytes:
    lines = [
        f"Personal data of {user.username}, exported {clock.now().isoformat()}",
        f"Format version {FORMAT_VERSION}: one JSON file per table of the site's database",
        "holding rows about you, each a list of rows (column: value); profile.json is your",
        "account; certificates/ holds the PDF of each certificate you hold.",
        "",
        *names,
    ]
    return ("\n".join(lines) + "\n").encode()


# --- anonymising -------------------------------------------------------------------------


def _text_columns(table: sa.Table) -> list[sa.Column]:
    return [
        column
        for column in table.columns
        if isinstance(column.type, sa.String | sa.Text | sa.JSON)
        and not (table is _users() and column.name in ("username", "full_name", "email"))
    ]


def _replace_words(text: str, words: dict[str, str]) -> str:
    for word, replacement in words.items():
        text = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", replacement, text)
    return text


def _scrub(value, words: dict[str, str], username: str, replacement: str):
    """``value`` (text, or JSON decoded) with ``words`` replaced and any whole value equal
    to ``username`` replaced too."""
    if isinstance(value, str):
        return replacement if value == username else _replace_words(value, words)
    if isinstance(value, list):
        return [_scrub(item, words, username, replacement) for item in value]
    if isinstance(value, dict):
        return {key: _scrub(item, words, username, replacement) for key, item in value.items()}
    return value


def _scrub_everywhere(words: dict[str, str], username: str, replacement: str) -> int:
    """Replace ``words`` and ``username`` in every text and JSON column of every table;
    returns the rows changed. Rows are found in SQL (the text, or JSON as text, contains one
    of them in any spelling JSON may store it in) and rewritten one by one."""
    needles = {*words, username}
    spelled = needles | {json.dumps(needle)[1:-1] for needle in needles}
    changed = 0
    for table in db.metadata.sorted_tables:
        columns = _text_columns(table)
        if not columns or not table.primary_key.columns:
            continue
        key = list(table.primary_key.columns)
        found = sa.or_(
            *(
                sa.cast(column, sa.Text).contains(needle, autoescape=True)
                for column in columns
                for needle in spelled
            )
        )
        for row in db.session.execute(sa.select(*key, *columns).where(found)).all():
            values = row._mapping
            new = {
                column.name: _scrub(values[column.name], words, username, replacement)
                for column in columns
                if values[column.name] is not None
            }
            new = {name: value for name, value in new.items() if value != values[name]}
            if new:
                db.session.execute(
                    sa.update(table)
                    .where(*(column == values[column.name] for column in key))
                    .values(**new)
                )
                changed += 1
    return changed


def anonymise(actor: User, user: User) -> None:
    """Anonymise ``user``, who has left: see the module's docstring. Admins only, never
    oneself; ``Invalid`` when already done. Recorded in the audit log (under the new name)."""
    ensure_role(actor, Role.ADMIN)
    if user.id == actor.id:
        raise Invalid(_l("You cannot anonymise your own account."))
    replacement = former_name(user.id)
    if user.full_name == replacement:
        raise Invalid(_l("This account is already anonymised."))
    db.session.flush()
    words = {user.full_name: replacement}
    if user.email:
        words[user.email] = replacement
    _scrub_everywhere(words, user.username, replacement)
    user.full_name = replacement
    user.username = f"former-{user.id}"
    user.email = None
    user.password_hash = unusable_password_hash()
    user.search_text = _search_text(user)
    if user.active:
        user.active = False
        end_sessions(user)
        signals.user_deactivated.send(user, actor=actor)
    db.session.execute(sa.delete(SignIn).where(SignIn.user_id == user.id))
    db.session.flush()
    audit.record(actor, "user.anonymised", user)
