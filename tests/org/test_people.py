def test_manager_sees_people_in_their_subtree_only(client, site, login_as):
    login_as(client, site.manager)
    page = client.get("/org/people").get_data(as_text=True)
    assert "Nguyễn Văn An" in page
    assert "Trần Thị Bình" not in page


def test_person_outside_scope_is_not_found(client, site, login_as):
    login_as(client, site.manager)
    assert client.get(f"/org/people/{site.learner.id}").status_code == 200
    assert client.get(f"/org/people/{site.outsider.id}").status_code == 404
    assert client.get("/org/people/999999").status_code == 404
    outside = client.get(f"/org/people?unit={site.commune.code}")
    assert outside.status_code == 422 and "Trần Thị Bình" not in outside.get_data(as_text=True)


def test_people_search_without_diacritics(client, site, login_as):
    login_as(client, site.admin)
    page = client.get("/org/people?q=tran+thi+binh").get_data(as_text=True)
    assert "Trần Thị Bình" in page and "Nguyễn Văn An" not in page


def test_learners_and_trainers_have_no_people_page(client, site, login_as):
    for user in (site.learner, site.trainer):
        login_as(client, user)
        assert client.get("/org/people").status_code == 403
        client.submit("/logout")


def test_learner_home_lists_their_positions(client, site, login_as):
    login_as(client, site.learner)
    page = client.get("/").get_data(as_text=True)
    assert "Công chức một cửa" in page and "Bộ phận Một cửa" in page
