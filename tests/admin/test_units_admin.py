import re


def test_tree_view_shows_children_with_counts(client, site, login_as):
    login_as(client, site.admin)
    top = client.get("/admin/units").get_data(as_text=True)
    assert "Thành phố Hải Phòng" in top
    city = client.get(f"/admin/units?parent={site.city.id}").get_data(as_text=True)
    assert "Phường Hồng Bàng" in city and "Xã An Dương" in city
    row = re.search(r"Phường Hồng Bàng</a>.*?</tr>", city, re.S).group(0)
    assert re.findall(r"<td>(\d+)</td>", row) == ["1", "1"]  # one sub-unit, one person


def test_tree_view_queries_do_not_grow_with_children(
    client, site, factory, login_as, count_queries
):
    login_as(client, site.admin)
    with count_queries() as few:
        client.get(f"/admin/units?parent={site.city.id}")
    for number in range(12):
        factory.unit(parent=site.city, kind="commune", code=f"HP-X{number}")
    with count_queries() as many:
        page = client.get(f"/admin/units?parent={site.city.id}").get_data(as_text=True)
    assert many.n == few.n
    assert "HP-X11" in page


def test_admin_creates_renames_moves_and_merges_units(client, site, login_as):
    login_as(client, site.admin)
    created = client.submit(
        f"/admin/units/new?parent={site.ward.id}",
        {
            "code": "hp-hb-tp",
            "kind": "section",
            "name_vi": "Phòng Tư pháp",
            "name_en": "",
            "effective_on": "2026-01-01",
        },
    )
    assert created.status_code == 302
    unit_url = created.headers["Location"]
    unit_id = int(unit_url.rsplit("/", 1)[1])
    renamed = client.submit(
        f"/admin/units/{unit_id}/edit",
        {
            "code": "HP-HB-TP",
            "kind": "section",
            "name_vi": "Phòng Tư pháp - Hộ tịch",
            "name_en": "Justice Section",
            "effective_on": "2026-02-01",
        },
    )
    assert renamed.status_code == 302
    moved = client.submit(
        f"/admin/units/{unit_id}/move", {"parent": "HP-AD", "effective_on": "2026-03-01"}
    )
    assert moved.status_code == 302
    merged = client.submit(
        f"/admin/units/{site.ward.id}/merge",
        {"target": "HP-AD", "effective_on": "2026-04-01", "confirm": "1"},
    )
    assert merged.status_code == 302
    page = client.get(unit_url).get_data(as_text=True)
    assert "Phòng Tư pháp - Hộ tịch" in page and "Xã An Dương" in page
    ward = client.get(f"/admin/units/{site.ward.id}").get_data(as_text=True)
    assert "HP-AD" in ward and "/merge" not in ward, "a merged unit is closed to edits"


def test_unit_form_errors_are_shown_and_nothing_saved(client, site, login_as):
    login_as(client, site.admin)
    response = client.submit(
        f"/admin/units/{site.ward.id}/move", {"parent": "HP-HB-1C", "effective_on": "2026-03-01"}
    )
    assert response.status_code == 422
    assert 'role="alert"' in response.get_data(as_text=True)
    response = client.submit(
        "/admin/units/new",
        {"code": "bad code!", "kind": "ward", "name_vi": "", "effective_on": "2026-01-01"},
    )
    assert response.status_code == 200
    assert response.get_data(as_text=True).count('aria-invalid="true"') == 2


def test_search_units_without_diacritics(client, site, login_as):
    login_as(client, site.admin)
    page = client.get("/admin/units?q=hong+bang").get_data(as_text=True)
    assert "Phường Hồng Bàng" in page and "Xã An Dương" not in page


def test_admin_creates_and_retires_a_position(client, site, login_as):
    login_as(client, site.admin)
    response = client.submit(
        "/admin/positions/new",
        {
            "code": "HOTICH",
            "name_vi": "Công chức hộ tịch",
            "name_en": "Civil-status officer",
            "description_vi": "Đăng ký hộ tịch",
            "description_en": "",
        },
    )
    assert response.status_code == 302
    listing = client.get("/admin/positions").get_data(as_text=True)
    position_id = re.search(r'/admin/positions/(\d+)">Công chức hộ tịch', listing).group(1)
    retired = client.submit(
        f"/admin/positions/{position_id}",
        {
            "code": "HOTICH",
            "name_vi": "Công chức hộ tịch",
            "name_en": "Civil-status officer",
            "description_vi": "",
            "description_en": "",
        },
    )
    assert retired.status_code == 302
    user_page = client.get(f"/admin/users/{site.learner.id}").get_data(as_text=True)
    assert "Công chức hộ tịch" not in user_page, "a retired position cannot be assigned"
