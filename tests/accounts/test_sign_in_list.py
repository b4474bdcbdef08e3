"""The sessions page: a person sees where they are signed in, ends one session or all but
this browser; a password change ends the others; a sign-in's last use is written at most
once per five minutes; old sign-ins are purged by a daily job."""

import sqlalchemy as sa

from lms.accounts.jobs import purge_sign_ins
from lms.accounts.models import SignIn
from lms.core.models import AuditEntry
from lms.extensions import db

FIREFOX_ON_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
)
COC_COC_ON_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) "
    "coc_coc_browser/136.0.214 Chrome/130.0.6723.214 Mobile Safari/537.36"
)


def browser(app, login_as, user, user_agent=FIREFOX_ON_WINDOWS, address="203.0.113.7"):
    client = app.test_client()
    client.environ_base.update(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=address)
    login_as(client, user)
    return client


def signed_in(client) -> bool:
    return client.get("/account/sessions").status_code == 200


def sign_in_ids(app, user) -> list[int]:
    with app.app_context():
        return db.session.scalars(
            sa.select(SignIn.id)
            .where(SignIn.user_id == user.id, SignIn.ended_at.is_(None))
            .order_by(SignIn.id)
        ).all()


def test_the_page_lists_each_browser_with_its_device_and_address(app, factory, login_as):
    person = factory.user(locale="en")
    browser(app, login_as, person, COC_COC_ON_ANDROID, "198.51.100.4")
    here = browser(app, login_as, person)
    page = here.get("/account/sessions").get_data(as_text=True)
    assert "Cốc Cốc on Android" in page and "198.51.100.4" in page
    assert "Firefox on Windows" in page and "203.0.113.7" in page
    assert page.count("End this session") == 1  # not offered for this browser


def test_ending_one_session_signs_that_browser_out_only(app, factory, login_as):
    person = factory.user()
    phone = browser(app, login_as, person, COC_COC_ON_ANDROID)
    here = browser(app, login_as, person)
    phone_sign_in, _here = sign_in_ids(app, person)
    assert here.submit(f"/account/sessions/{phone_sign_in}/end").status_code == 302
    assert not signed_in(phone) and signed_in(here)
    with app.app_context():
        assert db.session.scalar(
            sa.select(AuditEntry.details).where(AuditEntry.action == "user.sign_in_ended")
        ) == {"sign_in": phone_sign_in}


def test_nobody_ends_another_persons_session(app, factory, login_as):
    owner, other = factory.user(), factory.user()
    owners = browser(app, login_as, owner)
    [theirs] = sign_in_ids(app, owner)
    intruder = browser(app, login_as, other)
    assert intruder.submit(f"/account/sessions/{theirs}/end").status_code == 404
    assert signed_in(owners)


def test_sign_out_everywhere_else_keeps_this_browser(app, factory, login_as):
    person = factory.user(locale="en")
    others = [browser(app, login_as, person) for _n in range(2)]
    here = browser(app, login_as, person)
    response = here.submit("/account/sessions/end-others", follow_redirects=True)
    assert "You have been signed out everywhere else." in response.get_data(as_text=True)
    assert signed_in(here) and not any(signed_in(client) for client in others)


def test_a_password_change_ends_the_other_sessions(app, factory, login_as):
    person = factory.user()
    elsewhere = browser(app, login_as, person)
    here = browser(app, login_as, person)
    new = "Mat-khau-moi-2026-an-toan"
    here.submit("/account/password", {"current": person.test_password, "new": new, "confirm": new})
    assert signed_in(here) and not signed_in(elsewhere)
    assert len(sign_in_ids(app, person)) == 1


def test_last_use_is_written_at_most_once_per_five_minutes(app, factory, login_as, clock):
    person = factory.user()
    here = browser(app, login_as, person)
    signed_in_at = clock.now()

    def last_used():
        with app.app_context():
            return db.session.scalar(sa.select(SignIn.last_used_at))

    clock.advance(minutes=4)
    here.get("/account/sessions")
    assert last_used() == signed_in_at
    clock.advance(minutes=1)
    here.get("/account/sessions")
    assert last_used() == clock.now()


def test_the_daily_job_purges_old_ended_and_unused_sign_ins(app, factory, login_as, clock):
    person = factory.user()
    ended = browser(app, login_as, person)
    ended.submit("/logout")
    forgotten = browser(app, login_as, person)
    clock.advance(days=89)
    recent = browser(app, login_as, person)
    clock.advance(days=2)
    assert signed_in(recent)

    with app.app_context():
        assert purge_sign_ins.run() == 2
        assert db.session.scalar(sa.select(sa.func.count(SignIn.id))) == 1
    assert not signed_in(forgotten) and signed_in(recent)
