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


def test_learner_signs_in_switches_language_both_ways_and_signs_out(visitor):
    width = visitor.page.viewport_size["width"]
    visitor.sign_in("learner")
    assert "Nguyễn Văn An" in visitor.page.locator("h1").inner_text()
    assert "Bộ phận Một cửa phường Hồng Bàng" in visitor.page.content()
    visitor.screenshot(f"learner-home-vi-{width}")
    visitor.click("button[value=en]")
    assert visitor.page.locator("#positions-heading").inner_text() == "My job positions"
    assert "Hong Bang Ward One-Stop Section" in visitor.page.content()
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


def test_learner_finds_a_module_without_diacritics_and_completes_it(visitor):
    width = visitor.page.viewport_size["width"]
    # One learner per viewport: the live site keeps their progress between tests.
    visitor.sign_in("ducnm" if width < 600 else "thaont")
    visitor.click("a[href='/catalogue']")
    visitor.page.fill("#q", "nen tang chinh quyen so")
    visitor.click("form.filters button[type=submit]")
    titles = visitor.page.locator(".module-list h2 a").all_inner_texts()
    assert titles == ["Nền tảng chính quyền số"]
    visitor.screenshot(f"learner-catalogue-{width}")
    visitor.click(".module-list h2 a")
    lessons = visitor.page.locator(".activity-list li").count()
    assert lessons >= 4
    visitor.click("main a[role=button]")
    for number in range(lessons):
        assert visitor.page.locator(".lesson-body h2").count() >= 1, "real content"
        if number == 1:
            visitor.screenshot(f"learner-lesson-{width}")
        visitor.click("button[value=done]")
    visitor.open("/modules/digital-government-foundations")
    assert visitor.page.locator("progress").get_attribute("value") == "100"
    assert "đã hoàn thành" in visitor.page.locator(".progress-line").inner_text()
    visitor.screenshot(f"learner-module-completed-{width}")
    visitor.click("a[href='/']")
    home = visitor.page.locator(".module-list article").first
    assert "Nền tảng chính quyền số" in home.inner_text()
    assert home.locator("progress").get_attribute("value") == "100"
    visitor.screenshot(f"learner-my-learning-{width}")
