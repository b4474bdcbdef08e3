"""An admin makes a fresh activation link for someone who has not set a password yet."""

import re

import sqlalchemy as sa

from lms.accounts import activation
from lms.core.models import AuditEntry
from lms.extensions import db

LINK = re.compile(r'id="activation-link" type="text" readonly value="([^"]+)"')


def _invited(app, username="moi.vao"):
    with app.app_context():
        user = activation.create_invited_user(None, username=username, full_name="Lê Thị Mới")
        db.session.commit()
        return user.id


def test_an_admin_makes_a_link_that_lets_the_person_choose_a_password(app, client, site, login_as):
    user_id = _invited(app)
    login_as(client, site.admin)
    page = client.get(f"/admin/users/{user_id}").get_data(as_text=True)
    assert "Tạo liên kết kích hoạt" in page
    made = client.submit(f"/admin/users/{user_id}/activation-link")
    assert made.status_code == 200
    link = LINK.search(made.get_data(as_text=True)).group(1)
    client.submit("/logout")

    path = link.split("localhost", 1)[1]
    chosen = "Mat-khau-rieng-cua-toi-9"
    response = client.submit(path, {"new": chosen, "confirm": chosen})
    assert response.status_code == 302
    with app.app_context():
        entry = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "user.activation_link")
        ).one()
        assert entry.object_id == user_id


def test_no_link_once_a_password_is_set(app, client, site, login_as):
    login_as(client, site.admin)
    page = client.get(f"/admin/users/{site.learner.id}").get_data(as_text=True)
    assert "Tạo liên kết kích hoạt" not in page
    refused = client.submit(f"/admin/users/{site.learner.id}/activation-link")
    assert refused.status_code == 422
    assert "đã đặt mật khẩu" in refused.get_data(as_text=True)
    assert LINK.search(refused.get_data(as_text=True)) is None


def test_managers_cannot_make_links(app, client, site, login_as):
    user_id = _invited(app)
    login_as(client, site.manager)
    assert client.submit(f"/admin/users/{user_id}/activation-link").status_code == 403
