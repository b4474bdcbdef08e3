"""A trainer builds a module in the browser, previews and publishes it; a learner completes
it; the trainer republishes and the learner stays on version 1, told that version 2 exists.
Every page either of them reaches is checked with axe-core."""

import base64

import pytest

pytestmark = pytest.mark.browser

SLUG = "chu-ky-so-trinh-duyet"
BASE = f"/authoring/modules/{SLUG}"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def _type_markdown(visitor, text: str) -> None:
    """Type into the lesson's editor: EasyMDE when its script ran, else the textarea."""
    page = visitor.page
    editor = page.locator(".EasyMDEContainer .CodeMirror").first
    if editor.count():
        editor.click()
        page.keyboard.press("Control+A")
        page.keyboard.press("Delete")
        page.keyboard.insert_text(text)
        # The editor copies its text into the form's textarea as it changes.
        page.wait_for_function(
            "last => document.querySelector('#text_vi').value.trim().endsWith(last)",
            arg=text.strip().splitlines()[-1],
        )
    else:
        page.fill("#text_vi", text)


def _add_activity(visitor, type_id: str, key: str, title: str) -> None:
    visitor.open(BASE)
    if not visitor.page.locator("#add-activity").is_visible():
        visitor.page.click("main details summary")
    visitor.page.select_option("#type_id", type_id)
    visitor.page.fill("#key", key)
    visitor.page.fill("#title_vi", title)
    visitor.click("#add-activity button[type=submit]")


def _lesson(visitor, key: str, text: str, *, image: bool = False) -> None:
    visitor.open(f"{BASE}/lessons/{key}")
    if image:
        visitor.page.set_input_files(
            "#file", files=[{"name": "so-do.png", "mimeType": "image/png", "buffer": PNG}]
        )
        visitor.click("form[enctype] button[type=submit]")
        assert "uploaded=so-do.png" in visitor.page.url
    _type_markdown(visitor, text)
    visitor.click("#lesson-form button[value=preview]")
    preview = visitor.page.locator(".lesson-preview .lesson-body")
    assert preview.count() == 1
    _type_markdown(visitor, text)
    visitor.click("#lesson-form button[value=save]")


def _question(visitor, type_id: str, fields: dict) -> None:
    visitor.open(f"{BASE}/quizzes/kiem-tra/questions/new?language=vi&type={type_id}")
    for selector, value in fields.items():
        if value is True:
            visitor.page.check(selector)
        elif selector.startswith("select"):
            visitor.page.select_option(selector.removeprefix("select"), value)
        else:
            visitor.page.fill(selector, value)
    visitor.click("main form button[type=submit]")
    assert "/quizzes/kiem-tra" in visitor.page.url and "questions/new" not in visitor.page.url


def _build(trainer) -> None:
    trainer.open("/authoring/")
    trainer.click("a[href='/authoring/modules/new']")
    page = trainer.page
    page.fill("#slug", SLUG)
    page.fill("#title_vi", "Chữ ký số trên trình duyệt")
    page.fill("#summary_vi", "Ký văn bản điện tử an toàn.")
    page.fill("#estimated_minutes", "15")
    page.select_option("#c_DG_1", "2")
    trainer.click("main form button[type=submit]")
    assert page.url.endswith(BASE)
    trainer.screenshot("authoring-module-new-1280")
    _add_activity(trainer, "lesson", "bai-1", "Bài 1: Chữ ký số")
    _add_activity(trainer, "lesson", "bai-2", "Bài 2: Bảo vệ khóa")
    _lesson(
        trainer,
        "bai-1",
        "## Chữ ký số\n\nSơ đồ:\n\n![Sơ đồ ký số](../../media/so-do.png)\n",
        image=True,
    )
    assert trainer.page.locator("p.flash-success").count() == 1  # saved
    trainer.screenshot("authoring-lesson-1280")
    _lesson(trainer, "bai-2", "## Bảo vệ khóa\n\nKhông cho mượn USB token.\n")
    _add_activity(trainer, "quiz", "kiem-tra", "Kiểm tra cuối bài")
    choices = [
        ("Chữ ký số dùng để làm gì?", "Xác thực người ký", "Trang trí văn bản"),
        ("Ai cấp chứng thư số?", "Tổ chức chứng thực", "Người dùng"),
    ]
    for text, right, wrong in choices:
        _question(
            trainer,
            "single_choice",
            {
                "#text": text,
                "#options-0-text": right,
                "#right_option-0": True,
                "#options-0-feedback": "Đúng.",
                "#options-1-text": wrong,
            },
        )
    # A multiple-choice question's right answers are ticked (shown, not saved).
    trainer.open(f"{BASE}/quizzes/kiem-tra/questions/new?language=vi&type=multiple_choice")
    for n, text in enumerate(("Mã PIN", "Chứng thư số", "Ảnh chân dung")):
        trainer.page.fill(f"#options-{n}-text", text)
    trainer.page.check("#options-0-right")
    trainer.page.check("#options-1-right")
    trainer.screenshot("authoring-question-multiple-1280")
    _question(
        trainer, "true_false", {"#text": "Chữ ký số có giá trị pháp lý.", "select#correct": "true"}
    )
    _question(
        trainer, "true_false", {"#text": "Có thể cho mượn USB token.", "select#correct": "false"}
    )
    _question(
        trainer,
        "short_answer",
        {"#text": "Tên tiếng Anh của chữ ký số?", "#options-0-text": "digital signature"},
    )
    trainer.open(f"{BASE}/quizzes/kiem-tra")
    assert trainer.page.locator("ol.question-bank > li").count() == 5
    trainer.page.uncheck("#shuffle_questions")
    trainer.page.fill("#pass_mark", "60")
    trainer.click("main section form[novalidate] button[type=submit]")
    trainer.screenshot("authoring-quiz-1280")


