"""The messages a worker or provider was sent (the outbox), newest first, so they can
read them again in the pages whatever channel delivered them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from flexbank.adapters.orm import NotificationRow
from flexbank.services.context import Ctx
from flexbank.services.contract import Actor, Forbidden


@dataclass(frozen=True)
class Message:
    id: int
    kind: str
    subject: str
    body: str
    created_at: dt.datetime
    status: str  # pending, sent, failed


def messages_for(ctx: Ctx, actor: Actor, limit: int = 200) -> list[Message]:
    """The signed-in worker's or provider's messages (a coordinator's: the flex team's)."""
    if actor.role not in ("worker", "provider", "coordinator"):
        raise Forbidden("no messages for this role")
    with ctx.uow() as uow:
        query = select(NotificationRow).where(NotificationRow.recipient_role == actor.role)
        if actor.role != "coordinator":
            query = query.where(NotificationRow.recipient_id == actor.subject_id)
        rows = uow.session.scalars(
            query.order_by(NotificationRow.created_at.desc(), NotificationRow.id.desc()).limit(
                limit
            )
        )
        return [
            Message(r.id, r.kind, r.subject, r.body, ctx.local(r.created_at), r.status)
            for r in rows
        ]
