"""A learner's certificates, PDFs and transcript; only their own."""

import csv
import io


def test_my_certificates_lists_module_and_position_certificates(client, certified, login_as):
    login_as(client, certified.holder)
    text = client.get("/certificates").get_data(as_text=True)
    assert "Chứng nhận theo vị trí việc làm" in text
    assert text.count("Tải PDF") == 3
    for _id, _code, serial in certified.certificates.values():
        assert serial in text


def test_a_certificate_pdf_downloads_for_its_holder_only(client, certified, login_as):
    certificate_id, _code, serial = certified.certificates["position"]
    login_as(client, certified.holder)
    response = client.get(f"/certificates/{certificate_id}.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF")
    assert serial in response.headers["Content-Disposition"]
    client.submit("/logout")
    login_as(client, certified.other)
    assert client.get(f"/certificates/{certificate_id}.pdf").status_code == 404


def test_transcript_lists_every_completion_as_a_page_a_csv_and_a_pdf(client, certified, login_as):
    login_as(client, certified.holder)
    page = client.get("/transcript").get_data(as_text=True)
    assert "An toàn thông tin" in page and "Văn bản điện tử" in page
    assert "Tổng cộng" in page
    # Hours in Vietnamese numbers: 20 and 10 minutes, half an hour in all.
    assert "<td>0,3</td>" in page and "<td>0,2</td>" in page and "0,5" in page
    assert "0.3" not in page and "0.5" not in page

    exported = client.get("/transcript.csv")
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][0] == "Học phần"
    assert sorted(row[0] for row in rows[1:]) == ["An toàn thông tin", "Văn bản điện tử"]
    serials = {
        serial for key, (_i, _c, serial) in certified.certificates.items() if key != "position"
    }
    assert {row[5] for row in rows[1:]} == serials

    pdf = client.get("/transcript.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_another_learner_has_an_empty_record(client, certified, login_as):
    login_as(client, certified.other)
    assert "Bạn chưa có giấy chứng nhận nào" in client.get("/certificates").get_data(as_text=True)
    rows = client.get("/transcript.csv").get_data(as_text=True).strip().splitlines()
    assert len(rows) == 1


def test_the_learner_is_told_about_assignments_and_certificates_once(client, certified, login_as):
    login_as(client, certified.holder)
    text = client.get("/notifications").get_data(as_text=True)
    assert text.count("Được giao nội dung bồi dưỡng mới") == 2
    assert text.count("Đã cấp giấy chứng nhận") == 3
    client.submit("/notifications/read")
    assert "chưa đọc" not in client.get("/notifications").get_data(as_text=True)
