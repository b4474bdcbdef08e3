"""Assigning a module to everyone of a unit or a position's holders there, from the report:
the scope, the preview, the job (set-based, audited, told), and the pages."""

from datetime import date

import pytest
import sqlalchemy as sa
from flask_babel import gettext

from lms.catalogue.models import Module
from lms.core.errors import NotFound
from lms.core.models import AuditEntry
from lms.extensions import db
from lms.learning import assignments, bulk
from lms.learning.models import BulkAssignment, ManualAssignment, ModuleAssignment
from lms.notifications.models import ASSIGNED, Notification
from lms.testing.courses import sync, write_course

DUE = date(2026, 4, 30)


@pytest.fixture
def extra(app, country, tmp_path):
    """A module no curriculum requires: nobody has it yet."""
    write_course(tmp_path / "courses", "ky-nang", lessons=1, title_vi="Kỹ năng giao tiếp")
    sync(app, tmp_path / "courses")
    with app.app_context():
        return db.session.scalar(sa.select(Module.id).where(Module.slug == "ky-nang"))


def actor_of(user):
    return db.session.merge(user)


def run(app, user, scope, module_id, *, only_missing=False, due_on=DUE, size=bulk.CHUNK):
    with app.test_request_context():
        job = bulk.request(
            actor_of(user),
            scope,
            db.session.get(Module, module_id),
            due_on=due_on,
            only_missing=only_missing,
        )
        db.session.commit()
        job = bulk.run_job(job.id, size=size)
        return job.status, job.people, job.assigned, job.already_had


def current(app, module_id) -> dict[int, date | None]:
    with app.app_context():
        rows = db.session.execute(
            sa.select(ModuleAssignment.user_id, ModuleAssignment.due_on).where(
                ModuleAssignment.module_id == module_id, ModuleAssignment.retired_on.is_(None)
            )
        )
        return dict(rows.all())


def count(app, query) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))


def test_the_preview_counts_the_scope_of_the_report_row(app, country, extra):
    ward = bulk.Scope(country.ward.id)
    with app.test_request_context():
        manager = actor_of(country.manager)
        module = db.session.get(Module, extra)
        # An and Bình (ward section) and Chi (the ward); Dũng is in the commune.
        seen = bulk.preview(manager, ward, module, only_missing=False)
        assert (seen.people, seen.already, seen.reached) == (3, 0, 3)
        assert sorted(seen.sample) == ["Lê Minh Chi", "Nguyễn Văn An", "Trần Thị Bình"]
        # Chi alone holds the other position.
        leaders = bulk.Scope(country.ward.id, country.other_position.id)
        assert bulk.preview(manager, leaders, module, only_missing=False).reached == 1
        # Everyone has the curriculum's modules already.
        required = db.session.get(Module, country.modules["an-toan"])
        seen = bulk.preview(manager, ward, required, only_missing=True)
        assert (seen.people, seen.already, seen.reached, seen.sample) == (3, 3, 0, [])


def test_the_job_assigns_tells_and_records_each_person_once(app, country, extra):
    scope = bulk.Scope(country.ward.id, country.position.id)
    # Two people at a time: two chunks.
    assert run(app, country.manager, scope, extra, size=2) == ("done", 3, 3, 0)
    people = {country.an.id, country.binh.id, country.chi.id}
    assert current(app, extra) == dict.fromkeys(people, DUE)
    told = sa.select(Notification.user_id).where(Notification.kind == ASSIGNED)
    with app.app_context():
        module_ids = {
            user_id: key
            for user_id, key in db.session.execute(
                sa.select(Notification.user_id, Notification.params).where(
                    Notification.kind == ASSIGNED, Notification.user_id.in_(people)
                )
            )
        }
    assert set(module_ids) == people
    assert all(params["url"] == "/modules/ky-nang" for params in module_ids.values())
    audited = sa.select(AuditEntry.action, AuditEntry.object_id).where(
        AuditEntry.action.like("assignment.%")
    )
    with app.app_context():
        actions = sorted(action for action, _id in db.session.execute(audited))
    assert actions == ["assignment.bulk", "assignment.bulk_requested"] + ["assignment.manual"] * 3
    manual = sa.select(ManualAssignment.id).where(ManualAssignment.module_id == extra)
    before = count(app, told), count(app, manual)

    # Run again: nobody gets it twice, nobody is told twice.
    assert run(app, country.manager, scope, extra) == ("done", 3, 0, 3)
    assert current(app, extra) == dict.fromkeys(people, DUE)
    assert (count(app, told), count(app, manual)) == before


def test_only_people_without_it_leaves_those_who_have_it_alone(app, country, extra, clock):
    with app.test_request_context():
        assignments.assign_manually(
            actor_of(country.manager),
            actor_of(country.an),
            db.session.get(Module, extra),
            due_on=date(2026, 6, 30),
        )
        db.session.commit()
    scope = bulk.Scope(country.ward.id)
    assert run(app, country.manager, scope, extra, only_missing=True) == ("done", 3, 2, 1)
    due = current(app, extra)
    assert due == {country.an.id: date(2026, 6, 30), country.binh.id: DUE, country.chi.id: DUE}
    an_manual = sa.select(ManualAssignment.id).where(ManualAssignment.user_id == country.an.id)
    assert count(app, an_manual) == 1
    # Without the box ticked, who had it keeps it, due by the earlier date.
    assert run(app, country.manager, scope, extra, due_on=date(2026, 4, 1)) == ("done", 3, 0, 3)
    assert set(current(app, extra).values()) == {date(2026, 4, 1)}


