"""What the provider's form asks before it posts a gap: was this very form posted
already (its idempotency key), and is there already a gap for the same client or
place at that time."""

from __future__ import annotations

from sqlalchemy import select

from flexbank.adapters.orm import GapRow
from flexbank.services.context import Ctx, own_provider
from flexbank.services.contract import Actor


def posted_with_key(ctx: Ctx, actor: Actor, provider_id: str, key: str) -> str | None:
    """The id of the gap this provider posted with ``key``, if any."""
    own_provider(actor, provider_id)
    if not key:
        return None
    with ctx.uow() as uow:
        return uow.session.scalars(
            select(GapRow.id).where(
                GapRow.provider_id == provider_id, GapRow.idempotency_key == key
            )
        ).first()
