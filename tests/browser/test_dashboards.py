"""Managers' dashboards in Chromium: a ward manager sees only their ward; the city manager
drills down from the city to a ward to a person and downloads that list as XLSX."""

import pytest
from openpyxl import load_workbook

pytestmark = pytest.mark.browser

ROW_LINK = "table.figures-table th[scope=row] a:not(.row-action)"


def _unit_rows(visitor) -> list[str]:
    rows = visitor.page.locator(f"section[aria-labelledby=units-title] {ROW_LINK}")
    return rows.all_inner_texts()


def _fits_the_screen(visitor) -> None:
    page_width = visitor.page.evaluate("document.documentElement.scrollWidth")
    assert page_width <= visitor.page.viewport_size["width"], "the page scrolls sideways"


def test_a_ward_manager_sees_only_their_ward(window):
    manager = window(1280, 900)
    manager.sign_in("manager.hongbang")
    manager.click("header a:has-text('Báo cáo')")
    assert "Báo cáo bồi dưỡng" in manager.page.locator("h1").inner_text()
    assert _unit_rows(manager) == ["Phường Hồng Bàng"]
    content = manager.page.content()
    for elsewhere in ("Xã An Dương", "Phường Lê Chân", "Thành phố Hải Phòng"):
        assert elsewhere not in content
    manager.click(f"{ROW_LINK}:has-text('Phường Hồng Bàng')")
    sections = _unit_rows(manager)
    assert sections and all("Hồng Bàng" in name for name in sections)
    response = manager.page.goto(manager.base_url + "/reports/people?module=999999")
    assert response.status == 404


def test_city_manager_drills_down_to_a_person_and_downloads_the_list(window, tmp_path):
    manager = window(1280, 900)
    manager.sign_in("manager.city")
    manager.open("/reports/")
    assert _unit_rows(manager) == ["Thành phố Hải Phòng"]
    manager.click(f"{ROW_LINK}:has-text('Thành phố Hải Phòng')")
    assert "Phường Hồng Bàng" in _unit_rows(manager)
    assert manager.page.locator("svg[role=img] title").count() == 2
    manager.screenshot("reports-city-dashboard-desktop")

    # A target for everyone in the city: set through the form, listed with its state.
    manager.page.click("details.target-new summary")
    manager.page.select_option("#target-position", "0")
    manager.page.select_option("#target-module", index=1)
    manager.page.fill("#target-percent", "80")
    manager.page.fill("#target-due_on", "2030-12-31")
    manager.click("form.target-form button[type=submit]")
    # (The demo city has targets of its own; this one is due on 31/12/2030.)
    row = manager.page.locator("table.targets-table tbody tr.target-row", has_text="31/12/2030")
    assert row.count() == 1
    assert "80%" in row.inner_text() and "31/12/2030" in row.inner_text()
    assert "Thành phố Hải Phòng" in row.locator("th").inner_text()

    manager.click(f"{ROW_LINK}:has-text('Phường Hồng Bàng')")
    assert "Phường Hồng Bàng" in manager.page.locator("h1").inner_text()
    people_cell = manager.page.locator(
        "section[aria-labelledby=headline-title] dd a"
    ).first  # people holding a position
    people_cell.click()
    manager.check_accessibility()
    assert "/people" in manager.page.url
    names = manager.page.locator("tbody td:first-child a").all_inner_texts()
    assert names and "Vũ Minh Tuấn" in names and "Lê Văn Bình" not in names
    shown = manager.page.locator("tbody tr").count()

    with manager.page.expect_download() as started:
        manager.page.click("a[href*='people.xlsx']")
    download = started.value
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    sheet = load_workbook(target).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Họ tên" and sheet["A1"].font.bold
    assert len(rows) - 1 == shown
    assert {row[0] for row in rows[1:]} == set(names)

    manager.click("tbody td:first-child a:has-text('Nguyễn Văn An')")
    assert "Nguyễn Văn An" in manager.page.locator("h1").inner_text()
    assert "Trung tâm Phục vụ hành chính công phường Hồng Bàng" in manager.page.content()


def test_dashboard_on_a_phone(window):
    phone = window(390, 844)
    phone.sign_in("manager.city")
    phone.open("/reports/")
    phone.click(f"{ROW_LINK}:has-text('Thành phố Hải Phòng')")
    _fits_the_screen(phone)
    phone.screenshot("reports-city-dashboard-phone")
