"""The month calendar: a person's session slots and the due days of what they still have to
complete, on a month grid with the months before and after one click away."""

import re
from datetime import date

from lms.org.models import DUE_ON_DATE
from lms.testing.courses import sync, write_course

CELL = re.compile(
    r'<td class="(?P<kind>[^"]*)"[^>]*>\s*<span class="day-number">(?P<day>\d+)</span>'
    r"(?P<body>.*?)</td>",
    re.S,
)


def month_cells(html: str) -> dict[int, str]:
    """The text of each day of the month shown (not the days of the months around it)."""
    return {
        int(cell["day"]): " ".join(re.sub(r"<[^>]+>", " ", cell["body"]).split())
        for cell in CELL.finditer(html)
        if "outside" not in cell["kind"]
    }


def calendar_page(client, query: str = "") -> str:
    response = client.get(f"/calendar{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_slots_and_due_days_stand_on_their_local_day(client, world, login_as, booked, factory, kit):
    factory.curriculum_item(
        world.clerk, kit.COURSE, due_basis=DUE_ON_DATE, due_on=date(2026, 1, 20)
    )
    login_as(client, world.learners[0])
    html = calendar_page(client)  # the clock stands on 5 January 2026
    assert "Tháng 1 2026" in html
    days = month_cells(html)
    assert len(days) == 31
    # The two slots start at 08:00 and 13:00 in Viet Nam (01:00 and 06:00 UTC).
    assert days[12] == "08:00 Lớp chữ ký số 13:00 Lớp chữ ký số"
    assert days[20].startswith("Hạn hoàn thành: ")
    assert all(text == "" for day, text in days.items() if day not in (12, 20))
    assert 'aria-current="date"' in html.split('day-number">5<', 1)[0].rsplit("<td", 1)[1]


def test_the_months_before_and_after_are_a_click_away_and_nonsense_reads_as_this_month(
    client, world, login_as, booked
):
    login_as(client, world.learners[0])
    html = calendar_page(client)
    assert 'rel="prev" href="/calendar?month=2025-12"' in html
    assert 'rel="next" href="/calendar?month=2026-02"' in html
    february = calendar_page(client, "?month=2026-02")
    assert "Tháng 2 2026" in february and len(month_cells(february)) == 28
    assert "Lớp chữ ký số" not in month_cells(february).values()
    assert "Không có buổi tập huấn hay hạn hoàn thành nào trong Tháng 2 2026." in february
    for nonsense in ("?month=2026-13", "?month=abc", "?month=<script>"):
        assert "Tháng 1 2026" in calendar_page(client, nonsense)


def test_a_completed_module_leaves_the_calendar(app, client, world, login_as, factory, tmp_path):
    write_course(tmp_path / "more", "plain-course", lessons=1)
    sync(app, tmp_path / "more")
    factory.curriculum_item(
        world.clerk, "plain-course", due_basis=DUE_ON_DATE, due_on=date(2026, 1, 22)
    )
    login_as(client, world.learners[1])
    assert month_cells(calendar_page(client))[22].startswith("Hạn hoàn thành: ")
    factory.complete_lessons(world.learners[1], "plain-course")
    html = calendar_page(client)
    assert month_cells(html)[22] == ""
    assert "plain-course" not in html.split('id="due-heading"', 1)[1].split("</section>", 1)[0]


def test_moving_a_completed_module_to_its_new_version_keeps_it_off_the_calendar(
    app, client, world, login_as, factory, tmp_path, clock
):
    write_course(tmp_path / "more", "plain-course", lessons=1)
    sync(app, tmp_path / "more")
    factory.curriculum_item(
        world.clerk, "plain-course", due_basis=DUE_ON_DATE, due_on=date(2026, 1, 22)
    )
    login_as(client, world.learners[1])
    factory.complete_lessons(world.learners[1], "plain-course")
    write_course(tmp_path / "more", "plain-course", lessons=2)
    sync(app, tmp_path / "more")
    clock.advance(days=1)
    module_page = client.get("/modules/plain-course").get_data(as_text=True)
    assert "/modules/plain-course/move" in module_page
    client.submit("/modules/plain-course/move")
    # The completion earned on version 1 still holds: nothing is due, nothing overdue.
    html = calendar_page(client)
    assert month_cells(html)[22] == ""
    home = client.get("/").get_data(as_text=True)
    assert "đã hoàn thành" in home.split('id="modules-heading"', 1)[0]
