import re
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from lms.catalogue.models import Activity
from lms.extensions import db
from lms.testing.courses import sync

SAMPLE = Path(__file__).parents[1] / "data" / "courses" / "sample-course"
LESSONS = ["what-is-a-signature", "signing-a-document", "further-reading"]


@pytest.fixture
def courses(app, tmp_path):
    folder = tmp_path / "courses"
    shutil.copytree(SAMPLE, folder / "sample-course")
    sync(app, folder)
    return folder


@pytest.fixture
def learner(client, factory, login_as):
    user = factory.user(full_name="Nguyễn Văn An")
    login_as(client, user)
    return user


def mark_done(client, key):
    return client.submit(f"/modules/sample-course/{key}", {"action": "done"})


def percent(page: str) -> int:
    return int(re.search(r'<progress value="(\d+)"', page).group(1))


def test_catalogue_search_ignores_diacritics(client, courses, learner):
    page = client.get("/catalogue?q=chu+ky+so").get_data(as_text=True)
    assert "Khóa học mẫu về chữ ký số" in page
    assert "Khóa học mẫu" not in client.get("/catalogue?q=hop+dong").get_data(as_text=True)
    assert "Khóa học mẫu" in client.get("/catalogue?competency=DT.1").get_data(as_text=True)
    assert "Khóa học mẫu" not in client.get("/catalogue?competency=IS.1").get_data(as_text=True)


def test_a_learner_works_through_a_module_to_completion(client, courses, learner):
    module = client.get("/modules/sample-course").get_data(as_text=True)
    assert "Chữ ký số là gì" in module and percent(module) == 0
    lesson = client.get(f"/modules/sample-course/{LESSONS[0]}").get_data(as_text=True)
    assert "<h2" in lesson and "Vì sao cần chữ ký số" in lesson
    assert '<div class="admonition note">' in lesson
    response = mark_done(client, LESSONS[0])
    assert response.headers["Location"].endswith(f"/modules/sample-course/{LESSONS[1]}")
    assert percent(client.get("/modules/sample-course").get_data(as_text=True)) == 50
    mark_done(client, LESSONS[1])
    page = client.get("/modules/sample-course").get_data(as_text=True)
    assert percent(page) == 100, "the optional lesson does not count"
    assert "completed" in page or "hoàn thành" in page
    home = client.get("/").get_data(as_text=True)
    assert "Khóa học mẫu về chữ ký số" in home and percent(home) == 100


def test_opening_a_lesson_does_not_complete_it(client, courses, learner):
    client.get(f"/modules/sample-course/{LESSONS[0]}")
    assert percent(client.get("/modules/sample-course").get_data(as_text=True)) == 0


def test_the_place_in_the_module_is_remembered(client, courses, learner):
    client.get(f"/modules/sample-course/{LESSONS[1]}")
    page = client.get("/modules/sample-course").get_data(as_text=True)
    assert re.search(rf'href="/modules/sample-course/{LESSONS[1]}">[^<]*(Continue|Tiếp tục)', page)


def test_undo_marks_a_lesson_not_done(client, courses, learner):
    mark_done(client, LESSONS[0])
    client.submit(f"/modules/sample-course/{LESSONS[0]}", {"action": "undo"})
    assert percent(client.get("/modules/sample-course").get_data(as_text=True)) == 0


def test_completion_is_kept_when_a_new_version_is_published(app, client, courses, learner):
    mark_done(client, LESSONS[0])
    mark_done(client, LESSONS[1])
    lesson = courses / "sample-course" / "lessons" / "vi" / "02-signing-a-document.md"
    lesson.write_text(lesson.read_text(encoding="utf-8") + "\n4. Lưu trữ.\n", encoding="utf-8")
    assert sync(app, courses).updated == ["sample-course"]
    page = client.get("/modules/sample-course").get_data(as_text=True)
    assert percent(page) == 100
    assert re.search(r"(version|phiên bản) 1\)", page)
    assert "/modules/sample-course/move" in page, "the newer version is offered"


def test_a_learner_midway_keeps_progress_and_may_move_keeping_unchanged_lessons(
    app, client, courses, learner
):
    mark_done(client, LESSONS[0])
    mark_done(client, LESSONS[1])
    client.submit(f"/modules/sample-course/{LESSONS[1]}", {"action": "undo"})
    changed = courses / "sample-course" / "lessons" / "en" / "02-signing-a-document.md"
    changed.write_text("## Changed\n\nNew steps.\n", encoding="utf-8")
    sync(app, courses)
    assert percent(client.get("/modules/sample-course").get_data(as_text=True)) == 50
    client.submit("/modules/sample-course/move")
    page = client.get("/modules/sample-course").get_data(as_text=True)
    assert percent(page) == 50, "lesson 1 did not change, so it stays done"
    assert re.search(r"(Version|Phiên bản) 2", page)
    mark_done(client, LESSONS[1])
    assert percent(client.get("/modules/sample-course").get_data(as_text=True)) == 100


def test_an_activity_whose_type_is_gone_shows_a_notice(app, client, courses, learner):
    mark_done(client, LESSONS[0])
    with app.app_context():
        db.session.execute(
            sa.update(Activity).where(Activity.key == LESSONS[0]).values(type_id="retired-type")
        )
        db.session.commit()
    response = client.get(f"/modules/sample-course/{LESSONS[0]}")
    assert response.status_code == 200
    assert 'class="flash flash-info"' in response.get_data(as_text=True)
    assert client.get("/modules/sample-course").status_code == 200


def test_unknown_module_and_activity_are_not_found(client, courses, learner):
    assert client.get("/modules/nope").status_code == 404
    assert client.get("/modules/sample-course/nope").status_code == 404


def test_media_is_served_with_type_and_cache_headers(client, courses, learner):
    lesson = client.get(f"/modules/sample-course/{LESSONS[0]}").get_data(as_text=True)
    src = re.search(r'<img alt="[^"]*" src="([^"]+)"', lesson).group(1)
    assert src.startswith("/modules/sample-course/media/") and src.endswith("/signing.svg")
    response = client.get(src)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/svg+xml"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "immutable" in response.headers["Cache-Control"]
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert client.get(src.replace("signing", "other")).status_code == 404
