"""Certificate and transcript PDFs, read back the way a person or a verifier would: poppler
for the page size and the text, zbar for the QR code."""

import shutil
import subprocess
import unicodedata
from dataclasses import replace
from datetime import date

import pytest
from flask_babel import force_locale

from lms.certificates.pdf import (
    CertificateSheet,
    TranscriptRow,
    TranscriptSheet,
    certificate_pdf,
    transcript_pdf,
)
from lms.testing.databases import in_ci

HOLDER = "Nguyễn Thị Hương"
VERIFY_URL = "https://hoctap.haiphong.gov.vn/verify/2026-000123-K7QX9P"

MODULE_CERTIFICATE = CertificateSheet(
    kind="module",
    holder_name=HOLDER,
    achievement="Chữ ký số và xác thực điện tử",
    position="Công chức một cửa",
    unit="Phường Hồng Bàng, Thành phố Hải Phòng",
    modules=[("Chữ ký số và xác thực điện tử", 3)],
    hours=4.5,
    issued_on=date(2026, 3, 5),
    expires_on=date(2028, 3, 5),
    serial="2026-000123",
    verify_url=VERIFY_URL,
    issuer="Sở Nội vụ thành phố Hải Phòng",
)

EIGHT_MODULES = [
    ("Chữ ký số và xác thực điện tử trong giải quyết thủ tục hành chính", 3),
    ("An toàn thông tin cơ bản", 2),
    ("Dịch vụ công trực tuyến toàn trình", 5),
    ("Cơ sở dữ liệu quốc gia về dân cư và ứng dụng VNeID", 1),
    ("Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính", 4),
    ("Kỹ năng giao tiếp với người dân tại Bộ phận Một cửa", 2),
    ("Bảo vệ dữ liệu cá nhân theo Nghị định 13/2023/NĐ-CP", 1),
    ("Sử dụng Hệ thống thông tin giải quyết thủ tục hành chính cấp tỉnh", 6),
]

LONG_NAME = "Tôn Nữ Hoàng Phương Thảo Nguyễn Huỳnh Ngọc Bảo Trân Lê Thị Ý"  # 60 characters

POSITION_CERTIFICATE = replace(
    MODULE_CERTIFICATE,
    kind="position",
    holder_name=LONG_NAME,
    achievement="Công chức một cửa",
    modules=EIGHT_MODULES,
    hours=37.5,
    expires_on=None,
)


def tool(name: str) -> str:
    """The path of a command-line tool; a missing one skips the test, except under CI=true."""
    path = shutil.which(name)
    if path is None:
        package = "zbar-tools" if name == "zbarimg" else "poppler-utils"
        if in_ci():
            pytest.fail(f"CI=true needs {name} (Debian package {package})")
        pytest.skip(f"{name} is not installed (Debian package {package})")
    return path


def run(*command: str, stdin: bytes | None = None) -> str:
    done = subprocess.run(command, input=stdin, capture_output=True, check=True)
    return done.stdout.decode()


def pdf_info(pdf: bytes) -> str:
    return run(tool("pdfinfo"), "-", stdin=pdf)


def pdf_text(pdf: bytes) -> str:
    return run(tool("pdftotext"), "-", "-", stdin=pdf)


def words(text: str) -> str:
    return " ".join(text.split())


def qr_codes(pdf: bytes, tmp_path) -> list[str]:
    """Render the first page at 150 dpi, as a phone would see a print, and decode it."""
    sheet, page = tmp_path / "sheet.pdf", tmp_path / "page"
    sheet.write_bytes(pdf)
    run(tool("pdftoppm"), "-r", "150", "-png", "-singlefile", str(sheet), str(page))
    return run(tool("zbarimg"), "--raw", "-q", f"{page}.png").splitlines()


@pytest.fixture
def vi(appctx):
    with force_locale("vi"):
        yield


@pytest.fixture
def en(appctx):
    with force_locale("en"):
        yield


@pytest.mark.parametrize(
    "sheet", [MODULE_CERTIFICATE, POSITION_CERTIFICATE], ids=["module", "position"]
)
def test_certificate_is_one_a4_landscape_page(vi, sheet):
    info = pdf_info(certificate_pdf(sheet))

    assert "Pages:           1\n" in info
    assert "Page size:       841.89 x 595.28 pts (A4)" in info
    assert "Author:          Sở Nội vụ thành phố Hải Phòng" in info


