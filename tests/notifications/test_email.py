"""E-mail of notifications: off by default, sent through SMTP when configured, and every
result recorded as it really was."""

import socket
import socketserver
import threading
from email import message_from_bytes, policy

import pytest
import sqlalchemy as sa

from lms.extensions import db
from lms.notifications import services
from lms.notifications.models import EMAIL_FAILED, EMAIL_SENT, EMAIL_SKIPPED, Notification


class _Session(socketserver.StreamRequestHandler):
    """Just enough of RFC 5321 for smtplib: greet, accept one message at a time, store it."""

    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        self.reply("220 test SMTP")
        while line := self.rfile.readline():
            command = line.decode().strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self.reply("250 test")
            elif command.startswith(("MAIL", "RCPT", "RSET", "NOOP")):
                self.reply("250 OK")
            elif command == "DATA":
                self.reply("354 go on")
                data = b""
                while (chunk := self.rfile.readline()) != b".\r\n":
                    data += chunk
                self.server.received.append(message_from_bytes(data, policy=policy.default))
                self.reply("250 queued")
            elif command == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not here")


@pytest.fixture
def configure(app, monkeypatch):
    """Set config keys for this test only (the application outlives it)."""

    def set_keys(**values):
        for key, value in values.items():
            monkeypatch.setitem(app.config, key, value)

    return set_keys


@pytest.fixture
def smtp_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Session)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _notice(user, key="assigned:1"):
    services.notify(user, "assigned", key, title={"vi": "An toàn thông tin"}, url="/modules/x")
    return db.session.scalars(sa.select(Notification).where(Notification.user_id == user.id)).one()


def test_email_is_off_by_default_and_says_so(appctx, factory):
    user = factory.user(email="an@example.vn")
    assert _notice(user).email_status == EMAIL_SKIPPED
    assert services.send_pending_email() == (0, 0)


def test_configured_smtp_sends_each_notification_once(appctx, factory, smtp_server, configure):
    configure(
        LMS_SMTP_HOST="127.0.0.1",
        LMS_SMTP_PORT=smtp_server.server_address[1],
        LMS_SMTP_STARTTLS=False,
        LMS_BASE_URL="https://lms.example.vn",
    )
    user = factory.user(email="an@example.vn", full_name="Nguyễn Văn An")
    notice = _notice(user)
    services.notify(user, "assigned", "assigned:1", title={"vi": "Lặp lại"})

    assert services.send_pending_email() == (1, 0)
    assert services.send_pending_email() == (0, 0)
    assert notice.email_status == EMAIL_SENT and notice.email_error is None
    [mail] = smtp_server.received
    assert mail["To"] == "an@example.vn"
    assert "An toàn thông tin" in mail["Subject"]
    assert "https://lms.example.vn/modules/x" in mail.get_content()


def test_an_unreachable_server_is_recorded_as_a_failure(appctx, factory, configure):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    configure(LMS_SMTP_HOST="127.0.0.1", LMS_SMTP_PORT=closed_port)
    user = factory.user(email="an@example.vn")
    notice = _notice(user)

    assert services.send_pending_email() == (0, 1)
    assert notice.email_status == EMAIL_FAILED
    assert "refused" in notice.email_error.lower()


def test_people_without_an_address_are_not_pending(appctx, factory, configure):
    configure(LMS_SMTP_HOST="127.0.0.1")
    assert _notice(factory.user()).email_status == EMAIL_SKIPPED
