"""The outbox delivered to a real LRS (Ralph): every statement arrives exactly once, through
an outage, a store that holds a different statement under one id, and refused credentials,
which are tried again later and later and then given up."""

from datetime import timedelta

import sqlalchemy as sa

from lms.extensions import db
from lms.testing.courses import sync, write_course
from lms.xapi import delivery
from lms.xapi.models import FAILED, PENDING, SENT, Delivery, Statement


def _statements(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(Statement.uuid).order_by(Statement.id)))


def _deliveries(app) -> list[tuple[str, int]]:
    with app.app_context():
        return db.session.execute(
            sa.select(Delivery.status, Delivery.tries).order_by(Delivery.id)
        ).all()


def _send(app) -> tuple[int, int]:
    with app.app_context():
        outcome = delivery.deliver()["ralph"]
    return outcome.sent, outcome.failed


def _of_this_site(lrs) -> list[str]:
    return [s["id"] for s in lrs.statements() if s["actor"]["account"]["homePage"] == lrs.site]


def test_statements_made_while_the_lrs_is_down_arrive_once_when_it_is_back(
    app, factory, lrs, clock, tmp_path
):
    write_course(tmp_path / "courses", "an-toan", lessons=1)
    sync(app, tmp_path / "courses")
    lrs.stop()
    try:
        # Each learner starts, finishes the lesson and the module, and earns a certificate.
        for _learner in range(25):
            factory.complete_lessons(factory.user(), "an-toan")
        written = _statements(app)
        assert len(written) == 100

        assert _send(app) == (0, 100)
        assert {row for row in _deliveries(app)} == {(PENDING, 1)}
    finally:
        lrs.start()
    assert _send(app) == (0, 0)  # not due yet: the first retry comes after a minute
    clock.advance(seconds=61)
    assert _send(app) == (100, 0)
    assert sorted(_of_this_site(lrs)) == sorted(written)

    clock.advance(days=1)
    assert _send(app) == (0, 0)
    assert sorted(_of_this_site(lrs)) == sorted(written)


def test_a_statement_the_lrs_holds_differently_does_not_hold_up_the_others(
    app, factory, lrs, tmp_path
):
    write_course(tmp_path / "courses", "an-toan", lessons=1)
    sync(app, tmp_path / "courses")
    learner = factory.user(username="hoa")
    factory.complete_lessons(learner, "an-toan")
    with app.app_context():
        first = db.session.scalars(sa.select(Statement).order_by(Statement.id)).first()
        clash = {**first.body, "result": {"completion": False}}
    assert lrs.post([clash]) == 200

    assert _send(app) == (4, 0)
    assert {status for status, _tries in _deliveries(app)} == {SENT}
    stored = {s["id"]: s for s in lrs.statements(agent={"account": first.body["actor"]["account"]})}
    assert sorted(stored) == sorted(_statements(app))
    assert stored[first.uuid]["result"] == {"completion": False}  # the store's own, kept


def test_refused_credentials_are_tried_again_later_then_given_up(
    app, factory, lrs, clock, monkeypatch, tmp_path
):
    monkeypatch.setitem(app.config, "LMS_XAPI_LRS", [{**lrs.store, "password": "wrong"}])
    monkeypatch.setitem(app.config, "LMS_XAPI_MAX_TRIES", 2)
    write_course(tmp_path / "courses", "an-toan", lessons=1)
    sync(app, tmp_path / "courses")
    factory.complete_lessons(factory.user(), "an-toan")

    assert _send(app) == (0, 4)
    with app.app_context():
        waiting = db.session.scalars(sa.select(Delivery)).all()
    assert {(d.status, d.tries) for d in waiting} == {(PENDING, 1)}
    assert {d.next_attempt_at - d.attempted_at for d in waiting} == {timedelta(seconds=60)}
    assert all(d.error.startswith("401") for d in waiting)

    clock.advance(seconds=59)
    assert _send(app) == (0, 0)
    clock.advance(seconds=2)
    assert _send(app) == (0, 4)
    assert set(_deliveries(app)) == {(FAILED, 2)}
    clock.advance(days=2)
    assert _send(app) == (0, 0)

    result = app.test_cli_runner().invoke(args=["xapi", "status"])
    assert result.output == "ralph: 0 pending (0 after a failed try), 0 sent, 4 failed.\n"
    result = app.test_cli_runner().invoke(args=["xapi", "send"])
    assert (result.exit_code, result.output) == (0, "ralph: 0 sent, 0 failed.\n")
