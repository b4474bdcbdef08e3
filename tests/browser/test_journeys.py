import pytest

pytestmark = pytest.mark.browser


def test_admin_signs_in_switches_language_and_searches_without_diacritics(visitor, request):
    width = visitor.page.viewport_size["width"]
    visitor.sign_in("admin")
    assert visitor.page.locator("h1").inner_text().startswith("Xin chào")
    visitor.screenshot(f"admin-home-vi-{width}")

    visitor.click("button[value=en]")
    assert visitor.page.locator("html").get_attribute("lang") == "en"
    assert visitor.page.locator("h1").inner_text().startswith("Hello")
    visitor.click("a[href='/admin/']")
    visitor.click("nav.admin-nav a[href='/admin/users']")
    visitor.page.fill("#q", "nguyen van an")
    visitor.click("form.filters button[type=submit]")
    results = visitor.page.locator("tbody td:first-child a").all_inner_texts()
    assert results == ["Nguyễn Văn An"]
    visitor.screenshot(f"admin-user-search-en-{width}")

    visitor.click("button[value=vi]")
    assert visitor.page.locator("html").get_attribute("lang") == "vi"
    assert visitor.page.locator("h1").inner_text() == "Người dùng"
    assert "nguyen van an" in visitor.page.url.replace("+", " "), "the search is kept"
    visitor.click("tbody td:first-child a")
    visitor.screenshot(f"admin-user-detail-vi-{width}")
    visitor.open("/admin/units")
    visitor.click("tbody td a[href*='parent=']")
    visitor.screenshot(f"admin-units-vi-{width}")
    assert len(visitor.checked) >= 9


def test_admin_reviews_a_merge_of_two_wards_before_confirming_it(visitor):
    width = visitor.page.viewport_size["width"]
    visitor.sign_in("admin")
    visitor.open("/admin/units?q=HP-HB")
    visitor.click("main a:text-is('Phường Hồng Bàng')")
    visitor.page.fill("#target", "HP-LC")
    visitor.click("form[action$='/merge'] button[type=submit]")
    assert "/merge?" in visitor.page.url, "the merge form opens the confirmation page"
    box = visitor.page.locator("tr:has-text('HP-HB-1C') input[name=sub_units]")
    assert box.is_checked(), "the two service centres are offered to merge, ticked"
    visitor.screenshot(f"admin-unit-merge-confirm-vi-{width}")
    # Not confirmed: the demo site is shared by the other journeys.


def test_learner_signs_in_switches_language_both_ways_and_signs_out(visitor):
    width = visitor.page.viewport_size["width"]
    visitor.sign_in("learner")
    assert "Nguyễn Văn An" in visitor.page.locator("h1").inner_text()
    assert "Trung tâm Phục vụ hành chính công phường Hồng Bàng" in visitor.page.content()
    visitor.screenshot(f"learner-home-vi-{width}")
    visitor.click("button[value=en]")
    assert visitor.page.locator("#positions-heading").inner_text() == "My job positions"
    assert "Hong Bang Ward Public Administration Service Centre" in visitor.page.content()
    visitor.screenshot(f"learner-home-en-{width}")
    visitor.click("button[value=vi]")
    assert visitor.page.locator("#positions-heading").inner_text() == "Vị trí việc làm của tôi"
    assert visitor.page.locator("a[href='/admin/']").count() == 0
    visitor.click("header button:has-text('Đăng xuất')")
    assert "/login" in visitor.page.url


def test_manager_sees_their_people(visitor):
    visitor.sign_in("manager.hongbang")
    visitor.click("a[href='/org/people']")
    names = visitor.page.locator("tbody td:first-child a").all_inner_texts()
    assert "Nguyễn Văn An" in names and "Nguyễn Hải Long" not in names
    visitor.click("tbody td:first-child a")


def test_skip_link_is_the_first_stop_and_visible_on_focus(visitor):
    visitor.open("/login")
    visitor.page.keyboard.press("Tab")
    focused = visitor.page.evaluate("document.activeElement.className")
    assert focused == "skip-link"
    box = visitor.page.locator(".skip-link").bounding_box()
    assert box["y"] >= 0


def test_wrong_password_message_is_announced(visitor):
    visitor.sign_in("learner", password="sai-mat-khau-roi")
    error = visitor.page.locator("#password-error")
    assert error.inner_text() == "Sai tên đăng nhập hoặc mật khẩu."
    assert visitor.page.locator("#password").get_attribute("aria-invalid") == "true"


def answers_for(app, username: str, *, right: bool) -> list[tuple[str, list[str]]]:
    """For each question of the learner's attempt in progress: its type and the values a
    learner who knows (or does not know) the answers would give."""
    import sqlalchemy as sa

    from lms.accounts.models import User
    from lms.assessment import services
    from lms.assessment.grading import format_number
    from lms.assessment.models import QuizAttempt
    from lms.catalogue.models import Activity
    from lms.extensions import db

    with app.app_context():
        attempt = db.session.scalar(
            sa.select(QuizAttempt)
            .join(User, User.id == QuizAttempt.user_id)
            .where(User.username == username, QuizAttempt.state == "in_progress")
        )
        activity = db.session.get(Activity, attempt.activity_id)
        return [
            (q.type_id, _values(q, right, format_number))
            for q in services.slot_questions(attempt, activity)
        ]


