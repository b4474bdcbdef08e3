"""Qualified for a position? The service (met, missing, expiring before the date, scope,
revocation, the position's own validity) and the page (typed lists, uploads with malformed
lines, bad files, downloads), with a statement count that does not grow with the list."""

import csv
import io
from datetime import date
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from lms.accounts.models import User
from lms.certificates import services as certificates
from lms.certificates.models import MODULE, Certificate
from lms.core.errors import PermissionDenied
from lms.core.permissions import Role
from lms.extensions import db
from lms.org.models import Position
from lms.reports import qualification
from lms.reports.qualification import EXPIRES, MISSING
from lms.testing.courses import sync, write_course

URL = "/reports/qualification"


@pytest.fixture
def staff(app, factory, clock, tmp_path):
    """A ward and a commune of one city; the position VT requires "an-toan" (valid for 12
    months) and "van-ban" (for good). On 20 January 2026:

    - An (VT, ward) completed both; Bình (VT, ward) completed van-ban only;
    - Chi (VT, commune) completed both;
    - Em (another position, ward), a candidate for VT, completed both though neither is
      assigned to him, so his completions carry no expiry of their own.

    Today is 1 March 2026; the ward's manager and an admin look, in English.
    """
    write_course(tmp_path / "courses", "an-toan", lessons=1, title_vi="An toàn thông tin")
    write_course(tmp_path / "courses", "van-ban", lessons=1, title_vi="Văn bản điện tử")
    sync(app, tmp_path / "courses")
    clock.to(date(2026, 1, 5))
    city = factory.unit(kind="city", code="HP", name_vi="Thành phố Hải Phòng")
    ward = factory.unit(parent=city, kind="ward", code="HP-HB", name_vi="Phường Hồng Bàng")
    commune = factory.unit(parent=city, kind="commune", code="HP-AD", name_vi="Xã An Dương")
    position = factory.position(code="VT", name_vi="Công chức Văn thư")
    leader = factory.position(code="LD", name_vi="Lãnh đạo")
    factory.curriculum_item(position, "an-toan", validity_months=12)
    factory.curriculum_item(position, "van-ban")
    an = factory.user(full_name="Nguyễn Văn An", username="nguyen.an")
    binh = factory.user(full_name="Trần Thị Bình", username="tran.binh")
    chi = factory.user(full_name="Lê Minh Chi", username="le.chi")
    em = factory.user(full_name="Đỗ <b>Em</b>", username="do.em")
    for person, held, unit in ((an, position, ward), (binh, position, ward),
                               (chi, position, commune), (em, leader, ward)):  # fmt: skip
        factory.assignment(person, held, unit, starts_on=date(2026, 1, 5))
    clock.to(date(2026, 1, 20))
    for person, slugs in ((an, ("an-toan", "van-ban")), (binh, ("van-ban",)),
                          (chi, ("an-toan", "van-ban")), (em, ("an-toan", "van-ban"))):  # fmt: skip
        for slug in slugs:
            factory.complete_lessons(person, slug)
    clock.to(date(2026, 3, 1))
    return SimpleNamespace(
        city=city,
        ward=ward,
        commune=commune,
        position=position,
        an=an,
        binh=binh,
        chi=chi,
        em=em,
        manager=factory.manager_of(ward, username="manager.hb", locale="en"),
        admin=factory.user(roles=[Role.ADMIN], username="admin", locale="en"),
        learner=an,
    )


def run(app, actor, names, on, position=None, staff=None):
    with app.app_context():
        found = qualification.check(
            db.session.get(User, actor.id),
            db.session.get(Position, (position or staff.position).id),
            on,
            qualification.people_from_text("\n".join(names)),
            locale="vi",
        )
        return found


def by_name(result):
    return {person.identifier: person for person in result.people}


def modules(items):
    return [item.module_slug for item in items]


def test_met_missing_and_expiring_before_the_date(app, staff):
    result = by_name(
        run(app, staff.manager, ["nguyen.an", "tran.binh", "do.em"], date(2026, 6, 1), staff=staff)
    )
    an, binh, em = result["nguyen.an"], result["tran.binh"], result["do.em"]
    assert an.qualified and modules(an.met) == ["an-toan", "van-ban"]
    assert (an.met[0].evidence.completed_on, an.met[0].evidence.valid_until) == (
        date(2026, 1, 20),
        date(2027, 1, 20),
    )
    assert an.met[1].evidence.valid_until is None  # van-ban is required for good
    assert an.met[0].evidence.certificate_serial  # the module certificate meeting it
    assert an.position_certificate is not None
    assert not binh.qualified
    assert (modules(binh.met), modules(binh.missing)) == (["van-ban"], ["an-toan"])
    assert binh.missing[0].evidence is None
    # Em's completions have no expiry of their own; for VT the curriculum's 12 months hold.
    assert em.qualified and em.met[0].evidence.valid_until == date(2027, 1, 20)
    assert em.position_certificate is None

    later = by_name(run(app, staff.admin, ["nguyen.an", "do.em"], date(2027, 3, 1), staff=staff))
    for person in later.values():
        assert not person.qualified
        assert (modules(person.met), modules(person.expiring)) == (["van-ban"], ["an-toan"])
        assert person.expiring[0].status == EXPIRES
        assert person.expiring[0].evidence.valid_until == date(2027, 1, 20)
    # The day it expires it no longer counts; the day before it does.
    assert run(app, staff.admin, ["nguyen.an"], date(2027, 1, 20), staff=staff).people[0].expiring
    assert run(app, staff.admin, ["nguyen.an"], date(2027, 1, 19), staff=staff).people[0].qualified


