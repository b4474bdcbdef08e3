from lms.core.permissions import Role


def test_sign_in_with_correct_password_opens_home(client, factory, login_as):
    user = factory.user(full_name="Nguyễn Văn An")
    response = login_as(client, user)
    assert response.headers["Location"] == "/"
    assert "Nguyễn Văn An" in client.get("/").get_data(as_text=True)


def test_wrong_password_is_refused_with_a_message(client, factory):
    user = factory.user()
    response = client.submit("/login", {"username": user.username, "password": "wrong-password-1"})
    assert response.status_code == 200
    assert "Sai tên đăng nhập hoặc mật khẩu" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_admin_sees_administration(client, factory, login_as):
    admin = factory.user(roles=[Role.ADMIN])
    login_as(client, admin)
    assert client.get("/admin/users").status_code == 200
