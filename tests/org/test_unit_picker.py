"""The unit picker: its JSON search, its search page without JavaScript, and the forms that
take a unit from it, each checking the unit against what the person may choose."""

import re
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask_babel import force_locale, gettext

from lms.core.errors import Invalid
from lms.extensions import db
from lms.org import picker


def said(app: Flask, message: str, **params) -> str:
    """``message`` as the site's pages show it (in Vietnamese, the users' language)."""
    with app.test_request_context(), force_locale("vi"):
        return gettext(message, **params)


def _search(client, **args):
    response = client.get("/org/units/search", query_string=args)
    assert response.status_code == 200
    return response.get_json()["units"]


def test_search_ignores_diacritics_and_shows_the_path(client, site, login_as):
    login_as(client, site.admin)
    found = _search(client, q="hong bang")
    assert [unit["code"] for unit in found] == ["HP-HB"]
    assert found[0]["path"] == "Thành phố Hải Phòng › Phường Hồng Bàng"
    assert found[0]["id"] == site.ward.id
    one_stop = _search(client, q="mot cua")
    assert one_stop[0]["path"] == "Thành phố Hải Phòng › Phường Hồng Bàng › Bộ phận Một cửa"
    assert [unit["code"] for unit in _search(client, q="hp-hb-1c")] == ["HP-HB-1C"]
    assert _search(client, q="") == []


def test_search_folds_d_with_stroke(client, site, factory, login_as):
    factory.unit(parent=site.city, name_vi="Phường Đông Hải", code="HP-DH")
    login_as(client, site.admin)
    assert [unit["code"] for unit in _search(client, q="dong hai")] == ["HP-DH"]
    assert "HP-DH" in [unit["code"] for unit in _search(client, q="d")]


def test_search_tells_same_named_units_apart_by_path(client, site, factory, login_as):
    factory.unit(parent=site.ward, name_vi="Tổ dân phố 1", code="HP-HB-T1")
    factory.unit(parent=site.commune, name_vi="Tổ dân phố 1", code="HP-AD-T1")
    login_as(client, site.admin)
    paths = sorted(unit["path"] for unit in _search(client, q="to dan pho 1"))
    assert paths == [
        "Thành phố Hải Phòng › Phường Hồng Bàng › Tổ dân phố 1",
        "Thành phố Hải Phòng › Xã An Dương › Tổ dân phố 1",
    ]


def test_ward_manager_finds_only_its_ward(client, site, login_as):
    login_as(client, site.manager)
    assert {unit["code"] for unit in _search(client, q="hp")} == {"HP-HB", "HP-HB-1C"}
    assert _search(client, q="an duong") == []
    assert _search(client, codes="HP-AD,HP-HB-1C") == [
        {
            "id": site.counter.id,
            "code": "HP-HB-1C",
            "name": "Bộ phận Một cửa",
            "path": "Thành phố Hải Phòng › Phường Hồng Bàng › Bộ phận Một cửa",
        }
    ]


def test_search_is_limited_and_leaves_closed_units_out(client, site, factory, login_as):
    for number in range(picker.LIMIT + 5):
        factory.unit(parent=site.commune, name_vi=f"Thôn {number}", code=f"HP-AD-{number}")
    login_as(client, site.admin)
    assert len(_search(client, q="thon")) == picker.LIMIT
    client.submit(
        f"/admin/units/{site.commune.id}/merge",
        {"target": "HP-HB", "effective_on": "2026-04-01", "confirm": "1"},
    )
    assert _search(client, q="an duong") == []


def test_search_runs_in_a_fixed_number_of_queries(client, site, factory, login_as, count_queries):
    login_as(client, site.admin)
    _search(client, q="thon")
    with count_queries() as none_found:
        _search(client, q="thon")
    for number in range(8):
        factory.unit(parent=site.commune, name_vi=f"Thôn {number}", code=f"HP-AD-{number}")
    with count_queries() as several:
        assert len(_search(client, q="thon")) == 8
    assert several.n == none_found.n + 1  # the paths, read once for all


def test_learners_cannot_search_units_and_trainers_only_for_an_audience(client, site, login_as):
    login_as(client, site.learner)
    assert client.get("/org/units/search?q=hp").status_code == 403
    assert client.get("/org/units/find?q=hp").status_code == 403
    assert client.get("/org/units/search?q=hp&tree=all").status_code == 403
    client.submit("/logout")
    login_as(client, site.trainer)
    assert _search(client, q="hp") == []
    assert len(_search(client, q="hp", tree="all")) == 4
    client.submit("/logout")
    login_as(client, site.manager)
    assert {unit["code"] for unit in _search(client, q="hp", tree="all")} == {"HP-HB", "HP-HB-1C"}