def test_a_past_date_counts_only_what_was_completed_by_then(app, staff, clock):
    clock.to(date(2028, 3, 1))
    before = run(app, staff.admin, ["nguyen.an"], date(2026, 1, 19), staff=staff).people[0]
    assert modules(before.missing) == ["an-toan", "van-ban"] and not before.expiring
    after = run(app, staff.admin, ["nguyen.an"], date(2026, 1, 20), staff=staff).people[0]
    assert after.qualified
    # Today (2028) an-toan has expired: missing, with the completion that expired.
    now = run(app, staff.admin, ["nguyen.an"], date(2028, 3, 1), staff=staff).people[0]
    assert [(item.module_slug, item.status) for item in now.missing] == [("an-toan", MISSING)]
    assert now.missing[0].evidence.valid_until == date(2027, 1, 20)
    assert now.position_certificate is None  # it expired with an-toan


def test_a_revoked_certificate_does_not_count(app, staff):
    with app.app_context():
        certificate = db.session.scalar(
            sa.select(Certificate).where(
                Certificate.user_id == staff.an.id,
                Certificate.kind == MODULE,
                Certificate.module_id.in_(
                    sa.text("SELECT id FROM modules WHERE slug = 'an-toan'")  # the one module
                ),
            )
        )
        certificates.revoke(db.session.get(User, staff.admin.id), certificate, reason="Gian lận")
        db.session.commit()
    an = run(app, staff.admin, ["nguyen.an"], date(2026, 6, 1), staff=staff).people[0]
    assert not an.qualified and modules(an.missing) == ["an-toan"]


def test_a_revoked_position_certificate_takes_its_completions_with_it(app, staff):
    with app.app_context():
        certificate = db.session.scalar(
            sa.select(Certificate).where(
                Certificate.user_id == staff.an.id, Certificate.kind == "position"
            )
        )
        certificates.revoke(db.session.get(User, staff.admin.id), certificate, reason="Nhầm")
        db.session.commit()
    an = run(app, staff.admin, ["nguyen.an"], date(2026, 6, 1), staff=staff).people[0]
    assert modules(an.missing) == ["an-toan", "van-ban"]
    assert an.position_certificate is None


def test_scope_people_of_another_unit_read_like_absent_ones(app, staff, factory):
    result = run(
        app, staff.manager, ["le.chi", "nobody.here", "nguyen.an"], date(2026, 6, 1), staff=staff
    )
    chi, nobody, an = result.people
    assert (chi.status, nobody.status, an.status) == ("not_found", "not_found", "checked")
    assert chi == qualification.PersonResult("le.chi", "not_found", line=1)
    assert result.counts == {"qualified": 1, "not_qualified": 0, "not_found": 2, "rejected": 0}
    # The admin sees everyone, a position or not.
    newcomer = factory.user(username="moi.tuyen")
    found = run(app, staff.admin, ["le.chi", "moi.tuyen"], date(2026, 6, 1), staff=staff)
    assert [person.status for person in found.people] == ["checked", "checked"]
    assert not found.people[1].qualified and newcomer.id == found.people[1].user_id
    with pytest.raises(PermissionDenied):
        run(app, staff.an, ["nguyen.an"], date(2026, 6, 1), staff=staff)


def test_the_result_is_plain_json(app, staff):
    result = run(app, staff.admin, ["nguyen.an", "x y"], date(2026, 6, 1), staff=staff)
    data = result.as_json()
    assert data["on"] == "2026-06-01" and data["position_code"] == "VT"
    person = data["people"][0]
    assert person["qualified"] is True
    assert person["met"][0]["evidence"]["valid_until"] == "2027-01-20"
    assert data["rejected"][0]["line"] == 2
    assert data["counts"]["rejected"] == 1


def test_statements_do_not_grow_with_the_people_checked(app, staff, factory, count_queries):
    many = []
    for number in range(5):
        person = factory.user(username=f"them.{number}")
        factory.assignment(person, staff.position, staff.ward, starts_on=date(2026, 1, 5))
        factory.complete_lessons(person, "van-ban")
        many.append(person.username)
    counts = []
    for names in (["nguyen.an"], ["nguyen.an", "tran.binh", "do.em", *many]):
        with app.app_context():
            actor = db.session.get(User, staff.manager.id)
            position = db.session.get(Position, staff.position.id)
            people = qualification.people_from_text("\n".join(names))
            actor.role_set  # noqa: B018  (roles loaded before counting)
            with count_queries() as counted:
                result = qualification.check(actor, position, date(2026, 6, 1), people)
            counts.append(counted.n)
            assert len(result.people) == len(names)
    assert counts[0] == counts[1] <= 8


