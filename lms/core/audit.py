"""The audit log: who did what to which object. Services record; nobody edits entries."""

from lms.core.db import insert_rows
from lms.core.models import AuditEntry
from lms.extensions import db


def record(actor, action: str, obj, **details) -> AuditEntry:
    """Add an audit entry for ``action`` on ``obj`` (flushed so ``obj`` has its id)."""
    db.session.flush()
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_type=obj.__tablename__,
        object_id=obj.id,
        details=_jsonable(details),
    )
    db.session.add(entry)
    return entry


def record_many(actor, action: str, object_type: str, items) -> None:
    """``record`` for many objects of one table at once, ``(object_id, details)`` pairs (a
    chunk of a roster import, whose rows are inserted without ORM objects): one insert."""
    actor_id = actor.id if actor is not None else None
    insert_rows(
        db.session,
        AuditEntry,
        [
            {
                "actor_id": actor_id,
                "action": action,
                "object_type": object_type,
                "object_id": object_id,
                "details": _jsonable(details),
            }
            for object_id, details in items
        ],
    )


def _jsonable(details: dict) -> dict:
    return {
        key: value if isinstance(value, str | int | float | bool | None | list) else str(value)
        for key, value in details.items()
    }
