"""Notification channels: a signed webhook to a local server, email to a local SMTP
sink, and a log line with ids only."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import socket
import socketserver
import threading
from collections.abc import Iterator
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from flexbank.adapters.channels import (
    SIGNATURE_HEADER,
    EmailChannel,
    LogChannel,
    WebhookChannel,
    verify,
)
from flexbank.service import build_channels
from flexbank.services.notifications import Channel, OutgoingMessage
from flexbank.settings import Settings

SECRET = "webhook-secret"
MESSAGE = OutgoingMessage(
    id=41,
    recipient_role="worker",
    recipient_id="W0007",
    email="amira.hussain@example.org",
    phone="+447700900123",
    subject="Shift offer: Thu 26 Nov 08:00-09:00",
    body="Hello Amira Hussain, a visit near Bury is yours if you want it.",
    link="http://127.0.0.1:8000/offers/respond?token=SIGNED.TOKEN.VALUE",
    kind="offer",
    created_at=dt.datetime(2026, 11, 25, 14, 0, tzinfo=dt.UTC),
)


# ------------------------------------------------------------------- webhook


class _Hook(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]]
    status = 204

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((dict(self.headers), body))  # type: ignore[attr-defined]
        self.send_response(self.server.status)  # type: ignore[attr-defined]
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:  # quiet
        pass


@pytest.fixture
def hook() -> Iterator[HTTPServer]:
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    server.received = []  # type: ignore[attr-defined]
    server.status = 204  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _url(server: HTTPServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{host!s}:{port}/hook"


def test_webhook_posts_signed_json(hook: HTTPServer) -> None:
    channel = WebhookChannel(_url(hook), SECRET)
    channel.send(MESSAGE)
    [(headers, body)] = hook.received  # type: ignore[attr-defined]
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers[SIGNATURE_HEADER] == expected
    assert verify(body, SECRET, headers[SIGNATURE_HEADER])
    assert not verify(body + b" ", SECRET, headers[SIGNATURE_HEADER])
    assert headers["X-Flexbank-Message-Id"] == "41"
    data = json.loads(body)
    assert data["id"] == 41 and data["kind"] == "offer" and data["link"] == MESSAGE.link
    assert data["created_at"] == "2026-11-25T14:00:00+00:00"
    assert SECRET not in repr(channel)


def test_webhook_raises_on_an_error_answer(hook: HTTPServer) -> None:
    hook.status = 500  # type: ignore[attr-defined]
    with pytest.raises(RuntimeError, match="500"):
        WebhookChannel(_url(hook), SECRET).send(MESSAGE)


def test_webhook_raises_when_nobody_listens() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(Exception):  # noqa: B017 - any transport error
        WebhookChannel(f"http://127.0.0.1:{port}/", SECRET, timeout=2).send(MESSAGE)


# --------------------------------------------------------------------- email


class _Smtp(socketserver.StreamRequestHandler):
    """Just enough SMTP to receive one message (or refuse it)."""

    def _say(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        server: Any = self.server
        self._say("220 sink ESMTP")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            verb = line.decode().strip().split(" ")[0].upper()
            if verb in ("EHLO", "HELO"):
                self._say("250 sink")
            elif verb == "MAIL":
                self._say("250 ok")
            elif verb == "RCPT":
                self._say("550 no such user" if server.refuse else "250 ok")
            elif verb == "DATA":
                self._say("354 go on")
                data = b""
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data += chunk
                server.messages.append(data)
                self._say("250 queued")
            elif verb == "QUIT":
                self._say("221 bye")
                return
            else:
                self._say("250 ok")


@pytest.fixture
def smtp() -> Iterator[socketserver.TCPServer]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Smtp)
    server.daemon_threads = True
    server.messages = []  # type: ignore[attr-defined]
    server.refuse = False  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_email_is_sent_by_smtp(smtp: socketserver.TCPServer) -> None:
    port = smtp.server_address[1]
    EmailChannel("127.0.0.1", port, "bank@example.org").send(MESSAGE)
    [raw] = smtp.messages  # type: ignore[attr-defined]
    mail = message_from_bytes(raw)
    assert mail["To"] == MESSAGE.email
    assert mail["From"] == "bank@example.org"
    assert mail["Subject"] == MESSAGE.subject
    text = mail.get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert MESSAGE.link in text and "Amira" in text


def test_email_raises_when_refused(smtp: socketserver.TCPServer) -> None:
    smtp.refuse = True  # type: ignore[attr-defined]
    with pytest.raises(Exception, match="no such user"):
        EmailChannel("127.0.0.1", smtp.server_address[1]).send(MESSAGE)


def test_email_without_an_address_is_skipped(smtp: socketserver.TCPServer) -> None:
    no_address = OutgoingMessage(
        id=2,
        recipient_role="coordinator",
        recipient_id=None,
        email=None,
        phone=None,
        subject="s",
        body="b",
        kind="lapse",
    )
    EmailChannel("127.0.0.1", smtp.server_address[1]).send(no_address)
    assert smtp.messages == []  # type: ignore[attr-defined]


# ----------------------------------------------------------------------- log


def test_log_channel_logs_ids_only(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    LogChannel().send(MESSAGE)
    text = caplog.text
    assert "41" in text and "offer" in text and "W0007" in text
    for secret in (
        "Amira",
        "Hussain",
        "amira.hussain@example.org",
        "+447700900123",
        "07700900123",
        "SIGNED.TOKEN.VALUE",
        "respond",
        "Shift offer",
        "Bury",
    ):
        assert secret not in text


def test_channels_meet_the_protocol_and_come_from_settings(tmp_path: Any) -> None:
    settings = Settings(
        data_dir=tmp_path,
        channels=["log", "webhook", "email"],
        webhook_url="http://127.0.0.1:9/hook",
        smtp_host="127.0.0.1",
    )
    channels = build_channels(settings)
    assert [c.name for c in channels] == ["log", "webhook", "email"]
    assert all(isinstance(c, Channel) for c in channels)
    with pytest.raises(ValueError, match="WEBHOOK_URL"):
        build_channels(Settings(data_dir=tmp_path, channels=["webhook"]))
    with pytest.raises(ValueError, match="unknown"):
        build_channels(Settings(data_dir=tmp_path, channels=["sms"]))