def test_lists_keep_every_line_they_cannot_use():
    text = "nguyen.an\n\nNGUYEN.AN, tran.binh\nnot a name\n" + "x" * 70
    people = qualification.people_from_text(text)
    assert [(e.line, e.identifier) for e in people.entries] == [(1, "nguyen.an"), (3, "tran.binh")]
    assert [line.line for line in people.rejected] == [3, 4, 5]


def test_earliest_valid_completion_matches_add_months():
    from lms.core.clock import add_months

    day = date(2026, 1, 1)
    while day < date(2028, 12, 31):
        for months in (1, 6, 12, 24):
            earliest = qualification.earliest_valid_completion(day, months)
            assert add_months(earliest, months) > day
            assert add_months(earliest.fromordinal(earliest.toordinal() - 1), months) <= day
        day = day.fromordinal(day.toordinal() + 17)


# --- through HTTP --------------------------------------------------------------------------


def post(client, staff, *, on="2026-06-01", output="page", **data):
    return client.submit(
        URL,
        data={"position": staff.position.id, "on": on, "output": output, **data},
        content_type="multipart/form-data",
    )


def test_the_page_checks_a_typed_list(client, staff, login_as):
    login_as(client, staff.manager)
    page = client.get(URL)
    assert page.status_code == 200
    assert 'value="2026-03-01"' in page.get_data(as_text=True)  # today by default
    response = post(client, staff, people="nguyen.an\ntran.binh\nle.chi\ndo.em", on="2027-03-01")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Nguyễn Văn An" in html and "Trần Thị Bình" in html
    assert "Lê Minh Chi" not in html  # another unit's: not found or not visible
    assert "Đỗ &lt;b&gt;Em&lt;/b&gt;" in html and "<b>Em</b>" not in html
    assert html.count("badge-bad") == 3  # An and Em expire before the date; Bình misses one


def test_bad_input_is_refused_with_a_message(client, staff, login_as):
    login_as(client, staff.manager)
    empty = post(client, staff)
    assert empty.status_code == 422
    broken = post(client, staff, file=(io.BytesIO(b"\x89PNG\r\n\x1a\n\x00\x00"), "list.csv"))
    assert broken.status_code == 422
    assert "neither an Excel workbook" in broken.get_data(as_text=True)
    no_csrf = client.post(
        URL, data={"position": staff.position.id, "on": "2026-06-01", "people": "nguyen.an"}
    )
    assert no_csrf.status_code in (400, 422)
    far = post(client, staff, people="nguyen.an", on="2226-06-01")
    assert far.status_code == 422


def test_an_upload_reports_malformed_lines_and_checks_the_rest(client, staff, login_as):
    login_as(client, staff.manager)
    data = (
        "Tên đăng nhập;Họ và tên\nnguyen.an;An\nnot a name;X\n;Nobody\nnguyen.an;again\n"
        "tran.binh;B\n"
    )
    response = post(client, staff, file=(io.BytesIO(data.encode("utf-8-sig")), "list.csv"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Nguyễn Văn An" in html and "Trần Thị Bình" in html
    for line, why in ((3, "Not a username"), (4, "No username"), (5, "Listed already on line 2")):
        assert f'<td class="num">{line}</td>' in html and why in html
    # Two columns without a header: each line with two values is reported, not guessed at.
    book = Workbook()
    sheet = book.active
    for row in (["nguyen.an"], ["tran.binh", "extra"], [None], ["do.em"]):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    response = post(client, staff, file=(out, "list.xlsx"), output="csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [row[:2] for row in rows[1:]] == [
        ["1", "nguyen.an"],
        ["4", "do.em"],
        ["2", "tran.binh | extra"],
    ]
    assert rows[3][3].startswith("Not checked: More than one value")


def test_downloads_hold_every_line(client, staff, login_as):
    login_as(client, staff.admin)
    people = "nguyen.an\ntran.binh\nkhong.co\nbad name"
    response = post(client, staff, people=people, on="2027-03-01", output="csv")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith('qualification-vt-2027-03-01.csv"')
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 5
    an, binh, nobody, bad = rows[1:]
    assert an[:3] == ["1", "nguyen.an", "Nguyễn Văn An"]
    assert "Module van-ban (" in an[4] and "Module an-toan" in an[5] and an[6] == ""
    assert "20" in an[5] and "2027" in an[5]  # valid until 20 January 2027
    assert binh[4].startswith("Module van-ban") and binh[6] == "Module an-toan"
    assert nobody[1] == "khong.co" and nobody[4:] == ["", "", "", ""]
    assert bad[0] == "4" and bad[1] == "bad name"
    xlsx = post(client, staff, people=people, on="2027-03-01", output="xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.get_data())).active
    cells = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert staff.position.name_en in cells[0][0] and "2027" in cells[0][0]  # the caption
    assert [row[1] for row in cells[2:]] == ["nguyen.an", "tran.binh", "khong.co", "bad name"]
    assert cells[2][4:7] == [an[4], an[5], None]
