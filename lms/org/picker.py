"""The unit picker: finding units by name or code among those an actor may choose, and
reading what a form's unit field holds.

A unit field is a text field holding unit codes (several separated by commas when the field
takes several). With JavaScript, ``static/js/unit-picker.js`` turns it into a combobox that
asks ``org.unit_search`` (JSON) as the person types; without, the person types a code or a
name, or opens ``org.unit_find``, a search page whose results return to the form. Either way
the server reads the field here, against the same scope as every other query
(``queries.in_scope``): a unit outside it is refused with a message, never taken.
"""

from typing import NamedTuple

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from wtforms import StringField

from lms.accounts.models import User
from lms.accounts.queries import search_condition
from lms.core.errors import Invalid
from lms.core.i18n import fold
from lms.core.permissions import Role
from lms.extensions import db
from lms.org.models import OrgUnit, OrgUnitClosure
from lms.org.queries import in_scope

# Results of one search: enough to find a unit by typing, few enough to read.
LIMIT = 20
PATH_SEPARATOR = " › "


class UnitChoice(NamedTuple):
    id: int
    code: str
    name: str
    path: str  # the ancestors' names and the unit's own, from the root down

    def as_json(self) -> dict:
        return {"id": self.id, "code": self.code, "name": self.name, "path": self.path}


class UnitField(StringField):
    """A text field of unit codes that the picker script enhances; ``multiple`` for a list;
    ``whole_tree`` where trainers pick from every unit (a session's audience)."""

    def __init__(
        self,
        label=None,
        validators=None,
        *,
        multiple: bool = False,
        whole_tree: bool = False,
        **kwargs,
    ):
        super().__init__(label, validators, **kwargs)
        self.multiple = multiple
        self.whole_tree = whole_tree


def choosable(actor: User, *, whole_tree: bool = False) -> sa.ColumnElement[bool]:
    """SQL condition on ``OrgUnit.id``: a unit ``actor`` may choose. The units they may see
    (``in_scope``); with ``whole_tree``, every unit for those who schedule training sessions
    for anyone (trainers and admins), as a session's audience may be any unit."""
    if whole_tree and actor.has_any_role({Role.TRAINER, Role.ADMIN}):
        return sa.true()
    return in_scope(actor, OrgUnit.id)


def _name_column(locale: str):
    if locale == "en":
        return sa.func.coalesce(sa.func.nullif(OrgUnit.name_en, ""), OrgUnit.name_vi)
    return OrgUnit.name_vi


def _paths(unit_ids: list[int], locale: str) -> dict[int, list[str]]:
    """Each unit's ancestors' names, root first, read in one query."""
    if not unit_ids:
        return {}
    rows = db.session.execute(
        sa.select(OrgUnitClosure.descendant_id, _name_column(locale))
        .join(OrgUnit, OrgUnit.id == OrgUnitClosure.ancestor_id)
        .where(OrgUnitClosure.descendant_id.in_(unit_ids), OrgUnitClosure.depth > 0)
        .order_by(OrgUnitClosure.descendant_id, OrgUnitClosure.depth.desc())
    )
    paths: dict[int, list[str]] = {unit_id: [] for unit_id in unit_ids}
    for unit_id, name in rows:
        paths[unit_id].append(name)
    return paths


def _choices(query: sa.Select, locale: str) -> list[UnitChoice]:
    rows = db.session.execute(query).all()
    paths = _paths([row.id for row in rows], locale)
    return [
        UnitChoice(row.id, row.code, row.name, PATH_SEPARATOR.join([*paths[row.id], row.name]))
        for row in rows
    ]


def _choice_query(actor: User, locale: str, whole_tree: bool) -> sa.Select:
    return sa.select(OrgUnit.id, OrgUnit.code, _name_column(locale).label("name")).where(
        choosable(actor, whole_tree=whole_tree)
    )


def search(
    actor: User, text: str, *, locale: str, limit: int = LIMIT, whole_tree: bool = False
) -> list[UnitChoice]:
    """Current units ``actor`` may choose whose name or code has words starting with the
    words of ``text``, diacritics and case ignored ("ha noi" finds "Hà Nội"; "d" finds
    "Đông"), or whose code is ``text``; at most ``limit``, by name."""
    if not fold(text):
        return []
    query = (
        _choice_query(actor, locale, whole_tree)
        .where(
            OrgUnit.valid_to.is_(None),
            sa.or_(
                search_condition(OrgUnit.search_text, text),
                OrgUnit.code == text.strip().upper(),
            ),
        )
        .order_by(OrgUnit.name_vi, OrgUnit.id)
        .limit(limit)
    )
    return _choices(query, locale)


def chosen(
    actor: User, codes: list[str], *, locale: str, whole_tree: bool = False
) -> list[UnitChoice]:
    """The units with ``codes`` that ``actor`` may choose, to show what a field holds."""
    wanted = {code.strip().upper() for code in codes if code.strip()}
    if not wanted:
        return []
    query = _choice_query(actor, locale, whole_tree).where(OrgUnit.code.in_(wanted))
    return _choices(query, locale)


def split_codes(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").replace(";", ",").split(",") if part.strip()]


def resolve(actor: User, text: str, *, locale: str = "vi", whole_tree: bool = False) -> OrgUnit:
    """The unit ``text`` names among those ``actor`` may choose: its code, or words of its
    name that match one current unit only. Raises ``Invalid`` saying why otherwise."""
    typed = text.strip()
    unit = db.session.scalar(
        sa.select(OrgUnit).where(
            OrgUnit.code == typed.upper(), choosable(actor, whole_tree=whole_tree)
        )
    )
    if unit is not None:
        return unit
    matches = search(actor, typed, locale=locale, limit=4, whole_tree=whole_tree)
    if len(matches) == 1:
        return db.session.get(OrgUnit, matches[0].id)
    if not matches:
        raise Invalid(
            _l(
                "No unit you may choose has the code or name “%(text)s”.",
                text=typed,
            )
        )
    listed = "; ".join(f"{match.path} ({match.code})" for match in matches[:3])
    raise Invalid(
        _l(
            "Several units match “%(text)s”: %(units)s. Type the unit's code.",
            text=typed,
            units=listed,
        )
    )


def resolve_many(
    actor: User, text: str | None, *, locale: str = "vi", whole_tree: bool = False
) -> list[OrgUnit]:
    """The units of a comma-separated field, each read by ``resolve``, without repeats."""
    units: dict[int, OrgUnit] = {}
    for part in split_codes(text):
        unit = resolve(actor, part, locale=locale, whole_tree=whole_tree)
        units.setdefault(unit.id, unit)
    return list(units.values())
