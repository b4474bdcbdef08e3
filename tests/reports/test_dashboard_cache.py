"""The manager dashboard is kept rendered per validator (``reports.views.dashboard``):
whatever changes what it shows, the next view shows it, as a page rendered afresh does;
a change it does not show is not rendered again."""

import re
from datetime import date

import pytest
import sqlalchemy as sa
from flask import template_rendered
from sqlalchemy.orm import Session

from lms.core import cache
from lms.core.db import change_mark, configure_sqlite
from lms.extensions import db
from lms.learning import summaries
from lms.notifications import services as notifications
from lms.org import services as org
from lms.org.models import CurriculumItem
from lms.reports import services as reports
from lms.reports.models import Target
from lms.testing.courses import sync, write_course
from lms.testing.databases import PostgresSchema

TODAY = date(2026, 3, 1)
# A form's CSRF token is signed with the second it was made: two renders of one page differ
# in it alone.
_TOKEN = re.compile(r'(name="[\w-]*csrf_token"[^>]*value=")[^"]*"')


def view(client, url: str = "/reports/") -> str:
    response = client.get(url)
    assert response.status_code == 200
    return _TOKEN.sub(r'\1"', response.get_data(as_text=True))


def fresh(client, url: str = "/reports/") -> str:
    """The page rendered afresh: with nothing kept."""
    cache.forget_local()
    return view(client, url)


def shows_change(client, change, url: str = "/reports/") -> str:
    """View ``url`` twice (the second from the cache), make ``change``, and check the next
    view differs from before and is what a fresh render gives; returns it."""
    before = view(client, url)
    assert view(client, url) == before
    change()
    after = view(client, url)
    assert after != before
    assert after == fresh(client, url)
    return after


@pytest.fixture
def summarised(app, country):
    """The country with its summary rows built, as after the night's job."""
    with app.app_context():
        summaries.rebuild(TODAY)
        db.session.commit()
    return country


@pytest.fixture
def committed(app):
    """``with committed() as session:`` changes committed as a service's caller commits."""

    class Committing:
        def __enter__(self):
            self.context = app.test_request_context()
            self.context.push()
            return db.session

        def __exit__(self, kind, *_exc):
            if kind is None:
                db.session.commit()
            self.context.pop()

    return Committing


def test_a_repeat_view_is_served_without_rendering(
    client, summarised, login_as, count_queries, database_kind
):
    if database_kind != "sqlite":
        pytest.skip("on PostgreSQL every commit on the server (other test runs') moves the mark")
    login_as(client, summarised.manager)
    first = client.get("/reports/")
    with count_queries() as counted:
        again = client.get("/reports/")
    # The user loader's and the change mark's: no figure, unit or title read again.
    assert counted.n <= 4
    assert again.get_data() == first.get_data()
    unchanged = client.get("/reports/", headers={"If-None-Match": again.headers["ETag"]})
    assert unchanged.status_code == 304
    assert client.get("/reports/", headers={"If-None-Match": "other"}).status_code == 200


def test_a_commit_the_dashboard_does_not_show_is_read_not_rendered(
    app, client, summarised, committed, login_as
):
    """On either database: the mark moves with the commit, the page read again is the
    same page, under the same validator."""
    login_as(client, summarised.manager)
    url = f"/reports/units/{summarised.ward.id}"
    first = client.get(url)
    rendered = []

    def count(_sender, template, **_extra):
        rendered.append(template.name)

    def rename_outside_the_scope():
        with committed() as session:
            org.edit_unit(
                session.merge(summarised.admin),
                session.merge(summarised.commune),
                code=summarised.commune.code,
                kind_code=summarised.commune.kind_code,
                name_vi="Xã An Dương mới",
                name_en="",
                on=TODAY,
            )

    with template_rendered.connected_to(count, app):
        rename_outside_the_scope()
        again = client.get(url)
        unchanged = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert rendered == []
    assert again.get_data() == first.get_data()
    assert again.headers["ETag"] == first.headers["ETag"]
    assert unchanged.status_code == 304


def test_a_learner_completing_a_module_shows(client, summarised, factory, login_as):
    login_as(client, summarised.manager)
    shows_change(client, lambda: factory.complete_lessons(summarised.binh, "an-toan"))


def test_a_target_created_then_deleted_shows(client, summarised, committed, login_as):
    login_as(client, summarised.manager)
    manager = summarised.manager

    def create():
        with committed() as session:
            reports.create_target(
                session.merge(manager),
                unit=session.merge(summarised.ward),
                position=session.merge(summarised.position),
                module=None,
                percent=80,
                due_on=date(2026, 6, 30),
            )

    page = shows_change(client, create)
    assert "80" in page

    def delete():
        with committed() as session:
            for target in session.scalars(sa.select(Target)):
                reports.delete_target(session.merge(manager), target)

    shows_change(client, delete)


def test_a_target_saved_through_the_form_shows_its_notice_once(client, summarised, login_as):
    login_as(client, summarised.manager)
    before = view(client)
    response = client.submit(
        "/reports/targets",
        {
            "target-unit": summarised.ward.id,
            "target-position": summarised.position.id,
            "target-module": 0,
            "target-percent": 75,
            "target-due_on": "2026-06-30",
        },
    )
    assert response.status_code == 302
    noticed = view(client)
    assert "Đã lưu chỉ tiêu." in noticed
    after = view(client)
    assert "Đã lưu chỉ tiêu." not in after
    assert after != before
    assert after == fresh(client)