def test_search_page_without_javascript_returns_to_the_form(app, client, site, login_as):
    login_as(client, site.admin)
    back = f"/admin/users/{site.learner.id}"
    page = client.get(
        "/org/units/find", query_string={"q": "mot cua", "field": "unit", "back": back}
    ).get_data(as_text=True)
    assert "Thành phố Hải Phòng › Phường Hồng Bàng › Bộ phận Một cửa" in page
    choose = re.escape(said(app, "Choose %(unit)s", unit="")[:5])
    link = unescape(re.search(rf'<a href="([^"]+)" aria-label="{choose}', page).group(1))
    assert link == f"{back}?pick-unit=HP-HB-1C#unit"
    form = client.get(link.split("#")[0]).get_data(as_text=True)
    assert re.search(r'<input[^>]*id="unit"[^>]*value="HP-HB-1C"', form)


def test_search_page_adds_to_a_list_and_refuses_foreign_return_addresses(
    app, client, site, login_as
):
    login_as(client, site.admin)
    page = client.get(
        "/org/units/find",
        query_string={
            "q": "an duong",
            "field": "units",
            "back": "/admin/users/1",
            "multiple": "1",
            "keep": "HP-HB",
        },
    ).get_data(as_text=True)
    choose = re.escape(said(app, "Choose %(unit)s", unit="")[:5])
    link = unescape(re.search(rf'<a href="([^"]+)" aria-label="{choose}', page).group(1))
    assert parse_qs(urlsplit(link).query) == {"pick-units": ["HP-HB, HP-AD"]}
    elsewhere = client.get(
        "/org/units/find", query_string={"q": "an duong", "field": "unit", "back": "//evil.test"}
    ).get_data(as_text=True)
    assert "Xã An Dương" in elsewhere and 'href="//evil.test' not in elsewhere
    assert f'aria-label="{said(app, "Choose %(unit)s", unit="")[:5]}' not in elsewhere


def test_search_page_for_a_manager_lists_only_their_units(app, client, site, login_as):
    login_as(client, site.manager)
    page = unescape(client.get("/org/units/find?q=an+duong").get_data(as_text=True))
    nothing = said(app, "No unit you may choose matches “%(text)s”.", text="an duong")
    assert "Xã An Dương" not in page and nothing in page


def test_forms_render_the_picker_with_a_search_page_link(client, site, login_as):
    login_as(client, site.admin)
    page = client.get(f"/admin/users/{site.learner.id}").get_data(as_text=True)
    assert re.search(r'<input[^>]*data-unit-picker="/org/units/search"[^>]*id="unit"', page)
    assert re.search(r'data-multiple[^>]*id="units"', page)
    assert f"/org/units/find?field=unit&amp;back=/admin/users/{site.learner.id}" in page
    unit_page = client.get(f"/admin/units/{site.ward.id}").get_data(as_text=True)
    assert unit_page.count("data-unit-picker=") == 2


@pytest.mark.parametrize("typed", ["HP-HB-1C", "hp-hb-1c", "mot cua"])
def test_assigning_a_position_takes_the_picked_unit(client, site, login_as, typed):
    login_as(client, site.admin)
    response = client.submit(
        f"/admin/users/{site.outsider.id}/positions",
        {"position": site.position.id, "unit": typed, "starts_on": "2026-01-05"},
    )
    assert response.status_code == 302
    page = client.get(f"/admin/users/{site.outsider.id}").get_data(as_text=True)
    assert "Bộ phận Một cửa" in page


def test_an_ambiguous_or_unknown_unit_is_refused_with_a_reason(app, client, site, login_as):
    login_as(client, site.admin)
    ambiguous = client.submit(
        f"/admin/users/{site.outsider.id}/positions",
        {"position": site.position.id, "unit": "h", "starts_on": "2026-01-05"},
    )
    assert ambiguous.status_code == 422
    text = unescape(ambiguous.get_data(as_text=True))
    assert (
        said(
            app,
            "Several units match “%(text)s”: %(units)s. Type the unit's code.",
            text="h",
            units="",
        )[:20]
        in text
    )
    assert "Thành phố Hải Phòng › Phường Hồng Bàng (HP-HB)" in text
    unknown = client.submit(
        f"/admin/users/{site.outsider.id}/positions",
        {"position": site.position.id, "unit": "NOPE", "starts_on": "2026-01-05"},
    )
    assert unknown.status_code == 422
    nope = said(app, "No unit you may choose has the code or name “%(text)s”.", text="NOPE")
    assert nope in unescape(unknown.get_data(as_text=True))


def test_manager_scopes_take_several_picked_units(client, site, factory, login_as):
    login_as(client, site.admin)
    manager = factory.user(username="new-manager")
    response = client.submit(f"/admin/users/{manager.id}/units", {"units": "HP-AD, hong bang"})
    assert response.status_code == 302
    page = client.get(f"/admin/users/{manager.id}").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="units"[^>]*value="HP-HB, HP-AD"', page)
    refused = client.submit(f"/admin/users/{manager.id}/units", {"units": "HP-AD, NOPE"})
    assert refused.status_code == 422
    page = client.get(f"/admin/users/{manager.id}").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="units"[^>]*value="HP-HB, HP-AD"', page), "nothing saved"


