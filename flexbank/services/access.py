"""Access: API tokens (hashed; with an expiry; rotation) and server-side web sessions.

A web session is a row, not only a cookie: signing out ends it, and so does revoking
or the expiry of the token it was opened with, so a copied cookie stops working. A
session opened from an offer link is limited to that offer, and only while the offer
is open (offered, not expired): after an answer the link signs in no more.
"""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from flexbank.adapters.orm import OfferRow, TokenRow, WebSessionRow
from flexbank.services import lifecycle
from flexbank.services.context import Ctx, invalid
from flexbank.services.contract import Actor, Conflict, Role
from flexbank.services.tokens import hash_token, new_token

ROLES = ("coordinator", "provider", "worker")


def _live_token(row: TokenRow | None, now: dt.datetime) -> bool:
    return (
        row is not None
        and row.revoked_at is None
        and (row.expires_at is None or row.expires_at > now)
    )


def create_token(
    ctx: Ctx, role: Role, subject_id: str | None, name: str = "", days: float | None = None
) -> str:
    if role not in ROLES:
        raise invalid("$.role", f"unknown role {role!r}")
    if role != "coordinator" and not subject_id:
        raise invalid("$.subject_id", f"a {role} token needs the {role}'s id")
    token = new_token()
    now = ctx.now()
    life = dt.timedelta(days=days if days is not None else ctx.settings.token_days)
    with ctx.uow() as uow:
        uow.session.add(
            TokenRow(
                token_hash=hash_token(token),
                role=role,
                subject_id=subject_id if role != "coordinator" else None,
                name=name,
                created_at=now,
                expires_at=now + life,
            )
        )
        uow.commit()
    return token


def _token_row(ctx: Ctx, session: Session, token: str) -> TokenRow | None:
    return session.scalars(select(TokenRow).where(TokenRow.token_hash == hash_token(token))).first()


def authenticate(ctx: Ctx, token: str) -> Actor | None:
    if not token:
        return None
    with ctx.read() as uow:
        row = _token_row(ctx, uow.session, token)
        if row is None or not _live_token(row, ctx.now()):
            return None
        return Actor(row.role, row.subject_id, row.name)  # type: ignore[arg-type]


def revoke_token(ctx: Ctx, token: str) -> bool:
    with ctx.uow() as uow:
        row = _token_row(ctx, uow.session, token)
        if row is None or row.revoked_at is not None:
            return False
        row.revoked_at = ctx.now()
        uow.commit()
        return True


def rotate_token(ctx: Ctx, token: str) -> tuple[str, dt.datetime]:
    """A new token for the same role and subject, with a fresh expiry; the old one is
    revoked (and the web sessions opened with it end)."""
    now = ctx.now()
    fresh = new_token()
    expires = now + dt.timedelta(days=ctx.settings.token_days)
    with ctx.uow() as uow:
        row = _token_row(ctx, uow.session, token)
        if row is None or not _live_token(row, now):
            raise Conflict("the token is not valid any more", ["revoked"])
        row.revoked_at = now
        uow.session.add(
            TokenRow(
                token_hash=hash_token(fresh),
                role=row.role,
                subject_id=row.subject_id,
                name=row.name,
                created_at=now,
                expires_at=expires,
            )
        )
        uow.commit()
    return fresh, expires


# ------------------------------------------------------------------ web sessions


def open_session(
    ctx: Ctx, actor: Actor, token: str | None = None, offer_id: int | None = None
) -> str:
    """A new web session for ``actor`` (signed in with ``token``, or by a link limited
    to ``offer_id``); its id goes in a cookie. Conflict if the offer is not open."""
    now = ctx.now()
    sid = secrets.token_urlsafe(32)
    with ctx.uow() as uow:
        token_id = None
        if token is not None:
            row = _token_row(ctx, uow.session, token)
            if row is None or not _live_token(row, now):
                raise Conflict("the token is not valid any more", ["revoked"])
            token_id = row.id
        if offer_id is not None:
            offer = uow.session.get(OfferRow, offer_id)
            if offer is None or offer.worker_id != actor.subject_id or not _open(offer, now):
                raise Conflict("the offer has been answered or has expired", ["expired"])
        uow.session.add(
            WebSessionRow(
                id=sid,
                token_id=token_id,
                role=actor.role,
                subject_id=actor.subject_id,
                offer_id=offer_id,
                created_at=now,
                expires_at=now + dt.timedelta(hours=ctx.settings.session_hours),
            )
        )
        uow.commit()
    return sid


def _open(offer: OfferRow, now: dt.datetime) -> bool:
    return lifecycle.is_open(offer.status, offer.expires_at, now)


def session_actor(ctx: Ctx, sid: str) -> tuple[Actor, int | None] | None:
    """The actor of a live session and the offer it is limited to (None: not live)."""
    if not sid or len(sid) > 64:
        return None
    now = ctx.now()
    with ctx.read() as uow:
        row = uow.session.get(WebSessionRow, sid)
        if row is None or row.ended_at is not None or row.expires_at <= now:
            return None
        if row.token_id is not None and not _live_token(
            uow.session.get(TokenRow, row.token_id), now
        ):
            return None
        if row.offer_id is not None:
            offer = uow.session.get(OfferRow, row.offer_id)
            if offer is None or not _open(offer, now):
                return None
        return Actor(row.role, row.subject_id), row.offer_id  # type: ignore[arg-type]


def end_session(ctx: Ctx, sid: str) -> None:
    if not sid or len(sid) > 64:
        return
    with ctx.uow() as uow:
        row = uow.session.get(WebSessionRow, sid)
        if row is not None and row.ended_at is None:
            row.ended_at = ctx.now()
            uow.commit()
