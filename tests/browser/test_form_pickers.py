"""The pickers that replaced typed codes, in a browser on a desktop and a phone: the session
form's time-slot rows (one more row without a script, a wrong row refused) and the module
form's competency table; every page passes axe-core."""

import pytest

pytestmark = pytest.mark.browser


def test_session_slots_are_rows_a_trainer_adds_to_without_a_script(visitor):
    device = "1280" if visitor.page.viewport_size["width"] > 800 else "390"
    visitor.sign_in("trainer.hoa")
    visitor.open("/sessions/new")
    page = visitor.page
    assert page.locator("input[type=date][name^=slots-]").count() == 3
    page.fill("#title_vi", "Lớp ký số")
    page.fill("#slots-0-day", "2027-03-02")
    page.fill("#slots-0-starts", "08:00")
    page.fill("#slots-0-ends", "07:30")
    visitor.click("button[name=add_slot]")
    assert page.locator("input[type=date][name^=slots-]").count() == 4
    assert page.input_value("#title_vi") == "Lớp ký số"
    assert page.input_value("#slots-0-day") == "2027-03-02"
    with page.expect_navigation():
        page.press("#title_vi", "Enter")  # Enter saves (and is refused): it adds no row
    visitor.check_accessibility()
    assert page.locator("#slots-0-ends-error").is_visible()
    assert page.locator("input[type=date][name^=slots-]").count() == 4
    assert page.input_value("#slots-0-ends") == "07:30"
    page.locator("#slots-0-day").scroll_into_view_if_needed()
    visitor.screenshot(f"session-slots-{device}")


def test_module_competencies_are_a_table_of_level_selects(visitor):
    device = "1280" if visitor.page.viewport_size["width"] > 800 else "390"
    visitor.sign_in("trainer.hoa")
    visitor.open("/authoring/modules/new")
    page = visitor.page
    picker = page.locator("table.competency-picker")
    assert picker.locator("select").count() >= 8
    page.select_option("#c_DG_1", "2")
    assert page.locator("#c_DG_1 option:checked").inner_text().startswith("2 — ")
    box = picker.bounding_box()
    assert box["x"] + box["width"] <= visitor.page.viewport_size["width"], "no sideways scroll"
    visitor.screenshot(f"module-competencies-{device}")
