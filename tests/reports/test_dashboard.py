"""The dashboard's figures, rolled up the tree, filtered, and drilled down to people."""

import html
import re
from datetime import date


def figures(page: str, label: str) -> list[str]:
    """The numbers of the table row headed ``label``."""
    row = re.search(
        rf"<tr>\s*<th scope=\"row\">(?:<a [^>]*>)?{re.escape(label)}.*?</tr>", page, re.S
    )
    assert row, label
    return re.findall(r"<td class=\"num\">(?:<a [^>]*>)?([\d%]+)", row.group(0))


HEADLINE = ("people", "assignments", "completed", "in_progress", "not_started", "overdue",
            "rate", "certificates")  # fmt: skip


def headline(page: str) -> dict[str, str]:
    found = re.findall(r"</dt><dd>(?:<a [^>]*>)?([\d%]+)", page)
    return dict(zip(HEADLINE, found, strict=True))


def test_admin_sees_the_whole_tree_rolled_up(client, country, login_as):
    login_as(client, country.admin)
    page = client.get("/reports/").get_data(as_text=True)
    # people, assignments, completed, in progress, not started, expired, overdue, %
    assert figures(page, "Thành phố Hải Phòng") == ["4", "8", "3", "1", "4", "0", "5", "38%"]
    top = headline(page)
    assert top == dict(
        people="4", assignments="8", completed="3", in_progress="1", not_started="4",
        overdue="5", rate="38%", certificates="1",
    )  # fmt: skip

    city = client.get(f"/reports/units/{country.city.id}").get_data(as_text=True)
    assert figures(city, "Phường Hồng Bàng") == ["3", "6", "2", "1", "3", "0", "4", "33%"]
    assert figures(city, "Xã An Dương") == ["1", "2", "1", "0", "1", "0", "1", "50%"]
    assert figures(city, "Công chức Văn thư") == ["4", "8", "3", "1", "4", "0", "5", "38%"]
    assert figures(city, "An toàn thông tin") == ["4", "4", "1", "1", "2", "0", "3", "25%"]
    assert 'role="img"' in city and "<title" in city


def test_filters_narrow_every_table(client, country, login_as):
    login_as(client, country.admin)
    module = country.modules["van-ban"]
    page = client.get(f"/reports/units/{country.city.id}?module={module}").get_data(as_text=True)
    assert figures(page, "Phường Hồng Bàng") == ["3", "3", "1", "0", "2", "0", "2", "33%"]
    other = country.other_position.id
    page = client.get(f"/reports/units/{country.city.id}?position={other}").get_data(as_text=True)
    assert figures(page, "Phường Hồng Bàng")[:2] == ["1", "0"]
    assert headline(page)["people"] == "1"


def test_completions_per_month(client, country, login_as):
    login_as(client, country.admin)
    page = client.get("/reports/").get_data(as_text=True)
    months = re.search(r'<table class="months-table">.*?</table>', page, re.S).group(0)
    headers = re.findall(r'<th scope="row">(\d\d/\d{4})</th>', months)
    counts = re.findall(r'<td class="num">(\d+)</td>', months)
    assert headers[-1] == "03/2026" and len(headers) == 12
    assert dict(zip(headers, counts, strict=True))["01/2026"] == "2"
    assert dict(zip(headers, counts, strict=True))["02/2026"] == "1"


def test_a_manager_sees_their_ward_only(client, country, login_as):
    login_as(client, country.manager)
    page = client.get("/reports/").get_data(as_text=True)
    assert "Phường Hồng Bàng" in page
    assert "Xã An Dương" not in page and "Thành phố Hải Phòng" not in page
    assert headline(page)["people"] == "3"
    ward = client.get(f"/reports/units/{country.ward.id}").get_data(as_text=True)
    assert figures(ward, "Bộ phận Một cửa") == ["2", "4", "2", "1", "1", "0", "2", "50%"]


