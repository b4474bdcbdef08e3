import io
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from lms.core.i18n import fold

ROOT = Path(__file__).parents[2]
CATALOGUE = ROOT / "lms" / "translations" / "vi" / "LC_MESSAGES"


DOMAINS = ["messages", "wtforms"]


def vietnamese(domain: str = "messages"):
    with open(CATALOGUE / f"{domain}.po", "rb") as handle:
        return read_po(handle, locale="vi")


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Nguyễn Văn An", "nguyen van an"),
        ("ĐẶNG THỊ ĐÀO", "dang thi dao"),
        ("Phường  Hồng Bàng", "phuong hong bang"),
        ("Tổ công nghệ số", "to cong nghe so"),
        ("Nguyễn Văn An", "nguyen van an"),  # decomposed input (NFD)
    ],
)
def test_fold_strips_vietnamese_diacritics(text, folded):
    assert fold(text) == folded


@pytest.mark.parametrize("domain", DOMAINS)
def test_vietnamese_catalogue_is_complete(domain):
    catalogue = vietnamese(domain)
    untranslated = [
        message.id
        for message in catalogue
        if message.id and (not message.string or not all(message.string) or message.fuzzy)
    ]
    assert untranslated == []


def test_every_string_in_the_code_is_in_the_catalogue(tmp_path):
    template = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-k",
            "lazy_ngettext:1,2",
            "-k",
            "lazy_pgettext:1c,2",
            "--no-location",
            "-o",
            str(template),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with open(template, "rb") as handle:
        in_code = {
            message.id if isinstance(message.id, str) else message.id[0]
            for message in read_po(handle)
            if message.id
        }
    in_catalogue = {
        message.id if isinstance(message.id, str) else message.id[0]
        for message in vietnamese()
        if message.id
    }
    assert sorted(in_code - in_catalogue) == []


def messages_of(catalogue) -> dict:
    def frozen(value):
        return value if isinstance(value, str) else tuple(value)

    return {frozen(message.id): frozen(message.string) for message in catalogue if message.id}


@pytest.mark.parametrize("domain", DOMAINS)
def test_compiled_catalogue_matches_the_source(domain):
    compiled = io.BytesIO()
    write_mo(compiled, vietnamese(domain))
    compiled.seek(0)
    expected = messages_of(read_mo(compiled))
    with open(CATALOGUE / f"{domain}.mo", "rb") as handle:
        shipped = messages_of(read_mo(handle))
    assert shipped == expected, "run: pybabel compile -d lms/translations"


def test_pages_follow_the_language_switch_and_the_user_preference(client, factory, login_as):
    assert "Đăng nhập" in client.get("/login").get_data(as_text=True)
    client.submit("/language", {"locale": "en", "next": "/login"})
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="en"' in page and "Sign in" in page and "Đăng nhập" not in page
    user = factory.user(locale="vi")
    login_as(client, user)
    assert '<html lang="vi"' in client.get("/").get_data(as_text=True), "the user's preference"
    client.submit("/language", {"locale": "en", "next": "/"})
    client.submit("/logout")
    login_as(client, user)
    assert '<html lang="en"' in client.get("/").get_data(as_text=True), "the switch was saved"


def test_form_validation_messages_are_vietnamese(client, factory, login_as):
    login_as(client, factory.user())
    page = client.submit("/account/password", {"current": "", "new": "", "confirm": ""})
    assert page.get_data(as_text=True).count("Trường này là bắt buộc.") == 3
