"""Sending the outbox to the Learning Record Stores: batches of pending statements, posted as
a JSON array to each store's ``statements`` resource, each result recorded as it really was.

``deliver`` commits, batch by batch: any number of senders may run it at once (the job on
several workers, the CLI). A sender claims a batch in one UPDATE — on PostgreSQL its subquery
skips the rows another sender is claiming (``FOR UPDATE SKIP LOCKED``); SQLite has one writer
at a time — and commits the claim, so no transaction stays open while it posts, and a
statement is in one sender's hands at a time. A claim whose sender died runs out after
``CLAIM_SECONDS``. Statement ids are fixed when written, so a batch sent again after a crash
repeats statements the store already holds, which it takes as a no-op (or answers 409,
counted as delivered): nothing arrives twice.

A batch the store refuses as a whole (400, 409, 413) is sent again a statement at a time, so
one bad statement holds up no other. A failure is recorded with the store's reason and tried
again after ``LMS_XAPI_RETRY_SECONDS``, twice as long after each further failure; after
``LMS_XAPI_MAX_TRIES`` tries the statement is given up for that store (``failed``). When a
store cannot be reached or answers with a server error, the run stops sending to it.
"""

import base64
import json
import logging
import os
import socket
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.error import HTTPError, URLError
from urllib.request import Request, urlopen

import sqlalchemy as sa
from flask import current_app

from lms.core import clock
from lms.extensions import db
from lms.xapi.models import FAILED, PENDING, SENT, Delivery, Statement

log = logging.getLogger(__name__)

XAPI_VERSION = "1.0.3"
BATCH_SIZE = 100
HTTP_TIMEOUT = 30
# Longer than the slowest post can take, so only the claim of a sender that died runs out.
CLAIM_SECONDS = 300
# However many tries, the next is never more than a day away.
MAX_RETRY_SECONDS = 24 * 3600
# A store's answers that refuse the batch as a whole for what is in it: sent one by one.
SPLIT = {400, 409, 413}


@dataclass
class Outcome:
    """What one run did for one store."""

    sent: int = 0
    failed: int = 0  # tries that failed, including those to be tried again
    errors: list[str] = field(default_factory=list)


class Unreachable(Exception):
    """The store did not answer, or answered with an error of its own (5xx, 401, 403)."""


def deliver(*, batches: int = 1000) -> dict[str, Outcome]:
    """Send what is pending and due to every configured store, up to ``batches`` batches a
    store; returns each store's outcome. Commits (whatever the session holds first)."""
    db.session.commit()
    sender = f"{socket.gethostname()}:{os.getpid()}"[:64]
    outcomes = {}
    try:
        for store in current_app.config["LMS_XAPI_LRS"]:
            outcomes[store["name"]] = outcome = Outcome()
            for _batch in range(batches):
                claimed = _claim(store["name"], sender)
                if not claimed:
                    break
                try:
                    _send(store, claimed, outcome)
                except Unreachable as error:
                    _record_failure(list(claimed), str(error), outcome)
                    break
    except BaseException:
        db.session.rollback()
        raise
    return outcomes


def _claim(store: str, sender: str) -> dict[int, dict]:
    """Claim the store's oldest due pending deliveries nobody holds, and commit the claim;
    returns {delivery id: statement}."""
    now = clock.now()
    due = (
        sa.select(Delivery.id)
        .where(
            Delivery.store == store,
            Delivery.status == PENDING,
            sa.or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now),
            sa.or_(Delivery.claimed_until.is_(None), Delivery.claimed_until < now),
        )
        .order_by(Delivery.id)
        .limit(BATCH_SIZE)
        .with_for_update(skip_locked=True)
    )
    claimed = db.session.scalars(
        sa.update(Delivery)
        .where(Delivery.id.in_(due.scalar_subquery()))
        .values(claimed_by=sender, claimed_until=now + timedelta(seconds=CLAIM_SECONDS))
        .returning(Delivery.id)
        .execution_options(synchronize_session=False)
    ).all()
    bodies = dict(
        db.session.execute(
            sa.select(Delivery.id, Statement.body)
            .join(Statement, Statement.id == Delivery.statement_id)
            .where(Delivery.id.in_(claimed))
            .order_by(Delivery.id)
        ).all()
    )
    db.session.commit()
    return bodies


