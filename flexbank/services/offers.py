"""The offer lifecycle: making offers, accepting (with the re-check of every hard
rule at that instant), declining, expiring, withdrawing, and the cascade that
re-matches a gap with :func:`flexbank.matching.rank.rank`.

Every change here runs inside the caller's unit of work, and writes its outbox
messages in the same transaction. Lock order (the global one, see
:mod:`flexbank.services.booking`): gap row, then worker rows by id, then offer rows.
Bookings are made by :func:`flexbank.services.booking.book` only.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Literal

from sqlalchemy import select

from flexbank.adapters.orm import GapRow, OfferRow, ProviderRow
from flexbank.adapters.scenario import build_scenario
from flexbank.adapters.uow import UnitOfWork
from flexbank.matching.rank import rank
from flexbank.models import Plan, Scenario
from flexbank.services import booking, lifecycle
from flexbank.services.booking import active_bookings, held_offers, together
from flexbank.services.context import Ctx, audit, offer_out
from flexbank.services.contract import Actor, Conflict, NotFound, OfferOut
from flexbank.services.notifications import enqueue

log = logging.getLogger("flexbank.offers")


def _when(ctx: Ctx, moment: dt.datetime) -> str:
    return ctx.local(moment).strftime("%a %d %b %H:%M")


# ------------------------------------------------------------------ making


def make_offer(
    ctx: Ctx,
    uow: UnitOfWork,
    gap: GapRow,
    worker_id: str,
    start: dt.datetime,
    now: dt.datetime,
    *,
    expires_at: dt.datetime,
    urgent: bool,
    run_id: int | None = None,
    rank_no: int | None = None,
) -> OfferRow:
    offer = OfferRow(
        gap_id=gap.id,
        worker_id=worker_id,
        run_id=run_id,
        start=start,
        end=start + (gap.end - gap.start),
        status="offered",
        offered_at=now,
        expires_at=expires_at,
        urgent=urgent,
        rank=rank_no,
    )
    uow.session.add(offer)
    uow.session.flush()
    word = ("Urgent " + gap.kind) if urgent else gap.kind.capitalize()
    provider = uow.session.get(ProviderRow, gap.provider_id)
    where = provider.name if provider is not None else "a care provider"
    enqueue(
        uow,
        kind="offer",
        recipient_role="worker",
        recipient_id=worker_id,
        subject=f"{word} offered: {_when(ctx, offer.start)}",
        body=(
            f"You are offered a {gap.kind} at {where} from {_when(ctx, offer.start)} to "
            f"{_when(ctx, offer.end)}. Please answer by {_when(ctx, expires_at)}."
        ),
        link=ctx.link_for(offer),
        now=now,
    )
    return offer


def _close(
    ctx: Ctx,
    uow: UnitOfWork,
    offer: OfferRow,
    target: lifecycle.OfferState,
    now: dt.datetime,
    why: str,
) -> None:
    offer.status = lifecycle.transition(offer.status, target)
    offer.responded_at = now
    if target in ("expired", "withdrawn"):
        enqueue(
            uow,
            kind=target,
            recipient_role="worker",
            recipient_id=offer.worker_id,
            subject=f"Offer {target}: {_when(ctx, offer.start)}",
            body=(
                f"Your offer for {_when(ctx, offer.start)} to {_when(ctx, offer.end)} "
                f"is {target}: {why}."
            ),
            now=now,
        )


def withdraw_open_offers(ctx: Ctx, uow: UnitOfWork, gap: GapRow, now: dt.datetime, why: str) -> int:
    n = 0
    for offer in uow.session.scalars(
        select(OfferRow)
        .where(OfferRow.gap_id == gap.id, OfferRow.status == "offered")
        .order_by(OfferRow.id)
        .with_for_update()
    ):
        _close(ctx, uow, offer, "withdrawn", now, why)
        n += 1
    return n


# ------------------------------------------------------------------ cascade


def _ranking_scenario(
    ctx: Ctx, uow: UnitOfWork, gap: GapRow, now: dt.datetime
) -> tuple[Scenario, Plan]:
    start, end = ctx.week_of(gap.start)
    return build_scenario(
        uow.session,
        as_of=now,
        start=start,
        end=end,
        timezone=ctx.settings.timezone,
        name=f"rank {gap.id}",
        open_gaps=False,
        extra_gaps=[gap.id],
    )


def cascade(ctx: Ctx, uow: UnitOfWork, gap: GapRow, now: dt.datetime) -> list[OfferRow]:
    """Offer the gap's missing places to the next best workers (the caller holds the
    gap's lock). Urgent gaps keep ``urgent_top_k`` open offers per missing place,
    routine ones ``cascade_top_k``. Workers who already had an offer for the gap, or
    are on it, are skipped. Nobody left -> the provider is told once."""
    if gap.status != "open" or gap.start <= now:
        return []
    booked = active_bookings(uow, gap.id)
    held = held_offers(uow, gap.id)
    missing = gap.headcount - len(booked) - len(held)
    if missing <= 0:
        return []
    urgent = gap.urgent or ctx.is_urgent(gap.start, now)
    per_place = ctx.settings.urgent_top_k if urgent else ctx.settings.cascade_top_k
    open_now = [
        o
        for o in uow.session.scalars(
            select(OfferRow).where(OfferRow.gap_id == gap.id, OfferRow.status == "offered")
        )
        if lifecycle.is_open(o.status, o.expires_at, now)
    ]
    wanted = missing * per_place - len(open_now)
    if wanted <= 0:
        return []
    tried = set(
        uow.session.scalars(select(OfferRow.worker_id).where(OfferRow.gap_id == gap.id))
    ) | {b.worker_id for b in booked}
    scenario, plan = _ranking_scenario(ctx, uow, gap, now)
    ranking = rank(scenario, plan, gap.id, k=wanted + len(tried))
    chosen = [r for r in ranking.best if r.worker_id not in tried][:wanted]
    if urgent:
        minutes = dt.timedelta(minutes=ctx.settings.urgent_offer_minutes)
    else:
        minutes = dt.timedelta(hours=ctx.settings.offer_expiry_hours)
    expires_at = min(now + minutes, gap.start)
    made = []
    for i, ranked in enumerate(chosen, start=1):
        made.append(
            make_offer(
                ctx,
                uow,
                gap,
                ranked.worker_id,
                ranked.start,
                now,
                expires_at=expires_at,
                urgent=urgent,
                rank_no=i,
            )
        )
    if made:
        audit(
            uow,
            "system",
            "offered",
            "gap",
            gap.id,
            now,
            {"workers": [o.worker_id for o in made], "urgent": urgent},
        )
    elif not open_now:
        # nobody left: the gap stays open; tell the provider (once per state of offers)
        audit(uow, "system", "nobody_left", "gap", gap.id, now, {"missing": missing})
        enqueue(
            uow,
            kind="nobody_left",
            recipient_role="provider",
            recipient_id=gap.provider_id,
            subject=f"No bank worker available for your {gap.kind} on {_when(ctx, gap.start)}",
            body=(
                f"Your {gap.kind} on {_when(ctx, gap.start)} still needs {missing} worker(s) and "
                "nobody else in the bank can take it now."
            ),
            now=now,
            dedupe_key=f"nobody_left:{gap.id}:{len(tried)}",
        )
    return made


# ------------------------------------------------------------------ accept

recheck = booking.check  # the last check of every rule (kept under its old name)


def _load_offer(uow: UnitOfWork, actor: Actor, offer_id: int) -> OfferRow:
    offer = uow.session.get(OfferRow, offer_id)
    if offer is None:
        raise NotFound(f"no offer {offer_id}")
    if actor.role == "worker" and actor.subject_id != offer.worker_id:
        raise NotFound(f"no offer {offer_id}")
    if actor.role == "provider":
        raise NotFound(f"no offer {offer_id}")
    return offer


def _lock(uow: UnitOfWork, offer: OfferRow) -> tuple[OfferRow, GapRow]:
    """The global lock order (:mod:`flexbank.services.booking`): the gap, then the
    workers by id (this offer's and, for a double-handed call, those holding it), then
    the offer row."""
    gap = uow.lock_gap(offer.gap_id)
    if gap is None:
        raise NotFound(f"no offer {offer.id}")
    workers = {offer.worker_id}
    if together(gap):
        workers |= {h.worker_id for h in held_offers(uow, gap.id)}
    booking.lock(uow, gap.id, workers)
    locked = uow.session.scalars(
        select(OfferRow)
        .where(OfferRow.id == offer.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    return locked, gap


def accept(ctx: Ctx, actor: Actor, offer_id: int) -> OfferOut:
    return booking.retrying(lambda: _accept(ctx, actor, offer_id))


def _accept(ctx: Ctx, actor: Actor, offer_id: int) -> OfferOut:
    with ctx.uow() as uow:
        offer, gap = _lock(uow, _load_offer(uow, actor, offer_id))
        now = ctx.now()
        if offer.status != "offered":
            raise Conflict(f"the offer is {offer.status}", [offer.status])
        if now >= offer.expires_at:
            # late: the offer becomes expired (and the gap cascades), then Conflict
            _close(ctx, uow, offer, "expired", now, "it was not answered in time")
            audit(uow, actor, "expired", "offer", offer.id, now, {"late_accept": True})
            cascade(ctx, uow, gap, now)
            uow.commit()  # the expiry stands; the acceptance does not
            raise Conflict("the offer has expired", ["expired"])
        if gap.status != "open":
            raise Conflict(f"the gap is {gap.status}", [gap.status])
        booked = active_bookings(uow, gap.id)
        held = held_offers(uow, gap.id)
        if len(booked) + len(held) >= gap.headcount:
            raise Conflict("the gap is already full", ["headcount"])
        if any(b.worker_id == offer.worker_id for b in booked) or any(
            h.worker_id == offer.worker_id for h in held
        ):
            raise Conflict("the worker is already on this gap", ["headcount"])
        start = offer.start
        if together(gap) and (held or booked):
            start = held[0].start if held else booked[0].start
        codes, messages = booking.check(ctx, uow, gap, offer.worker_id, start, now)
        if codes:
            raise booking.refuse(codes, messages)
        offer.status = lifecycle.transition(offer.status, "accepted")
        offer.responded_at = now
        offer.start, offer.end = start, start + (gap.end - gap.start)
        audit(uow, actor, "accepted", "offer", offer.id, now, {"gap": gap.id})
        taken = len(booked) + len(held) + 1
        if together(gap) and taken < gap.headcount:
            enqueue(
                uow,
                kind="held",
                recipient_role="worker",
                recipient_id=offer.worker_id,
                subject=f"Accepted: waiting for your partner ({_when(ctx, start)})",
                body=(
                    f"Thank you. This {gap.kind} is a double-handed call: it is booked when "
                    "every worker on it has accepted. We will confirm."
                ),
                now=now,
            )
        else:
            places = [
                booking.Place(o.worker_id, o.start, offer=o, checked=True) for o in [*held, offer]
            ]
            booking.book(ctx, uow, gap, places, now, source="offer")
        uow.session.flush()
        out = offer_out(ctx, uow.session, offer, now)
        uow.commit()
        return out


# ------------------------------------------------------------------ decline, expire


def decline(ctx: Ctx, actor: Actor, offer_id: int, reason: str = "") -> OfferOut:
    return booking.retrying(lambda: _decline(ctx, actor, offer_id, reason))


def _decline(ctx: Ctx, actor: Actor, offer_id: int, reason: str) -> OfferOut:
    with ctx.uow() as uow:
        offer, gap = _lock(uow, _load_offer(uow, actor, offer_id))
        now = ctx.now()
        if offer.status != "offered":
            raise Conflict(f"the offer is {offer.status}", [offer.status])
        if now >= offer.expires_at:
            _close(ctx, uow, offer, "expired", now, "it was not answered in time")
            cascade(ctx, uow, gap, now)
            out = offer_out(ctx, uow.session, offer, now)
            uow.commit()
            return out
        offer.status = lifecycle.transition(offer.status, "declined")
        offer.responded_at = now
        offer.note = reason[:500] or None
        audit(uow, actor, "declined", "offer", offer.id, now, {"gap": gap.id})
        cascade(ctx, uow, gap, now)
        out = offer_out(ctx, uow.session, offer, now)
        uow.commit()
        return out


def expire_offers(ctx: Ctx, now: dt.datetime) -> int:
    """Expire every offer past its expiry, one gap per transaction, and cascade."""
    with ctx.uow() as uow:
        gap_ids = sorted(
            set(
                uow.session.scalars(
                    select(OfferRow.gap_id).where(
                        OfferRow.status == "offered", OfferRow.expires_at <= now
                    )
                )
            )
        )
    n = 0
    for gap_id in gap_ids:
        with ctx.uow() as uow:
            gap = uow.lock_gap(gap_id)
            if gap is None:
                continue
            due = list(
                uow.session.scalars(
                    select(OfferRow)
                    .where(
                        OfferRow.gap_id == gap_id,
                        OfferRow.status == "offered",
                        OfferRow.expires_at <= now,
                    )
                    .order_by(OfferRow.id)
                    .with_for_update()
                )
            )
            for offer in due:
                _close(ctx, uow, offer, "expired", now, "it was not answered in time")
                audit(uow, "system", "expired", "offer", offer.id, now, {"gap": gap_id})
            cascade(ctx, uow, gap, now)
            uow.commit()
            n += len(due)
    return n


def respond(
    ctx: Ctx, offer_id: int, worker_id: str, action: Literal["accept", "decline"]
) -> OfferOut:
    actor = Actor("worker", worker_id, "link")
    if action == "accept":
        return accept(ctx, actor, offer_id)
    return decline(ctx, actor, offer_id)
