"""Gaps: post (idempotent; urgent gaps offered at once), list, follow, cancel."""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from flexbank.adapters.orm import BookingRow, ClientRow, GapRow, OfferRow, ProviderRow, WorkerRow
from flexbank.adapters.scenario import gap_row
from flexbank.models import Gap
from flexbank.services.context import (
    Ctx,
    actor_name,
    audit,
    gap_out,
    gap_outs,
    offer_out,
    own_provider,
)
from flexbank.services.contract import (
    Actor,
    Forbidden,
    GapIn,
    GapOut,
    GapStatus,
    InvalidInput,
    NotFound,
    OfferOut,
)
from flexbank.services.notifications import enqueue
from flexbank.services.offers import cascade, held_offers, withdraw_open_offers
from flexbank.services.paging import Page
from flexbank.validation import Problem


def new_gap_id() -> str:
    return "G-" + secrets.token_hex(4).upper()


def _problems(
    ctx: Ctx,
    session: Session,
    provider_id: str,
    gap: GapIn,
    now: dt.datetime,
    coordinator: bool,
) -> list[Problem]:
    problems = []
    if gap.end <= gap.start:
        problems.append(Problem("$.end", "end must be after start"))
    if gap.start <= now:
        problems.append(Problem("$.start", "the gap must start in the future"))
    if gap.client_id is not None:
        client = session.get(ClientRow, gap.client_id)
        if client is None or client.provider_id != provider_id:
            problems.append(Problem("$.client_id", f"no client {gap.client_id!r} of this provider"))
    if coordinator:  # an unknown id excludes nobody; telling a provider so would
        # tell it which worker ids exist
        for i, worker_id in enumerate(gap.excluded_workers):
            if session.get(WorkerRow, worker_id) is None:
                problems.append(Problem(f"$.excluded_workers[{i}]", f"no worker {worker_id!r}"))
    return problems


def _find_by_key(session: Session, provider_id: str, key: str) -> GapRow | None:
    return session.scalars(
        select(GapRow).where(GapRow.provider_id == provider_id, GapRow.idempotency_key == key)
    ).first()


def post_gap(
    ctx: Ctx, actor: Actor, provider_id: str, gap: GapIn, idempotency_key: str | None
) -> tuple[GapOut, bool]:
    own_provider(actor, provider_id)
    try:
        return _post(ctx, actor, provider_id, gap, idempotency_key)
    except IntegrityError:
        # a concurrent post with the same key won the race: return its gap
        if idempotency_key is None:
            raise
        with ctx.uow() as uow:
            found = _find_by_key(uow.session, provider_id, idempotency_key)
            if found is None:
                raise
            return gap_out(ctx, uow.session, found, ctx.now()), False


def _post(
    ctx: Ctx, actor: Actor, provider_id: str, gap: GapIn, idempotency_key: str | None
) -> tuple[GapOut, bool]:
    with ctx.uow() as uow:
        session = uow.session
        now = ctx.now()
        if session.get(ProviderRow, provider_id) is None:
            raise NotFound(f"no provider {provider_id!r}")
        if idempotency_key is not None:
            found = _find_by_key(session, provider_id, idempotency_key)
            if found is not None:
                return gap_out(ctx, session, found, now), False
        problems = _problems(ctx, session, provider_id, gap, now, actor.role == "coordinator")
        if problems:
            raise InvalidInput(problems)
        model = Gap.model_validate(
            {"id": new_gap_id(), "provider_id": provider_id, **gap.model_dump(mode="json")},
            strict=False,
        )
        row = gap_row(model)
        row.status = "open"
        row.posted_at = now
        row.posted_by = actor_name(actor)
        row.urgent = ctx.is_urgent(gap.start, now)
        row.idempotency_key = idempotency_key
        session.add(row)
        session.flush()
        audit(uow, actor, "posted", "gap", row.id, now, {"urgent": row.urgent})
        if row.urgent:
            cascade(ctx, uow, row, now)
        out = gap_out(ctx, session, row, now)
        uow.commit()
        return out, True


def _gap(ctx: Ctx, actor: Actor, session: Session, gap_id: str) -> GapRow:
    if actor.role == "worker":
        raise Forbidden("a worker may not see gaps")
    row = session.get(GapRow, gap_id)
    if row is None or (actor.role == "provider" and row.provider_id != actor.subject_id):
        raise NotFound(f"no gap {gap_id!r}")
    return row


def list_gaps(
    ctx: Ctx,
    actor: Actor,
    provider_id: str | None,
    status: GapStatus | None,
    start: dt.date | None,
    end: dt.date | None,
    page: Page | None = None,
) -> list[GapOut]:
    if actor.role == "worker":
        raise Forbidden("a worker may not list gaps")
    if actor.role == "provider":
        if provider_id is not None and provider_id != actor.subject_id:
            raise NotFound(f"no provider {provider_id!r}")
        provider_id = actor.subject_id
    page = page or Page()
    with ctx.read() as uow:
        now = ctx.now()
        query = select(GapRow)
        if provider_id is not None:
            query = query.where(GapRow.provider_id == provider_id)
        if status is not None:
            query = query.where(GapRow.status == status)
        if start is not None:
            query = query.where(GapRow.start >= ctx.local_midnight(start))
        if end is not None:
            query = query.where(GapRow.start < ctx.local_midnight(end + dt.timedelta(days=1)))
        query = page.apply(query, GapRow.start, GapRow.id)
        return gap_outs(ctx, uow.session, page.rows(uow.session.scalars(query)), now)


def get_gap(ctx: Ctx, actor: Actor, gap_id: str) -> GapOut:
    with ctx.read() as uow:
        return gap_out(ctx, uow.session, _gap(ctx, actor, uow.session, gap_id), ctx.now())


def gap_offers(ctx: Ctx, actor: Actor, gap_id: str, page: Page | None = None) -> list[OfferOut]:
    page = page or Page()
    with ctx.read() as uow:
        row = _gap(ctx, actor, uow.session, gap_id)
        now = ctx.now()
        query = page.apply(select(OfferRow).where(OfferRow.gap_id == row.id), OfferRow.id)
        return [offer_out(ctx, uow.session, o, now) for o in page.rows(uow.session.scalars(query))]


def cancel_gap(ctx: Ctx, actor: Actor, gap_id: str) -> GapOut:
    with ctx.uow() as uow:
        session = uow.session
        row = _gap(ctx, actor, session, gap_id)
        row = uow.lock_gap(row.id) or row
        now = ctx.now()
        if row.status == "cancelled":
            return gap_out(ctx, session, row, now)
        withdraw_open_offers(ctx, uow, row, now, "the gap was cancelled")
        for held in held_offers(uow, row.id):
            held.note = "gap cancelled before every worker accepted"
        for booking in session.scalars(
            select(BookingRow).where(BookingRow.gap_id == row.id, BookingRow.status != "cancelled")
        ):
            booking.status = "cancelled"
            booking.updated_at = now
            enqueue(
                uow,
                kind="cancelled",
                recipient_role="worker",
                recipient_id=booking.worker_id,
                subject=f"Booking cancelled: {row.kind} on {ctx.local(row.start):%a %d %b %H:%M}",
                body=(
                    f"The {row.kind} on {ctx.local(row.start):%a %d %b %H:%M} was cancelled, "
                    "so your booking is cancelled."
                ),
                now=now,
            )
        row.status = "cancelled"
        row.cancelled_at = now
        audit(uow, actor, "cancelled", "gap", row.id, now)
        out = gap_out(ctx, session, row, now)
        uow.commit()
        return out