def test_certificate_text_keeps_vietnamese_diacritics(vi):
    # Typed decomposed (e + combining marks), as some keyboards send it: printed composed.
    sheet = replace(MODULE_CERTIFICATE, holder_name=unicodedata.normalize("NFD", HOLDER))

    text = words(pdf_text(certificate_pdf(sheet)))

    assert HOLDER in text
    assert "2026-000123" in text
    assert "Công chức một cửa" in text
    assert "Phường Hồng Bàng, Thành phố Hải Phòng" in text
    assert "GIẤY CHỨNG NHẬN" in text
    assert "đã hoàn thành học phần Chữ ký số và xác thực điện tử" in text
    assert "5 tháng 3, 2028" in text


def test_position_certificate_lists_every_module_with_its_version(vi):
    text = words(pdf_text(certificate_pdf(POSITION_CERTIFICATE)))

    assert LONG_NAME in text
    assert "vị trí việc làm Công chức một cửa" in text
    for title, version in EIGHT_MODULES:
        assert f"{title} (phiên bản {version})" in text
    assert "Vô thời hạn" in text


@pytest.mark.parametrize(
    "sheet", [MODULE_CERTIFICATE, POSITION_CERTIFICATE], ids=["module", "position"]
)
def test_certificate_qr_code_decodes_to_the_verify_url(vi, sheet, tmp_path):
    assert qr_codes(certificate_pdf(sheet), tmp_path) == [VERIFY_URL]


def test_certificate_prints_the_verify_address_under_the_code(vi):
    text = words(pdf_text(certificate_pdf(MODULE_CERTIFICATE)))

    # The code that ends the address is printed on a line of its own, never split.
    assert "https://hoctap.haiphong.gov.vn/verify/ 2026-000123-K7QX9P" in text


def test_english_certificate_has_english_labels(en):
    text = words(pdf_text(certificate_pdf(POSITION_CERTIFICATE)))

    assert "CERTIFICATE" in text
    assert "awarded to" in text
    assert "has completed every module required for the position Công chức một cửa" in text
    assert "(version 3)" in text
    assert "No expiry" in text
    assert "March 5, 2026" in text
    assert "GIẤY CHỨNG NHẬN" not in text


def test_revoked_certificate_says_so(vi):
    valid = pdf_text(certificate_pdf(MODULE_CERTIFICATE))
    revoked = pdf_text(certificate_pdf(replace(MODULE_CERTIFICATE, revoked=True)))

    assert "ĐÃ THU HỒI" not in valid
    assert "ĐÃ THU HỒI" in revoked


def transcript(rows: int) -> TranscriptSheet:
    return TranscriptSheet(
        holder_name=HOLDER,
        username="huong.nt",
        positions=["Công chức một cửa — Phường Hồng Bàng", "Văn thư — Phường Hồng Bàng"],
        rows=[
            TranscriptRow(
                module=f"Học phần số {number}: An toàn thông tin",
                version=number % 4 + 1,
                completed_on=date(2025, number % 12 + 1, number % 28 + 1),
                hours=1.5,
                expires_on=date(2027, 1, 1) if number % 2 else None,
                certificate_serial=f"2025-{number:06d}" if number % 3 else None,
                status="Còn hiệu lực",
            )
            for number in range(1, rows + 1)
        ],
        generated_on=date(2026, 3, 5),
        issuer="Sở Nội vụ thành phố Hải Phòng",
    )


def test_long_transcript_runs_over_several_numbered_pages(vi):
    pdf = transcript_pdf(transcript(60))
    info, text = pdf_info(pdf), pdf_text(pdf)

    pages = int(info.split("Pages:")[1].split()[0])
    assert pages > 1
    assert "Page size:       595.28 x 841.89 pts (A4)" in info
    for number in range(1, 61):
        assert f"Học phần số {number}: An toàn thông tin" in text
    assert "Tổng số giờ học: 90" in text
    assert f"Trang 1/{pages}" in text and f"Trang {pages}/{pages}" in text
    # The heading row is repeated on every page.
    assert text.count("Học phần\n") == pages
    assert HOLDER in text and "huong.nt" in text and "Văn thư — Phường Hồng Bàng" in text


def test_english_transcript_has_english_labels(en):
    text = pdf_text(transcript_pdf(transcript(3)))

    assert "TRAINING TRANSCRIPT" in text
    assert "Total learning hours: 4.5" in text
    assert "Page 1 of 1" in text
