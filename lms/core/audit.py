"""The audit log: who did what to which object. Services record; nobody edits entries."""

import sqlalchemy as sa

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


def record_many(actor, action: str, items) -> None:
    """``record`` for many objects at once, (obj, details) pairs (a chunk of a roster
    import): flushed first, so every ``obj`` has its id, then one multi-row insert."""
    db.session.flush()
    rows = [
        {
            "actor_id": actor.id if actor is not None else None,
            "action": action,
            "object_type": obj.__tablename__,
            "object_id": obj.id,
            "details": _jsonable(details),
        }
        for obj, details in items
    ]
    if rows:
        db.session.execute(sa.insert(AuditEntry), rows)


def _jsonable(details: dict) -> dict:
    return {
        key: value if isinstance(value, str | int | float | bool | None | list) else str(value)
        for key, value in details.items()
    }
