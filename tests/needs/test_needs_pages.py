"""The training-needs pages through HTTP: who sees what, forms that refuse bad input, the
diagnostic pre-test as evidence, the report and its exports, queries per page."""

import io
import re

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from lms.accounts.models import User
from lms.core.permissions import Role
from lms.extensions import db
from lms.learning.models import ModuleAssignment
from lms.needs import services as needs
from lms.needs.models import Evidence, Gap, PositionStandard, TestResult
from lms.org.models import Position


@pytest.fixture
def ward(app, factory, org):
    """A ward with a counter officer (``learner``) whose position requires DS.1 at 2 and
    ID.1 at 3, a manager of the ward, an outsider elsewhere, and an admin."""
    learner = factory.user(full_name="Lê Thị Hoa", username="hoa")
    factory.assignment(learner, org.counter_officer, org.counter)
    other_ward = factory.unit(kind="ward", name_vi="Phường Khác", code="OW")
    outsider = factory.user(full_name="Người Ngoài", username="outsider")
    factory.assignment(outsider, org.counter_officer, other_ward)
    admin = factory.user(roles=[Role.ADMIN], username="boss")
    manager = factory.manager_of(org.ward, username="manager")
    with app.app_context():
        needs.set_standards(
            db.session.get(User, admin.id),
            db.session.get(Position, org.counter_officer.id),
            {"DS.1": 2, "ID.1": 3},
        )
        db.session.commit()
    org.learner, org.outsider, org.admin, org.manager = learner, outsider, admin, manager
    return org


def field(code: str) -> str:
    return "c_" + code.replace(".", "_")


def test_self_assessment_asks_each_required_competency_and_refuses_a_partial_answer(
    client, login_as, ward, app
):
    login_as(client, ward.learner)
    page = client.get("/my-skills/assessment").get_data(as_text=True)
    assert sorted(set(re.findall(r'name="(c_[A-Z0-9_]+)"', page))) == ["c_DS_1", "c_ID_1"]
    partial = client.submit("/my-skills/assessment", {field("DS.1"): "2"})
    assert partial.status_code == 200
    assert 'aria-invalid="true"' in partial.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Evidence)) == 0
    done = client.submit("/my-skills/assessment", {field("DS.1"): "2", field("ID.1"): "1"})
    assert done.status_code == 302
    skills = client.get("/my-skills").get_data(as_text=True)
    assert "dinh-danh" in skills  # the one module that closes the ID.1 gap
    with app.app_context():
        gaps = db.session.scalars(sa.select(Gap).where(Gap.user_id == ward.learner.id)).all()
        assert [(g.competency_code, g.required, g.current) for g in gaps] == [("ID.1", 3, 1)]


def test_manager_sees_only_their_people_and_assigns_in_one_action(client, login_as, ward, app):
    login_as(client, ward.manager)
    assert client.get(f"/needs/people/{ward.outsider.id}").status_code == 404
    assert (
        client.submit(
            f"/needs/people/{ward.outsider.id}/assign", {"due_on": "2030-01-01"}
        ).status_code
        == 404
    )
    page = client.get(f"/needs/people/{ward.learner.id}")
    assert page.status_code == 200
    assert "tong-hop" in page.get_data(as_text=True)
    bad = client.submit(f"/needs/people/{ward.learner.id}/assign", {"due_on": "2001-01-01"})
    assert bad.status_code == 422
    done = client.submit(f"/needs/people/{ward.learner.id}/assign", {"due_on": "2030-01-01"})
    assert done.status_code == 302
    with app.app_context():
        assigned = db.session.scalars(
            sa.select(ModuleAssignment.module_id).where(
                ModuleAssignment.user_id == ward.learner.id, ModuleAssignment.retired_on.is_(None)
            )
        ).all()
        assert assigned == [ward.modules["tong-hop"]]


def test_learners_and_other_managers_cannot_open_planner_pages(client, login_as, ward):
    login_as(client, ward.learner)
    for path in ("/needs/people", "/needs/report", "/needs/report.csv", "/needs/effectiveness"):
        assert client.get(path).status_code == 403
    assert client.get("/needs/framework").status_code == 403


def test_needs_report_rolls_up_and_exports(client, login_as, ward, app, factory, org):
    second = factory.user(username="second")
    factory.assignment(second, org.counter_officer, org.office)
    login_as(client, ward.manager)
    page = client.get("/needs/report").get_data(as_text=True)
    total = re.search(r'data-code="DS.1">(\d+)<', page).group(1)
    assert total == "2"
    unit_page = client.get(f"/needs/report?unit={org.ward.id}").get_data(as_text=True)
    assert "Bộ phận Một cửa" in unit_page and "Văn phòng" in unit_page
    assert client.get(f"/needs/report?unit={ward.outsider.id + 10_000}").status_code == 404
    csv_text = client.get("/needs/report.csv").get_data().decode("utf-8-sig")
    assert "DS.1" in csv_text and "NW," in csv_text
    xlsx = client.get(f"/needs/report.xlsx?unit={org.ward.id}")
    sheet = load_workbook(io.BytesIO(xlsx.get_data())).active
    rows = list(sheet.values)
    assert rows[0][0] and any(row[2] == "ID.1" and row[5] == 2 for row in rows[1:])


