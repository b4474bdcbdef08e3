"""The job queue: every background and periodic task of the site runs through it; no request
starts a thread.

The queue is huey's: ``SqliteHuey`` in a file of the instance folder (``jobs.sqlite3``) by
default, so one machine needs nothing but Python; ``RedisHuey`` when ``LMS_REDIS_URL`` is set,
so several app servers and workers share it. ``LMS_JOBS_IMMEDIATE`` (the test suite) runs each
task at once, where it is enqueued. ``lms worker`` runs the consumer (``run_worker``).

Domains declare their tasks here, without an application, and hand them to the plugin hook
``lms_jobs`` (``lms.plugins.spec``); ``init_app`` binds them to each application's queue::

    from lms.core import jobs

    @jobs.task("org.import_roster")
    def import_roster(job_id: int) -> None: ...

    @jobs.periodic("needs.refresh", jobs.crontab(hour="0", minute="20"),
                   lease=timedelta(hours=20), keep=timedelta(hours=1))
    def refresh() -> int: ...

    import_roster.enqueue(job.id)   # from a view, once the job's row is committed
    refresh.run()                   # the same code in the foreground (the CLI)

A task runs inside an app context of its own and commits once like a view or a command (or
chunk by chunk, saying so), and is safe to run twice. Crontabs are read in the site's time
zone (``LMS_TIMEZONE``).

**Locks.** A periodic task holds a lease while it runs, so two workers never run it at once,
and keeps it until ``keep`` after it started, so that when every worker's scheduler enqueues
the same run (each does) it runs once. The lease is huey's storage lock (``put_if_empty``,
atomic in SQLite and Redis) holding the time it ends: huey's own ``lock_task`` would be
left held for ever by a worker killed with SIGKILL (it can expire only on Redis 7.4+), and
flushing locks as a worker starts would free the locks of a worker still running. An expired
lease is broken by one worker at a time. ``lease(name, seconds)`` gives the same lock to a
task that needs one per object (the roster import: one per job), renewed as it goes.

**Metrics.** The queue's depth and the tasks that failed (counted in the queue's own
storage, so any app server reads every worker's count) are read at scrape time: ``stats``.
"""

import logging
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask, current_app, has_app_context
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey, crontab
from huey.api import TaskWrapper
from huey.exceptions import TaskLockedException

__all__ = [
    "Locked",
    "Periodic",
    "Task",
    "crontab",
    "init_app",
    "lease",
    "periodic",
    "queue",
    "run_worker",
    "stats",
    "task",
]

log = logging.getLogger(__name__)

QUEUE_NAME = "lms"
SQLITE_FILE = "jobs.sqlite3"
EXTENSION = "lms.jobs"
FAILURES = "lms.failures."
# A worker that starts breaking an expired lease and dies at that instant leaves the break
# marker; it counts as abandoned after this many seconds.
BREAK_SECONDS = 10


class Locked(TaskLockedException):
    """Another worker holds the lease: the task was not run (huey logs it as locked)."""


@dataclass(eq=False)
class Task:
    """A task declared by a domain; ``enqueue`` puts a run on the current application's
    queue, ``schedule`` puts one there for later, ``run`` runs it here and now."""

    name: str
    func: Callable
    retries: int = 0
    retry_delay: int = 0

    def run(self, *args, **kwargs):
        return self.func(*args, **kwargs)

    def enqueue(self, *args, **kwargs) -> None:
        _bound(current_app, self.name)(*args, **kwargs)

    def schedule(self, *args, eta: datetime | None = None, delay: float | None = None) -> None:
        """Run it at ``eta`` (timezone-aware: huey takes a naive one for the server's local
        time) or after ``delay`` seconds."""
        _bound(current_app, self.name).schedule(args, eta=eta, delay=delay)


@dataclass(eq=False)
class Periodic(Task):
    """A task huey's scheduler enqueues when ``when`` matches the site's local time, run
    under a lease of its name (see the module's docstring)."""

    when: Callable[[datetime], bool] = field(default=lambda _moment: False)
    lease: timedelta = timedelta(hours=1)
    keep: timedelta = timedelta(seconds=30)
    at_start: bool = False  # also enqueued as ``lms worker`` starts


