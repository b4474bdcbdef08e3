"""Admins edit positions' curricula; managers assign a module to their own people."""

from datetime import date, timedelta

import sqlalchemy as sa

from lms.catalogue.models import Module
from lms.core import clock
from lms.core.permissions import Role
from lms.extensions import db
from lms.learning.models import ModuleAssignment
from lms.org.models import CurriculumItem


def _module_id(app, slug):
    with app.app_context():
        return db.session.scalar(sa.select(Module.id).where(Module.slug == slug))


def _assigned(app, user):
    with app.app_context():
        return {
            (a.module_id, a.due_on)
            for a in db.session.scalars(
                sa.select(ModuleAssignment).where(
                    ModuleAssignment.user_id == user.id, ModuleAssignment.retired_on.is_(None)
                )
            )
        }


def test_an_admin_adds_a_module_to_a_curriculum_and_holders_get_it(app, client, site, login_as):
    module_id = _module_id(app, site.module_slug)
    login_as(client, site.admin)
    url = f"/admin/positions/{site.position.id}"
    response = client.submit(
        f"{url}/curriculum",
        {
            "curriculum-module": module_id,
            "curriculum-due_basis": "fixed_date",
            "curriculum-due_on": "2027-03-31",
            "curriculum-validity_months": "24",
        },
    )
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Khóa học mẫu về chữ ký số" in page and "24 tháng" in page
    assert _assigned(app, site.learner) == {(module_id, date(2027, 3, 31))}
    assert _assigned(app, site.outsider) == {(module_id, date(2027, 3, 31))}


def test_an_incomplete_due_rule_is_refused_with_a_message(app, client, site, login_as):
    login_as(client, site.admin)
    response = client.submit(
        f"/admin/positions/{site.position.id}/curriculum",
        {
            "curriculum-module": _module_id(app, site.module_slug),
            "curriculum-due_basis": "fixed_date",
        },
    )
    assert response.status_code == 422
    assert "Hãy nhập ngày phải hoàn thành học phần." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CurriculumItem)) == 0


def test_removing_a_module_retires_the_assignments_it_made(app, client, site, login_as):
    module_id = _module_id(app, site.module_slug)
    login_as(client, site.admin)
    client.submit(
        f"/admin/positions/{site.position.id}/curriculum",
        {
            "curriculum-module": module_id,
            "curriculum-due_basis": "assignment",
            "curriculum-due_days": "30",
        },
    )
    with app.app_context():
        item_id = db.session.scalar(sa.select(CurriculumItem.id))
    client.submit(f"/admin/curriculum/{item_id}/remove")
    assert _assigned(app, site.learner) == set()


def test_managers_and_trainers_cannot_edit_curricula(app, client, site, factory, login_as):
    for user in (site.manager, factory.user(roles=[Role.TRAINER])):
        login_as(client, user)
        response = client.submit(
            f"/admin/positions/{site.position.id}/curriculum",
            {"curriculum-module": _module_id(app, site.module_slug)},
        )
        assert response.status_code == 403
        client.submit("/logout")


def test_a_manager_assigns_a_module_to_someone_in_their_unit(app, client, site, login_as):
    module_id = _module_id(app, site.module_slug)
    login_as(client, site.manager)
    with app.app_context():
        due = clock.today() + timedelta(days=20)
    page = client.get(f"/people/{site.learner.id}/training")
    assert page.status_code == 200
    response = client.submit(
        f"/people/{site.learner.id}/training", {"module": module_id, "due_on": due.isoformat()}
    )
    assert response.status_code == 302
    assert _assigned(app, site.learner) == {(module_id, due)}
    text = client.get(f"/people/{site.learner.id}/training").get_data(as_text=True)
    assert "chưa bắt đầu" in text


def test_a_manager_cannot_see_or_assign_outside_their_units(app, client, site, login_as):
    login_as(client, site.manager)
    assert client.get(f"/people/{site.outsider.id}/training").status_code == 404
    response = client.submit(
        f"/people/{site.outsider.id}/training",
        {"module": _module_id(app, site.module_slug), "due_on": "2027-01-01"},
    )
    assert response.status_code == 404
    assert _assigned(app, site.outsider) == set()
