"""The session pages through HTTP: scheduling, enrolment, rosters, sheets, check-in,
calendars, and who may open what."""

import csv
import io
import re
from datetime import date, timedelta

from icalendar import Calendar
from openpyxl import load_workbook

from lms.classes import queries, services
from lms.classes.models import ATTENDED
from lms.core import clock as app_clock
from lms.extensions import db
from lms.org import services as org
from lms.org.models import DUE_ON_DATE


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def test_a_trainer_schedules_a_session_through_the_form(client, world, login_as, kit):
    login_as(client, world.trainer)
    form = page(client, "/sessions/new")
    assert "Buổi học trực tiếp" in form, "the module's session activity is offered"
    response = client.submit(
        "/sessions/new",
        {
            "title_vi": "Lớp ký số",
            "title_en": "Signing class",
            "activity": f"{world.module_id}:{kit.TAG}",
            "mode": "online",
            "meeting_url": "https://meet.example.vn/ky-so",
            "capacity": "12",
            "slots-0-day": "2026-01-20",
            "slots-0-starts": "08:00",
            "slots-0-ends": "11:30",
            "slots-1-day": "2026-01-21",
            "slots-1-starts": "13:30",
            "slots-1-ends": "16:00",
            "enrol_opens_at": "2026-01-05T08:00",
            "enrol_closes_at": "2026-01-19T17:00",
            "cancel_until": "2026-01-18T17:00",
            "trainers": str(world.trainer.id),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    detail = page(client, response.headers["Location"])
    assert "Lớp ký số" in detail and "meet.example.vn/ky-so" in detail
    assert "20/01/2026, 08:00" in detail, "times are shown in Viet Nam time"


def test_a_form_error_is_shown_next_to_the_fields(client, world, login_as):
    login_as(client, world.trainer)
    response = client.submit(
        "/sessions/new",
        {"title_vi": "Lớp", "mode": "in_person", "capacity": "5", "slots-0-day": "ngày mai",
         "slots-0-starts": "08:00", "slots-0-ends": "11:30",
         "enrol_opens_at": "2026-01-05T08:00", "enrol_closes_at": "2026-01-19T17:00",
         "cancel_until": "2026-01-18T17:00", "trainers": str(world.trainer.id)},
    )  # fmt: skip
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'id="slots-0-day-error"' in body and 'value="ngày mai"' in body


def test_the_meeting_link_is_shown_only_to_people_enrolled(app, client, world, login_as, kit):
    with app.app_context():
        trainer = kit.attached(world.trainer)
        session = services.create_session(
            trainer,
            kit.details(trainer.id, mode="online", meeting_url="https://meet.example.vn/bi-mat"),
        )
        db.session.commit()
        session_id = session.id
    login_as(client, world.learners[0])
    assert "bi-mat" not in page(client, f"/sessions/{session_id}")
    client.submit(f"/sessions/{session_id}/enrol")
    assert "bi-mat" in page(client, f"/sessions/{session_id}")


def test_a_learner_enrols_and_cancels_from_the_session_page(app, client, world, login_as, booked):
    session_id, _slots = booked
    login_as(client, world.learners[2])
    assert "Ghi danh</button>" in page(client, f"/sessions/{session_id}")
    response = client.submit(f"/sessions/{session_id}/enrol", follow_redirects=True)
    assert response.status_code == 200
    assert "/cancel" in response.get_data(as_text=True)
    client.submit(f"/sessions/{session_id}/cancel")
    assert "/enrol" in page(client, f"/sessions/{session_id}")


def test_a_manager_enrols_staff_from_the_session_page(client, world, login_as, booked):
    session_id, _slots = booked
    login_as(client, world.manager)
    detail = page(client, f"/sessions/{session_id}")
    assert world.learners[2].full_name in detail
    assert world.outsider.full_name not in detail
    done = client.submit(
        f"/sessions/{session_id}/enrol-staff",
        {"people": str(world.learners[2].id)},
        follow_redirects=True,
    )
    assert "Đã ghi danh: 1" in done.get_data(as_text=True), done.get_data(as_text=True)[-3000:]
    client.submit(f"/sessions/{session_id}/enrol-staff", {"people": str(world.outsider.id)})
    with client.application.app_context():
        held = {user.id for _, user in queries.roster(queries.session_by_id(session_id))}
    assert world.learners[2].id in held and world.outsider.id not in held


def test_a_manager_is_offered_only_the_sessions_audience(
    app, client, world, login_as, factory, kit
):
    officer = factory.user(full_name="Cán Bộ Khác", username="officer-ward")
    factory.assignment(officer, world.officer, world.ward)
    with app.app_context():
        trainer = kit.attached(world.trainer)
        session = services.create_session(
            trainer, kit.details(trainer.id, position_ids=(world.clerk.id,))
        )
        db.session.commit()
        session_id = session.id
    login_as(client, world.manager)
    detail = page(client, f"/sessions/{session_id}")
    assert world.learners[2].full_name in detail
    assert officer.full_name not in detail, "people outside the audience are not offered"
    refused = client.submit(
        f"/sessions/{session_id}/enrol-staff", {"people": str(officer.id)}, follow_redirects=True
    )
    assert "Hãy chọn người cần ghi danh" in refused.get_data(as_text=True)
    with app.app_context():
        held = {user.id for _, user in queries.roster(queries.session_by_id(session_id))}
        assert officer.id not in held
        assert not services.in_audience(queries.session_by_id(session_id), kit.attached(officer))


def test_the_attendance_sheet_saves_and_downloads(app, client, world, login_as, booked, kit):
    session_id, (first, second) = booked
    one, two = world.learners[:2]
    login_as(client, world.trainer)
    sheet = page(client, f"/sessions/{session_id}/roster")
    assert one.full_name in sheet and "@media print" not in sheet
    client.submit(
        f"/sessions/{session_id}/attendance",
        {f"mark-{one.id}-{first}": "attended", f"mark-{one.id}-{second}": "attended",
         f"mark-{two.id}-{first}": "absent"},
    )  # fmt: skip
    response = client.get(f"/sessions/{session_id}/attendance.csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:2] == ["Họ và tên", "Tên đăng nhập"] and len(rows[0]) == 4
    assert rows[1:] == [
        [one.full_name, one.username, "Có mặt", "Có mặt"],
        [two.full_name, two.username, "Vắng", ""],
    ]
    book = load_workbook(io.BytesIO(client.get(f"/sessions/{session_id}/attendance.xlsx").data))
    values = [list(row) for row in book.active.iter_rows(values_only=True)]
    assert values[0][0] == "Lớp chữ ký số"
    assert values[2][:4] == [one.full_name, one.username, "Có mặt", "Có mặt"]
    assert values[3][2] == "Vắng"
    module = page(client, f"/modules/{kit.COURSE}")
    assert module  # the trainer's own view still works


def test_trainer_pages_refuse_learners_managers_and_other_trainers(client, world, login_as, booked):
    session_id, (first, _second) = booked
    urls = [
        f"/sessions/{session_id}/roster",
        f"/sessions/{session_id}/edit",
        f"/sessions/{session_id}/attendance.csv",
        f"/sessions/{session_id}/attendance.xlsx",
        f"/sessions/{session_id}/slots/{first}/check-in",
        "/sessions/new",
    ]
    for user in (world.learners[0], world.manager):
        other = client.application.test_client()
        login_as(other, user)
        for url in urls:
            assert other.get(url).status_code == 403, (user.username, url)
        assert other.submit(f"/sessions/{session_id}/attendance").status_code == 403
    stranger = client.application.test_client()
    login_as(stranger, world.other_trainer)
    for url in urls[:-1]:
        assert stranger.get(url).status_code == 404, url
    assert client.get(urls[0]).status_code == 302, "anonymous visitors go to sign in"


def test_every_session_form_needs_a_csrf_token(client, world, login_as, booked):
    session_id, (first, _second) = booked
    login_as(client, world.admin)
    for url in (
        "/sessions/new",
        f"/sessions/{session_id}/edit",
        f"/sessions/{session_id}/enrol",
        f"/sessions/{session_id}/cancel",
        f"/sessions/{session_id}/enrol-staff",
        f"/sessions/{session_id}/attendance",
        f"/check-in/{first}/x",
        "/calendar/feed",
    ):
        assert client.post(url, data={}).status_code == 400, url


def test_qr_check_in_through_the_pages(app, client, world, login_as, booked, kit, clock):
    session_id, (first, _second) = booked
    clock.moment = kit.START + timedelta(minutes=2)
    trainer = app.test_client()
    login_as(trainer, world.trainer)
    screen = trainer.get(f"/sessions/{session_id}/slots/{first}/check-in")
    assert screen.headers["Refresh"] == "20"
    html = screen.get_data(as_text=True)
    assert "<svg" in html
    url = re.search(r'class="check-in-link" href="([^"]+)"', html).group(1)
    path = url.split("localhost", 1)[1]
    login_as(client, world.learners[0])
    assert "Điểm danh" in page(client, path)
    done = client.submit(path)
    assert done.status_code == 200 and "Bạn đã điểm danh" in done.get_data(as_text=True)
    again = client.submit(path)
    assert again.status_code == 422
    assert "Bạn đã điểm danh cho ca học này rồi." in again.get_data(as_text=True)
    clock.advance(minutes=3)
    other = app.test_client()
    login_as(other, world.learners[1])
    late = other.submit(path)
    assert late.status_code == 422 and "hết hạn" in late.get_data(as_text=True)
    with app.app_context():
        marks = queries.attendance_of(queries.session_by_id(session_id))
        assert {(k, v.status) for k, v in marks.items()} == {
            ((world.learners[0].id, first), ATTENDED)
        }
    assert app_clock.now() == clock.now()


def test_the_session_download_parses_as_icalendar(app, client, world, login_as, booked, kit):
    session_id, _slots = booked
    login_as(client, world.learners[0])
    response = client.get(f"/sessions/{session_id}.ics")
    assert response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    events = calendar.walk("VEVENT")
    assert [(e.decoded("dtstart"), e.decoded("dtend")) for e in events] == [
        (kit.START, kit.START + timedelta(hours=3)),
        (kit.START + timedelta(hours=5), kit.START + timedelta(hours=8)),
    ]
    assert str(events[0]["location"]) == "Phòng họp tầng 2, 1 Hoàng Văn Thụ, Hồng Bàng"
    assert str(events[0]["summary"]) == "Lớp chữ ký số (1/2)"
    assert len({str(e["uid"]) for e in events}) == 2


def test_the_calendar_feed_lives_at_a_token_that_can_be_renewed(
    app, client, world, login_as, booked, kit
):
    _session_id, _slots = booked
    login_as(client, world.learners[0])
    calendar_page = page(client, "/calendar")
    assert "Lớp chữ ký số" in calendar_page
    feed = re.search(r'id="feed-url" type="text" readonly value="([^"]+)"', calendar_page)
    path = feed.group(1).split("localhost", 1)[1]
    anonymous = app.test_client()
    response = anonymous.get(path)
    assert response.status_code == 200
    events = Calendar.from_ical(response.data).walk("VEVENT")
    assert [e.decoded("dtstart") for e in events] == [
        kit.START,
        kit.START + timedelta(hours=5),
    ]
    client.submit("/calendar/feed")
    assert anonymous.get(path).status_code == 404
    assert anonymous.get("/calendar/not-a-token.ics").status_code == 404


def test_a_learner_sees_the_sessions_on_the_module_activity(client, world, login_as, booked, kit):
    login_as(client, world.learners[2])
    activity = page(client, f"/modules/{kit.COURSE}/classroom")
    assert "Lớp chữ ký số" in activity and "Mang theo máy tính." in activity
    assert 'name="next"' in activity


def test_no_show_rates_count_the_managers_units_only(
    app, client, world, login_as, booked, kit, clock
):
    session_id, (first, second) = booked
    with app.app_context():
        session = queries.session_by_id(session_id)
        one = kit.attached(world.learners[0])
        services.record_attendance(
            kit.attached(world.trainer),
            session,
            {(one.id, first): "attended", (one.id, second): "absent"},
        )
        db.session.commit()
    clock.moment = kit.START + timedelta(days=1)
    login_as(client, world.manager)
    html = page(client, "/sessions/no-shows")
    # Two people x two ended slots = 4 places held; 1 absent + 2 unrecorded = 3 no-shows.
    assert re.search(r"<td>4</td>\s*<td>3</td>\s*<td>75%</td>", html), html
    learner = client.application.test_client()
    login_as(learner, world.learners[0])
    assert learner.get("/sessions/no-shows").status_code == 403


def test_the_remind_command_reminds_each_person_once_per_slot(app, booked, kit, clock):
    clock.moment = kit.START - timedelta(hours=2)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["classes", "remind"])
    assert first.exit_code == 0 and first.output == "reminders: 4\n", "2 people x 2 slots"
    assert runner.invoke(args=["classes", "remind"]).output == "reminders: 0\n"


def test_the_edit_form_shows_the_session_and_saves_a_change(client, world, login_as, booked):
    session_id, _slots = booked
    login_as(client, world.trainer)
    form = page(client, f"/sessions/{session_id}/edit")
    slot_rows = re.findall(
        r'name="(slots-\d-(?:day|starts|ends))"[^>]*value="([^"]*)"', form
    )  # the two slots in Viet Nam time, then two empty rows
    assert slot_rows[:6] == [
        ("slots-0-day", "2026-01-12"), ("slots-0-starts", "08:00"), ("slots-0-ends", "11:00"),
        ("slots-1-day", "2026-01-12"), ("slots-1-starts", "13:00"), ("slots-1-ends", "16:00"),
    ]  # fmt: skip
    assert 'value="2025-12-29T08:00"' in form
    response = client.submit(
        f"/sessions/{session_id}/edit",
        {"title_vi": "Lớp chữ ký số (đổi phòng)", "title_en": "Digital signature class",
         "activity": f"{world.module_id}:workshop", "mode": "in_person",
         "venue": "Phòng họp tầng 3", "address": "", "capacity": "25",
         "slots-0-day": "2026-01-12", "slots-0-starts": "08:00", "slots-0-ends": "11:00",
         "slots-1-day": "2026-01-12", "slots-1-starts": "13:00", "slots-1-ends": "16:00",
         "enrol_opens_at": "2025-12-29T08:00", "enrol_closes_at": "2026-01-11T20:00",
         "cancel_until": "2026-01-11T08:00", "trainers": str(world.trainer.id)},
        follow_redirects=True,
    )  # fmt: skip
    html = response.get_data(as_text=True)
    assert "người đã ghi danh được thông báo" in html, "a new room is news to the people enrolled"
    assert "Phòng họp tầng 3" in html and "2/25" in html


def test_the_calendar_feed_carries_the_due_days_of_required_modules(
    app, client, world, login_as, clock
):
    with app.app_context():
        org.set_curriculum_item(
            None,
            db.session.merge(world.clerk),
            world.module_id,
            due_basis=DUE_ON_DATE,
            due_on=date(2026, 3, 31),
        )
        db.session.commit()
    login_as(client, world.learners[0])
    feed = re.search(
        r'id="feed-url" type="text" readonly value="([^"]+)"', page(client, "/calendar")
    )
    path = feed.group(1).split("localhost", 1)[1]
    events = Calendar.from_ical(app.test_client().get(path).data).walk("VEVENT")
    [due] = [e for e in events if str(e["uid"]).startswith("due-")]
    assert due.decoded("dtstart") == date(2026, 3, 31)
    assert str(due["summary"]).startswith("Hạn hoàn thành: ")
    assert str(due["url"]).endswith("/modules/class-course")


def test_the_module_page_lists_the_modules_upcoming_sessions(client, world, login_as, booked):
    # The session activity type fills the module page's "module-sidebar" slot
    # (lms_template_hook): the learner sees the class before reaching the activity.
    session_id, _slots = booked
    login_as(client, world.learners[0])
    shown = page(client, "/modules/class-course")
    assert "Các lớp bồi dưỡng của học phần này" in shown
    assert f'href="/sessions/{session_id}">Lớp chữ ký số</a>' in shown
