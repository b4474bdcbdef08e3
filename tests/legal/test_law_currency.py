"""Keeping content legally current: ``lms courses check-law``, the daily flags trainers and
admins see, the notice learners get after a while, and recorded reviews."""

import re
from datetime import date

import pytest
import sqlalchemy as sa
from legal_helpers import LATER, NEW, OLD, instrument, write_citing_course, write_instrument

from lms.core.models import AuditEntry
from lms.core.permissions import Role
from lms.extensions import db
from lms.legal.models import LawFlag, ModuleReview
from lms.testing.courses import sync

REPLACEMENT = "4/2026/NĐ-CP"
MODULE = "/modules/law-course"


def text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def flags(app) -> list[tuple[str, list[str]]]:
    with app.app_context():
        rows = db.session.scalars(sa.select(LawFlag).order_by(LawFlag.number))
        return [(flag.number, flag.locations) for flag in rows]


def replace_new_on(folder, last_day: date) -> None:
    """The register learns that NEW ends on ``last_day``, replaced by REPLACEMENT."""
    write_instrument(
        folder,
        instrument(
            NEW,
            issued=date(2025, 12, 1),
            in_force_from=date(2026, 1, 1),
            in_force_until=last_day,
            replaced_by=[REPLACEMENT],
        ),
    )
    write_instrument(
        folder,
        instrument(REPLACEMENT, issued=date(2026, 11, 1), in_force_from=date(2026, 12, 1)),
    )


@pytest.fixture
def citing(app, register_folder, tmp_path, clock, monkeypatch):
    """On 7 December 2026, a module citing OLD (replaced), NEW (in force) and LATER (not yet),
    the one course ``lms courses sync`` finds."""
    clock.to(date(2026, 12, 7))
    courses = tmp_path / "courses"
    monkeypatch.setitem(app.config, "LMS_COURSE_DIRS", [str(courses)])
    write_citing_course(
        courses,
        vi=f"Mở đầu.\n\nTheo [[law:{OLD}, Điều 2]] và [[law:{NEW}]].\n\nSắp tới: [[law:{LATER}]].",
        en=f"Opening.\n\nUnder [[law:{OLD}, Article 2]] and [[law:{NEW}]].",
    )
    assert sync(app, courses).ok
    return courses


def test_check_law_lists_each_citation_not_in_force_by_module_file_and_line(app, citing):
    result = cli(app, "courses", "check-law", "--as-of", "2026-12-07")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"law-course: lessons/en/01-lesson-1.md:5: {OLD} is not in force on 2026-12-07 "
        f"(last day in force 2025-12-31; replaced by {NEW})",
        f"law-course: lessons/vi/01-lesson-1.md:5: {OLD} is not in force on 2026-12-07 "
        f"(last day in force 2025-12-31; replaced by {NEW})",
        f"law-course: lessons/vi/01-lesson-1.md:7: {LATER} is not in force on 2026-12-07 "
        "(in force from 2027-07-01)",
        "3 citation(s) not in force on 2026-12-07 in 1 module(s); 0 kept by a review, 3 to review.",
    ]
    before = cli(app, "courses", "check-law", "--as-of", "2025-06-01").stdout
    assert f"{NEW} is not in force on 2025-06-01 (in force from 2026-01-01)" in before
    assert OLD not in before
    later = cli(app, "courses", "check-law", "--as-of", "2027-07-01")
    assert LATER not in later.stdout and "2 citation(s)" in later.stdout


def test_check_law_exits_zero_when_every_citation_is_in_force(app, register_folder, tmp_path):
    write_citing_course(tmp_path / "courses", vi=f"[[law:{NEW}]].", en=f"[[law:{NEW}]].")
    sync(app, tmp_path / "courses")
    result = cli(app, "courses", "check-law", "--as-of", "2026-12-07")
    assert result.exit_code == 0, result.output
    assert "0 citation(s)" in result.stdout