def _learner_completes(learner) -> None:
    learner.open(f"/modules/{SLUG}")
    learner.click("main a[role=button]")
    for _lesson_key in ("bai-1", "bai-2"):
        learner.click("button[value=done]")
    assert "/kiem-tra" in learner.page.url
    learner.click("button[value=start]")
    page = learner.page
    answers = [
        lambda: page.check("#question-1 label:has-text('Xác thực người ký') input"),
        lambda: page.check("#question-2 label:has-text('Tổ chức chứng thực') input"),
        lambda: page.check("#question-3 input[value=true]"),
        lambda: page.check("#question-4 input[value=false]"),
        lambda: page.fill("#answer-4", "Digital Signature"),
    ]
    for number, answer in enumerate(answers, start=1):
        answer()
        if number < len(answers) and page.locator(".question-stepper").is_visible():
            page.locator(".question-stepper button").nth(1).click()  # one at a time on a phone
    learner.click("button[value=submit]")
    learner.open(f"/modules/{SLUG}")
    assert learner.page.locator(".flash-success").count() >= 1


def test_trainer_builds_publishes_and_republishes_while_a_learner_keeps_version_1(window):
    trainer = window(1280, 800)
    trainer.sign_in("trainer.hoa")
    _build(trainer)

    trainer.open(f"{BASE}/preview")
    assert trainer.page.locator(".lesson-body img").count() == 1
    src = trainer.page.locator(".lesson-body img").get_attribute("src")
    assert src.startswith(f"/authoring/modules/{SLUG}/media/")
    assert (
        trainer.page.evaluate("() => document.querySelector('.lesson-body img').naturalWidth") == 1
    )
    trainer.screenshot("authoring-preview-1280")
    trainer.open(f"{BASE}/preview?key=kiem-tra")
    assert trainer.page.locator("fieldset.question").count() == 5
    trainer.open(BASE)
    trainer.screenshot("authoring-module-1280")
    trainer.click(f"form[action='{BASE}/publish'] button")
    assert trainer.page.locator(".flash-success").count() == 1

    learner = window(390, 844)
    learner.sign_in("learner")
    _learner_completes(learner)

    trainer.open(f"{BASE}/lessons/bai-2")
    _type_markdown(trainer, "## Bảo vệ khóa\n\nKhông cho mượn USB token. Đổi mã PIN định kỳ.\n")
    trainer.click("#lesson-form button[value=save]")
    trainer.open(BASE)
    trainer.click(f"form[action='{BASE}/publish'] button")
    trainer.open(f"{BASE}/versions?from=1&to=2")
    assert "Đổi mã PIN định kỳ." in trainer.page.locator("pre.diff ins").all_inner_texts()[0]
    trainer.screenshot("authoring-versions-1280")

    learner.open(f"/modules/{SLUG}")
    content = learner.page.content()
    assert f"/modules/{SLUG}/move" in content, "the learner is told that version 2 exists"
    assert "(2)" in content
    assert learner.page.locator("p.flash-success").count() == 1  # completed, on version 1
    learner.screenshot("authoring-learner-version-2-notice-390")

    phone = window(390, 844)
    phone.sign_in("trainer.hoa")
    for name, path in (
        ("module", BASE),
        ("lesson", f"{BASE}/lessons/bai-1"),
        ("quiz", f"{BASE}/quizzes/kiem-tra"),
        ("question", f"{BASE}/quizzes/kiem-tra/questions/0?language=vi"),
        ("list", "/authoring/"),
    ):
        phone.open(path)
        phone.screenshot(f"authoring-{name}-390")
