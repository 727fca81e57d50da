"""Token management for coordinators: who holds which API token (never the token
itself: only its hash is stored), making one, and revoking one."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from flexbank.adapters.orm import TokenRow
from flexbank.services.context import Ctx, audit, require_coordinator
from flexbank.services.contract import Actor, NotFound


@dataclass(frozen=True)
class TokenInfo:
    id: int
    role: str
    subject_id: str | None
    name: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None


def list_tokens(ctx: Ctx, actor: Actor) -> list[TokenInfo]:
    require_coordinator(actor)
    with ctx.uow() as uow:
        rows = uow.session.scalars(select(TokenRow).order_by(TokenRow.id.desc()))
        return [
            TokenInfo(
                r.id,
                r.role,
                r.subject_id,
                r.name,
                ctx.local(r.created_at),
                ctx.local(r.revoked_at) if r.revoked_at else None,
            )
            for r in rows
        ]


def revoke(ctx: Ctx, actor: Actor, token_id: int) -> TokenInfo:
    require_coordinator(actor)
    with ctx.uow() as uow:
        row = uow.session.get(TokenRow, token_id)
        if row is None:
            raise NotFound(f"no token {token_id}")
        now = ctx.now()
        if row.revoked_at is None:
            row.revoked_at = now
            audit(uow, actor, "token_revoked", "token", row.id, now, {"role": row.role})
        uow.session.flush()
        out = TokenInfo(
            row.id, row.role, row.subject_id, row.name, ctx.local(row.created_at), ctx.local(now)
        )
        uow.commit()
        return out