def task(name: str, *, retries: int = 0, retry_delay: int = 0) -> Callable[[Callable], Task]:
    """Declare a task; the decorated function becomes a ``Task``."""

    def declare(func: Callable) -> Task:
        return Task(name, func, retries=retries, retry_delay=retry_delay)

    return declare


def periodic(
    name: str,
    when: Callable[[datetime], bool],
    *,
    lease: timedelta,
    keep: timedelta = timedelta(seconds=30),
    at_start: bool = False,
) -> Callable[[Callable], Periodic]:
    """Declare a periodic task run when ``when`` (a ``crontab``) matches the site's time.

    ``lease``: how long a run may take before a worker may take it to have died with it;
    ``keep``: how long after it started the run keeps others from starting the same one
    (less than the time between two runs)."""

    def declare(func: Callable) -> Periodic:
        return Periodic(name, func, when=when, lease=lease, keep=keep, at_start=at_start)

    return declare


# --- the queue of an application ---------------------------------------------------------


@dataclass
class _Queue:
    huey: Huey
    tasks: dict[str, Task]
    bound: dict[str, TaskWrapper]


def init_app(app: Flask, declared: Iterable[Task]) -> None:
    """Bind the ``declared`` tasks (the ``lms_jobs`` hook's) to ``app``; the queue itself
    opens on first use, so building an app creates no file and opens no connection."""
    tasks: dict[str, Task] = {}
    for declaration in declared:
        if declaration.name in tasks:
            raise ValueError(f"two tasks are named {declaration.name!r}")
        tasks[declaration.name] = declaration
    app.extensions[EXTENSION] = _Lazy(app, tasks)


class _Lazy:
    def __init__(self, app: Flask, tasks: dict[str, Task]):
        self.app, self.tasks, self._queue = app, tasks, None

    def get(self) -> _Queue:
        if self._queue is None:
            self._queue = _open(self.app, self.tasks)
        return self._queue


def _open(app: Flask, tasks: dict[str, Task]) -> _Queue:
    config = app.config
    if config.get("LMS_JOBS_IMMEDIATE"):
        huey = MemoryHuey(QUEUE_NAME, immediate=True, results=False, utc=True)
    elif config.get("LMS_REDIS_URL"):
        from redis import ConnectionPool

        # Bounded, so a Redis that went away fails a call instead of holding it; longer
        # than the 1 s a waiting worker blocks for a task.
        pool = ConnectionPool.from_url(
            config["LMS_REDIS_URL"], socket_connect_timeout=2, socket_timeout=5
        )
        huey = RedisHuey(QUEUE_NAME, connection_pool=pool, results=False, utc=True)
    else:
        path = Path(config.get("LMS_JOBS_SQLITE") or Path(app.instance_path) / SQLITE_FILE)
        path.parent.mkdir(parents=True, exist_ok=True)
        huey = SqliteHuey(QUEUE_NAME, filename=str(path), results=False, utc=True, timeout=15)
    zone = ZoneInfo(config["BABEL_DEFAULT_TIMEZONE"])
    bound: dict[str, TaskWrapper] = {}
    for declaration in tasks.values():
        runner = _runner(app, huey, declaration)
        options = {"name": declaration.name, "retries": declaration.retries}
        options["retry_delay"] = declaration.retry_delay
        if isinstance(declaration, Periodic):
            bound[declaration.name] = huey.periodic_task(_local(declaration.when, zone), **options)(
                runner
            )
        else:
            bound[declaration.name] = huey.task(**options)(runner)
    return _Queue(huey, tasks, bound)


def _local(when: Callable[[datetime], bool], zone: ZoneInfo) -> Callable[[datetime], bool]:
    """huey asks with naive UTC; crontabs are written in the site's time."""

    def matches(moment: datetime) -> bool:
        return when(moment.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None))

    return matches


def _runner(app: Flask, huey, declaration: Task) -> Callable:
    def run(*args, **kwargs):
        here = has_app_context() and current_app._get_current_object()  # pyright: ignore[reportAttributeAccessIssue]
        if here is app:
            return _run(huey, declaration, args, kwargs)  # immediate mode, in a request
        with app.app_context():
            return _run(huey, declaration, args, kwargs)

    run.__module__ = __name__
    return run