def _send(store: dict, claimed: dict[int, dict], outcome: Outcome) -> None:
    status, reason = _post(store, list(claimed.values()))
    if status in (200, 204) or (status == 409 and len(claimed) == 1):
        # 409 for one statement: the store holds a statement with its id already.
        _record_sent(list(claimed), outcome)
    elif status in SPLIT and len(claimed) > 1:
        for delivery_id, body in claimed.items():
            _send(store, {delivery_id: body}, outcome)
    else:
        _record_failure(list(claimed), reason, outcome)


def _post(store: dict, statements: list[dict]) -> tuple[int, str]:
    """POST ``statements`` to the store; (status, reason). ``Unreachable`` when the store did
    not take it for reasons of its own."""
    headers = {
        "Content-Type": "application/json",
        "X-Experience-API-Version": XAPI_VERSION,
    }
    if store.get("username"):
        pair = f"{store['username']}:{store['password']}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
    url = store["url"].rstrip("/") + "/statements"
    data = json.dumps(statements, ensure_ascii=False).encode()
    try:
        # The URL is the configured store's: lms.config admits only http:// and https://.
        request = Request(url, data=data, headers=headers, method="POST")  # noqa: S310
        with urlopen(request, timeout=HTTP_TIMEOUT) as answer:  # noqa: S310
            return answer.status, ""
    except HTTPError as error:
        reason = f"{error.code} {error.read(300).decode(errors='replace')}".strip()
        if error.code >= 500 or error.code in (401, 403, 404):
            raise Unreachable(reason) from error
        return error.code, reason
    except (URLError, OSError) as error:
        raise Unreachable(f"{type(error).__name__}: {error}") from error


def _record_sent(ids: list[int], outcome: Outcome) -> None:
    now = clock.now()
    db.session.execute(
        sa.update(Delivery)
        .where(Delivery.id.in_(ids))
        .values(
            status=SENT,
            tries=Delivery.tries + 1,
            attempted_at=now,
            sent_at=now,
            error=None,
            next_attempt_at=None,
            claimed_by=None,
            claimed_until=None,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    outcome.sent += len(ids)


def _record_failure(ids: list[int], reason: str, outcome: Outcome) -> None:
    """Count a failed try for each of ``ids``: given up after the last try, else due again
    after the back-off of its number of tries. One UPDATE per number of tries."""
    log.warning("xAPI statements not delivered (%s): %s", len(ids), reason)
    config = current_app.config
    now = clock.now()
    rows = db.session.execute(
        # Those of a batch sent one by one that went out before the store stopped answering
        # are sent already.
        sa.select(Delivery.id, Delivery.tries).where(
            Delivery.id.in_(ids), Delivery.status == PENDING
        )
    )
    by_tries: dict[int, list[int]] = {}
    for delivery_id, tries in rows:
        by_tries.setdefault(tries + 1, []).append(delivery_id)
    for tries, same in by_tries.items():
        wait = min(config["LMS_XAPI_RETRY_SECONDS"] * 2 ** (tries - 1), MAX_RETRY_SECONDS)
        given_up = tries >= config["LMS_XAPI_MAX_TRIES"]
        db.session.execute(
            sa.update(Delivery)
            .where(Delivery.id.in_(same))
            .values(
                status=FAILED if given_up else PENDING,
                tries=tries,
                attempted_at=now,
                error=reason[:500],
                next_attempt_at=None if given_up else now + timedelta(seconds=wait),
                claimed_by=None,
                claimed_until=None,
            )
            .execution_options(synchronize_session=False)
        )
    db.session.commit()
    outcome.failed += sum(len(same) for same in by_tries.values())
    outcome.errors.append(reason)


def counts() -> dict[str, dict[str, int]]:
    """Each configured store's statements in one query: {store: {"waiting" (pending, not
    tried yet), "retrying" (pending after a failed try), "sent", "failed" (given up)}}; a
    store no longer configured that still has rows is listed too."""
    states = ("waiting", "retrying", SENT, FAILED)
    found = {
        store["name"]: dict.fromkeys(states, 0) for store in current_app.config["LMS_XAPI_LRS"]
    }
    state = sa.case(
        (sa.and_(Delivery.status == PENDING, Delivery.tries > 0), "retrying"),
        (Delivery.status == PENDING, "waiting"),
        else_=Delivery.status,
    )
    for store, named, number in db.session.execute(
        sa.select(Delivery.store, state, sa.func.count()).group_by(Delivery.store, state)
    ):
        found.setdefault(store, dict.fromkeys(states, 0))[named] = number
    return found
