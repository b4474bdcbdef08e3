"""The official layout admins set (agency, place, signer, seal) and how it prints."""

import io
import shutil
import subprocess

import pytest
from PIL import Image

from lms.certificates import letterhead

TEXTS = {
    "heading_vi": "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "heading_en": "SOCIALIST REPUBLIC OF VIET NAM",
    "motto_vi": "Độc lập - Tự do - Hạnh phúc",
    "motto_en": "Independence - Freedom - Happiness",
    "governing_body_vi": "Ủy ban nhân dân thành phố Hải Phòng",
    "governing_body_en": "Hai Phong City People's Committee",
    "agency_vi": "Sở Nội vụ",
    "agency_en": "Department of Home Affairs",
    "place_vi": "Hải Phòng",
    "place_en": "Hai Phong",
    "signer_title_vi": "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC",
    "signer_title_en": "P.P. DIRECTOR\nDEPUTY DIRECTOR",
    "signer_name": "Nguyễn Văn An",
}


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (width, height), (200, 16, 46, 255)).save(out, format="PNG")
    return out.getvalue()


def pdf_text(data: bytes) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed (Debian package poppler-utils)")
    done = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True)
    return " ".join(done.stdout.decode().split())


def upload(client, data: bytes, name: str = "seal.png"):
    return client.submit(
        "/admin/certificates/layout/seal",
        {"image": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


@pytest.fixture
def laid_out(client, certified, login_as):
    login_as(client, certified.admin)
    saved = client.submit("/admin/certificates/layout", TEXTS)
    assert saved.status_code == 302, saved.get_data(as_text=True)
    assert upload(client, png(300, 300)).status_code == 302
    client.submit("/logout")
    login_as(client, certified.holder)
    return certified


def test_the_certificate_prints_the_official_heading_date_line_and_signer(client, laid_out):
    certificate_id = laid_out.certificates["position"][0]

    text = pdf_text(client.get(f"/certificates/{certificate_id}.pdf").data)

    # (pdftotext reads the heading's two columns interleaved)
    assert "ỦY BAN NHÂN DÂN THÀNH PHỐ HẢI PHÒNG SỞ NỘI VỤ" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Độc lập - Tự do - Hạnh phúc" in text
    assert "Hải Phòng, ngày " in text and " tháng " in text and " năm 20" in text
    assert "KT. GIÁM ĐỐC PHÓ GIÁM ĐỐC" in text and "Nguyễn Văn An" in text


def test_the_english_certificate_prints_the_english_forms(client, laid_out):
    client.submit("/language", {"locale": "en"})
    certificate_id = laid_out.certificates["position"][0]

    text = pdf_text(client.get(f"/certificates/{certificate_id}.pdf").data)

    assert "SOCIALIST REPUBLIC OF VIET NAM" in text
    assert "Independence - Freedom - Happiness" in text
    assert "HAI PHONG CITY PEOPLE'S COMMITTEE DEPARTMENT OF HOME AFFAIRS" in text
    assert "Hai Phong, " in text and "P.P. DIRECTOR DEPUTY DIRECTOR" in text


def test_a_date_line_writes_small_days_and_early_months_with_a_zero(appctx):
    from datetime import date

    from flask_babel import force_locale

    from lms.certificates.pdf import place_and_date

    with force_locale("vi"):
        assert place_and_date("Hà Nội", date(2026, 12, 7)) == "Hà Nội, ngày 07 tháng 12 năm 2026"
        assert place_and_date("Hà Nội", date(2026, 2, 15)) == "Hà Nội, ngày 15 tháng 02 năm 2026"
    with force_locale("en"):
        assert place_and_date("Ha Noi", date(2026, 12, 7)) == "Ha Noi, 7 December 2026"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"GIF89a" + b"\0" * 200, "The image must be a PNG file."),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * (1024 * 1024), "The image is larger than 1 MB."),
        (png(4000, 64), "between 64 and 2000 pixels wide and high; this one is 4000 × 64"),
        (b"\x89PNG\r\n\x1a\n" + b"garbage" * 20, "it is not a valid PNG file"),
    ],
    ids=["not-png", "oversize", "absurd-dimensions", "damaged"],
)
def test_a_bad_seal_image_is_refused_and_the_old_one_kept(
    app, client, certified, login_as, data, message
):
    login_as(client, certified.admin)
    good = png(200, 120)
    assert upload(client, good).status_code == 302
    client.submit("/language", {"locale": "en"})

    refused = upload(client, data)

    assert refused.status_code == 422
    assert message in refused.get_data(as_text=True)
    assert client.get("/admin/certificates/layout/seal.png").data == good


def test_the_layout_page_needs_an_agency_name(client, certified, login_as):
    login_as(client, certified.admin)
    client.submit("/language", {"locale": "en"})

    refused = client.submit("/admin/certificates/layout", {**TEXTS, "agency_vi": " "})

    assert refused.status_code == 422
    assert "This field is required." in refused.get_data(as_text=True)
    with client.application.test_request_context():
        assert letterhead.settings() is None


def test_the_layout_page_shows_the_defaults_and_whether_pdfs_are_signed(
    client, certified, login_as
):
    login_as(client, certified.admin)

    page = client.get("/admin/certificates/layout").get_data(as_text=True)

    assert 'value="CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"' in page
    assert 'value="Independence - Freedom - Happiness"' in page
    assert "LMS_SIGNING_PKCS12" in page  # not signed in this test
    sample = client.get("/admin/certificates/layout/sample.pdf")
    assert sample.mimetype == "application/pdf" and sample.data.startswith(b"%PDF")
