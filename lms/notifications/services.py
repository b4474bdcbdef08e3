"""Telling people what happened: once per event, in the app and, when configured, by e-mail.

``notify`` flushes and leaves the commit to the caller. E-mail is never sent inside a
request: ``send_pending_email`` (run by ``lms notifications send-email``, by the daily
``lms assignments sync`` and by the job queue) sends what is pending, committing each e-mail
as it goes, and records for each what really happened; failures are tried again later.
"""

import contextlib
import logging
import os
import smtplib
import socket
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import parseaddr

import sqlalchemy as sa
from flask import current_app, g
from flask_babel import force_locale, format_date, format_datetime
from flask_babel import gettext as _

from lms.accounts import password_reset
from lms.accounts.models import User
from lms.core import clock, signals
from lms.core.db import insert, insert_once
from lms.core.models import AuditEntry
from lms.core.permissions import Role, ensure_role
from lms.extensions import db
from lms.notifications.models import (
    ASSIGNED,
    CERTIFICATE_ISSUED,
    DUE_SOON,
    EMAIL_FAILED,
    EMAIL_PENDING,
    EMAIL_SENT,
    EMAIL_SKIPPED,
    OVERDUE,
    PASSWORD_RESET,
    RENEWAL_OPEN,
    SESSION_CHANGED,
    SESSION_ENROLLED,
    SESSION_PROMOTED,
    SESSION_REMINDER,
    Notification,
)

log = logging.getLogger(__name__)


def email_enabled() -> bool:
    return bool(current_app.config["LMS_SMTP_HOST"])


def notify(user: User, kind: str, event_key: str, **params) -> bool:
    """Tell ``user`` about an event, unless they were already told about ``event_key``.
    Returns whether this was news."""
    email = EMAIL_PENDING if email_enabled() and user.email else EMAIL_SKIPPED
    g.pop(_UNREAD, None)
    return insert_once(
        db.session,
        Notification,
        {
            "user_id": user.id,
            "kind": kind,
            "event_key": event_key[:120],
            "params": params,
            "created_at": clock.now(),
            "email_status": email,
        },
        unique=[Notification.user_id, Notification.event_key],
    )


@dataclass(frozen=True)
class Event:
    """One person to tell about one event, for ``notify_many``."""

    user_id: int
    has_email: bool
    event_key: str
    params: dict


def notify_many(kind: str, events: list[Event]) -> None:
    """``notify`` for many people at once, in one statement (a chunk of a roster import or
    of a bulk assignment, a curriculum change for everyone holding a position); an event
    someone was already told about is left as it was."""
    if not events:
        return
    enabled = email_enabled()
    now = clock.now()
    g.pop(_UNREAD, None)
    table = Notification.__table__
    rows = [
        {
            "user_id": event.user_id,
            "kind": kind,
            "event_key": event.event_key[:120],
            "params": event.params,
            "created_at": now,
            "email_status": EMAIL_PENDING if enabled and event.has_email else EMAIL_SKIPPED,
        }
        for event in events
    ]
    statement = insert(db.session, table).on_conflict_do_nothing(
        index_elements=[table.c.user_id, table.c.event_key]
    )
    db.session.execute(statement, rows)


@signals.password_reset_requested.connect
def _email_reset_link(user: User, fingerprint: str, minutes: int) -> None:
    # One e-mail per password and minute: a job run twice sends it once.
    key = f"{PASSWORD_RESET}:{fingerprint}:{clock.now():%Y%m%d%H%M}"
    notify(user, PASSWORD_RESET, key, fingerprint=fingerprint, minutes=minutes)


