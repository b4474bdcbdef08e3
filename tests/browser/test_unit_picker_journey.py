"""The unit picker in a browser: a combobox used from the keyboard alone, on a desktop and on
a phone, and its search page when JavaScript is off."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _listbox(page):
    return page.locator("#" + page.get_attribute("#unit", "aria-controls"))


def test_a_manager_picks_a_unit_by_keyboard_and_filters_their_people(visitor):
    page = visitor.page
    visitor.sign_in("manager.hongbang")
    visitor.open("/org/people")
    combobox = page.locator("#unit")
    assert combobox.get_attribute("role") == "combobox"
    assert combobox.get_attribute("aria-expanded") == "false"
    combobox.focus()
    page.keyboard.type("hong bang")
    listbox = _listbox(page)
    listbox.locator("[role=option]").first.wait_for()
    assert combobox.get_attribute("aria-expanded") == "true"
    options = listbox.locator("[role=option]")
    assert options.count() >= 2
    texts = options.all_inner_texts()
    assert any("Trung tâm Phục vụ hành chính công phường Hồng Bàng" in text for text in texts)
    page.keyboard.press("ArrowDown")
    first = options.first
    assert combobox.get_attribute("aria-activedescendant") == first.get_attribute("id")
    assert first.get_attribute("aria-selected") == "true"
    visitor.check_accessibility()
    visitor.screenshot(f"unit-picker-open-{page.viewport_size['width']}")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    code = first.locator(".unit-code").inner_text()
    page.keyboard.press("Enter")
    assert combobox.get_attribute("aria-expanded") == "false"
    assert page.locator("input[type=hidden][name=unit]").input_value() == code
    assert "Hồng Bàng" in combobox.input_value()
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    visitor.check_accessibility()
    assert parse_qs(urlsplit(page.url).query)["unit"] == [code]
    expect(page.locator("#unit")).to_have_value(re.compile("Thành phố Hải Phòng"))
    assert page.locator("main table tbody tr").count() >= 1
    visitor.click("main .unit-find a")
    page.fill("#q", "hong bang")
    visitor.click("main form[role=search] button[type=submit]")
    assert page.locator("main table tbody tr").count() >= 2


def test_escape_closes_the_list_and_the_admin_sees_several_units_as_chips(window):
    visitor = window(1280, 800)
    page = visitor.page
    visitor.sign_in("admin")
    visitor.open("/admin/users?q=vu+minh+tuan")
    visitor.click("main table a")
    chips = page.locator(".unit-chips li")
    chips.first.wait_for()
    assert "Phường Hồng Bàng" in chips.first.inner_text()
    units = page.locator("#units")
    units.focus()
    page.keyboard.type("an duong")
    listbox = page.locator("#" + units.get_attribute("aria-controls"))
    listbox.locator("[role=option]").first.wait_for()
    page.keyboard.press("Escape")
    assert units.get_attribute("aria-expanded") == "false"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    assert chips.count() == 2
    assert page.locator("input[type=hidden][name=units]").input_value().startswith("HP-HB, ")
    visitor.check_accessibility()
    visitor.screenshot("unit-picker-chips-desktop")


def test_without_javascript_the_search_page_fills_the_field(window):
    visitor = window(390, 844, java_script_enabled=False)
    page = visitor.page
    visitor.sign_in("manager.hongbang")
    visitor.open("/org/people")
    visitor.click("main .unit-find a")
    page.fill("#q", "phuc vu hanh chinh")
    visitor.click("main form[role=search] button[type=submit]")
    visitor.screenshot("unit-picker-search-page-phone")
    visitor.click("main table a")
    assert page.locator("#unit").input_value() == "HP-HB-1C"
    visitor.click("main form.filters button[type=submit]")
    assert "unit=HP-HB-1C" in page.url
    assert page.locator("main table tbody tr").count() >= 1