def test_a_former_instrument_cited_as_former_is_expected_out_of_force(
    app, register_folder, tmp_path
):
    write_citing_course(
        tmp_path / "courses",
        vi=f"[[former-law:{OLD}, Điều 2]] đã được thay bằng [[law:{NEW}]].",
        en=f"[[former-law:{OLD}]] was replaced by [[law:{NEW}]]; [[former-law:{NEW}]].",
    )
    assert sync(app, tmp_path / "courses").ok
    result = cli(app, "courses", "check-law", "--as-of", "2026-12-07")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[:-1] == [
        f"law-course: lessons/en/01-lesson-1.md:3: {NEW} is cited as a former instrument "
        "but is in force on 2026-12-07"
    ]
    # Before OLD ended, citing it as former is what is wrong.
    early = cli(app, "courses", "check-law", "--as-of", "2025-06-01").stdout
    assert f"lessons/vi/01-lesson-1.md:3: {OLD} is cited as a former instrument" in early


def test_an_instrument_gone_from_the_register_is_reported(app, citing, register_folder):
    (register_folder / "3-2026-qh15.toml").unlink()
    # The course now fails validation and keeps its version; the register loads without it.
    assert not sync(app, citing).ok
    result = cli(app, "courses", "check-law", "--as-of", "2027-08-01")
    assert f"lessons/vi/01-lesson-1.md:7: {LATER} is not in the register" in result.stdout


def test_a_register_entry_moved_into_the_past_flags_the_module_and_learners_are_told_later(
    app, client, factory, login_as, citing, register_folder, clock
):
    assert [number for number, _ in flags(app)] == [OLD, LATER]
    replace_new_on(register_folder, date(2026, 11, 30))
    assert cli(app, "courses", "sync").exit_code == 0
    both = ["lessons/en/01-lesson-1.md:5", "lessons/vi/01-lesson-1.md:5"]
    assert flags(app) == [(OLD, both), (NEW, both), (LATER, ["lessons/vi/01-lesson-1.md:7"])]

    trainer = factory.user(roles=[Role.TRAINER], locale="en")
    login_as(client, trainer)
    listing = text(client.get("/authoring/"))
    assert "1 module needs a review" in listing and "Needs review" in listing
    assert "Decree 2/2025/ND-CP</a> has not been in force since December 1, 2026: it was " in (
        listing
    )
    assert 'replaced by <a href="/law/4-2026-nd-cp">Decree 4/2026/ND-CP</a>' in listing
    detail = text(client.get("/authoring/modules/law-course"))
    assert "<code>lessons/vi/01-lesson-1.md:5</code>" in detail

    admin = app.test_client()
    login_as(admin, factory.user(roles=[Role.ADMIN], locale="en"))
    dashboard = text(admin.get("/admin/"))
    assert 'href="/authoring/modules/law-course"' in dashboard
    assert "Decree 2/2025/ND-CP</a> has not been in force since December 1, 2026" in dashboard

    learner = app.test_client()
    login_as(learner, factory.user(locale="en"))
    assert "The law has changed" not in text(learner.get(MODULE))
    clock.to(date(2027, 1, 7))  # 31 days later, with no review
    notice = text(learner.get(MODULE))
    assert "The law has changed since this module was written" in notice
    assert (
        '<a href="/law/2-2025-nd-cp">Decree 2/2025/ND-CP</a> has not been in force since '
        'December 1, 2026: it was replaced by <a href="/law/4-2026-nd-cp">Decree 4/2026/ND-CP</a>'
    ) in notice
    assert "Decree 3/2026/QH15</a> is not in force until July 1, 2027." in notice


def test_the_daily_job_flags_a_module_once_a_cited_instrument_ends(
    app, citing, register_folder, clock
):
    replace_new_on(register_folder, date(2026, 12, 31))
    sync(app, citing)
    assert NEW not in [number for number, _ in flags(app)]
    clock.to(date(2027, 1, 1))
    result = cli(app, "assignments", "sync")
    assert result.exit_code == 0, result.output
    assert "Legal register: 1 module(s) to review (1 newly flagged, 0 flag(s) cleared)." in (
        result.stdout
    )
    assert NEW in [number for number, _ in flags(app)]
    again = cli(app, "assignments", "sync")
    assert "(0 newly flagged, 0 flag(s) cleared)" in again.stdout


