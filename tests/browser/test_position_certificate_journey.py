"""From an HR roster to a verified, then revoked, position certificate — in Chromium."""

import csv
import io
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from lms.testing.courses import sync
from lms.testing.databases import in_ci

pytestmark = pytest.mark.browser

ROOT = Path(__file__).parents[2]
SAMPLE_COURSE = ROOT / "tests" / "data" / "courses" / "sample-course"
LEARNER = ("nguyen.thi.huong", "Nguyễn Thị Hương")
NEW_PASSWORD = "Chu-ky-so-an-toan-2026"
CARD = "article:has-text('Chứng nhận theo vị trí việc làm')"


def _tools():
    found = {tool: shutil.which(tool) for tool in ("pdftotext", "pdftoppm", "zbarimg")}
    missing = [tool for tool, path in found.items() if path is None]
    if missing:
        message = f"needs {', '.join(missing)} (apt-get install poppler-utils zbar-tools)"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return found


def _roster(path: Path) -> Path:
    """50 people: 47 good rows and 3 bad ones (unknown unit, unknown position, bad date)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Tên đăng nhập", "Họ và tên", "Thư điện tử", "Mã đơn vị", "Mã vị trí việc làm",
                  "Ngày bắt đầu", "Vai trò"])  # fmt: skip
    sheet.append([*LEARNER, "huong.nt@example.vn", "HP-HB-1C", "KY_SO", date(2026, 11, 2), ""])
    family = ["Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ"]
    for n in range(2, 48):
        name = f"{family[n % len(family)]} Văn Thử {n}"
        sheet.append([f"thu.{n:02d}", name, None, "HP-HB-1C", "KY_SO", "02/11/2026", "learner"])
    sheet.append(["sai.donvi", "Lỗi Đơn Vị", None, "KHONG-CO", "KY_SO", "02/11/2026", ""])
    sheet.append(["sai.vitri", "Lỗi Vị Trí", None, "HP-HB-1C", "KHONG_CO", "02/11/2026", ""])
    sheet.append(["sai.ngay", "Lỗi Ngày", None, "HP-HB-1C", "KY_SO", "31/02/2026", ""])
    target = path / "danh-sach.xlsx"
    book.save(target)
    return target


def _download(page, selector: str, folder: Path) -> Path:
    with page.expect_download() as started:
        page.click(selector)
    download = started.value
    target = folder / download.suggested_filename
    download.save_as(target)
    return target


def test_roster_to_verified_then_revoked_position_certificate(
    window, live_app, live_server, tmp_path
):
    tools = _tools()
    courses = tmp_path / "courses"
    shutil.copytree(SAMPLE_COURSE, courses / "sample-course")
    sync(live_app, ROOT / "courses", courses)

    admin = window(1280, 900)
    admin.sign_in("admin")
    admin.open("/admin/positions/new")
    admin.page.fill("#code", "KY_SO")
    admin.page.fill("#name_vi", "Cán bộ phụ trách chữ ký số")
    admin.page.fill("#name_en", "Digital signature officer")
    admin.click("main form button[type=submit]")
    admin.click("text=Cán bộ phụ trách chữ ký số")
    admin.page.select_option("#curriculum-module", label="Khóa học mẫu về chữ ký số")
    admin.page.select_option("#curriculum-due_basis", "assignment")
    admin.page.fill("#curriculum-due_days", "30")
    admin.page.fill("#curriculum-validity_months", "24")
    admin.click("text=Lưu vào chương trình")
    assert "24 tháng" in admin.page.content()
    admin.screenshot("curriculum-admin-desktop")

    admin.open("/admin/roster")
    admin.page.set_input_files("#file", str(_roster(tmp_path)))
    admin.page.uncheck("#dry_run")
    # Applying runs as a job: its progress page follows it and shows the results at the end.
    admin.click("main form button[type=submit]")
    admin.page.wait_for_selector(".stats strong", timeout=60_000)
    admin.check_accessibility()
    stats = admin.page.locator(".stats strong").all_inner_texts()
    assert stats == ["47", "0", "0", "3"], "created, updated, unchanged, errors"
    errors = admin.page.locator("tbody tr:has(.badge)").all_inner_texts()
    assert len(errors) == 3
    assert any("KHONG-CO" in row for row in errors) and any("31/02/2026" in row for row in errors)
    admin.screenshot("roster-import-desktop")
    links = _download(admin.page, "a[href*='/links.csv']", tmp_path)
    rows = list(csv.reader(io.StringIO(links.read_text(encoding="utf-8-sig"))))
    link = next(row[2] for row in rows if row[0] == LEARNER[0])

    learner = window(1280, 900)
    learner.page.goto(link)
    learner.check_accessibility()
    learner.page.fill("#new", NEW_PASSWORD)
    learner.page.fill("#confirm", NEW_PASSWORD)
    learner.click("main form button[type=submit]")
    assert LEARNER[1] in learner.page.locator("h1").inner_text()
    required = learner.page.locator("#required-heading + ul").inner_text()
    assert "Khóa học mẫu về chữ ký số" in required and "chưa bắt đầu" in required
    learner.screenshot("learner-required-training-desktop")

    learner.click("#required-heading + ul a")
    learner.click("main a[role=button]")
    for _lesson in range(2):
        learner.click("button[value=done]")
    learner.open("/")
    assert "hoàn thành" in learner.page.locator("#required-heading + ul").inner_text()

    learner.open("/certificates")
    learner.screenshot("my-certificates-desktop")
    position_card = learner.page.locator(CARD)
    pdf = _download(learner.page, f"{CARD} a[download][href$='.pdf']", tmp_path)
    credential = _download(learner.page, f"{CARD} a[download][href$='.json']", tmp_path)
    text = subprocess.run(
        [tools["pdftotext"], str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert LEARNER[1] in text and "Cán bộ phụ trách chữ ký số" in text
    subprocess.run(
        [tools["pdftoppm"], "-r", "150", "-png", str(pdf), str(tmp_path / "page")], check=True
    )
    [image] = tmp_path.glob("page*.png")
    url = subprocess.run(
        [tools["zbarimg"], "--raw", "-q", str(image)], capture_output=True, text=True, check=True
    ).stdout.strip()
    code = position_card.locator("code").inner_text()
    assert url == f"{live_server}/verify/{code}"

    visitor = window(390, 844)
    visitor.open(url.removeprefix(live_server))
    assert visitor.page.locator("#result-heading").inner_text() == "Giấy chứng nhận còn hiệu lực"
    shown = visitor.page.content()
    assert LEARNER[1] in shown and "huong.nt@example.vn" not in shown
    visitor.screenshot("verify-valid-phone")
    # The signed credential, uploaded on the same page, says the same.
    visitor.page.set_input_files("input[type=file]", str(credential))
    visitor.click("main form button:has-text('Kiểm tra tệp')")
    assert visitor.page.locator("#result-heading").inner_text() == "Giấy chứng nhận còn hiệu lực"

    serial = text.split("2026-")[1][:6]
    admin.open(f"/admin/certificates?q=2026-{serial}")
    admin.page.fill("textarea[name=reason]", "Cấp nhầm do nhập sai danh sách")
    admin.click("main form button:has-text('Thu hồi')")
    assert "Đã thu hồi giấy chứng nhận" in admin.page.content()

    visitor.open(url.removeprefix(live_server))
    assert visitor.page.locator("#result-heading").inner_text() == "Giấy chứng nhận đã bị thu hồi"
    visitor.screenshot("verify-revoked-phone")
    visitor.page.set_input_files("input[type=file]", str(credential))
    visitor.click("main form button:has-text('Kiểm tra tệp')")
    assert visitor.page.locator("#result-heading").inner_text() == "Giấy chứng nhận đã bị thu hồi"

    phone = window(390, 844)
    phone.sign_in(LEARNER[0], NEW_PASSWORD)
    for name in ("", "certificates", "transcript", "notifications"):
        path = f"/{name}"
        phone.open(path)
        assert phone.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        phone.screenshot(f"learner-{name or 'home'}-phone")
