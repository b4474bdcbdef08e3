"""The daily refresh of everyone's gaps on the job queue (``lms needs refresh`` runs the same
code in the foreground)."""

from datetime import timedelta

from lms.core import jobs
from lms.extensions import db
from lms.needs import gaps


@jobs.periodic(
    "needs.refresh",
    jobs.crontab(hour="0", minute="20"),
    lease=timedelta(hours=20),
    keep=timedelta(hours=1),
)
def refresh() -> int:
    """Recompute everyone's gaps, so expired evidence stops counting; returns the gaps
    stored. Commits."""
    stored = gaps.refresh()
    db.session.commit()
    return stored