def _run(huey, declaration: Task, args, kwargs):
    try:
        if not isinstance(declaration, Periodic):
            return declaration.run(*args, **kwargs)
        started = time.time()
        held = _Lease(huey, declaration.name, declaration.lease.total_seconds())
        if not held.acquire():
            log.info("%s not run: another worker holds it", declaration.name)
            return None
        try:
            result = declaration.run(*args, **kwargs)
        finally:
            held.release(keep_until=started + declaration.keep.total_seconds())
        log.info("%s done in %.1f s", declaration.name, time.time() - started)
        return result
    except Locked:
        raise
    except Exception:
        _count_failure(huey, declaration.name)
        raise


def queue(app: Flask | None = None) -> _Queue:
    return (app or current_app).extensions[EXTENSION].get()


def _bound(app: Flask, name: str) -> TaskWrapper:
    return queue(app).bound[name]


# --- leases ---------------------------------------------------------------------------------


class _Lease:
    """A lock in the queue's storage holding the time (epoch seconds) it expires."""

    def __init__(self, huey, name: str, seconds: float):
        self.huey, self.name, self.seconds = huey, name, seconds
        self.key = f"{huey.name}.lock.{name}"

    def _held_until(self, key: str) -> float | None:
        value = self.huey.get(key, peek=True)
        return float(value) if value is not None else None

    def acquire(self) -> bool:
        now = time.time()
        if self.huey.put_if_empty(self.key, now + self.seconds):
            return True
        held_until = self._held_until(self.key)
        if held_until is not None and held_until > now:
            return False
        if held_until is not None and not self._break(held_until):
            return False
        return bool(self.huey.put_if_empty(self.key, time.time() + self.seconds))

    def _break(self, held_until: float) -> bool:
        """Delete the expired lease, if it is still the one found expired; one worker at
        a time, so none deletes a lease another has just taken."""
        marker = f"{self.key}.break"
        now = time.time()
        if not self.huey.put_if_empty(marker, now + BREAK_SECONDS):
            abandoned = self._held_until(marker)
            if abandoned is not None and abandoned < now:
                self.huey.delete(marker)
            return False
        try:
            if self._held_until(self.key) == held_until:
                self.huey.delete(self.key)
        finally:
            self.huey.delete(marker)
        return True

    def renew(self) -> None:
        self.huey.put(self.key, time.time() + self.seconds)

    def release(self, keep_until: float | None = None) -> None:
        if keep_until is not None and keep_until > time.time():
            self.huey.put(self.key, keep_until)
        else:
            self.huey.delete(self.key)


@contextmanager
def lease(name: str, seconds: float):
    """Hold the lease ``name`` for ``seconds`` (renewed with ``.renew()``) around a block;
    ``Locked`` when another worker holds it. An expired lease (its holder died) is taken."""
    held = _Lease(queue().huey, name, seconds)
    if not held.acquire():
        raise Locked(f"another worker holds {name}")
    try:
        yield held
    finally:
        held.release()


# --- the worker ----------------------------------------------------------------------------


def run_worker(app: Flask, *, workers: int) -> None:
    """Run the consumer until SIGINT or SIGTERM: ``workers`` threads run tasks, a scheduler
    enqueues the periodic ones. The periodic tasks declared ``at_start`` are enqueued first."""
    current = queue(app)
    if app.config.get("LMS_JOBS_IMMEDIATE"):
        raise RuntimeError("LMS_JOBS_IMMEDIATE runs tasks where they are enqueued: no worker")
    for declaration in current.tasks.values():
        if isinstance(declaration, Periodic) and declaration.at_start:
            current.bound[declaration.name]()
    consumer = current.huey.create_consumer(workers=workers, worker_type="thread")
    consumer.run()


# --- metrics -------------------------------------------------------------------------------


def _count_failure(huey, name: str) -> None:
    try:
        huey.storage.incr(FAILURES + name)
    except Exception:  # the storage itself may be what failed; huey logs the task's error
        log.warning("the failure of %s could not be counted", name)


def record_failure(name: str) -> None:
    """Count a failure of the task ``name`` that the task handled itself (and recorded)."""
    _count_failure(queue().huey, name)


def stats(app: Flask) -> dict:
    """``{"queued": n, "scheduled": n, "failures": {task: n}}`` read from the queue."""
    current = queue(app)
    huey = current.huey
    return {
        "queued": huey.pending_count(),
        "scheduled": huey.scheduled_count(),
        "failures": {name: huey.storage.incr(FAILURES + name, 0) for name in current.tasks},
    }
