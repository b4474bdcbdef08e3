"""The dashboards' summary rows answer exactly what the live aggregates answer, stay
current when people learn, when a curriculum changes and when units merge, and are rebuilt
for each new day beside the rows in use, which answer meanwhile."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from lms.accounts.models import User
from lms.extensions import db
from lms.learning import summaries
from lms.learning.models import UnitFigures, UnitPeople
from lms.org import services as org
from lms.org.models import OrgUnit
from lms.reports import queries
from lms.reports.queries import Filters

# The day the ``country`` fixture leaves the clock on.
TODAY = date(2026, 3, 1)


def _figures(actor_id: int, filters: Filters, today: date) -> tuple:
    actor = db.session.get(User, actor_id)
    return (
        queries.headline(actor, today, filters),
        queries.by_unit(actor, today, filters, "vi"),
        queries.by_position(actor, today, filters, "vi"),
        queries.by_module(actor, today, filters, "vi"),
        queries.completions_by_month(actor, today, filters),
    )


def _cases(country) -> list[tuple[int, Filters]]:
    an_toan = country.modules["an-toan"]
    return [
        (country.admin.id, Filters()),
        (country.admin.id, Filters(unit_id=country.ward.id)),
        (country.admin.id, Filters(position_id=country.position.id)),
        (country.admin.id, Filters(module_id=an_toan)),
        (country.admin.id, Filters(unit_id=country.city.id, position_id=country.position.id)),
        (country.admin.id, Filters(period="month", completed_since=date(2026, 2, 1))),
        (
            country.admin.id,
            Filters(position_id=country.position.id, completed_since=date(2026, 1, 1)),
        ),
        (country.manager.id, Filters()),
        (country.manager.id, Filters(unit_id=country.section.id, module_id=an_toan)),
    ]


def _live(actor_id: int, filters: Filters, today: date) -> tuple:
    with queries.live_aggregates():
        return _figures(actor_id, filters, today)


def _live_and_summarised(app, country, today: date) -> list[tuple]:
    with app.app_context():
        live = [_live(actor, filters, today) for actor, filters in _cases(country)]
        summaries.rebuild(today)
        db.session.commit()
        summarised = [_figures(actor, filters, today) for actor, filters in _cases(country)]
    return list(zip(live, summarised, strict=True))


@pytest.fixture
def two_units(country, factory):
    """Dũng also holds a position in the ward's section, taken up after his commune one:
    he counts once, at the commune (his main position)."""
    factory.assignment(
        country.dung, country.other_position, country.section, starts_on=date(2026, 2, 1)
    )
    return country


def test_summary_rows_answer_what_live_aggregates_answer(app, two_units, clock):
    for live, summarised in _live_and_summarised(app, two_units, TODAY):
        assert summarised == live
    with app.app_context():
        headline = _figures(two_units.admin.id, Filters(), TODAY)[0]
    assert (headline.people, headline.assignments, headline.completed) == (4, 8, 3)


def test_a_person_counts_once_at_the_unit_of_their_main_position(app, two_units, clock):
    with app.app_context():
        summaries.rebuild(TODAY)
        admin = db.session.get(User, two_units.admin.id)
        units = {row.key: row for row in queries.by_unit(admin, TODAY, Filters(), "vi")}
        ward = queries.by_unit(admin, TODAY, Filters(unit_id=two_units.city.id), "vi")
    assert units[two_units.city.id].people == 4
    by_key = {row.key: row.people for row in ward}
    assert by_key == {two_units.ward.id: 3, two_units.commune.id: 1}


def test_learning_keeps_the_summary_current_without_a_rebuild(app, country, factory, clock):
    with app.app_context():
        summaries.rebuild(TODAY)
        db.session.commit()
        before = _figures(country.admin.id, Filters(), TODAY)[0]
    factory.complete_lessons(country.binh, "an-toan")
    factory.start_module(country.chi, "van-ban")
    with app.app_context():
        assert summaries.day() == TODAY
        after = _figures(country.admin.id, Filters(), TODAY)
        live = _live(country.admin.id, Filters(), TODAY)
    assert after == live
    assert after[0].completed == before.completed + 1
    assert after[0].in_progress == before.in_progress  # Bình finished one, Chi began one
    assert sum(count for _month, count in after[4]) == 4


def test_a_new_position_moves_the_person_into_the_unit_figures(app, country, factory, clock):
    with app.app_context():
        summaries.rebuild(TODAY)
        db.session.commit()
    newcomer = factory.user(full_name="Đỗ Thị Hạnh", username="do.hanh")
    factory.assignment(newcomer, country.position, country.commune, starts_on=TODAY)
    with app.app_context():
        summarised = _figures(country.admin.id, Filters(unit_id=country.commune.id), TODAY)
        live = _live(country.admin.id, Filters(unit_id=country.commune.id), TODAY)
    assert summarised == live
    assert summarised[0].people == 2


def test_on_a_new_day_the_rows_answer_until_the_daily_job_swaps_in_new_ones(
    app, country, factory, clock
):
    newcomer = factory.user(full_name="Đỗ Thị Hạnh", username="do.hanh")
    factory.assignment(newcomer, country.position, country.commune, starts_on=TODAY)
    with app.app_context():
        summaries.rebuild(TODAY)
        db.session.commit()
        yesterday = _figures(country.admin.id, Filters(), TODAY)[0]
        generation = summaries.kinds()
    later = TODAY + timedelta(days=40)
    clock.to(later)
    with app.app_context():
        # Never a live aggregation on the site: yesterday's rows answer until the job.
        assert _figures(country.admin.id, Filters(), later)[0] == yesterday
        live = _live(country.admin.id, Filters(), later)[0]
    # Due dates passed in between: the live figures say so.
    assert live.overdue > yesterday.overdue
    result = app.test_cli_runner().invoke(args=["assignments", "sync"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert summaries.day() == later and summaries.kinds() != generation
        assert _figures(country.admin.id, Filters(), later)[0] == live
        # The rows of the generation set aside are gone.
        kinds = set(db.session.scalars(sa.select(UnitFigures.kind).distinct()))
        assert kinds <= set(summaries.kinds())


def test_after_a_curriculum_change_and_a_merge_the_rows_answer_what_live_answers(
    app, two_units, factory, clock
):
    country = two_units
    with app.app_context():
        summaries.rebuild(TODAY)
        db.session.commit()
    # A second position of Chi's now requires a module: Chi's ward figures change.
    factory.curriculum_item(country.other_position, "an-toan")
    with app.app_context():
        for actor, filters in _cases(country):
            assert _figures(actor, filters, TODAY) == _live(actor, filters, TODAY)
    # The ward (with its one-stop section below it) merges into the commune today.
    with app.app_context():
        admin = db.session.get(User, country.admin.id)
        ward = db.session.get(OrgUnit, country.ward.id)
        commune = db.session.get(OrgUnit, country.commune.id)
        org.merge_units(admin, ward, commune, on=TODAY)
        db.session.commit()
    with app.app_context():
        assert summaries.day() == TODAY  # kept current, not rebuilt
        for actor, filters in _cases(country):
            assert _figures(actor, filters, TODAY) == _live(actor, filters, TODAY)
        admin = db.session.get(User, country.admin.id)
        commune_row = queries.headline(admin, TODAY, Filters(unit_id=country.commune.id))
        by_unit = queries.by_unit(admin, TODAY, Filters(unit_id=country.city.id), "vi")
    assert commune_row.people == 4  # An, Bình, Chi and Dũng are all in the commune now
    assert [row.key for row in by_unit] == [country.commune.id]


def test_after_a_merge_with_its_one_stop_sections_merged_the_rows_stay_true(
    app, two_units, factory, clock
):
    country = two_units
    # The commune has a one-stop section of its own, with Em in it.
    other = factory.unit(
        parent=country.commune, kind="one_stop", code="HP-AD-1C", name_vi="Bộ phận Một cửa"
    )
    em = factory.user(full_name="Đỗ Thị Em", username="do.em")
    factory.assignment(em, country.position, other, starts_on=date(2026, 1, 5))
    cases = [
        *_cases(country),
        (country.admin.id, Filters(unit_id=other.id)),
        (country.admin.id, Filters(unit_id=country.commune.id)),
    ]
    with app.app_context():
        summaries.rebuild(TODAY)
        db.session.commit()
    # The ward merges into the commune, its section into the commune's.
    with app.app_context():
        admin = db.session.get(User, country.admin.id)
        ward = db.session.get(OrgUnit, country.ward.id)
        commune = db.session.get(OrgUnit, country.commune.id)
        org.merge_units(admin, ward, commune, on=TODAY, sub_units={country.section.id: other.id})
        db.session.commit()
    with app.app_context():
        assert summaries.day() == TODAY  # kept current, not rebuilt
        for actor, filters in cases:
            assert _figures(actor, filters, TODAY) == _live(actor, filters, TODAY)
        admin = db.session.get(User, country.admin.id)
        section_row = queries.headline(admin, TODAY, Filters(unit_id=other.id))
        by_unit = queries.by_unit(admin, TODAY, Filters(unit_id=country.commune.id), "vi")
    assert section_row.people == 3  # An and Bình joined Em in the commune's section
    assert [row.key for row in by_unit] == [other.id]  # the one section left under it


def test_summary_rows_stay_scoped_to_the_manager(app, country, clock):
    with app.app_context():
        summaries.rebuild(TODAY)
        manager = db.session.get(User, country.manager.id)
        units = queries.by_unit(manager, TODAY, Filters(), "vi")
        headline = queries.headline(manager, TODAY, Filters())
    assert [row.key for row in units] == [country.ward.id]
    assert headline.people == 3  # An, Bình, Chi: not Dũng of the commune


def test_summary_rows_count_the_same_on_sqlite_and_postgresql(app, country, clock):
    with app.app_context():
        summaries.rebuild(TODAY)
        kinds = dict(
            db.session.execute(
                sa.text("SELECT kind, count(*) FROM unit_figures GROUP BY kind")
            ).all()
        )
        own_and_tree = set(summaries.kinds()[:2])
    assert set(kinds) == own_and_tree


def test_a_wide_change_folds_its_change_rows_into_the_subtree_rows(
    app, two_units, factory, clock, monkeypatch
):
    """A refresh of many units (here: any) folds the CHANGE rows into the TREE rows above
    them: the subtree pages answer as before, from TREE rows and empty markers alone."""
    country = two_units
    monkeypatch.setattr(summaries, "FOLD_UNITS", 1)
    with app.app_context():
        summaries.rebuild(TODAY)
        db.session.commit()
    factory.curriculum_item(country.other_position, "an-toan")
    factory.complete_lessons(country.chi, "an-toan")
    with app.app_context():
        admin = db.session.get(User, country.admin.id)
        item = db.session.scalar(
            sa.select(org.CurriculumItem).where(
                org.CurriculumItem.position_id == country.position.id,
                org.CurriculumItem.module_id == country.modules["van-ban"],
            )
        )
        org.remove_curriculum_item(admin, item)
        db.session.commit()
    with app.app_context():
        _own, _tree, change = summaries.kinds()
        for model in (UnitFigures, UnitPeople):
            left = db.session.scalars(sa.select(model).where(model.kind == change)).all()
            assert all(getattr(row, "people", 0) == 0 for row in left)
            assert model is UnitPeople or not left
        for actor, filters in _cases(country):
            assert _figures(actor, filters, TODAY) == _live(actor, filters, TODAY)
