"""A training session in Chromium: a manager enrols staff, a trainer opens QR check-in, a
learner checks in from a phone-sized window, and attendance completes the module."""

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
import tomli_w

from lms.accounts.models import User
from lms.catalogue.models import Module
from lms.classes import queries, services
from lms.core import clock
from lms.extensions import db
from lms.learning import services as learning
from lms.testing.courses import sync, write_course

pytestmark = pytest.mark.browser

ROOT = Path(__file__).parents[2]
COURSE = "lop-hoc-truc-tiep"
TITLE = "Lớp thực hành chữ ký số"
STAFF = {"learner": "Nguyễn Văn An", "ducnm": "Nguyễn Minh Đức"}


def _course(folder: Path) -> None:
    """A lesson (optional) and a session activity; the session activity alone completes it."""
    root = write_course(folder, COURSE, lessons=1, title_vi="Học phần có buổi học trực tiếp")
    manifest = (root / "manifest.toml").read_text(encoding="utf-8")
    import tomllib

    data = tomllib.loads(manifest)
    data["activities"][0]["required"] = False
    data["activities"].append(
        {
            "key": "buoi-hoc",
            "type": "session",
            "tag": "thuc-hanh",
            "title": {"vi": "Buổi thực hành", "en": "Practice session"},
        }
    )
    (root / "manifest.toml").write_text(tomli_w.dumps(data), encoding="utf-8")


@pytest.fixture
def session_id(live_app, tmp_path) -> int:
    """A session of the module, trained by trainer.hoa, with one slot starting soon."""
    _course(tmp_path / "courses")
    report = sync(live_app, ROOT / "courses", tmp_path / "courses")
    assert not report.failed, report.failed
    with live_app.app_context():
        trainer = db.session.scalar(sa.select(User).where(User.username == "trainer.hoa"))
        module = db.session.scalar(sa.select(Module).where(Module.slug == COURSE))
        now = clock.now()
        start = now + timedelta(minutes=30)
        session = services.create_session(
            trainer,
            services.SessionDetails(
                title_vi=TITLE,
                title_en="Digital signature practice",
                mode="in_person",
                venue="Phòng 201, UBND phường Hồng Bàng",
                address="1 Hoàng Văn Thụ",
                capacity=10,
                enrol_opens_at=now - timedelta(days=1),
                enrol_closes_at=start - timedelta(minutes=5),
                cancel_until=start - timedelta(minutes=10),
                slots=[(start, start + timedelta(hours=3))],
                trainer_ids=(trainer.id,),
                module_id=module.id,
                activity_tag="thuc-hanh",
            ),
        )
        db.session.commit()
        return session.id


def test_enrol_check_in_by_qr_and_complete_the_module(window, live_app, session_id):
    manager = window(1280, 900)
    manager.sign_in("manager.hongbang")
    manager.open(f"/sessions/{session_id}")
    for name in STAFF.values():
        manager.page.check(f"label:has-text('{name}') input")
    manager.click("text=Ghi danh những người đã chọn")
    assert "Đã ghi danh: 2; trong danh sách chờ: 0." in manager.page.content()
    manager.screenshot("session-manager-enrols-desktop")

    trainer = window(1280, 900)
    trainer.sign_in("trainer.hoa")
    trainer.open(f"/sessions/{session_id}")
    trainer.click("text=Mở điểm danh bằng mã QR")
    assert trainer.page.locator("figure.qr svg").count() == 1
    url = trainer.page.locator("a.check-in-link").get_attribute("href")
    assert "/check-in/" in url
    trainer.screenshot("session-check-in-screen-desktop")

    phone = window(390, 844)
    phone.sign_in("learner")
    phone.page.goto(url)
    phone.check_accessibility()
    assert TITLE in phone.page.content()
    phone.screenshot("session-check-in-confirm-phone")
    phone.click("button.check-in-button")
    assert "Bạn đã điểm danh cho ca học này. Cảm ơn bạn!" in phone.page.content()
    phone.screenshot("session-checked-in-phone")

    # The same code again: refused, clearly.
    phone.page.goto(url)
    phone.click("button.check-in-button")
    assert phone.page.locator(".check-in-error").inner_text() == (
        "Bạn đã điểm danh cho ca học này rồi."
    )
    phone.screenshot("session-check-in-reused-phone")

    # Attendance completed the session activity, and so the module.
    phone.open(f"/modules/{COURSE}/buoi-hoc")
    assert "Đã xong: bạn đã tham dự một buổi tập huấn của hoạt động này." in (phone.page.content())
    phone.open(f"/modules/{COURSE}")
    assert "Bạn đã hoàn thành học phần này" in phone.page.content()
    phone.screenshot("session-module-completed-phone")

    # A code from three minutes ago (a screenshot passed around) has expired.
    with live_app.app_context():
        slot = queries.session_by_id(session_id).slots[0]
        old = services.check_in_token(slot, clock.now() - timedelta(minutes=3))
    stale = url.rsplit("/", 1)[0] + "/" + old
    other = window(390, 844)
    other.sign_in("ducnm")
    other.page.goto(stale)
    other.check_accessibility()
    other.click("button.check-in-button")
    assert "Mã điểm danh này đã hết hạn" in other.page.locator(".check-in-error").inner_text()
    other.screenshot("session-check-in-expired-phone")

    trainer.open(f"/sessions/{session_id}/roster")
    trainer.screenshot("session-roster-desktop")
    with live_app.app_context():
        learner = db.session.scalar(sa.select(User).where(User.username == "learner"))
        module = db.session.scalar(sa.select(Module).where(Module.slug == COURSE))
        assert learning.current_progress(learner, module).is_completed
    calendar = window(390, 844)
    calendar.sign_in("learner")
    calendar.open("/calendar")
    assert TITLE in calendar.page.content()
    calendar.screenshot("session-calendar-phone")
