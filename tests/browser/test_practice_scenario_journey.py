"""A trainer writes a practice scenario (an activity type of the third-party test plugin,
tests/plugins/practice_scenario) in the browser through the same editor as lessons and
quizzes, publishes it, and a learner completes the module by picking the right option."""

import pytest

pytestmark = pytest.mark.browser

SLUG = "tinh-huong-mot-cua"
BASE = f"/authoring/modules/{SLUG}"
SCENARIO = "Một người dân nộp hồ sơ ==thiếu giấy tờ==."


def _type_scenario(page) -> None:
    """Type into the scenario's editor: EasyMDE when its script ran, else the textarea."""
    editor = page.locator(".EasyMDEContainer .CodeMirror").first
    if editor.count():
        editor.click()
        page.keyboard.insert_text(SCENARIO)
        page.wait_for_function(
            "text => document.querySelector('#scenario_vi').value.trim() === text", arg=SCENARIO
        )
    else:
        page.fill("#scenario_vi", SCENARIO)


def test_a_trainer_writes_a_practice_scenario_and_a_learner_completes_it(window_each_database):
    window = window_each_database
    trainer = window(1280, 800)
    trainer.sign_in("trainer.hoa")
    trainer.open("/authoring/modules/new")
    page = trainer.page
    page.fill("#slug", SLUG)
    page.fill("#title_vi", "Tình huống tại bộ phận một cửa")
    page.fill("#summary_vi", "Thực hành xử lý hồ sơ.")
    page.fill("#estimated_minutes", "5")
    trainer.click("main form button[type=submit]")
    assert page.url.endswith(BASE)

    if not page.locator("#add-activity").is_visible():
        page.click("main details summary")
    page.select_option("#type_id", "practice-scenario")
    page.fill("#key", "ho-so-thieu")
    page.fill("#title_vi", "Hồ sơ thiếu giấy tờ")
    trainer.click("#add-activity button[type=submit]")
    assert page.url.endswith(f"{BASE}/scenarios/ho-so-thieu")

    _type_scenario(page)
    page.fill("#question_vi", "Việc đúng cần làm là gì?")
    page.fill(
        "#options_vi", "Từ chối không giải thích\nHướng dẫn một lần, đầy đủ\nNhận hồ sơ thiếu"
    )
    page.fill("#answer", "2")
    trainer.click("#practice-scenario-form button[value=save]")
    assert page.locator("p.flash-success").count() == 1
    assert page.input_value("#options_vi").splitlines()[1] == "Hướng dẫn một lần, đầy đủ"
    trainer.screenshot("authoring-practice-scenario-1280")

    trainer.open(f"{BASE}/preview")
    assert page.locator("main mark").inner_text() == "thiếu giấy tờ"
    trainer.open(BASE)
    trainer.click(f"form[action='{BASE}/publish'] button")
    assert page.locator(".flash-success").count() == 1

    learner = window(390, 844)
    learner.sign_in("learner")
    learner.open(f"/modules/{SLUG}/ho-so-thieu")
    learner.page.check("input[name=pick][value='1']")
    learner.click("button[value=check]")
    assert learner.page.locator("p.flash-error").count() == 1
    learner.page.check("input[name=pick][value='2']")
    learner.click("button[value=check]")
    learner.open(f"/modules/{SLUG}")
    assert learner.page.locator("p.flash-success").count() == 1  # the module is completed
    learner.screenshot("practice-scenario-completed-390")
