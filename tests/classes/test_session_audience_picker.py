"""A session's audience units are picked from the whole tree by trainers, with the unit
picker; the server reads each unit again."""

import re
from html import unescape

from flask_babel import force_locale, gettext

from lms.classes.models import SessionUnit
from lms.extensions import db

FORM = {
    "title_vi": "Lớp ký số",
    "mode": "in_person",
    "venue": "Hội trường",
    "capacity": "12",
    "slots-0-day": "2026-01-20",
    "slots-0-starts": "08:00",
    "slots-0-ends": "11:30",
    "enrol_opens_at": "2026-01-05T08:00",
    "enrol_closes_at": "2026-01-19T17:00",
    "cancel_until": "2026-01-18T17:00",
}


def test_a_trainer_picks_audience_units_from_the_whole_tree(app, client, world, login_as):
    login_as(client, world.trainer)
    anywhere = client.get("/org/units/search?tree=all&q=ct-w").get_json()["units"]
    assert {unit["code"] for unit in anywhere} == {"CT-W1", "CT-W2"}
    assert client.get("/org/units/search?q=ct-w").get_json()["units"] == [], (
        "without tree=all a trainer who manages nothing may choose nothing"
    )
    form = client.get("/sessions/new").get_data(as_text=True)
    assert re.search(r'data-unit-picker="/org/units/search\?tree=all"[^>]*id="units"', form)
    response = client.submit(
        "/sessions/new", {**FORM, "trainers": str(world.trainer.id), "units": "CT-W2, ct-w1"}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    session_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        units = db.session.scalars(
            db.select(SessionUnit.unit_id).where(SessionUnit.session_id == session_id)
        ).all()
    assert len(units) == 2
    edit = client.get(f"/sessions/{session_id}/edit").get_data(as_text=True)
    value = re.search(r'<input[^>]*id="units"[^>]*value="([^"]*)"', edit).group(1)
    assert sorted(value.split(", ")) == ["CT-W1", "CT-W2"]


def test_an_unknown_audience_unit_is_refused(app, client, world, login_as):
    login_as(client, world.trainer)
    response = client.submit(
        "/sessions/new", {**FORM, "trainers": str(world.trainer.id), "units": "CT-W1, NOPE"}
    )
    assert response.status_code in (200, 422)
    with app.test_request_context(), force_locale("vi"):
        refusal = gettext("No unit you may choose has the code or name “%(text)s”.", text="NOPE")
    assert refusal in unescape(response.get_data(as_text=True))
