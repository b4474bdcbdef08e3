"""A sync that adds many assignments has PostgreSQL sample the table again before the summary
refresh that follows is planned; a sample another transaction holds does not stop it."""

import threading
import time
from datetime import date

import pytest
import sqlalchemy as sa

from lms.core import db as core_db
from lms.extensions import db
from lms.learning import assignments
from lms.org import services as org
from lms.org.models import DUE_FROM_POSITION_START
from lms.testing.courses import sync, write_course


@pytest.fixture
def postgres_only(database_kind):
    if database_kind != "postgresql":
        pytest.skip("statistics are PostgreSQL's")


@pytest.fixture
def holders(app, appctx, factory, tmp_path, monkeypatch):
    """Three people holding a position, and a module their curriculum does not hold yet."""
    write_course(tmp_path / "courses", "new-module", lessons=1)
    sync(app, tmp_path / "courses")
    ward = factory.unit(kind="ward", code="W1", name_vi="Phường Một")
    clerk = factory.position(code="CLERK", name_vi="Văn thư")
    for _ in range(3):
        factory.assignment(factory.user(), clerk, ward, starts_on=date(2026, 1, 1))
    monkeypatch.setattr(core_db, "RESAMPLE_AFTER_ROWS", 3)
    return clerk


def _estimated_assignments() -> float:
    return db.session.scalar(
        sa.text("SELECT reltuples FROM pg_class WHERE relname = 'module_assignments'")
    )


def _require_module(position) -> None:
    module_id = db.session.scalar(sa.text("SELECT id FROM modules WHERE slug = 'new-module'"))
    org.set_curriculum_item(
        None,
        db.session.merge(position),
        module_id,
        due_basis=DUE_FROM_POSITION_START,
        due_days=30,
    )


def test_a_curriculum_change_adding_many_assignments_resamples_them(postgres_only, holders):
    db.session.execute(sa.text("ANALYZE module_assignments"))
    before = _estimated_assignments()
    _require_module(holders)
    assert _estimated_assignments() == before + 3


def test_a_sample_held_elsewhere_is_not_waited_for(postgres_only, holders):
    held, release = threading.Event(), threading.Event()
    engine = db.session.get_bind().engine  # a connection of its own, not the test's

    def hold_the_statistics_lock():
        with engine.connect() as other, other.begin():
            other.execute(sa.text("LOCK TABLE module_assignments IN SHARE UPDATE EXCLUSIVE MODE"))
            held.set()
            release.wait(30)

    holder = threading.Thread(target=hold_the_statistics_lock)
    holder.start()
    try:
        assert held.wait(10)
        started = time.monotonic()
        _require_module(holders)
        took = time.monotonic() - started
    finally:
        release.set()
        holder.join()
    assert took < 5
    assert assignments.current_assignments(
        db.session.scalar(sa.text("SELECT user_id FROM position_assignments LIMIT 1"))
    )
