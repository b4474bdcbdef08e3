"""Telling people what happened: once per event, in the app and, when configured, by e-mail.

``notify`` flushes and leaves the commit to the caller. E-mail is never sent inside a
request: ``send_pending_email`` (run by ``lms notifications send-email`` and by the daily
``lms assignments sync``) sends what is pending and records for each what really happened.
"""

import logging
import smtplib
from datetime import date, datetime
from email.message import EmailMessage

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, format_date, format_datetime
from flask_babel import gettext as _

from lms.accounts.models import User
from lms.core import clock
from lms.core.db import insert_once
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
    return notification.kind


def unread_count(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )


def notifications_of(user: User) -> sa.Select:
    return (
        sa.select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )


def mark_all_read(user: User) -> int:
    result = db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=clock.now())
    )
    return result.rowcount


def send_pending_email(*, limit: int = 500) -> tuple[int, int]:
    """Send up to ``limit`` pending e-mails; returns (sent, failed). Each result is recorded
    on its notification, with the server's error for a failure."""
    if not email_enabled():
        return 0, 0
    pending = db.session.execute(
        sa.select(Notification, User)
        .join(User, User.id == Notification.user_id)
        .where(Notification.email_status == EMAIL_PENDING)
        .order_by(Notification.id)
        .limit(limit)
    ).all()
    sent = failed = 0
    if not pending:
        return sent, failed
    try:
        connection = _connect()
    except (OSError, smtplib.SMTPException) as error:
        for notification, _user in pending:
            _record(notification, EMAIL_FAILED, error)
        return 0, len(pending)
    with connection:
        for notification, user in pending:
            try:
                connection.send_message(_message(notification, user))
            except smtplib.SMTPException as error:
                _record(notification, EMAIL_FAILED, error)
                failed += 1
            else:
                _record(notification, EMAIL_SENT, None)
                sent += 1
    db.session.flush()
    return sent, failed


def _connect() -> smtplib.SMTP:
    config = current_app.config
    connection = smtplib.SMTP(config["LMS_SMTP_HOST"], config["LMS_SMTP_PORT"], timeout=20)
    if config["LMS_SMTP_STARTTLS"]:
        connection.starttls()
    if config["LMS_SMTP_USER"]:
        connection.login(config["LMS_SMTP_USER"], config["LMS_SMTP_PASSWORD"] or "")
    return connection


def _record(notification: Notification, status: str, error) -> None:
    notification.email_status = status
    notification.email_attempted_at = clock.now()
    notification.email_error = str(error)[:500] if error is not None else None
    if error is not None:
        log.warning("E-mail for notification %s failed: %s", notification.id, error)


def _message(notification: Notification, user: User) -> EmailMessage:
    with force_locale(user.locale):
        body = text(notification, user.locale)
        subject = _("Digital skills training: %(message)s", message=body)
    message = EmailMessage()
    message["From"] = current_app.config["LMS_MAIL_FROM"]
    message["To"] = user.email
    message["Subject"] = subject[:150]
    link = notification.params.get("url")
    base = current_app.config["LMS_BASE_URL"] or ""
    message.set_content(f"{body}\n\n{base}{link}\n" if link and base else f"{body}\n")
    return message
