"""The declarative base every model shares, and the database conventions it carries."""

import itertools
import json
import select
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
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
    """When the row last changed (any ORM or Core UPDATE that does not set it itself): the
    API's lists are paged on (updated_at, id) and filtered by ``updated_since``, so a nightly
    sync reads only what changed."""

    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # One index on both paging columns: with one on updated_at alone, every page sorts
        # all the rows sharing a moment, and a bulk load gives thousands the same one.
        table = cls.__dict__.get("__table__")
        if table is not None:
            sa.Index(f"ix_{table.name}_updated_at_id", table.c.updated_at, table.c.id)


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


# Rows a transaction adds to a table past which PostgreSQL samples the table again before
# the transaction goes on (``resample``).
RESAMPLE_AFTER_ROWS = 500
# How long ``resample`` waits for the table's statistics lock (another transaction sampling
# it holds that lock until it ends) before going on without.
_RESAMPLE_LOCK_WAIT = "200ms"


def resample(session, model, added: int) -> None:
    """On PostgreSQL, take ``model``'s table's statistics again (``ANALYZE``, which counts
    this transaction's own new rows) when the transaction has added ``added`` rows, at least
    ``RESAMPLE_AFTER_ROWS``: its later statements are otherwise planned as if the rows were
    not there. A curriculum change's 50,000 assignments of a module with none before made
    the summary refresh that follows loop over every holder once per assignment (over ten
    minutes; 0.7 s once sampled, for 0.2 s of sampling). Another transaction sampling the
    table at the same moment holds its lock until it ends: then this one goes on unsampled
    rather than wait for it (and risk a deadlock)."""
    if added < RESAMPLE_AFTER_ROWS or session.get_bind().dialect.name != "postgresql":
        return
    # One statement (a roster import's chunk counts its statements): the lock waited for a
    # moment, the sample skipped when not had, the transaction's own wait put back.
    table = sa.inspect(model).local_table.name
    session.execute(
        sa.text(
            f"""DO $$
            DECLARE waited text := current_setting('lock_timeout');
            BEGIN
                PERFORM set_config('lock_timeout', '{_RESAMPLE_LOCK_WAIT}', true);
                BEGIN
                    ANALYZE {table};
                EXCEPTION WHEN lock_not_available THEN
                    NULL;
                END;
                PERFORM set_config('lock_timeout', waited, true);
            END $$"""
        )
    )


def insert_rows(session, model, rows: list[dict], returning=()) -> list:
    """Insert ``rows`` (dicts with the same keys) into ``model``'s table in one statement,
    with the column defaults the ORM would give (``created_at``) filled in, and return the
    ``returning`` columns of the new rows, in no particular order (return a natural key
    with the id to tell them apart).

    On PostgreSQL the values travel as one array per column, unpacked by ``unnest``: a
    statement with a handful of parameters however many rows, where a multi-row VALUES of
    thousands of placeholders costs psycopg more to convert than the server takes to run
    it. Elsewhere (SQLite, in process: no round trips to save) it is the driver's
    executemany, or SQLAlchemy's multi-row VALUES when columns are returned.
    """
    if not rows:
        return []
    table = sa.inspect(model).local_table
    values = [dict(row) for row in rows]
    for column in table.columns:
        default = column.default
        if column.key in values[0] or not (
            default is not None and (default.is_scalar or default.is_callable)
        ):
            continue
        # One value for every row, as the ORM would compute for each (a timestamp, a flag).
        value = default.arg(None) if default.is_callable else default.arg
        for row in values:
            row[column.key] = value
    keys = list(values[0])
    if session.get_bind().dialect.name != "postgresql":
        statement = sa.insert(table)
        if returning:
            statement = statement.returning(*returning, sort_by_parameter_order=False)
        result = session.execute(statement, values)
        return result.all() if returning else []
    from sqlalchemy.dialects.postgresql import ARRAY

    arrays, selected = [], []
    for number, key in enumerate(keys):
        column = table.columns[key]
        items = [row[key] for row in values]
        if isinstance(column.type, sa.JSON):
            # An array of json is not a type psycopg dumps: the documents go as text.
            items = [None if item is None else json.dumps(item) for item in items]
            array_type = ARRAY(sa.Text)
        else:
            array_type = ARRAY(column.type)
        arrays.append(sa.bindparam(f"values_{number}", items, type_=array_type))
    source = sa.func.unnest(*arrays).table_valued(*keys).render_derived()
    for key in keys:
        column = table.columns[key]
        cell = source.c[key]
        selected.append(sa.cast(cell, column.type) if isinstance(column.type, sa.JSON) else cell)
    statement = sa.insert(table).from_select(keys, sa.select(*selected))
    if returning:
        return session.execute(statement.returning(*returning)).all()
    session.execute(statement)
    return []


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

    # IMMEDIATE: a transaction that reads and then writes (a start, an answer saved) would
    # otherwise fail at once with "database is locked" when another writer committed since
    # its read began; taking the write lock up front makes it wait (busy_timeout) instead.
    # SQLite has one writer at a time in any case. A page view (GET, HEAD) that writes
    # nothing begins deferred, so reads never queue behind writers; one that must write
    # asks for it first with ``begin_write``.
    @event.listens_for(engine, "begin")
    def _begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _writes_expected() else "BEGIN")


