"""Paging of queries that return rows of several entities (Flask-SQLAlchemy pages scalars)."""

import base64
import json
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import current_app, request
from flask_sqlalchemy.pagination import SelectPagination

from lms.extensions import db


class RowPagination(SelectPagination):
    def _query_items(self) -> list:
        select = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return list(self._query_args["session"].execute(select).all())


def paginate_rows(select, per_page: int | None = None) -> RowPagination:
    """Page ``select`` by the request's ``page`` argument; items are result rows."""
    return RowPagination(
        select=select,
        session=db.session(),
        page=request.args.get("page", 1, type=int),
        per_page=per_page or current_app.config["LMS_PAGE_SIZE"],
        error_out=False,
    )


@dataclass
class KeysetPage:
    """A page of rows found by where the last page ended, not by its number: no count of
    the whole set and no OFFSET, so the thousandth page of a province costs the first's."""

    items: list
    next_after: str | None  # the ``after`` argument of the next page; None on the last
    is_first: bool


def keyset_page(select, keys: list, per_page: int | None = None) -> KeysetPage:
    """Page ``select`` by the request's ``after`` argument: the rows whose ``keys`` (SQL
    expressions without NULLs that order the rows and together name one) come after those
    the argument holds. ``select`` must not be ordered yet; the page orders it by ``keys``.
    A cursor that cannot be read starts again at the first page."""
    per_page = per_page or current_app.config["LMS_PAGE_SIZE"]
    labels = [f"keyset_{number}" for number in range(len(keys))]
    query = select.add_columns(
        *(key.label(label) for key, label in zip(keys, labels, strict=True))
    ).order_by(*keys)
    after = _read_cursor(request.args.get("after", ""), keys)
    if after is not None:
        query = query.where(sa.tuple_(*keys) > sa.tuple_(*after))
    rows = list(db.session.execute(query.limit(per_page + 1)).all())
    items = rows[:per_page]
    next_after = None
    if len(rows) > per_page:
        last = items[-1]
        next_after = _write_cursor([getattr(last, label) for label in labels])
    return KeysetPage(items=items, next_after=next_after, is_first=after is None)


def _write_cursor(values: list) -> str:
    text = json.dumps([value.isoformat() if isinstance(value, date) else value for value in values])
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _read_cursor(text: str, keys: list) -> list | None:
    if not text:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        if not isinstance(values, list) or len(values) != len(keys):
            return None
        return [
            sa.literal(_typed(value, key.type), key.type)
            for value, key in zip(values, keys, strict=True)
        ]
    except (ValueError, TypeError):
        return None


def _typed(value, type_):
    if isinstance(type_, sa.Date):
        return date.fromisoformat(value)
    if isinstance(type_, sa.Integer) and not isinstance(value, int):
        raise TypeError("not a whole number")
    if isinstance(type_, sa.String) and not isinstance(value, str):
        raise TypeError("not a text")
    return value
