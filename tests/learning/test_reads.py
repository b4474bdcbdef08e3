"""Reading a lesson writes nothing and costs a fixed handful of statements; a revisit is a 304."""

import re
from contextlib import contextmanager

import pytest
import redis
import sqlalchemy as sa
from flask import Flask

from lms.catalogue.models import Activity
from lms.core import cache
from lms.core.db import configure_sqlite
from lms.extensions import db
from lms.learning.models import ModuleProgress
from lms.notifications.services import notify
from lms.testing.courses import sync, write_course

WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)
LESSON = "/modules/reading-course/lesson-2"


@pytest.fixture
def course(app, tmp_path):
    write_course(tmp_path / "courses", "reading-course", lessons=3)
    sync(app, tmp_path / "courses")


@pytest.fixture
def learner(client, factory, login_as, course):
    user = factory.user()
    login_as(client, user)
    return user


@pytest.fixture
def statements(app):
    """``with statements() as seen: ...`` then ``seen`` lists the SQL the block ran."""

    @contextmanager
    def capturing():
        with app.app_context():
            connection = db.engines[None]
        seen = []

        def record(_conn, _cursor, statement, *_args):
            seen.append(statement)

        sa.event.listen(connection, "before_cursor_execute", record)
        try:
            yield seen
        finally:
            sa.event.remove(connection, "before_cursor_execute", record)

    return capturing


def writes(seen: list[str]) -> list[str]:
    return [statement for statement in seen if WRITES.match(statement)]


def test_reading_a_lesson_again_writes_nothing_until_last_seen_is_due(
    app, client, learner, statements, clock
):
    client.get(LESSON)
    with statements() as seen:
        assert client.get(LESSON).status_code == 200
    assert seen, "the page was read from the database"
    assert writes(seen) == []

    clock.advance(seconds=app.config["LMS_LAST_SEEN_SECONDS"] + 1)
    with statements() as seen:
        client.get(LESSON)
    assert [statement.split()[1] for statement in writes(seen)] == [
        "module_progress",
        "activity_progress",
    ], "last seen, once per module and activity"
    with statements() as seen:
        client.get(LESSON)
    assert writes(seen) == []


def test_moving_to_another_lesson_remembers_it_and_marking_done_is_saved(
    app, client, learner, statements
):
    client.get(LESSON)
    with statements() as seen:
        client.get("/modules/reading-course/lesson-3")
    assert writes(seen), "the first visit records the activity and the learner's place"
    with app.app_context():
        place = db.session.scalar(
            sa.select(Activity.key)
            .join(ModuleProgress, ModuleProgress.last_activity_id == Activity.id)
            .where(ModuleProgress.user_id == learner.id)
        )
    assert place == "lesson-3"
    with statements() as seen:
        client.submit(LESSON, {"action": "done"})
    assert any("activity_progress" in statement for statement in writes(seen))


def test_page_views_begin_deferred_and_forms_take_the_write_lock(tmp_path):
    site = Flask(__name__)
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'begin.sqlite3'}")
    configure_sqlite(engine)
    begun = []

    def record(_conn, _cursor, statement, *_args):
        if statement.startswith("BEGIN"):
            begun.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    for method in ("GET", "POST"):
        with site.test_request_context(method=method), engine.begin() as connection:
            connection.execute(sa.text("SELECT 1"))
    with site.app_context(), engine.begin() as connection:  # a command or a job
        connection.execute(sa.text("SELECT 1"))
    engine.dispose()
    assert begun == ["BEGIN", "BEGIN IMMEDIATE", "BEGIN IMMEDIATE"]


def test_lesson_page_statements_do_not_grow_with_lessons_or_people(
    app, client, factory, login_as, count_queries, tmp_path
):
    counts = []
    for lessons, others in ((5, 1), (50, 20)):
        slug = f"course-{lessons}"
        write_course(tmp_path / slug, slug, lessons=lessons)
        sync(app, tmp_path / slug)
        for _ in range(others):
            factory.start_module(factory.user(), slug)
        login_as(client, factory.user())
        client.get(f"/modules/{slug}/lesson-2")
        views = []
        for key in ("lesson-3", "lesson-3"):  # a first visit, then a read
            cache.forget_local()
            with count_queries() as counted:
                assert client.get(f"/modules/{slug}/{key}").status_code == 200
            views.append(counted.n)
        counts.append(views)
        client.submit("/logout")
    assert counts[0] == counts[1]
    # user with roles, the learner's state row (the page is not cached), module, progress,
    # activities, state, content, unread count; and the savepoint the test's transaction
    # wraps the request in, begun and ended.
    assert counts[0][1] <= 10


