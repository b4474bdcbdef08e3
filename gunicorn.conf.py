"""gunicorn's settings for this application, read from the folder gunicorn starts in (pass
``-c`` with this file's path from elsewhere).

With several workers and ``PROMETHEUS_MULTIPROC_DIR`` set, each worker writes its metrics to
files in that folder and ``/metrics`` adds them up (``lms/core/metrics.py``): the folder is
emptied as gunicorn starts, since an earlier run's values would be added to this one's, and
an exited worker's gauges are dropped, since it no longer holds what they count.
"""

import os
from pathlib import Path


def on_starting(_server) -> None:
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        for stale in Path(folder).glob("*.db"):
            stale.unlink()


def child_exit(_server, worker) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
