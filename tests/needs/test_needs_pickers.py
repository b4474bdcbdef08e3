"""The needs pages' competency picker (a position's standards: the framework area by area,
each competency with a level select named as the framework names its levels) and the
recommended modules' levels in words, not codes."""

import re

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext

from lms.accounts.models import User
from lms.core.permissions import Role
from lms.extensions import db
from lms.needs import services as needs
from lms.needs.models import Competency, PositionStandard
from lms.org.models import Position


@pytest.fixture
def staffed(app, factory, org):
    """A counter officer whose position requires DS.1 at 2 and ID.1 at 3; an admin; a
    manager of the ward."""
    learner = factory.user(full_name="Lê Thị Hoa", username="hoa")
    factory.assignment(learner, org.counter_officer, org.counter)
    admin = factory.user(roles=[Role.ADMIN], username="boss")
    manager = factory.manager_of(org.ward, username="manager")
    with app.app_context():
        needs.set_standards(
            db.session.get(User, admin.id),
            db.session.get(Position, org.counter_officer.id),
            {"DS.1": 2, "ID.1": 3},
        )
        db.session.commit()
    org.learner, org.admin, org.manager = learner, admin, manager
    return org


def in_words(app, code: str, level: int) -> str:
    """ "<the competency's Vietnamese name> → level <n>", as a Vietnamese page says it."""
    with app.test_request_context(), force_locale("vi"):
        name = db.session.get(Competency, code).name("vi")
        return gettext("%(competency)s → level %(n)d", competency=name, n=level)


def test_the_standards_form_lists_the_framework_by_area(client, login_as, staffed):
    login_as(client, staffed.admin)
    body = client.get(f"/needs/positions/{staffed.counter_officer.id}/standards").get_data(
        as_text=True
    )
    picker = body[body.index('<table class="competency-picker">') : body.index("</table>")]
    assert picker.index('scope="colgroup">DS ') < picker.index('id="c_DS_1"')
    assert re.search(r'<label for="c_ID_1">ID\.1 Xác thực công dân[^<]*</label>', picker)
    # The position's standard is chosen, by the framework's name of the level.
    assert re.search(r'<option selected value="3">3 — Thành thạo</option>', picker)
    assert '<option selected value="0">' in picker  # DS.2: not required


def test_a_bad_level_is_shown_on_its_row_and_the_other_choices_stay(app, client, login_as, staffed):
    login_as(client, staffed.admin)
    url = f"/needs/positions/{staffed.security_officer.id}/standards"
    bad = client.submit(url, {"c_DS_1": "7", "c_DS_2": "2", "due_days": "30"})
    assert bad.status_code == 200
    body = bad.get_data(as_text=True)
    assert 'id="c_DS_1-error" class="error"' in body
    assert re.search(r'<select aria-describedby="c_DS_1-error" aria-invalid="true"', body)
    assert re.search(r'id="c_DS_2" name="c_DS_2">.*?<option selected value="2">', body, re.S)
    assert 'value="30"' in body
    good = client.submit(url, {"c_DS_1": "3", "c_DS_2": "2", "due_days": "30"})
    assert good.status_code == 302
    with app.app_context():
        stored = db.session.execute(
            sa.select(PositionStandard.competency_code, PositionStandard.level)
            .where(PositionStandard.position_id == staffed.security_officer.id)
            .order_by(PositionStandard.competency_code)
        ).all()
    assert [tuple(row) for row in stored] == [("DS.1", 3), ("DS.2", 2)]


def test_recommended_modules_say_the_levels_they_build_in_words(app, client, login_as, staffed):
    login_as(client, staffed.learner)
    mine = client.get("/my-skills").get_data(as_text=True)
    assert in_words(app, "ID.1", 3) in mine
    assert not re.search(r"\b(DS|ID)\.\d → \d", mine), "no bare code → level"


def test_a_manager_reads_the_recommended_levels_in_words(app, client, login_as, staffed):
    login_as(client, staffed.manager)
    theirs = client.get(f"/needs/people/{staffed.learner.id}").get_data(as_text=True)
    assert in_words(app, "ID.1", 3) in theirs
    assert not re.search(r"\b(DS|ID)\.\d → \d", theirs)