def text(notification: Notification, locale: str) -> str:
    """The notification's message in ``locale``."""
    params = notification.params
    titles = params.get("title") or {}
    title = titles.get(locale) or next(iter(titles.values()), "")
    due = format_date(date.fromisoformat(params["due_on"])) if params.get("due_on") else ""
    if notification.kind == ASSIGNED:
        if due:
            return _("New training assigned: %(title)s, due %(due)s.", title=title, due=due)
        return _("New training assigned: %(title)s.", title=title)
    if notification.kind == DUE_SOON:
        return _("%(title)s is due on %(due)s.", title=title, due=due)
    if notification.kind == OVERDUE:
        return _("%(title)s is overdue: it was due on %(due)s.", title=title, due=due)
    if notification.kind == RENEWAL_OPEN:
        expires = format_date(date.fromisoformat(params["expires_on"]))
        return _(
            "Your completion of %(title)s expires on %(expires)s: you can renew it now.",
            title=title,
            expires=expires,
        )
    if notification.kind == CERTIFICATE_ISSUED:
        return _("Certificate %(serial)s issued: %(title)s.", serial=params["serial"], title=title)
    starts = (
        format_datetime(datetime.fromisoformat(params["starts_at"]), "short")
        if params.get("starts_at")
        else ""
    )
    if notification.kind == SESSION_ENROLLED:
        return _(
            "You are enrolled in the session %(title)s, %(starts)s.", title=title, starts=starts
        )
    if notification.kind == SESSION_PROMOTED:
        return _(
            "A place freed up: you are now enrolled in the session %(title)s, %(starts)s.",
            title=title,
            starts=starts,
        )
    if notification.kind == SESSION_CHANGED:
        return _(
            "The session %(title)s has changed; it now starts %(starts)s.",
            title=title,
            starts=starts,
        )
    if notification.kind == SESSION_REMINDER:
        return _("Reminder: the session %(title)s starts %(starts)s.", title=title, starts=starts)
    if notification.kind == PASSWORD_RESET:
        return _(
            "A link to choose a new password was asked for your account. It works once, for "
            "%(minutes)d minutes. If you did not ask for it, ignore it: your password stays.",
            minutes=params["minutes"],
        )
    return notification.kind


def text_or_kind(notification: Notification, locale: str) -> str:
    """``text``, or the notification's kind when its message cannot be written (the admins'
    list of failed e-mail shows such notifications too)."""
    try:
        return text(notification, locale)
    except (KeyError, ValueError, TypeError):
        return notification.kind


_UNREAD = "lms_unread_notifications"  # per request: user id -> count


def unread_count(user: User) -> int:
    """How many of ``user``'s notifications are unread; counted once per request (every
    page's menu shows it, and a page that renders a fragment first renders twice) unless
    ``notify`` or ``mark_all_read`` changed it since."""
    counted = g.setdefault(_UNREAD, {})
    if user.id not in counted:
        counted[user.id] = db.session.scalar(_UNREAD_COUNT, {"user_id": user.id})
    return counted[user.id]


def unread_count_of(user_id) -> sa.ScalarSelect:
    """SQL: how many notifications of ``user_id`` (a value or a column) are unread."""
    return (
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .scalar_subquery()
    )


# Every page runs it: built once.
_UNREAD_COUNT = sa.select(unread_count_of(sa.bindparam("user_id")))


def notifications_of(user: User) -> sa.Select:
    return (
        sa.select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )


def mark_all_read(user: User) -> int:
    g.pop(_UNREAD, None)
    result = db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=clock.now())
    )
    return result.rowcount


def send_pending_email(*, limit: int = 500) -> tuple[int, int]:
    """Send the pending e-mails that are due, up to ``limit``, oldest first; returns (sent,
    failed), counting each try that failed, including those to be tried again.

    It commits, once per e-mail: whatever the session holds is committed first, so callers
    commit their own work before calling it. Any number of senders may run it at once
    (several hosts, the worker, the CLI): each e-mail is claimed before it is sent — on
    PostgreSQL its row is locked (``FOR UPDATE SKIP LOCKED``: other senders pass over it),
    on SQLite a claim is written in a short transaction of its own — so it goes out once, and
    its result is committed as soon as it is known, so a crash sends again at most the one
    e-mail that was in flight. A failure is recorded with the server's reason and tried again
    after ``LMS_EMAIL_RETRY_SECONDS``, twice as long after each further failure; after
    ``LMS_EMAIL_MAX_TRIES`` tries the e-mail is given up (``failed``), which admins see.

    When the SMTP server cannot be reached, the run stops after charging that to the one
    e-mail it was for: the others keep their tries for when the server answers again.
    """
    if not email_enabled():
        return 0, 0
    db.session.commit()
    sender = _Sender()
    sent = failed = 0
    try:
        for _position in range(limit):
            claimed = _claim(sender.name)
            if claimed is None:
                break
            if claimed.problem:
                _record(claimed, EMAIL_FAILED, claimed.problem, tries=claimed.tries + 1)
                failed += 1
                continue
            if claimed.message is None:
                _record(claimed, EMAIL_SKIPPED, None)  # the address was removed since
                continue
            error = sender.send(claimed.message)
            _record_try(claimed, error)
            if error is None:
                sent += 1
            else:
                failed += 1
            if sender.unreachable:
                break
    except BaseException:
        db.session.rollback()
        raise
    finally:
        sender.close()
    return sent, failed


