"""Admins see, per Learning Record Store, the xAPI statements waiting, to be tried again,
sent and given up."""

import re

import sqlalchemy as sa

from lms.core import clock
from lms.core.permissions import Role
from lms.extensions import db
from lms.xapi import services
from lms.xapi.models import FAILED, PENDING, SENT, Delivery


def _row(page: str, store: str) -> list[str]:
    row = re.search(rf'<th scope="row">{store}</th>(.*?)</tr>', page, re.S).group(1)
    return re.findall(r"<td>(\d+)</td>", row)


def test_admins_see_each_stores_statements_by_state(app, client, factory, login_as, monkeypatch):
    stores = [
        {"name": name, "url": "https://lrs.example.vn/xAPI", "username": None, "password": None}
        for name in ("quoc-gia", "tinh")
    ]
    monkeypatch.setitem(app.config, "LMS_XAPI_LRS", stores)
    monkeypatch.setitem(app.config, "LMS_BASE_URL", "https://hoctap.example.vn")
    admin = factory.user(roles=[Role.ADMIN], locale="en")
    with app.test_request_context():
        learner = factory.user()
        for n in range(5):
            activity = {"objectType": "Activity", "id": f"https://hoctap.example.vn/modules/m{n}"}
            services.record(learner, f"test:{n}", "attempted", clock.now(), activity)
        national = sa.select(Delivery.id).where(Delivery.store == "quoc-gia").order_by(Delivery.id)
        ids = db.session.scalars(national).all()
        for delivery_id, values in zip(
            ids,
            [
                {"status": SENT, "tries": 1},
                {"status": SENT, "tries": 2},
                {"status": PENDING, "tries": 3},
                {"status": FAILED, "tries": 10},
            ],
            strict=False,
        ):
            db.session.execute(
                sa.update(Delivery).where(Delivery.id == delivery_id).values(**values)
            )
        db.session.commit()
    login_as(client, admin)

    page = client.get("/admin/xapi").get_data(as_text=True)

    assert "Learning records (xAPI)" in page
    # waiting, to be tried again, sent, given up
    assert _row(page, "quoc-gia") == ["1", "1", "2", "1"]
    assert _row(page, "tinh") == ["5", "0", "0", "0"]


def test_the_page_says_when_sending_is_off(client, factory, login_as):
    login_as(client, factory.user(roles=[Role.ADMIN], locale="en"))
    page = client.get("/admin/xapi").get_data(as_text=True)
    assert "set LMS_XAPI_LRS" in page
    assert "No Learning Record Store is configured." in page
