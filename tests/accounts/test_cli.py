import sqlalchemy as sa

from lms.accounts.models import User
from lms.extensions import db


def test_users_create_with_roles(app, login_as):
    result = app.test_cli_runner().invoke(
        args=[
            "users",
            "create",
            "Chi.LM",
            "--name",
            "Lương Mai Chi",
            "--role",
            "admin",
            "--role",
            "trainer",
            "--password",
            "Quan-tri-vien-2026",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "admin, trainer" in result.output
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "chi.lm"))
        assert user.full_name == "Lương Mai Chi"
    client = app.test_client()
    user.test_password = "Quan-tri-vien-2026"
    login_as(client, user)
    assert client.get("/admin/users").status_code == 200


def test_users_create_prompts_for_the_password(app):
    result = app.test_cli_runner().invoke(
        args=["users", "create", "prompted", "--name", "Người Được Hỏi"],
        input="Mat-khau-duoc-hoi-1\nMat-khau-duoc-hoi-1\n",
    )
    assert result.exit_code == 0, result.output


def test_users_create_refuses_bad_input_with_a_clear_message(app, factory):
    factory.user(username="taken")
    runner = app.test_cli_runner()
    duplicate = runner.invoke(
        args=["users", "create", "taken", "--name", "X", "--password", "Mat-khau-du-dai-1"]
    )
    assert duplicate.exit_code == 1
    assert "taken" in duplicate.output
    weak = runner.invoke(args=["users", "create", "weak", "--name", "X", "--password", "123456"])
    assert weak.exit_code == 1
    assert "Error:" in weak.output
    unknown_role = runner.invoke(
        args=["users", "create", "r", "--name", "X", "--role", "boss", "--password", "x"]
    )
    assert unknown_role.exit_code == 2