def check_connections(engine: Engine) -> None:
    """Hand out live connections only: a pooled connection to a database server that the
    server has closed since (it restarted, or ended the session) is tried with a round trip
    and replaced when that fails, so the first request after an outage finds the database.

    ``pool_pre_ping`` makes that round trip at every checkout, one per request. A live idle
    connection has nothing to read, while the server closing it makes its socket readable:
    only then is the connection tried. (SQLite has no server to lose.)"""
    if engine.dialect.name == "sqlite":
        return

    @event.listens_for(engine, "checkout")
    def _replace_closed(dbapi_connection, _record, _proxy):
        poller = select.poll()
        poller.register(dbapi_connection.fileno(), select.POLLIN)
        if not poller.poll(0):
            return
        try:
            cursor = dbapi_connection.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
        except Exception as error:  # whatever the driver raises: the connection is gone
            # The pool discards this connection and checks out another (or opens one).
            raise DisconnectionError(str(error)) from error


_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _writes_expected() -> bool:
    if not has_request_context():
        return True  # CLI commands and jobs: their own edges, which mostly write
    return request.method not in _READ_METHODS or g.get("lms_writes", False)


def begin_write(session) -> None:
    """Say that this request (a page view) is about to write: on SQLite its read-only
    transaction ends and the next one takes the write lock from its first statement, so
    the write waits its turn instead of failing with "database is locked". Call it before
    the reads the write depends on, as a state change's check must see the latest rows."""
    if not _writes_expected():
        g.lms_writes = True
        if session.get_bind().dialect.name == "sqlite":
            end_read_transaction(session)


def end_read_transaction(session) -> None:
    """End ``session``'s transaction, which has only read, before slow work that needs no
    database, such as parsing an uploaded file. On SQLite a form's transaction holds the one
    write lock from its first statement (BEGIN IMMEDIATE, above), so every other writer would
    wait for that work and then fail with "database is locked". Nothing is written, and what
    was loaded stays loaded (no expiry at commit); the next statement begins anew."""
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("a transaction with unsaved changes cannot be ended early")
    session.commit()


_CONNECTIONS = itertools.count()  # names each SQLite connection of this process
_SNAPSHOT = sa.select(
    sa.cast(sa.func.pg_current_snapshot(), sa.Text),
    sa.cast(sa.func.pg_current_xact_id_if_assigned(), sa.Text),
)
_OWN_ROWS = sa.text("SELECT sum(n_tup_ins + n_tup_upd + n_tup_del) FROM pg_stat_xact_user_tables")


def change_mark(session) -> str:
    """A mark that every change committed to the database since moves, read within
    ``session``'s transaction before what a page shows, so a page cache keyed by it is
    never stale: a page computed after the mark shows at least what it marks.

    On PostgreSQL it is the statement's snapshot: the transactions running and the next to
    be numbered. A transaction committed later either was running (it leaves the list) or
    was numbered after (the number moves), so the mark moves too; no table is read or
    written for it. When this transaction has written itself (a test's, whose commits are
    savepoints), the rows it has written so far are counted too, in a second statement. On
    SQLite, ``data_version`` moves when another connection has committed since the
    transaction began, and the connection's ``total_changes`` with every row it writes (so
    the mark is per connection). Every write anywhere moves it, not only those a page
    shows: coarse, never stale.
    """
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        snapshot, own = session.execute(_SNAPSHOT).one()
        if own is None:
            return snapshot
        return f"{snapshot}:{own}:{session.scalar(_OWN_ROWS)}"
    fairy = connection.connection
    number = fairy.info.setdefault("lms_connection", next(_CONNECTIONS))
    version = connection.exec_driver_sql("PRAGMA data_version").scalar()
    return f"{number}:{version}:{fairy.dbapi_connection.total_changes}"
