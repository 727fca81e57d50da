"""Notification channels: the log, a signed webhook and email (SMTP).

Each satisfies :class:`flexbank.services.notifications.Channel`: ``send`` delivers one
message or raises, and the dispatcher retries. None of them logs personal data or
secrets: the log line of a message names its kind and ids only (never a name, phone
number, email address, token or link).
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import logging
import smtplib
from email.message import EmailMessage
from typing import Any

import httpx

from flexbank.services.notifications import OutgoingMessage

log = logging.getLogger("flexbank.notifications")

SIGNATURE_HEADER = "X-Flexbank-Signature"


def _ids(message: OutgoingMessage) -> str:
    recipient = message.recipient_id or "-"
    return (
        f"message={message.id} kind={message.kind or '-'} to={message.recipient_role}:{recipient}"
    )


class LogChannel:
    """Writes one line per message to the ``flexbank.notifications`` logger: ids only,
    plus the message's link with ``show_links`` (a development install, where the log
    stands in for email: see ``Settings.links_in_log``)."""

    name = "log"

    def __init__(self, logger: logging.Logger | None = None, show_links: bool = False) -> None:
        self.logger = logger or log
        self.show_links = show_links

    def send(self, message: OutgoingMessage) -> None:
        if self.show_links and message.link:
            self.logger.info("notification %s link=%s", _ids(message), message.link)
        else:
            self.logger.info("notification %s", _ids(message))


def payload(message: OutgoingMessage) -> dict[str, Any]:
    """The JSON a webhook receives: every field of the message."""
    data = dataclasses.asdict(message)
    if message.created_at is not None:
        data["created_at"] = message.created_at.isoformat()
    return data


def sign(body: bytes, secret: str) -> str:
    """``sha256=<hex HMAC-SHA256 of the raw body>``, the value of X-Flexbank-Signature."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(body: bytes, secret: str, signature: str) -> bool:
    """For receivers: does ``signature`` match ``body`` (constant-time)?"""
    return hmac.compare_digest(sign(body, secret), signature)


class WebhookChannel:
    """POSTs the message as JSON, signed with HMAC-SHA256 of the raw body.

    Headers: ``X-Flexbank-Signature: sha256=<hex>`` and ``X-Flexbank-Message-Id`` (the
    outbox id, so a receiver can drop a retried delivery). Raises on any non-2xx
    answer or transport error.
    """

    name = "webhook"

    def __init__(
        self, url: str, secret: str, *, timeout: float = 10.0, client: httpx.Client | None = None
    ) -> None:
        if not secret:
            raise ValueError("a webhook needs a secret to sign its messages")
        self.url = url
        self._secret = secret
        self._client = client or httpx.Client(timeout=timeout)

    def __repr__(self) -> str:  # the secret stays out of reprs and tracebacks
        return f"WebhookChannel(url={self.url!r})"

    def send(self, message: OutgoingMessage) -> None:
        body = json.dumps(payload(message), separators=(",", ":"), ensure_ascii=False).encode()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(body, self._secret),
            "X-Flexbank-Message-Id": str(message.id),
        }
        response = self._client.post(self.url, content=body, headers=headers)
        if not response.is_success:
            raise RuntimeError(f"webhook answered {response.status_code} for message {message.id}")
        log.debug("webhook delivered %s", _ids(message))


class EmailChannel:
    """Sends the message by SMTP to ``message.email``.

    A message without an address is skipped (logged by id): another channel may reach
    that recipient, and retrying cannot conjure an address. SMTP errors raise.
    """

    name = "email"

    def __init__(
        self,
        host: str,
        port: int = 25,
        sender: str = "flexbank@localhost",
        *,
        timeout: float = 10.0,
    ) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self.timeout = timeout

    def build(self, message: OutgoingMessage) -> EmailMessage:
        if not message.email:
            raise ValueError("the message has no email address")
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = message.email
        mail["Subject"] = message.subject
        mail["X-Flexbank-Message-Id"] = str(message.id)
        text = message.body
        if message.link:
            text = f"{text}\n\n{message.link}\n"
        mail.set_content(text)
        return mail

    def send(self, message: OutgoingMessage) -> None:
        if not message.email:
            log.warning("email skipped (no address) %s", _ids(message))
            return
        mail = self.build(message)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            smtp.send_message(mail)
        log.debug("email sent %s", _ids(message))
