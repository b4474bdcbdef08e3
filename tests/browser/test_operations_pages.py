"""The operations pages added last — e-mail delivery, the certificates' layout, the roster
job, the qualification check and the verification of an uploaded file — in Chromium, on a
desktop and on a phone: each checked with axe-core, fitting the screen, and saying what it
should."""

from datetime import date

import pytest
import sqlalchemy as sa

from lms.accounts.models import User
from lms.core import clock
from lms.extensions import db
from lms.notifications.models import Notification

pytestmark = pytest.mark.browser

VIEWPORTS = {"desktop": (1280, 900), "phone": (390, 844)}
REASON = "550 5.1.1 Hộp thư không tồn tại"


@pytest.fixture(scope="module")
def failed_email(live_app):
    """One notification whose e-mail was given up, for the e-mail page to list."""
    with live_app.app_context():
        user = db.session.scalars(sa.select(User).where(User.username == "ducnm")).one()
        notification = Notification(
            user_id=user.id,
            kind="assigned",
            event_key="browser-test:given-up",
            params={"title": {"vi": "An toàn thông tin", "en": "Information security"}},
            created_at=clock.now(),
            email_status="failed",
            email_tries=5,
            email_error=REASON,
            email_attempted_at=clock.now(),
        )
        db.session.add(notification)
        db.session.commit()
        return user.full_name


def _roster_file(folder, username: str):
    """A roster of one good row (``username``, new) and one of a unit that does not exist."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Tên đăng nhập", "Họ và tên", "Thư điện tử", "Mã đơn vị", "Mã vị trí việc làm",
                  "Ngày bắt đầu", "Vai trò"])  # fmt: skip
    sheet.append([username, "Trần Thị Thu", None, "HP-HB-1C", "ONE_STOP",
                  date(2026, 11, 2), "learner"])  # fmt: skip
    sheet.append(["sai.donvi", "Lỗi Đơn Vị", None, "KHONG-CO", "ONE_STOP", "02/11/2026", ""])
    target = folder / "danh-sach.xlsx"
    book.save(target)
    return target


def _fits(visitor, name: str, device: str) -> None:
    visitor.screenshot(f"operations-{name}-{device}")
    width = visitor.page.evaluate("document.documentElement.scrollWidth")
    assert width <= visitor.page.viewport_size["width"], f"{name} scrolls sideways"


@pytest.mark.parametrize("device", VIEWPORTS)
def test_admin_operations_pages(window, live_app, device, failed_email, tmp_path):
    admin = window(*VIEWPORTS[device])
    admin.sign_in("admin")

    # E-mail delivery: the given-up e-mail, its reason, and trying it again.
    admin.open("/admin/email?state=given_up")
    assert admin.page.locator("h1").inner_text() == "Gửi thư điện tử"
    row = admin.page.locator(f"main tbody tr:has-text('{failed_email}')")
    assert REASON in row.inner_text() and "An toàn thông tin" in row.inner_text()
    _fits(admin, "email", device)

    # The certificates' layout: its texts, and a sample PDF to download (not signed: the
    # test site has no signing key).
    admin.open("/admin/certificates/layout")
    assert admin.page.input_value("#agency_vi")
    assert admin.page.locator("label[for=agency_en]").count() == 1
    _fits(admin, "letterhead", device)
    link = admin.page.get_attribute("a[href$='sample.pdf']", "href")
    sample = tmp_path / "sample.pdf"
    sample.write_bytes(admin.page.request.get(admin.base_url + link).body())
    assert sample.read_bytes().startswith(b"%PDF")

    # The roster job's page follows the job, which the site's worker runs, to its results.
    admin.open("/admin/roster")
    admin.page.set_input_files("#file", str(_roster_file(tmp_path, f"tran.thi.thu.{device}")))
    admin.page.uncheck("#dry_run")
    admin.click("main form button[type=submit]")
    assert "/admin/roster/imports/" in admin.page.url
    admin.page.wait_for_selector(".stats strong", timeout=60_000)
    created, _updated, _unchanged, errors = admin.page.locator(".stats strong").all_inner_texts()
    assert (created, errors) == ("1", "1")
    assert "KHONG-CO" in admin.page.locator("main tbody").inner_text()
    _fits(admin, "roster-job-done", device)

    # The public verification page, given the sample certificate PDF: not signed, so not
    # taken for authentic.
    admin.open("/verify")
    admin.page.set_input_files("input[type=file]", str(sample))
    admin.click("main form button:has-text('Kiểm tra tệp')")
    assert admin.page.locator("#result-heading").inner_text() == "Chưa được ký số"
    _fits(admin, "verify-file", device)


@pytest.mark.parametrize("device", VIEWPORTS)
def test_manager_checks_qualification(window, device):
    manager = window(*VIEWPORTS[device])
    manager.sign_in("manager.hongbang")
    manager.open("/reports/qualification")
    assert manager.page.input_value("#on")  # today by default
    one_stop = manager.page.locator("#position option", has_text="(ONE_STOP)")
    manager.page.select_option("#position", one_stop.get_attribute("value"))
    manager.page.fill("#on", "2030-01-15")
    manager.page.fill("#people", "learner\nducnm\nmanager.city\nkhong.co.ai")
    manager.click("main form button[value=page]")
    assert "15 thg 1, 2030" in manager.page.locator("#result-title").inner_text()
    rows = manager.page.locator("table.qualification tbody th[scope=row]").all_inner_texts()
    assert [row.splitlines()[0] for row in rows] == [
        "Nguyễn Văn An",
        "Nguyễn Minh Đức",
        "manager.city",  # holds a position outside this manager's ward
        "khong.co.ai",
    ]
    figures = manager.page.locator("dl.headline dd").all_inner_texts()
    assert sum(int(figure) for figure in figures[:2]) == 2 and figures[2] == "2"
    _fits(manager, "qualification", device)
