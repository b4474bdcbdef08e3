"""The HR roster import page: upload, dry run, apply (a job, which the tests' job queue
runs within the upload request), activation links, refusals."""

import csv
import io
import re
import zipfile

import pytest
import sqlalchemy as sa

from lms.accounts.models import User
from lms.extensions import db

HEADER = "username,full_name,email,unit_code,position_codes,start_date,roles"
ROSTER = (
    HEADER
    + "\nvu.thi.hanh,Vũ Thị Hạnh,hanh@example.vn,HP-HB-1C,ONE_STOP_T,01/03/2026,"
    + "\nbui.van.khoa,Bùi Văn Khoa,,HP-AD,ONE_STOP_T,2026-03-01,learner;trainer\n"
).encode()


def upload(client, data: bytes, *, name="roster.csv", dry_run=True):
    form = {"file": (io.BytesIO(data), name)}
    if dry_run:
        form["dry_run"] = "y"
    return client.submit("/admin/roster", form, content_type="multipart/form-data")


def apply(client, data: bytes, **options) -> str:
    """Upload without a dry run: the job's page, once the (inline) job is done."""
    response = upload(client, data, dry_run=False, **options)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert re.fullmatch(r"/admin/roster/imports/\d+", response.location)
    return client.get(response.location).get_data(as_text=True)


def result_rows(html: str) -> list[tuple[str, str, str]]:
    """(line, username, result) of each row of the results table."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        (line, username.strip(), re.sub(r"<[^>]+>", "", result).strip())
        for line, username, result in re.findall(
            r'<td class="number">(\d+)</td>\s*<td>([^<]*)(?:<br><small>[^<]*</small>)?</td>\s*'
            r"<td>(.*?)</td>",
            body,
            re.S,
        )
    ]


def usernames(app, *names) -> set[str]:
    with app.app_context():
        query = sa.select(User.username).where(User.username.in_(names))
        return set(db.session.scalars(query))


def test_page_has_a_protected_upload_form_and_template_links(client, hr):
    page = client.get("/admin/roster")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'name="csrf_token"' in html and 'enctype="multipart/form-data"' in html
    assert re.search(r'<input checked id="dry_run"[^>]*type="checkbox"', html)
    assert "/admin/roster/template.xlsx" in html and "/admin/roster/template.csv" in html
    assert "not ended or removed" in html
    assert 'class="table-scroll"' not in html  # no results yet


def test_dry_run_then_apply_then_links_then_reimport(app, client, hr):
    dry = upload(client, ROSTER)
    assert dry.status_code == 200
    html = dry.get_data(as_text=True)
    assert result_rows(html) == [
        ("2", "vu.thi.hanh", "Created"),
        ("3", "bui.van.khoa", "Created"),
    ]
    assert "nothing was changed" in html and "links.csv" not in html
    assert usernames(app, "vu.thi.hanh", "bui.van.khoa") == set()

    applied = apply(client, ROSTER)
    assert 'http-equiv="refresh"' not in applied  # done: no more refreshing
    assert "The roster has been imported." in applied
    assert [row[2] for row in result_rows(applied)] == ["Created", "Created"]
    assert usernames(app, "vu.thi.hanh", "bui.van.khoa") == {"vu.thi.hanh", "bui.van.khoa"}
    links_url = re.search(r'href="(/admin/roster/imports/\d+/links\.csv)"', applied).group(1)
    download = client.get(links_url)
    assert download.status_code == 200 and download.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(download.get_data().decode("utf-8-sig"))))
    assert [row[:2] for row in rows[1:]] == [
        ["bui.van.khoa", "Bùi Văn Khoa"],
        ["vu.thi.hanh", "Vũ Thị Hạnh"],
    ]
    activate = rows[1][2]
    assert activate.startswith("http://localhost/account/activate/")
    assert app.test_client().get(activate).status_code == 200

    again = apply(client, ROSTER)
    assert [row[2] for row in result_rows(again)] == ["Unchanged", "Unchanged"]
    assert "links.csv" not in again


def test_errors_are_listed_first_with_reasons_and_good_rows_still_apply(app, client, hr):
    data = ROSTER + b"dup,A,,HP-AD,ONE_STOP_T,2026-03-01,\ndup,B,,NOWHERE,ONE_STOP_T,x,\n"
    html = apply(client, data)
    assert result_rows(html)[:2] == [("4", "dup", "Error"), ("5", "dup", "Error")]
    assert "lines 4, 5" in html and "Unknown unit code NOWHERE" in html
    assert "2 rows have errors" in html
    assert usernames(app, "vu.thi.hanh", "dup") == {"vu.thi.hanh"}


def test_xlsx_upload(app, client, hr):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["Tên đăng nhập", "Họ và tên", "Mã đơn vị", "Mã vị trí việc làm"])
    workbook.active.append(["x.one", "Xuân Một", "HP-AD", "ONE_STOP_T"])
    out = io.BytesIO()
    workbook.save(out)
    response = upload(client, out.getvalue(), name="nhan-su.xlsx")
    assert response.status_code == 422
    assert "start_date (Ngày bắt đầu)" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (b"MZ\x90\x00\x03\x00\x00\x00" + bytes(range(256)) * 4, "roster.xlsx", "neither an Excel"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "roster.csv", "neither an Excel"),
        ("Kính gửi phòng Tổ chức,\nDanh sách gửi kèm.\n".encode(), "roster.csv", "no column"),
        (b"", "roster.csv", "empty"),
        (HEADER.encode() + b"\n", "roster.csv", "no rows of people below them"),
    ],
)
def test_unusable_uploads_are_explained(client, hr, data, name, expected):
    response = upload(client, data, name=name)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert expected in html and 'class="error"' in html


def test_oversized_upload_is_explained(app, client, hr, monkeypatch):
    monkeypatch.setitem(app.config, "LMS_ROSTER_MAX_BYTES", 2048)
    response = upload(client, ROSTER * 40)
    assert response.status_code == 422
    assert "too large" in response.get_data(as_text=True)


def test_missing_file_is_explained(client, hr):
    response = client.submit("/admin/roster", {"dry_run": "y"}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Choose a file" in response.get_data(as_text=True)


def test_upload_without_csrf_token_is_refused(app, client, hr):
    response = client.post(
        "/admin/roster",
        data={"file": (io.BytesIO(ROSTER), "roster.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert usernames(app, "vu.thi.hanh") == set()


def test_templates_download(client, hr):
    as_csv = client.get("/admin/roster/template.csv")
    assert as_csv.status_code == 200 and as_csv.get_data().startswith("\ufeff".encode())
    assert "Tên đăng nhập" in as_csv.get_data().decode("utf-8-sig")
    as_xlsx = client.get("/admin/roster/template.xlsx")
    assert as_xlsx.status_code == 200
    assert "[Content_Types].xml" in zipfile.ZipFile(io.BytesIO(as_xlsx.get_data())).namelist()


def test_links_of_an_unknown_import_are_not_found(client, hr):
    assert client.get("/admin/roster/imports/999999/links.csv").status_code == 404


def test_managers_and_learners_may_not_import(app, client, site, login_as):
    for user in (site.manager, site.learner, site.trainer):
        login_as(client, user)
        assert client.get("/admin/roster").status_code == 403
        assert upload(client, ROSTER, dry_run=False).status_code == 403
        assert client.get("/admin/roster/template.csv").status_code == 403
        client.submit("/logout")
    assert usernames(app, "vu.thi.hanh") == set()
    assert client.get("/admin/roster").status_code == 302  # anonymous: to sign-in
