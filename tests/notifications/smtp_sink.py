"""A real SMTP server for the e-mail tests: aiosmtpd on a free port of 127.0.0.1, keeping
every message it accepts, refusing the recipients it is told to refuse, and able to hold
each message until a number of senders are connected at once."""

import asyncio
import contextlib
import socket
import threading
import time
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Sink:
    """aiosmtpd's handler. ``refuse`` maps a recipient (or ``"*"``, everyone) to the reply
    that refuses it, e.g. ``"450 4.2.1 Mailbox busy"``; ``senders`` holds each message until
    that many connections have reached RCPT (at most ``hold_seconds``), so that several
    senders are proven to send at the same time; ``stall_after`` messages, it answers no
    more (``stalled`` is set), as a server would while its sender is killed."""

    def __init__(
        self, *, senders: int = 1, hold_seconds: float = 10, stall_after: int | None = None
    ):
        self.received: list[EmailMessage] = []
        self.refuse: dict[str, str] = {}
        self.senders = senders
        self.hold_seconds = hold_seconds
        self.peers: set = set()
        self.refused = 0
        self.stall_after = stall_after
        self.stalled = threading.Event()
        self.closing = False

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.refuse.get(address) or self.refuse.get("*")
        if reply:
            self.refused += 1
            return reply
        self.peers.add(session.peer)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        deadline = time.monotonic() + self.hold_seconds
        while len(self.peers) < self.senders and time.monotonic() < deadline:
            await asyncio.sleep(0.005)
        if self.stall_after is not None and len(self.received) >= self.stall_after:
            self.stalled.set()
            while not self.closing:
                await asyncio.sleep(0.01)
            return "421 4.3.0 Closing"
        self.received.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


@contextlib.contextmanager
def smtp_sink(**options):
    """A running ``Sink``; yields (sink, port)."""
    sink = Sink(**options)
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield sink, controller.port
    finally:
        sink.closing = True
        controller.stop()
