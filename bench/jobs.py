"""Job queue throughput: no-op tasks through ``lms.core.jobs`` on SQLite and on Redis.

    .venv/bin/python bench/jobs.py [--tasks 2000] [--workers 1] [--redis-url URL]

For each storage (the instance folder's SQLite file, then Redis at ``--redis-url``, default
database 15 of 127.0.0.1:6379, which it empties; skipped with a message when unreachable):
builds the application's queue with one no-op task bound exactly as the domains' tasks are
(each run inside an app context of its own), enqueues ``--tasks`` runs, then starts one
consumer (``--workers`` threads, as ``lms worker --workers``) and times it until the last run
is done. Prints the enqueue rate and the throughput in jobs/s. The figures depend on the
machine.
"""

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def measure(name: str, config: dict, tasks: int, workers: int) -> None:
    from lms import create_app
    from lms.core import jobs

    done = threading.Semaphore(0)

    @jobs.task("bench.noop")
    def noop(number: int) -> None:
        done.release()

    app = create_app({"TESTING": True, "SECRET_KEY": "bench-" + "x" * 40, **config})
    queue = jobs._open(app, {noop.name: noop})
    queue.huey.flush()
    bound = queue.bound[noop.name]
    started = time.perf_counter()
    for number in range(tasks):
        bound(number)
    enqueued = time.perf_counter() - started
    consumer = queue.huey.create_consumer(workers=workers, worker_type="thread")
    started = time.perf_counter()
    consumer.start()
    for _run in range(tasks):
        done.acquire()
    ran = time.perf_counter() - started
    consumer.stop(graceful=True)
    queue.huey.flush()
    print(
        f"{name:7} {tasks} no-op tasks, {workers} worker thread(s): "
        f"enqueued {tasks / enqueued:,.0f}/s, run {tasks / ran:,.0f} jobs/s ({ran:.2f} s)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    args = parser.parse_args()
    import logging

    logging.getLogger("huey").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="lms-bench-jobs-") as folder:
        base = {
            "LMS_INSTANCE_PATH": folder,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(folder) / 'lms.sqlite3'}",
            "LMS_LOG_LEVEL": "WARNING",
        }
        measure("SQLite", base, args.tasks, args.workers)
        try:
            import redis

            redis.Redis.from_url(args.redis_url, socket_connect_timeout=1).ping()
        except Exception as error:
            print(f"Redis   skipped: {args.redis_url} unreachable ({error})")
            return 0
        measure("Redis", {**base, "LMS_REDIS_URL": args.redis_url}, args.tasks, args.workers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
