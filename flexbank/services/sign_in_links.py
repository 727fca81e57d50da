"""Signing in by email: a one-time link, valid ``sign_in_link_minutes``, sent through
the outbox to the address on a worker's or provider's record (or the flex team's
``coordinator_email``). Only the link's hash is stored; a link works once. Asking for a
link never says whether the address is known."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from sqlalchemy import func, select

from flexbank.adapters.orm import ProviderRow, WorkerRow
from flexbank.adapters.orm_pages import SignInLinkRow
from flexbank.services.context import Ctx, audit
from flexbank.services.contract import Actor
from flexbank.services.notifications import enqueue
from flexbank.services.tokens import hash_token, new_token

PATH = "/sign-in/email"


def request_link(ctx: Ctx, email: str) -> bool:
    """Send a sign-in link to ``email`` if it belongs to someone (True when sent)."""
    address = email.strip().lower()
    if not address or "@" not in address or len(address) > 200:
        return False
    with ctx.uow() as uow:
        session = uow.session
        now = ctx.now()
        who: tuple[str, str | None, str] | None = None
        worker = session.scalars(
            select(WorkerRow).where(func.lower(WorkerRow.email) == address)
        ).first()
        if worker is not None:
            who = ("worker", worker.id, worker.name)
        else:
            provider = session.scalars(
                select(ProviderRow).where(func.lower(ProviderRow.email) == address)
            ).first()
            if provider is not None:
                who = ("provider", provider.id, provider.name)
            elif (ctx.settings.coordinator_email or "").strip().lower() == address:
                who = ("coordinator", None, "Flex team")
        if who is None:
            return False
        role, subject, name = who
        token = new_token()
        minutes = ctx.settings.sign_in_link_minutes
        session.add(
            SignInLinkRow(
                token_hash=hash_token(token),
                role=role,
                subject_id=subject,
                name=name,
                created_at=now,
                expires_at=now + dt.timedelta(minutes=minutes),
            )
        )
        link = f"{ctx.settings.base_url.rstrip('/')}{PATH}?token={quote(token)}"
        enqueue(
            uow,
            kind="sign_in",
            recipient_role=role,  # type: ignore[arg-type]
            recipient_id=subject,
            subject="Your link to sign in to Bury Flex",
            body=(
                f"Open this link within {minutes} minutes to sign in. It works once. "
                "If you did not ask for it, you can ignore this message."
            ),
            link=link,
            now=now,
        )
        audit(uow, "system", "sign_in_link_sent", role, subject or "-", now)
        uow.commit()
        return True


def redeem(ctx: Ctx, token: str) -> Actor | None:
    """The person a link signs in, once; None when unknown, used or expired."""
    if not token:
        return None
    with ctx.uow() as uow:
        row = uow.session.scalars(
            select(SignInLinkRow)
            .where(SignInLinkRow.token_hash == hash_token(token))
            .with_for_update()
        ).first()
        now = ctx.now()
        if row is None or row.used_at is not None or row.expires_at <= now:
            return None
        row.used_at = now
        audit(uow, "system", "signed_in_by_link", row.role, row.subject_id or "-", now)
        uow.commit()
        return Actor(row.role, row.subject_id, row.name)  # type: ignore[arg-type]