def _values(question, right: bool, format_number) -> list[str]:
    data = question.data
    if question.type_id in {"single_choice", "multiple_choice"}:
        if right:
            best = max(o["fraction"] for o in data["options"])
            wanted = [o for o in data["options"] if o["fraction"] > 0]
            if question.type_id == "single_choice":
                wanted = [o for o in wanted if o["fraction"] == best]
        else:
            wanted = [min(data["options"], key=lambda o: o["fraction"])]
        return [o["id"] for o in wanted]
    if question.type_id == "true_false":
        return ["true" if data["correct"] == right else "false"]
    if question.type_id == "short_answer":
        best = max(data["answers"], key=lambda a: a["fraction"])
        return [best["text"] if right else "không biết"]
    if question.type_id == "numeric":
        answer = max(data["answers"], key=lambda a: a["fraction"])
        number = answer["value"] if "value" in answer else answer["min"]
        return [format_number(number) if right else "-987654"]
    choices = [c["id"] for c in data["choices"]]
    return [
        f"{item['id']}:{item['match'] if right else next(c for c in choices if c != item['match'])}"
        for item in data["items"]
    ]


def give_answer(page, slot: int, type_id: str, values: list[str]) -> None:
    # On a phone the quiz shows one question at a time: go to it through the question list.
    page.click(f'.question-nav a[data-slot="{slot}"]')
    fieldset = page.locator(f'fieldset[data-slot="{slot}"]')
    if type_id in {"single_choice", "true_false", "multiple_choice"}:
        for value in values:
            fieldset.locator(f'input[value="{value}"]').check()
    elif type_id == "matching":
        for value in values:
            fieldset.locator(f'select option[value="{value}"]').locator("..").select_option(value)
    else:
        fieldset.locator("input[type=text]").fill(values[0])
        fieldset.locator("input[type=text]").dispatch_event("change")
    saved = fieldset.locator(".save-state")
    saved.filter(has_text="Đã lưu").wait_for()


def is_given(page, slot: int, type_id: str, values: list[str]) -> bool:
    page.click(f'.question-nav a[data-slot="{slot}"]')
    fieldset = page.locator(f'fieldset[data-slot="{slot}"]')
    if type_id in {"single_choice", "true_false", "multiple_choice"}:
        return all(fieldset.locator(f'input[value="{v}"]').is_checked() for v in values)
    if type_id == "matching":
        chosen = fieldset.locator("select").evaluate_all("all => all.map(s => s.value)")
        return sorted(chosen) == sorted(values)
    return fieldset.locator("input[type=text]").input_value() == values[0]


def take_quiz(visitor, app, username: str, *, right: bool, reload_midway: bool = False):
    visitor.click("button[value=start]")
    answers = answers_for(app, username, right=right)
    half = len(answers) // 2
    for slot, (type_id, values) in enumerate(answers):
        if reload_midway and slot == half:
            visitor.page.reload()
            visitor.check_accessibility()
            for earlier, (kind, given) in enumerate(answers[:half]):
                assert is_given(visitor.page, earlier, kind, given), f"answer {earlier} kept"
            visitor.screenshot(f"learner-quiz-reloaded-{visitor.page.viewport_size['width']}")
        give_answer(visitor.page, slot, type_id, values)
    visitor.click("button[value=submit]")


def test_learner_finds_a_module_reads_it_passes_its_quiz_and_completes_it(visitor, live_app):
    width = visitor.page.viewport_size["width"]
    # One learner per viewport: the live site keeps their progress between tests.
    learner = "ducnm" if width < 600 else "thaont"
    visitor.sign_in(learner)
    visitor.click("a[href='/catalogue']")
    visitor.page.fill("#q", "nen tang chinh quyen so")
    visitor.click("form.filters button[type=submit]")
    titles = visitor.page.locator(".module-list h2 a").all_inner_texts()
    assert titles == ["Nền tảng chính quyền số"]
    visitor.screenshot(f"learner-catalogue-{width}")
    visitor.click(".module-list h2 a")
    # The activities are the diagnostic pre-test, the lessons and the final quiz.
    lessons = visitor.page.locator(".activity-list li").count() - 2
    assert lessons >= 4
    visitor.click("main a[role=button]")
    # The pre-test comes first; taking it completes it whether passed or not.
    assert "/pre-test" in visitor.page.url
    take_quiz(visitor, live_app, learner, right=False)
    visitor.open("/modules/digital-government-foundations")
    assert visitor.page.locator(".activity-list li:first-child .badge.done").count() == 1
    # "Continue" moves on to the first lesson, not back to the finished pre-test.
    visitor.click("main a[role=button]")
    assert "/pre-test" not in visitor.page.url
    for number in range(lessons):
        assert visitor.page.locator(".lesson-body h2").count() >= 1, "real content"
        if number == 1:
            visitor.screenshot(f"learner-lesson-{width}")
        visitor.click("button[value=done]")

    assert "/final-quiz" in visitor.page.url
    take_quiz(visitor, live_app, learner, right=False)
    assert "Chưa đạt." in visitor.page.locator(".quiz-intro").inner_text()
    visitor.screenshot(f"learner-quiz-failed-{width}")
    take_quiz(visitor, live_app, learner, right=True, reload_midway=True)
    assert "Bạn đã đạt bài kiểm tra này." in visitor.page.locator(".quiz-intro").inner_text()
    visitor.screenshot(f"learner-quiz-passed-{width}")

    visitor.open("/modules/digital-government-foundations")
    assert visitor.page.locator("progress").get_attribute("value") == "100"
    assert "đã hoàn thành" in visitor.page.locator(".progress-line").inner_text()
    visitor.screenshot(f"learner-module-completed-{width}")
    visitor.click("a[href='/']")
    home = visitor.page.locator("section[aria-labelledby=modules-heading] article").first
    assert "Nền tảng chính quyền số" in home.inner_text()
    assert home.locator("progress").get_attribute("value") == "100"
    visitor.screenshot(f"learner-my-learning-{width}")
