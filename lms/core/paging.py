"""Paging of queries that return rows of several entities (Flask-SQLAlchemy pages scalars)."""

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
