"""Notifications: an outbox written in the same transaction as the change that causes
it, and a dispatcher that sends due rows through pluggable channels with retries.

Channels (log, webhook, email) live in :mod:`flexbank.adapters.channels` and satisfy
:class:`Channel`. Nothing here logs personal data or secrets: only ids.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

from sqlalchemy import Engine, select

from flexbank.adapters.orm import NotificationRow, ProviderRow, WorkerRow
from flexbank.adapters.uow import UnitOfWork

RecipientRole = Literal["coordinator", "provider", "worker"]


@dataclass(frozen=True)
class OutgoingMessage:
    """One message to one recipient, as a channel sees it."""

    id: int  # the outbox row id (idempotency key for receivers)
    recipient_role: RecipientRole
    recipient_id: str | None  # provider or worker id; None for the coordinator
    email: str | None  # address fields (None when unknown)
    phone: str | None
    subject: str
    body: str
    link: str | None = None
    kind: str = ""  # e.g. "offer", "booking", "withdrawn", "expired", "lapse", "flagged"
    created_at: dt.datetime | None = None


@runtime_checkable
class Channel(Protocol):
    """A way of delivering messages. ``send`` raises on failure (the dispatcher retries)."""

    name: str

    def send(self, message: OutgoingMessage) -> None: ...


# ------------------------------------------------------------------ the outbox


log = logging.getLogger("flexbank.notifications")

#: seconds before the first retry; doubled for every further failure
BACKOFF_BASE_SECONDS = 60.0
BACKOFF_MAX_SECONDS = 6 * 3600.0


def enqueue(
    uow: UnitOfWork,
    *,
    kind: str,
    recipient_role: RecipientRole,
    recipient_id: str | None,
    subject: str,
    body: str,
    now: dt.datetime,
    link: str | None = None,
    dedupe_key: str | None = None,
) -> NotificationRow | None:
    """Write one message to the outbox in the caller's transaction. With a
    ``dedupe_key`` already in the outbox, nothing is written (returns None)."""
    session = uow.session
    if dedupe_key is not None:
        found = session.scalars(
            select(NotificationRow.id).where(NotificationRow.dedupe_key == dedupe_key)
        ).first()
        if found is not None:
            return None
    row = NotificationRow(
        kind=kind,
        recipient_role=recipient_role,
        recipient_id=recipient_id,
        subject=subject,
        body=body,
        link=link,
        status="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
        dedupe_key=dedupe_key,
    )
    session.add(row)
    return row


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the ``attempts``-th failure: 1, 2, 4, ... minutes (capped)."""
    seconds = min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS)
    return dt.timedelta(seconds=seconds)


def _message(
    uow: UnitOfWork, row: NotificationRow, coordinator_email: str | None
) -> OutgoingMessage:
    email: str | None = None
    phone: str | None = None
    if row.recipient_role == "worker" and row.recipient_id:
        worker = uow.session.get(WorkerRow, row.recipient_id)
        if worker is not None:
            email, phone = worker.email, worker.phone
    elif row.recipient_role == "provider" and row.recipient_id:
        provider = uow.session.get(ProviderRow, row.recipient_id)
        if provider is not None:
            email, phone = provider.email, provider.phone
    elif row.recipient_role == "coordinator":
        email = coordinator_email
    return OutgoingMessage(
        id=row.id,
        recipient_role=row.recipient_role,  # type: ignore[arg-type]
        recipient_id=row.recipient_id,
        email=email,
        phone=phone,
        subject=row.subject,
        body=row.body,
        link=row.link,
        kind=row.kind,
        created_at=row.created_at,
    )


def dispatch(
    engine: Engine,
    channels: Sequence[Channel],
    now: dt.datetime,
    *,
    max_attempts: int,
    coordinator_email: str | None = None,
    batch: int = 200,
    clock: Callable[[], dt.datetime] | None = None,
) -> dict[str, int]:
    """Send due pending messages through every channel. A message is sent when every
    channel accepted it; otherwise it is retried later with exponential backoff and
    marked failed after ``max_attempts``. Each message is its own transaction."""
    counts = {"sent": 0, "retried": 0, "failed": 0}
    with UnitOfWork(engine) as uow:
        ids = list(
            uow.session.scalars(
                select(NotificationRow.id)
                .where(
                    NotificationRow.status == "pending",
                    NotificationRow.next_attempt_at <= now,
                )
                .order_by(NotificationRow.next_attempt_at, NotificationRow.id)
                .limit(batch)
            )
        )
    for notification_id in ids:
        with UnitOfWork(engine) as uow:
            query = select(NotificationRow).where(
                NotificationRow.id == notification_id, NotificationRow.status == "pending"
            )
            if uow.postgres:
                query = query.with_for_update(skip_locked=True)
            row = uow.session.scalars(query).first()
            if row is None or row.next_attempt_at > now:
                continue
            message = _message(uow, row, coordinator_email)
            errors = []
            for channel in channels:
                try:
                    channel.send(message)
                except Exception as e:  # a channel's failure is data, not a crash
                    errors.append(f"{channel.name}: {type(e).__name__}")
                    log.warning(
                        "notification %s: channel %s failed (%s)",
                        row.id,
                        channel.name,
                        type(e).__name__,
                    )
            row.attempts += 1
            if not errors:
                row.status = "sent"
                row.sent_at = clock() if clock else now
                row.last_error = None
                counts["sent"] += 1
            elif row.attempts >= max_attempts:
                row.status = "failed"
                row.last_error = "; ".join(errors)
                counts["failed"] += 1
            else:
                row.next_attempt_at = now + backoff(row.attempts)
                row.last_error = "; ".join(errors)
                counts["retried"] += 1
            uow.commit()
    return counts