def retry_email(actor: User, notification: Notification | None = None) -> int:
    """Make e-mail that failed due at once: ``notification``'s, when it was given up or is
    waiting for its next try, else every given-up one. The next send tries each once more; one
    that has used up its tries is given up again if that try fails too. Returns how many."""
    ensure_role(actor, Role.ADMIN)
    retryable = sa.or_(
        Notification.email_status == EMAIL_FAILED,
        sa.and_(Notification.email_status == EMAIL_PENDING, Notification.email_tries > 0),
    )
    if notification is None:
        chosen = Notification.email_status == EMAIL_FAILED
    else:
        chosen = sa.and_(Notification.id == notification.id, retryable)
    result = db.session.execute(
        sa.update(Notification)
        .where(chosen)
        .values(email_status=EMAIL_PENDING, email_next_attempt_at=None)
        .execution_options(synchronize_session=False)
    )
    count = result.rowcount
    if count:
        db.session.add(
            AuditEntry(
                actor_id=actor.id,
                action="email.retried",
                object_type=Notification.__tablename__,
                object_id=notification.id if notification is not None else None,
                details={"count": count},
            )
        )
        db.session.flush()
    return count


# A sender's claim on an e-mail (SQLite) lasts longer than the slowest send can take (each
# SMTP step may take SMTP_TIMEOUT), so only the claim of a sender that died runs out.
SMTP_TIMEOUT = 20
CLAIM_SECONDS = 600
# However many tries, the next is never more than a day away.
MAX_RETRY_SECONDS = 24 * 3600


@dataclass(frozen=True)
class _Claimed:
    id: int
    tries: int
    message: EmailMessage | None  # None: the person has no address any more, or a problem
    problem: str | None = None  # why the message could not be written (a bug): given up


def _claim(sender: str) -> _Claimed | None:
    """Claim the oldest pending e-mail that is due and nobody holds, and make its message;
    None when there is none. On PostgreSQL the row stays locked until ``_record`` commits; on
    SQLite the claim is committed here, so no transaction is open while the message is sent."""
    now = clock.now()
    due = [
        Notification.email_status == EMAIL_PENDING,
        sa.or_(
            Notification.email_next_attempt_at.is_(None),
            Notification.email_next_attempt_at <= now,
        ),
        sa.or_(
            Notification.email_claimed_until.is_(None),
            Notification.email_claimed_until < now,
        ),
    ]
    with_recipient = (
        sa.select(Notification, User)
        .join(User, User.id == Notification.user_id)
        .execution_options(populate_existing=True)  # as it is now, not as once loaded
    )
    locks_rows = db.session.get_bind().dialect.name == "postgresql"
    if locks_rows:
        row = db.session.execute(
            with_recipient.where(*due)
            .order_by(Notification.id)
            .limit(1)
            .with_for_update(skip_locked=True, of=Notification)
        ).first()
    else:
        # One statement: no other sender can claim the same row between its read and write.
        oldest = sa.select(Notification.id).where(*due).order_by(Notification.id).limit(1)
        claimed_id = db.session.scalar(
            sa.update(Notification)
            .where(Notification.id == oldest.scalar_subquery())
            .values(
                email_claimed_by=sender,
                email_claimed_until=now + timedelta(seconds=CLAIM_SECONDS),
            )
            .returning(Notification.id)
            .execution_options(synchronize_session=False)
        )
        row = (
            claimed_id
            and db.session.execute(with_recipient.where(Notification.id == claimed_id)).one()
        )
    if not row:
        db.session.commit()
        return None
    notification, user = row
    message = problem = None
    if user.email:
        try:
            message = _message(notification, user)
        except Exception as error:  # one that cannot be written must not stop the others
            log.exception("E-mail for notification %s could not be written", notification.id)
            problem = f"The message could not be written: {_reason(error)}"
    claimed = _Claimed(notification.id, notification.email_tries, message, problem)
    if not locks_rows:
        db.session.commit()
    return claimed


