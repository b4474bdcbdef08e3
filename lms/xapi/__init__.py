"""xAPI out: every start, completion, quiz attempt and certificate as an xAPI 1.0.3
statement in an outbox, delivered to the configured Learning Record Stores (docs/xapi.md)."""

from lms.xapi import services  # noqa: F401  (connects the receivers of the learning events)
