"""``cache.fingerprint``: what names a page's data differs whenever the data does."""

from dataclasses import dataclass
from datetime import date

import pytest
from flask_babel import lazy_gettext

from lms.core.cache import fingerprint
from lms.org.models import OrgUnit


@dataclass
class Line:
    label: str
    count: int
    unit: OrgUnit | None = None


def unit(name: str) -> OrgUnit:
    return OrgUnit(id=7, code="HP-HB", kind_code="ward", name_vi=name, name_en="")


def test_equal_data_gives_the_same_fingerprint():
    first = [Line("a", 1, unit("Phường Hồng Bàng")), {"day": date(2026, 3, 1)}]
    second = [Line("a", 1, unit("Phường Hồng Bàng")), {"day": date(2026, 3, 1)}]
    assert fingerprint(first) == fingerprint(second)


@pytest.mark.parametrize(
    "changed",
    [
        Line("a", 2, unit("Phường Hồng Bàng")),
        Line("b", 1, unit("Phường Hồng Bàng")),
        Line("a", 1, unit("Phường Hồng Bàng mới")),
        Line("a", 1, None),
    ],
)
def test_a_field_or_column_changed_changes_it(changed):
    assert fingerprint(changed) != fingerprint(Line("a", 1, unit("Phường Hồng Bàng")))


def test_texts_dates_and_rows_are_named_by_value(app):
    with app.test_request_context():
        assert fingerprint((lazy_gettext("All"), date(2026, 3, 1))) == fingerprint(
            ["Tất cả", "2026-03-01"]
        )


def test_anything_else_is_refused():
    with pytest.raises(TypeError):
        fingerprint([object()])
