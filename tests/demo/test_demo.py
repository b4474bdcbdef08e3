"""The demo site as `lms demo` builds it on a fresh SQLite database."""

import sqlalchemy as sa

from lms import create_app
from lms.accounts.models import User, UserRole
from lms.certificates import letterhead, signing
from lms.core.permissions import Role
from lms.extensions import db
from lms.org.models import ManagerUnit, OrgUnit, Position
from lms.testing.plugin import Client


def fresh_app(tmp_path, **config):
    return create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
            "LMS_INSTANCE_PATH": str(tmp_path),
            **config,
        }
    )


def test_demo_builds_a_city_with_every_role_and_is_idempotent(tmp_path):
    app = fresh_app(tmp_path, LMS_DEMO_PASSWORD="Demo-mat-khau-1")
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "http://127.0.0.1:5000/login" in first.output
    assert "Demo-mat-khau-1" in first.output
    with app.app_context():
        users = db.session.scalar(sa.select(sa.func.count(User.id)))
        units = db.session.scalar(sa.select(sa.func.count(OrgUnit.id)))
        roles = set(db.session.scalars(sa.select(UserRole.role).distinct()))
        managed_levels = set(
            db.session.scalars(
                sa.select(OrgUnit.kind_code).join(ManagerUnit, ManagerUnit.unit_id == OrgUnit.id)
            )
        )
        # Since July 2025 a commune's one-stop work is its Public Administration Service Centre.
        centre = db.session.scalar(sa.select(OrgUnit).where(OrgUnit.kind_code == "service_centre"))
        positions = set(db.session.scalars(sa.select(Position.code)))
        named = db.session.scalar(
            sa.select(sa.func.count(User.id)).where(User.username.not_like("hp.%"))
        )
    # About forty named people, and a hundred or so more staff (roster-imported accounts,
    # not activated) whose six months of history fill the dashboards.
    assert 38 <= named <= 45 and 140 <= users <= 300
    assert units >= 15 and centre is not None
    assert centre.name_vi.startswith("Trung tâm Phục vụ hành chính công")
    assert roles == {role.value for role in Role}
    assert {"city", "ward", "commune"} <= managed_levels
    assert {"LEADER", "ONE_STOP", "OFFICE_DOC", "INFOSEC", "COMMUNITY_DT", "JUSTICE"} <= positions

    # Its certificates are signed: a self-signed key, named in the instance's config.py.
    assert "Certificates are signed with a self-signed demo key" in first.output
    assert 'LMS_SIGNING_KEY = "signing/signing-key.pem"' in (tmp_path / "config.py").read_text()
    with fresh_app(tmp_path).app_context():
        assert signing.signer_name() == "Sở Nội vụ thành phố Hải Phòng (DEMO)"
        assert letterhead.for_locale("vi").agency == "Sở Nội vụ"

    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0, again.output
    assert "0 units, 0 users and 0 position assignments added" in again.output
    assert "self-signed demo key" not in again.output  # configured already
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(User.id))) == users


def test_every_demo_role_can_sign_in(tmp_path):
    app = fresh_app(tmp_path, LMS_DEMO_PASSWORD="Demo-mat-khau-1")
    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
    app.test_client_class = Client
    for username, page in [
        ("learner", "/"),
        ("trainer.hoa", "/"),
        ("manager.hongbang", "/org/people"),
        # The admin and the city's manager must set a second factor up first.
        ("admin", "/account/security"),
        ("manager.city", "/account/security"),
    ]:
        client = app.test_client()
        response = client.submit("/login", {"username": username, "password": "Demo-mat-khau-1"})
        assert response.status_code == 302, username
        assert client.get(page).status_code == 200, (username, page)
        if page == "/account/security":
            assert client.get("/").headers["Location"] == page, username


def test_demo_refuses_a_weak_demo_password(tmp_path):
    app = fresh_app(tmp_path, LMS_DEMO_PASSWORD="123456")
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 1
    assert "LMS_DEMO_PASSWORD" in result.output


def test_init_seeds_reference_data_once(tmp_path):
    app = fresh_app(tmp_path)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["init"])
    assert first.exit_code == 0, first.output
    assert "18 rows added" in first.output
    assert "framework: 10 competencies added" in first.output
    again = runner.invoke(args=["init"]).output
    assert "0 rows added" in again
    assert "framework: 0 competencies added" in again
