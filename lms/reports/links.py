"""The dashboard's figures as links to the people behind them: a hundred per page, so built
in Python from one address per unit rather than by a template macro and ``url_for`` each."""

from urllib.parse import urlencode

from flask import g, url_for
from markupsafe import Markup

from lms.core.i18n import format_decimal
from lms.reports.queries import Filters

_BASES = "lms_people_bases"  # per request: unit id -> the people list's address


def _people_base(unit_id: int | None) -> str:
    bases = g.setdefault(_BASES, {})
    if unit_id not in bases:
        bases[unit_id] = (
            url_for("reports.people", unit_id=unit_id) if unit_id else url_for("reports.people")
        )
    return bases[unit_id]


def people_link(
    value, unit_id: int | None, filters: Filters, status=None, position=None, module=None
) -> Markup:
    """``value`` as a link to the people it counts: in ``unit_id``'s subtree (None: the whole
    scope), with the dashboard's filters, narrowed to ``status``, ``position`` or ``module``."""
    args = {
        "status": status,
        "position": position or filters.position_id,
        "module": module or filters.module_id,
        "period": filters.period or None,
    }
    query = urlencode({name: arg for name, arg in args.items() if arg is not None})
    href = _people_base(unit_id) + (f"?{query}" if query else "")
    return Markup('<a href="{}">{}</a>').format(href, format_decimal(value))