def test_a_recorded_review_is_shown_to_learners_and_keeps_what_it_saw(
    app, client, factory, login_as, citing, register_folder, clock
):
    manifest = citing / "law-course" / "manifest.toml"
    manifest.write_text(
        manifest.read_text("utf-8").replace("review_required = false", "review_required = true")
    )
    sync(app, citing)
    learner = app.test_client()
    login_as(learner, factory.user(locale="en"))
    # No vague "awaiting review" notice: learners are told of a review once there is one.
    assert "Reviewed on" not in text(learner.get(MODULE))

    login_as(client, factory.user(roles=[Role.TRAINER], locale="en", full_name="Lê Thẩm Định"))
    response = client.submit(
        "/authoring/modules/law-course/reviews", {"unit": "  Sở Tư pháp   tỉnh Lạng Sơn "}
    )
    assert response.status_code == 302
    assert flags(app) == []  # the review answered for OLD (replaced) and LATER (not yet)
    page = text(client.get("/authoring/modules/law-course"))
    assert "Version 2 reviewed on December 7, 2026 by Sở Tư pháp tỉnh Lạng Sơn (Lê Thẩm Định)" in (
        page
    )
    assert 'value="Sở Tư pháp tỉnh Lạng Sơn"' in page  # offered again next time
    with app.app_context():
        review = db.session.scalar(sa.select(ModuleReview))
        assert review.register_date == date(2026, 12, 7)
        entry = db.session.scalar(
            sa.select(AuditEntry).where(AuditEntry.action == "module.reviewed")
        )
        assert entry.details["unit"] == "Sở Tư pháp tỉnh Lạng Sơn" and entry.details["version"] == 2

    module_page = text(learner.get(MODULE))
    assert "Reviewed on December 7, 2026 by Sở Tư pháp tỉnh Lạng Sơn" in module_page
    kept = cli(app, "courses", "check-law", "--as-of", "2026-12-07")
    assert kept.exit_code == 0, kept.output
    assert "[kept by the review of 2026-12-07]" in kept.stdout

    # The register changes what it says of OLD after the review: the review did not see it.
    clock.to(date(2026, 12, 8))
    write_instrument(
        register_folder,
        instrument(OLD, in_force_until=date(2025, 12, 30), replaced_by=[NEW]),
    )
    sync(app, citing)
    assert [number for number, _ in flags(app)] == [OLD]
    assert cli(app, "courses", "check-law", "--as-of", "2026-12-08").exit_code == 1


def test_only_trainers_and_admins_record_a_review_and_a_unit_is_required(
    app, client, factory, login_as, citing
):
    learner = app.test_client()
    login_as(learner, factory.user())
    assert learner.submit(
        "/authoring/modules/law-course/reviews", {"unit": "UBND"}
    ).status_code == (403)
    login_as(client, factory.user(roles=[Role.TRAINER], locale="en"))
    response = client.submit(
        "/authoring/modules/law-course/reviews", {"unit": "   "}, follow_redirects=True
    )
    assert "This field is required." in text(response)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ModuleReview)) == 0


def test_a_module_due_for_review_by_its_manifest_date_is_listed_until_reviewed(
    app, client, factory, login_as, citing, clock
):
    manifest = citing / "law-course" / "manifest.toml"
    manifest.write_text("review_by = 2026-12-15\n" + manifest.read_text("utf-8"))
    sync(app, citing)
    login_as(client, factory.user(roles=[Role.TRAINER], locale="en"))
    assert "Review due by Dec 15, 2026" in text(client.get("/authoring/"))
    clock.to(date(2026, 12, 16))
    assert "Review overdue since Dec 15, 2026" in text(client.get("/authoring/"))
    client.submit("/authoring/modules/law-course/reviews", {"unit": "Sở Nội vụ"})
    listing = text(client.get("/authoring/"))
    assert "Review overdue" not in listing and "Reviewed on Dec 16, 2026 by Sở Nội vụ" in listing


def test_review_by_must_be_a_date(app, register_folder, tmp_path, monkeypatch):
    # The command speaks the site's default language: these lines read its English.
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "en")
    root = write_citing_course(tmp_path / "courses", vi="Bài.", en="Lesson.")
    manifest = root / "manifest.toml"
    manifest.write_text('review_by = "next year"\n' + manifest.read_text("utf-8"))
    result = cli(app, "courses", "validate", str(root))
    assert result.exit_code == 1
    assert "manifest.toml: review_by: a date such as 2027-06-30" in result.stdout