def test_a_page_read_again_is_served_from_the_cache_in_two_statements_writing_nothing(
    client, learner, statements
):
    client.get(LESSON)
    first = client.get(LESSON).get_data(as_text=True)
    with statements() as seen:
        again = client.get(LESSON)
    assert again.status_code == 200
    assert again.get_data(as_text=True) == first
    assert writes(seen) == []
    # the user with roles, then one row of the learner's state with the unread count (the
    # savepoint the test's transaction wraps the request in aside): no module, progress or
    # activity objects, no content, no rendering.
    assert len([s for s in seen if s.lstrip().upper().startswith("SELECT")]) == 2


def test_a_cached_page_shows_a_new_notification_and_a_waiting_notice(app, client, learner):
    client.get(LESSON)
    assert 'class="badge"' not in client.get(LESSON).get_data(as_text=True)
    with app.app_context():
        user = db.session.get(type(learner), learner.id)
        notify(user, "assigned", "assigned:reads", title={"vi": "Học phần mới"}, url="/")
        db.session.commit()
    assert 'class="badge">1<' in client.get(LESSON).get_data(as_text=True)
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "Thông báo đang chờ")]
    assert "Thông báo đang chờ" in client.get(LESSON).get_data(as_text=True)


def test_a_cached_page_changes_with_the_name_it_shows(app, client, learner):
    client.get(LESSON)
    assert learner.full_name in client.get(LESSON).get_data(as_text=True)
    with app.app_context():
        db.session.execute(
            sa.update(type(learner))
            .where(type(learner).id == learner.id)
            .values(full_name="Trần Thị Đổi Tên")
        )
        db.session.commit()
    assert "Trần Thị Đổi Tên" in client.get(LESSON).get_data(as_text=True)


def test_a_revisit_is_a_304_until_the_learner_or_the_page_changes(client, learner):
    first = client.get(LESSON)
    etag = first.headers["ETag"]
    assert "no-cache" in first.headers["Cache-Control"]
    assert "private" in first.headers["Cache-Control"]

    again = client.get(LESSON, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""

    client.submit(LESSON, {"action": "done"})
    changed = client.get(LESSON, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag


def test_the_etag_differs_per_person_and_language(client, factory, login_as, course):
    first = factory.user()
    login_as(client, first)
    mine = client.get(LESSON).headers["ETag"]
    client.submit("/logout")
    login_as(client, factory.user())
    assert client.get(LESSON).headers["ETag"] != mine
    client.submit("/logout")
    login_as(client, factory.user(locale="en"))
    theirs = client.get(LESSON)
    assert theirs.headers["ETag"] != mine
    assert "Lesson 2." in theirs.get_data(as_text=True)


def test_a_lessons_html_is_made_once_per_content_and_shared_through_redis(
    app, client, learner, count_queries, monkeypatch
):
    url = "redis://127.0.0.1:6379/14"
    try:
        shared = redis.Redis.from_url(url)
        shared.flushdb()
    except redis.RedisError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    monkeypatch.setitem(app.config, "LMS_REDIS_URL", url)
    client.get(LESSON)
    cache.forget_local()
    with count_queries() as cold:
        client.get(LESSON)
    assert shared.keys("lms:immutable:lesson:*")
    cache.forget_local()  # another worker: Redis has the HTML
    with count_queries() as shared_copy:
        page = client.get(LESSON).get_data(as_text=True)
    with count_queries() as warm:
        client.get(LESSON)
    shared.flushdb()
    assert "Nội dung bài học số 2." in page
    assert shared_copy.n == cold.n - 1, "the lesson's content is not loaded"
    assert warm.n < shared_copy.n, "the page itself is served from this process's cache"