def test_list_pages_take_the_same_number_of_queries_for_more_people(
    client, login_as, ward, factory, org, count_queries
):
    login_as(client, ward.manager)

    def measure():
        with count_queries() as counted:
            assert client.get("/needs/people").status_code == 200
            assert client.get("/needs/report").status_code == 200
        return counted.n

    few = measure()
    for number in range(4):
        extra = factory.user(username=f"extra{number}")
        factory.assignment(extra, org.counter_officer, org.counter)
    assert measure() == few


def test_diagnostic_pre_test_records_levels_per_category(client, login_as, ward, app):
    login_as(client, ward.learner)
    url = "/modules/safe-counter/pre-test"
    assert client.get(url).status_code == 200
    client.submit(url, {"action": "start"})
    with app.app_context():
        from lms.assessment.models import QuizAttempt

        attempt = db.session.scalar(
            sa.select(QuizAttempt).where(QuizAttempt.user_id == ward.learner.id)
        )
    # security (DS.1, level 3) wrong twice, identity (ID.1, level 2) right twice
    answers = {"answer-0": "true", "answer-1": "false", "answer-2": "true", "answer-3": "false"}
    response = client.submit(url, {"action": "submit", "attempt": attempt.id, **answers})
    assert response.status_code in (200, 302)
    with app.app_context():
        levels = dict(
            db.session.execute(
                sa.select(Evidence.competency_code, Evidence.level).where(
                    Evidence.user_id == ward.learner.id, Evidence.source == "test"
                )
            ).all()
        )
        assert levels == {"DS.1": 0, "ID.1": 2}
        result = db.session.scalar(sa.select(TestResult))
        assert (result.kind, result.score, result.level) == ("pre", 0.5, 2)


def test_admin_sets_standards_and_bad_input_saves_nothing(client, login_as, ward, app, org):
    login_as(client, ward.admin)
    url = f"/needs/positions/{org.security_officer.id}/standards"
    assert client.get(url).status_code == 200
    bad = client.submit(url, {field("DS.1"): "9", "due_days": "60"})
    assert bad.status_code == 200
    with app.app_context():
        count = sa.select(sa.func.count()).where(
            PositionStandard.position_id == org.security_officer.id
        )
        assert db.session.scalar(count) == 0
    good = client.submit(url, {field("DS.1"): "3", field("DS.2"): "2", "due_days": "30"})
    assert good.status_code == 302
    with app.app_context():
        assert db.session.scalar(count) == 2


def test_admin_rewords_a_competency(client, login_as, ward, app):
    login_as(client, ward.admin)
    data = {"name_vi": "An toàn thông tin", "name_en": "Information security"}
    for n in range(1, 5):
        data[f"level{n}_vi"] = f"Mức {n}"
        data[f"level{n}_en"] = f"Level {n}"
    data["level4_en"] = ""
    assert client.submit("/needs/framework/DS.1", data).status_code == 200
    data["level4_en"] = "Leads others"
    assert client.submit("/needs/framework/DS.1", data).status_code == 302
    assert "Mức 4" in client.get("/needs/framework").get_data(as_text=True)
    assert client.get("/needs/framework/NOPE.1").status_code == 404


def test_manager_follow_up_rating_shows_beside_effectiveness(client, login_as, ward, app, factory):
    factory.start_module(ward.learner, "bao-mat")
    factory.complete_lessons(ward.learner, "bao-mat")
    login_as(client, ward.manager)
    module_id = ward.modules["bao-mat"]
    assert (
        client.submit(
            f"/needs/people/{ward.learner.id}/follow-up", {"module_id": module_id, "rating": "3"}
        ).status_code
        == 302
    )
    assert (
        client.submit(
            f"/needs/people/{ward.learner.id}/follow-up",
            {"module_id": ward.modules["dinh-danh"], "rating": "3"},
        ).status_code
        == 404
    )
    page = client.get(f"/needs/people/{ward.learner.id}").get_data(as_text=True)
    assert 'value="3" selected' in page


def test_manager_rating_needs_at_least_one_level_and_counts_above_self(client, login_as, ward, app):
    login_as(client, ward.manager)
    url = f"/needs/people/{ward.learner.id}/rating"
    assert client.submit(url, {}).status_code == 422
    assert client.submit(url, {field("DS.1"): "3"}).status_code == 302
    with app.app_context():
        rows = db.session.execute(
            sa.select(Evidence.competency_code, Evidence.level, Evidence.source)
        ).all()
        assert rows == [("DS.1", 3, "manager")]
        assert db.session.get(Gap, (ward.learner.id, "DS.1")) is None
