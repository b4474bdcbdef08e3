"""The gradebook: a manager's people × modules with states and best scores, scoped, paged,
downloadable, at a cost that does not grow with the people; and a person's own record."""

import csv
import io
from datetime import date

from lms.testing.courses import sync, write_course

QUIZ = "::sky:: The sky is blue on a clear day. {T}\n\n::fire:: Fire is cold. {F}\n"


def page_text(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def quizzed(app, factory, country, tmp_path, clock):
    """A third module with a quiz in the position's curriculum; An reads its lesson, fails
    the quiz once, then passes."""
    # Beside the fixture's courses: a synced folder is the whole catalogue.
    write_course(tmp_path / "courses", "kiem-tra", lessons=1, title_vi="Kiểm tra", quiz=QUIZ)
    sync(app, tmp_path / "courses")
    factory.curriculum_item(country.position, "kiem-tra")
    factory.complete_lessons(country.an, "kiem-tra")
    factory.quiz_attempt(country.an, "kiem-tra", "check", {"answer-0": "false"})
    factory.quiz_attempt(country.an, "kiem-tra", "check", {"answer-0": "true", "answer-1": "false"})


def test_people_against_modules_with_states_and_best_scores(
    app, client, country, factory, login_as, tmp_path, clock
):
    quizzed(app, factory, country, tmp_path, clock)
    login_as(client, country.manager)
    html = page_text(client, "/reports/gradebook")
    for title in ("An toàn thông tin", "Văn bản điện tử", "Kiểm tra"):
        assert f'<th scope="col">{title}</th>' in html
    row = html.split("Nguyễn Văn An", 1)[1].split("</tr>", 1)[0]
    assert row.count("Đã hoàn thành") == 3
    assert "cao nhất 100" in row and "2 lượt làm" in row
    assert "Trần Thị Bình" in html and "Lê Minh Chi" in html
    assert "Phạm Văn Dũng" not in html, "the commune is outside the ward manager's scope"
    section = page_text(client, f"/reports/units/{country.section.id}/gradebook")
    assert "Nguyễn Văn An" in section and "Lê Minh Chi" not in section
    assert client.get(f"/reports/units/{country.commune.id}/gradebook").status_code == 404


def test_the_download_holds_every_person_and_module(
    app, client, country, factory, login_as, tmp_path, clock
):
    quizzed(app, factory, country, tmp_path, clock)
    login_as(client, country.admin)
    response = client.get("/reports/gradebook.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    header, people = rows[0], {row[1]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert header[:2] == ["Họ tên", "Tên đăng nhập"]
    assert sorted(header[2:]) == ["An toàn thông tin", "Kiểm tra", "Văn bản điện tử"]
    assert set(people) == {"nguyen.an", "tran.binh", "le.chi", "pham.dung"}
    assert people["nguyen.an"]["Kiểm tra"] == "Đã hoàn thành (100%)"
    assert people["tran.binh"]["An toàn thông tin"] == "Đang học"
    xlsx = client.get("/reports/gradebook.xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"


def test_statements_do_not_grow_with_the_people(
    app, client, country, factory, login_as, clock, count_queries
):
    login_as(client, country.admin)
    client.get("/reports/gradebook")
    counts = []
    for batch in range(2):
        with count_queries() as counted:
            page_text(client, "/reports/gradebook")
        counts.append(counted.n)
        clock.to(date(2026, 1, 5))
        for n in range(15):
            person = factory.user(full_name=f"Người {batch} {n}", username=f"nguoi.{batch}.{n}")
            factory.assignment(person, country.position, country.section)
        clock.to(date(2026, 3, 1))
    assert counts[0] == counts[1]


def test_a_person_sees_their_own_record(app, client, country, factory, login_as, tmp_path, clock):
    quizzed(app, factory, country, tmp_path, clock)
    login_as(client, country.an)
    html = page_text(client, "/reports/me")
    assert "Kiểm tra" in html and "100%" in html
    assert client.get("/reports/gradebook").status_code == 403