def _record_try(claimed: _Claimed, error: Exception | None) -> None:
    tries = claimed.tries + 1
    if error is None:
        _record(claimed, EMAIL_SENT, None, tries=tries)
        return
    reason = _reason(error)
    log.warning("E-mail for notification %s failed (try %s): %s", claimed.id, tries, reason)
    config = current_app.config
    if tries >= config["LMS_EMAIL_MAX_TRIES"]:
        _record(claimed, EMAIL_FAILED, reason, tries=tries)
        return
    wait = min(config["LMS_EMAIL_RETRY_SECONDS"] * 2 ** (tries - 1), MAX_RETRY_SECONDS)
    _record(
        claimed,
        EMAIL_PENDING,
        reason,
        tries=tries,
        next_attempt_at=clock.now() + timedelta(seconds=wait),
    )


def _record(
    claimed: _Claimed,
    status: str,
    reason: str | None,
    *,
    tries: int | None = None,
    next_attempt_at: datetime | None = None,
) -> None:
    """Save what became of a claimed e-mail, release the claim, and commit."""
    db.session.execute(
        sa.update(Notification)
        .where(Notification.id == claimed.id)
        .values(
            email_status=status,
            email_error=reason[:500] if reason else None,
            email_attempted_at=clock.now(),
            email_tries=claimed.tries if tries is None else tries,
            email_next_attempt_at=next_attempt_at,
            email_claimed_by=None,
            email_claimed_until=None,
        )
    )
    db.session.commit()


def _reason(error: Exception) -> str:
    """The server's own words where it gave some, e.g. ``450 mailbox busy``."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        replies = [
            f"{code} {reply.decode(errors='replace')}" for code, reply in error.recipients.values()
        ]
        return "; ".join(replies) or str(error)
    if isinstance(error, smtplib.SMTPResponseException):
        reply = error.smtp_error
        text_ = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
        return f"{error.smtp_code} {text_}"
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


class _Sender:
    """One SMTP connection, opened for the first e-mail and again after one was lost."""

    def __init__(self):
        self.name = f"{socket.gethostname()}:{os.getpid()}"[:64]
        self.connection: smtplib.SMTP | None = None
        self.unreachable = False

    def send(self, message: EmailMessage) -> Exception | None:
        """Send ``message``; returns the error when it was not accepted."""
        try:
            if self.connection is None:
                self.connection = _connect()
        except (OSError, smtplib.SMTPException) as error:
            self.unreachable = True
            return error
        try:
            self.connection.send_message(message)
        except (OSError, smtplib.SMTPException) as error:
            if isinstance(error, OSError | smtplib.SMTPServerDisconnected):
                self.close()  # the next e-mail connects anew
            return error
        return None

    def close(self) -> None:
        if self.connection is None:
            return
        with contextlib.suppress(OSError, smtplib.SMTPException):
            self.connection.quit()
        self.connection.close()
        self.connection = None


def _connect() -> smtplib.SMTP:
    config = current_app.config
    connection = smtplib.SMTP(
        config["LMS_SMTP_HOST"], config["LMS_SMTP_PORT"], timeout=SMTP_TIMEOUT
    )
    try:
        if config["LMS_SMTP_STARTTLS"]:
            connection.starttls()
        if config["LMS_SMTP_USER"]:
            connection.login(config["LMS_SMTP_USER"], config["LMS_SMTP_PASSWORD"] or "")
    except BaseException:
        connection.close()
        raise
    return connection


def _message(notification: Notification, user: User) -> EmailMessage:
    with force_locale(user.locale):
        body = text(notification, user.locale)
        subject = _("Digital skills training: %(message)s", message=body)
    message = EmailMessage()
    sender = current_app.config["LMS_MAIL_FROM"]
    message["From"] = sender
    # The same for every try of one notification, so a mail system that got an e-mail twice
    # (a sender that died between sending and recording it) can tell.
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    stamp = int(notification.created_at.timestamp())
    message["Message-ID"] = f"<notification.{notification.id}.{stamp}@{domain}>"
    message["To"] = user.email
    message["Subject"] = subject[:150]
    link = notification.params.get("url")
    if notification.kind == PASSWORD_RESET:
        # Signed as it is written, so the database never holds a usable link.
        link = password_reset.email_link_path(user.id, notification.params["fingerprint"])
    base = current_app.config["LMS_BASE_URL"] or ""
    message.set_content(f"{body}\n\n{base}{link}\n" if link and base else f"{body}\n")
    return message