def test_move_and_merge_take_the_picked_unit(client, site, factory, login_as):
    section = factory.unit(parent=site.ward, name_vi="Phòng Tư pháp", code="HP-HB-TP")
    login_as(client, site.admin)
    moved = client.submit(
        f"/admin/units/{section.id}/move", {"parent": "an duong", "effective_on": "2026-03-01"}
    )
    assert moved.status_code == 302
    refused = client.submit(
        f"/admin/units/{section.id}/move", {"parent": "NOPE", "effective_on": "2026-03-02"}
    )
    assert refused.status_code == 422
    merged = client.submit(
        f"/admin/units/{section.id}/merge",
        {"target": "HP-AD", "effective_on": "2026-04-01", "confirm": "1"},
    )
    assert merged.status_code == 302
    refused = client.submit(
        f"/admin/units/{site.ward.id}/merge", {"target": "NOPE", "effective_on": "2026-04-01"}
    )
    assert refused.status_code == 422


def test_api_client_units_take_picked_units(client, site, login_as):
    login_as(client, site.admin)
    made = client.submit(
        "/admin/api-clients", {"name": "HR", "scopes": ["people:read"], "units": "hong bang"}
    )
    assert made.status_code == 200 and "client_secret" in made.get_data(as_text=True)
    refused = client.submit(
        "/admin/api-clients", {"name": "HR", "scopes": ["people:read"], "units": "NOPE"}
    )
    assert refused.status_code == 422


def test_people_filter_takes_a_picked_unit_within_scope(app, client, site, factory, login_as):
    other = factory.user(full_name="Lê Văn Cường", username="cuong")
    factory.assignment(other, site.position, site.ward)
    login_as(client, site.manager)
    page = client.get("/org/people?unit=mot+cua").get_data(as_text=True)
    assert "Nguyễn Văn An" in page and "Lê Văn Cường" not in page
    page = client.get("/org/people?unit=HP-HB").get_data(as_text=True)
    assert "Nguyễn Văn An" in page and "Lê Văn Cường" in page
    outside = client.get("/org/people?unit=HP-AD")
    assert outside.status_code == 422
    text = unescape(outside.get_data(as_text=True))
    assert (
        said(app, "No unit you may choose has the code or name “%(text)s”.", text="HP-AD") in text
    )
    assert "Trần Thị Bình" not in text


def test_resolve_refuses_a_unit_outside_the_managers_scope(app, site):
    with app.test_request_context():
        manager = db.session.merge(site.manager)
        assert picker.resolve(manager, "hp-hb-1c").code == "HP-HB-1C"
        with pytest.raises(Invalid):
            picker.resolve(manager, "HP-AD")
        with pytest.raises(Invalid):
            picker.resolve(manager, "an duong")


def test_search_page_returns_only_to_pages_of_this_site(client, site, login_as):
    corpus = Path(__file__).parents[1] / "data" / "corpora" / "Open-Redirect-payloads.txt"
    payloads = [line for line in corpus.read_text(encoding="utf-8").splitlines() if line]
    login_as(client, site.admin)
    for payload in payloads[:200]:
        page = client.get(
            "/org/units/find", query_string={"q": "an duong", "field": "unit", "back": payload}
        ).get_data(as_text=True)
        for link in re.findall(r'<a href="([^"]+)" aria-label="Choose', page):
            target = unescape(link)
            assert target.startswith("/") and not target.startswith(("//", "/\\")), payload
            assert not urlsplit(target).netloc, payload


def test_a_new_unit_takes_its_picked_parent(app, client, site, login_as):
    login_as(client, site.admin)
    form = client.get(f"/admin/units/new?parent={site.ward.id}").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="parent"[^>]*value="HP-HB"', form), "the tree's parent"
    unit = {"kind": "section", "name_vi": "Phòng Tư pháp", "effective_on": "2026-01-01"}
    created = client.submit(
        f"/admin/units/new?parent={site.ward.id}",
        {**unit, "code": "HP-AD-TP", "parent": "an duong"},
    )
    assert created.status_code == 302
    page = client.get(created.headers["Location"]).get_data(as_text=True)
    assert "Xã An Dương" in page and "Phường Hồng Bàng" not in page
    refused = client.submit("/admin/units/new", {**unit, "code": "X-TP", "parent": "NOPE"})
    nope = said(app, "No unit you may choose has the code or name “%(text)s”.", text="NOPE")
    assert nope in unescape(refused.get_data(as_text=True))
    assert client.get("/org/units/search?q=x-tp").get_json()["units"] == [], "nothing saved"
