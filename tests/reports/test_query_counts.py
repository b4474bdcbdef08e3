"""The number of statements of a dashboard page does not grow with the data."""

from datetime import date

import pytest

from lms.core import cache
from lms.extensions import db
from lms.learning import summaries


def build_unit(factory, position, *, code: str, children: int, people: int):
    top = factory.unit(kind="ward", code=code, name_vi=f"Phường {code}")
    units = [
        factory.unit(parent=top, kind="section", code=f"{code}-{n}", name_vi=f"Bộ phận {n}")
        for n in range(children)
    ]
    for n in range(people):
        person = factory.user(full_name=f"Người thử {code} {n}", username=f"thu.{code}.{n}".lower())
        factory.assignment(person, position, units[n % children], starts_on=date(2026, 1, 5))
    return top


@pytest.mark.parametrize("summarised", [False, True], ids=["live", "summary-rows"])
def test_dashboard_statements_do_not_grow_with_children_or_people(
    app, factory, clock, country, login_as, count_queries, summarised
):
    clock.to(date(2026, 1, 5))
    position = country.position
    small = build_unit(factory, position, code="NHO", children=2, people=20)
    large = build_unit(factory, position, code="LON", children=10, people=200)
    clock.to(date(2026, 3, 1))
    if summarised:
        with app.app_context():
            summaries.rebuild()
            db.session.commit()
    client = app.test_client()
    login_as(client, country.admin)
    counts = {}
    for name, unit in (("small", small), ("large", large)):
        for number, url in enumerate(
            (
                f"/reports/units/{unit.id}",
                f"/reports/units/{unit.id}?position={position.id}&module={country.modules['an-toan']}",
                f"/reports/units/{unit.id}/people?status=overdue",
                f"/reports/units/{unit.id}/export/units.csv",
            )
        ):
            client.get(url).close()  # warm caches of the first request (translations, templates)
            # A dashboard rendered, not served from the pages kept (their own test counts
            # those: test_dashboard_cache.py).
            cache.forget_local()
            with count_queries() as counted:
                response = client.get(url)
                response.close()  # a streamed download ends its request when closed
            assert response.status_code == 200
            counts[name, number] = counted.n
    for (name, number), n in counts.items():
        if name == "small":
            assert counts["large", number] == n, (number, n, counts["large", number])
    assert max(counts.values()) <= 30
