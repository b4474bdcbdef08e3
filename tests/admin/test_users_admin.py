import re

from lms.core.permissions import Role


def names_listed(html: str) -> list[str]:
    return re.findall(r'/admin/users/\d+">([^<]+)</a>', html)


def test_admin_creates_a_user_who_can_then_sign_in(app, client, site, login_as):
    login_as(client, site.admin)
    response = client.submit(
        "/admin/users/new",
        {
            "username": "Hoa.Dt",
            "full_name": "Đỗ Thị Hoa",
            "email": "hoa@example.vn",
            "password": "Dao-tao-so-2026",
            "locale": "vi",
            "roles": ["learner", "trainer"],
        },
    )
    assert response.status_code == 302
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Đỗ Thị Hoa" in detail and "hoa.dt" in detail
    new_client = app.test_client()
    assert (
        new_client.submit(
            "/login", {"username": "hoa.dt", "password": "Dao-tao-so-2026"}
        ).status_code
        == 302
    )


def test_duplicate_username_and_weak_password_are_explained(client, site, login_as):
    login_as(client, site.admin)
    taken = client.submit(
        "/admin/users/new",
        {
            "username": "learner",
            "full_name": "X",
            "password": "Dao-tao-so-2026",
            "locale": "vi",
            "roles": ["learner"],
        },
    )
    assert taken.status_code == 200
    assert "learner" in taken.get_data(as_text=True)
    weak = client.submit(
        "/admin/users/new",
        {
            "username": "newbie",
            "full_name": "Người Mới",
            "password": "12345678",
            "locale": "vi",
            "roles": ["learner"],
        },
    )
    assert weak.status_code == 200
    assert 'role="alert"' in weak.get_data(as_text=True)


def test_search_finds_names_without_diacritics(client, site, factory, login_as):
    factory.user(full_name="Nguyễn Văn Thuận")
    factory.user(full_name="Đặng Thị Đào")
    login_as(client, site.admin)
    found = names_listed(client.get("/admin/users?q=nguyen+van+an").get_data(as_text=True))
    assert found == ["Nguyễn Văn An"]
    assert names_listed(client.get("/admin/users?q=dang+dao").get_data(as_text=True)) == [
        "Đặng Thị Đào"
    ]
    assert names_listed(client.get("/admin/users?q=NGUYỄN").get_data(as_text=True)) == [
        "Nguyễn Văn An",
        "Nguyễn Văn Thuận",
    ]


def test_search_treats_wildcards_as_text(client, site, login_as):
    login_as(client, site.admin)
    assert names_listed(client.get("/admin/users?q=%25").get_data(as_text=True)) == []
    assert names_listed(client.get("/admin/users?q=_").get_data(as_text=True)) == []


def test_user_list_is_paged_with_constant_queries(client, site, factory, login_as, count_queries):
    login_as(client, site.admin)
    with count_queries() as few:
        client.get("/admin/users")
    for number in range(30):
        factory.user(full_name=f"Phạm Văn Số {number:02d}", roles=[Role.LEARNER, Role.TRAINER])
    with count_queries() as many:
        first = client.get("/admin/users").get_data(as_text=True)
    assert many.n == few.n
    assert len(names_listed(first)) == 25
    second = client.get("/admin/users?page=2").get_data(as_text=True)
    assert len(names_listed(second)) == 35 - 25


def test_filters_by_role_and_status(client, site, login_as):
    login_as(client, site.admin)
    managers = names_listed(client.get("/admin/users?role=manager").get_data(as_text=True))
    assert managers == [site.manager.full_name]
    client.submit(f"/admin/users/{site.outsider.id}/deactivate")
    inactive = names_listed(client.get("/admin/users?status=inactive").get_data(as_text=True))
    assert inactive == ["Trần Thị Bình"]


def test_admin_grants_roles_and_attaches_managed_units(client, site, login_as, app):
    login_as(client, site.admin)
    response = client.submit(
        f"/admin/users/{site.learner.id}/roles", {"roles": ["learner", "manager"]}
    )
    assert response.status_code == 302
    response = client.submit(f"/admin/users/{site.learner.id}/units", {"units": "hp-ad, HP-HB-1C"})
    assert response.status_code == 302
    learner = app.test_client()
    login_as(learner, site.learner)
    people = learner.get("/org/people").get_data(as_text=True)
    assert "Trần Thị Bình" in people and "Nguyễn Văn An" in people


def test_unknown_unit_code_is_explained(client, site, login_as):
    login_as(client, site.admin)
    response = client.submit(f"/admin/users/{site.learner.id}/units", {"units": "NO-SUCH"})
    assert response.status_code == 422
    assert "NO-SUCH" in response.get_data(as_text=True)


def test_admin_cannot_remove_own_admin_role_or_deactivate_self(client, site, login_as):
    login_as(client, site.admin)
    response = client.submit(f"/admin/users/{site.admin.id}/roles", {"roles": ["learner"]})
    assert response.status_code == 422
    response = client.submit(f"/admin/users/{site.admin.id}/deactivate")
    assert response.status_code == 422
    assert client.get("/admin/users").status_code == 200


def test_admin_assigns_and_ends_a_position(client, site, login_as):
    login_as(client, site.admin)
    response = client.submit(
        f"/admin/users/{site.outsider.id}/positions",
        {"position": site.position.id, "unit": "hp-hb-1c", "starts_on": "2026-01-05"},
    )
    assert response.status_code == 302
    page = client.get(f"/admin/users/{site.outsider.id}").get_data(as_text=True)
    assert "Bộ phận Một cửa" in page
    assignment_ids = re.findall(r"/admin/assignments/(\d+)/end", page)
    assert len(assignment_ids) == 2
    for assignment_id in assignment_ids:
        ended = client.submit(f"/admin/assignments/{assignment_id}/end", {"ends_on": "2026-06-30"})
        assert ended.status_code == 302
    page = client.get(f"/admin/users/{site.outsider.id}").get_data(as_text=True)
    assert re.findall(r"/admin/assignments/(\d+)/end", page) == [], "nothing left to end"
    assert page.count("<td>Công chức một cửa</td>") == 2, "both stay in the history"


def test_admin_resets_a_password_and_old_sessions_end(app, client, site, login_as):
    learner = app.test_client()
    login_as(learner, site.learner)
    login_as(client, site.admin)
    response = client.submit(
        f"/admin/users/{site.learner.id}/password", {"password": "Mat-khau-cap-lai-9"}
    )
    assert response.status_code == 302
    assert learner.get("/").status_code == 302
    login_as(app.test_client(), site.learner, password="Mat-khau-cap-lai-9")