def test_a_ward_manager_cannot_assign_outside_its_ward(app, country, extra, login_as):
    with app.test_request_context():
        with pytest.raises(NotFound):
            bulk.request(
                actor_of(country.manager),
                bulk.Scope(country.commune.id),
                db.session.get(Module, extra),
                due_on=DUE,
                only_missing=False,
            )
        # Without a unit, the scope is the manager's units: Dũng (commune) is not in it.
        everywhere = bulk.preview(
            actor_of(country.manager), bulk.Scope(), db.session.get(Module, extra),
            only_missing=False,
        )  # fmt: skip
        assert everywhere.people == 3
    client = app.test_client()
    login_as(client, country.manager)
    commune = country.commune.id
    query = f"module={extra}&due_on=2026-04-30"
    assert client.get(f"/assign/units/{commune}").status_code == 404
    assert client.get(f"/assign/units/{commune}/preview?{query}").status_code == 404
    posted = client.submit(
        f"/assign/units/{commune}/preview", {"module": extra, "due_on": "2026-04-30"}
    )
    assert posted.status_code == 404
    assert current(app, extra) == {}
    learner = app.test_client()
    login_as(learner, country.an)
    assert learner.get(f"/assign/units/{country.ward.id}").status_code == 403


def test_from_the_report_row_to_the_job_page(app, country, extra, login_as):
    client = app.test_client()
    login_as(client, country.manager)
    client.submit("/language", {"locale": "en", "next": "/"})
    ward, position = country.ward.id, country.position.id
    dashboard = client.get(f"/reports/units/{ward}").get_data(as_text=True)
    form_url = f"/assign/units/{ward}?position={position}"
    assert form_url.replace("&", "&amp;") in dashboard
    form = client.get(form_url)
    assert form.status_code == 200
    assert f'<option value="{extra}">' in form.get_data(as_text=True)
    preview_url = f"/assign/units/{ward}/preview?position={position}"
    preview = client.get(f"{preview_url}&module={extra}&due_on=2026-04-30")
    assert preview.status_code == 200
    page = preview.get_data(as_text=True)
    assert "3 people will get this." in page and "Trần Thị Bình" in page
    assert "Phạm Văn Dũng" not in page
    # A due date in the past is refused on the form.
    past = client.get(f"{preview_url}&module={extra}&due_on=2026-01-01")
    assert past.status_code == 422
    confirmed = client.submit(preview_url, {"module": extra, "due_on": "2026-04-30"})
    assert confirmed.status_code == 302
    job_page = client.get(confirmed.location)
    assert job_page.status_code == 200
    assert "Assigned to 3 people; 0 already had it." in job_page.get_data(as_text=True)
    with app.app_context():
        job = db.session.scalar(sa.select(BulkAssignment))
        assert (job.status, job.assigned, job.already_had) == ("done", 3, 0)
    # Someone else's job reads as absent to another manager.
    other = app.test_client()
    from lms.testing.factories import Factories

    stranger = Factories(app).manager_of(country.commune, username="manager.ad")
    login_as(other, stranger)
    assert other.get(confirmed.location).status_code == 404
    # The learner finds the module on their home page.
    learner = app.test_client()
    login_as(learner, country.binh)
    assert "Kỹ năng giao tiếp" in learner.get("/").get_data(as_text=True)


def build_ward(factory, position, code: str, people: int):
    ward = factory.unit(kind="ward", code=code, name_vi=f"Phường {code}")
    for n in range(people):
        person = factory.user(full_name=f"Người {code} {n}", username=f"n.{code}.{n}".lower())
        factory.assignment(person, position, ward, starts_on=date(2026, 1, 5))
    return ward


def test_the_jobs_statements_do_not_grow_with_the_people(
    app, country, extra, factory, count_queries
):
    small = build_ward(factory, country.position, "NHO", 3)
    large = build_ward(factory, country.position, "LON", 30)
    counts = {}
    for name, ward in (("small", small), ("large", large)):
        with app.test_request_context():
            job = bulk.request(
                actor_of(country.admin),
                bulk.Scope(ward.id),
                db.session.get(Module, extra),
                due_on=DUE,
                only_missing=False,
            )
            db.session.commit()
            with count_queries() as counted:
                job = bulk.run_job(job.id)
            assert (job.status, job.assigned) == ("done", 3 if name == "small" else 30)
            counts[name] = counted.n
    assert counts["small"] == counts["large"], counts


def test_a_job_whose_asker_is_gone_fails_and_assigns_nothing(app, country, extra):
    with app.test_request_context():
        job = bulk.request(
            actor_of(country.manager),
            bulk.Scope(country.ward.id),
            db.session.get(Module, extra),
            due_on=DUE,
            only_missing=False,
        )
        job.actor_id = None
        db.session.commit()
        job = bulk.run_job(job.id)
        gone = gettext("The person who asked for this assignment no longer exists.")
        assert (job.status, job.error) == ("failed", gone)
        assert bulk.run_job(job.id).status == "failed"  # a finished job is left as it is
    assert current(app, extra) == {}


def test_the_job_page_shows_a_waiting_job_to_its_asker_and_admins(app, country, extra, login_as):
    with app.test_request_context():
        job = bulk.request(
            actor_of(country.manager),
            bulk.Scope(country.ward.id),
            db.session.get(Module, extra),
            due_on=DUE,
            only_missing=True,
        )
        db.session.commit()
        url = f"/assign/jobs/{job.id}"
    for user in (country.manager, country.admin):
        client = app.test_client()
        login_as(client, user)
        page = client.get(url)
        assert page.status_code == 200
        assert '<progress id="job-progress" max="3" value="0"' in page.get_data(as_text=True)