def test_a_unit_renamed_shows(client, summarised, committed, login_as):
    login_as(client, summarised.manager)
    section = summarised.section

    def rename():
        with committed() as session:
            org.edit_unit(
                session.merge(summarised.admin),
                session.merge(section),
                code=section.code,
                kind_code="one_stop",
                name_vi="Bộ phận Tiếp nhận và Trả kết quả",
                name_en="",
                on=TODAY,
            )

    page = shows_change(client, rename, f"/reports/units/{summarised.ward.id}")
    assert "Bộ phận Tiếp nhận và Trả kết quả" in page


def test_a_curriculum_change_shows(client, summarised, committed, login_as):
    login_as(client, summarised.manager)

    def remove():
        with committed() as session:
            item = session.scalar(
                sa.select(CurriculumItem).where(
                    CurriculumItem.position_id == summarised.position.id,
                    CurriculumItem.module_id == summarised.modules["van-ban"],
                )
            )
            org.remove_curriculum_item(session.merge(summarised.admin), item)

    shows_change(client, remove)


def test_the_daily_rebuild_shows(client, summarised, factory, clock, app, login_as):
    """A due date passing reaches the figures at the rebuild, on the same day."""
    login_as(client, summarised.manager)
    newcomer = factory.user(full_name="Đỗ Thị Em", username="do.em")
    factory.assignment(newcomer, summarised.position, summarised.section, starts_on=TODAY)
    clock.to(date(2026, 4, 15))

    def rebuild():
        with app.app_context():
            summaries.rebuild()
            db.session.commit()

    shows_change(client, rebuild)


def test_a_merge_shows(client, summarised, committed, login_as):
    login_as(client, summarised.admin)

    def merge():
        with committed() as session:
            org.merge_units(
                session.merge(summarised.admin),
                session.merge(summarised.ward),
                session.merge(summarised.commune),
                on=TODAY,
            )

    shows_change(client, merge, f"/reports/units/{summarised.city.id}")


def test_a_module_published_with_a_new_title_shows(client, summarised, app, tmp_path, login_as):
    login_as(client, summarised.manager)

    def publish():
        write_course(tmp_path / "courses", "an-toan", lessons=2, title_vi="Bảo mật thông tin")
        sync(app, tmp_path / "courses")

    page = shows_change(client, publish)
    assert "Bảo mật thông tin" in page


def test_another_language_shows(client, summarised, login_as):
    login_as(client, summarised.manager)
    page = shows_change(client, lambda: client.submit("/language", {"locale": "en"}))
    assert "Training report" in page
    assert "Báo cáo" not in page


def test_a_notification_in_the_menu_shows(client, summarised, committed, login_as):
    login_as(client, summarised.manager)

    def tell():
        with committed() as session:
            notifications.notify(
                session.merge(summarised.manager), "assigned", "assigned:1", title={"vi": "X"}
            )

    shows_change(client, tell)


def test_another_manager_sees_their_own_scope(app, summarised, factory, committed, login_as):
    ward_client, commune_client = app.test_client(), app.test_client()
    login_as(ward_client, summarised.manager)
    commune_manager = factory.manager_of(summarised.commune, username="manager.ad")
    login_as(commune_client, commune_manager)
    ward_page = view(ward_client)
    commune_page = view(commune_client)
    assert commune_page != ward_page
    assert "Xã An Dương" in commune_page
    assert "Xã An Dương" not in ward_page
    assert view(ward_client) == ward_page

    def widen():
        with committed() as session:
            org.set_managed_units(
                session.merge(summarised.admin),
                session.merge(summarised.manager),
                [session.merge(summarised.ward), session.merge(summarised.commune)],
            )

    assert "Xã An Dương" in shows_change(ward_client, widen)


# The mark itself, across connections with committed data --------------------------------


def _marks(engine) -> tuple[str, str, str]:
    """The mark before and after a commit of another connection, and after one's own."""
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE marked (x INTEGER)")
    with engine.connect() as reader:
        session = Session(bind=reader)
        first = change_mark(session)
        session.commit()
        with engine.begin() as writer:
            writer.exec_driver_sql("INSERT INTO marked VALUES (1)")
        second = change_mark(session)
        session.execute(sa.text("INSERT INTO marked VALUES (2)"))
        session.commit()
        third = change_mark(session)
        session.close()
    return first, second, third


def test_the_mark_moves_with_every_commit_on_sqlite(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'marked.sqlite3'}")
    configure_sqlite(engine)
    try:
        first, second, third = _marks(engine)
    finally:
        engine.dispose()
    assert len({first, second, third}) == 3


def test_the_mark_moves_with_every_commit_on_postgresql(database_kind):
    if database_kind != "postgresql":
        pytest.skip("PostgreSQL's mark")
    schema = PostgresSchema()
    engine = sa.create_engine(schema.create())
    try:
        first, second, third = _marks(engine)
    finally:
        engine.dispose()
        schema.drop()
    assert len({first, second, third}) == 3
