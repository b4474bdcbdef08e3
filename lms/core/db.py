"""The declarative base every model shares, and the database conventions it carries."""

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry
from sqlalchemy.types import TypeDecorator

# Named constraints make migrations reviewable and let SQLite's batch mode recreate them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC timestamp on every database.

    SQLite drops the offset, so values are normalised to UTC on the way in and given
    their UTC zone back on the way out.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    registry = registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime},
    )


class CreatedAt:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class UpdatedAt:
    """When the row last changed (any ORM or Core UPDATE that does not set it itself), indexed:
    the API's lists are paged on (updated_at, id) and filtered by ``updated_since``, so a
    nightly sync reads only what changed."""

    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, index=True)


def insert(session, model):
    """The dialect's own INSERT, which can say what to do on a conflict (PostgreSQL and
    SQLite both speak ON CONFLICT)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    return dialect_insert(model)


def insert_once(session, model, values: dict, unique: list) -> bool:
    """Insert a row unless one with the same ``unique`` columns exists: two requests that
    both found nothing then make one row between them, not a constraint error. Returns
    whether this call inserted it."""
    key = sa.inspect(model).primary_key
    inserted = session.execute(
        insert(session, model)
        .values(**values)
        .on_conflict_do_nothing(index_elements=unique)
        .returning(*key)
    )
    return inserted.first() is not None


def configure_sqlite(engine: Engine) -> None:
    """Make SQLite enforce foreign keys and honour transactions and savepoints.

    pysqlite's own transaction handling skips BEGIN before SELECT and breaks SAVEPOINT;
    SQLAlchemy's documented recipe takes it over.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    # IMMEDIATE: a transaction that reads and then writes (a lesson view records where the
    # learner is) would otherwise fail at once with "database is locked" when another
    # writer committed since its read began; taking the write lock up front makes it wait
    # (busy_timeout) instead. SQLite has one writer at a time in any case.
    @event.listens_for(engine, "begin")
    def _begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def end_read_transaction(session) -> None:
    """End ``session``'s transaction, which has only read, before slow work that needs no
    database, such as parsing an uploaded file. On SQLite every transaction holds the one
    write lock from its first statement (BEGIN IMMEDIATE, above), so every other writer would
    wait for that work and then fail with "database is locked". Nothing is written, and what
    was loaded stays loaded (no expiry at commit); the next statement begins anew."""
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("a transaction with unsaved changes cannot be ended early")
    session.commit()
