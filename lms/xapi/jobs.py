"""The outbox, sent to the Learning Record Stores by the job queue every minute when one is
configured (``lms xapi send`` runs the same code in the foreground)."""

from datetime import timedelta

from lms.core import jobs
from lms.xapi import delivery, services


@jobs.periodic(
    "xapi.send",
    jobs.crontab(),
    lease=timedelta(minutes=15),
    keep=timedelta(seconds=30),
)
def send() -> dict[str, delivery.Outcome]:
    """Send the pending statements to every store; {store: outcome}. Nothing without a
    store (no ``LMS_XAPI_LRS``). Commits, batch by batch."""
    if not services.enabled():
        return {}
    return delivery.deliver()