def test_drill_down_lists_the_people_behind_a_figure(client, country, login_as):
    login_as(client, country.manager)
    url = f"/reports/units/{country.ward.id}/people?status=overdue&sort=due"
    page = client.get(url).get_data(as_text=True)
    names = re.findall(r'/reports/people/\d+">([^<]+)</a>', page)
    assert sorted(names) == ["Lê Minh Chi", "Lê Minh Chi", "Trần Thị Bình", "Trần Thị Bình"]
    assert "Nguyễn Văn An" not in page

    everyone = client.get(f"/reports/units/{country.ward.id}/people").get_data(as_text=True)
    assert "Nguyễn Văn An" in everyone and "Phạm Văn Dũng" not in everyone

    completed = client.get(
        f"/reports/units/{country.section.id}/people?status=completed"
        f"&module={country.modules['an-toan']}"
    ).get_data(as_text=True)
    assert re.findall(r'/reports/people/\d+">([^<]+)</a>', completed) == ["Nguyễn Văn An"]


def test_people_list_pages_from_where_the_last_page_ended(
    app, client, country, login_as, monkeypatch
):
    login_as(client, country.admin)
    whole = client.get("/reports/people?sort=due").get_data(as_text=True)
    monkeypatch.setitem(app.config, "LMS_PAGE_SIZE", 3)
    pages, url = [], "/reports/people?sort=due"
    while url:
        page = client.get(url).get_data(as_text=True)
        assert ("Trang đầu" in page) == bool(pages)
        pages.append(_people_names(page))
        following = re.search(r'href="([^"]+)" rel="next"', page)
        url = html.unescape(following.group(1)) if following else None
    # Every person and assignment once, in the order of the whole list; nothing counted.
    assert [len(names) for names in pages] == [3, 3, 2]
    assert [name for names in pages for name in names] == _people_names(whole)
    assert not re.search(r"\d+ rows?</p>", whole)
    tampered = client.get("/reports/people?sort=due&after=not-a-cursor")
    assert _people_names(tampered.get_data(as_text=True)) == pages[0]


def _people_names(page: str) -> list[str]:
    return re.findall(r'/reports/people/\d+">([^<]+)</a>', page)


def test_person_record(client, country, login_as):
    login_as(client, country.manager)
    page = client.get(f"/reports/people/{country.an.id}").get_data(as_text=True)
    assert "Nguyễn Văn An" in page and "Công chức Văn thư" in page
    assert "An toàn thông tin" in page and "Văn bản điện tử" in page
    assert page.count("100%") == 2
    assert client.get(f"/reports/people/{country.dung.id}").status_code == 404


def test_period_filter_counts_only_completions_in_the_period(client, clock, country, login_as):
    clock.to(date(2026, 2, 15))
    login_as(client, country.admin)
    everything = client.get(f"/reports/units/{country.city.id}").get_data(as_text=True)
    assert headline(everything)["completed"] == "3"
    url = f"/reports/units/{country.city.id}?period=month"
    page = client.get(url).get_data(as_text=True)
    # Only Dũng's completion of 10 February is in this month.
    assert headline(page)["completed"] == "1"
    assert figures(page, "Phường Hồng Bàng")[2] == "0"
    assert figures(page, "Xã An Dương")[2] == "1"
    months = re.search(r'<table class="months-table">.*?</table>', page, re.S).group(0)
    counts = re.findall(r'<td class="num">(\d+)</td>', months)
    assert counts[-2:] == ["0", "1"]  # January's two are before the period
    # The drill-down keeps the period: the people behind the 1.
    link = re.search(r'<a href="([^"]*status=completed[^"]*)"', page).group(1)
    assert "period=month" in link
    people = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert "Phạm Văn Dũng" in people and "Nguyễn Văn An" not in people
    assert client.get(f"/reports/units/{country.city.id}?period=decade").status_code == 404
    year = client.get(f"/reports/units/{country.city.id}?period=year").get_data(as_text=True)
    assert headline(year)["completed"] == "3"
