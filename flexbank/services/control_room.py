"""The coordinator's control room: which gaps need someone now, offering one to the
best workers at once (the same ranking and offers as an urgent post), and the call
list of a gap (every worker, ranked, with a phone number and why they can or cannot
take it)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from flexbank.adapters.orm import GapRow, OfferRow, WorkerRow
from flexbank.adapters.scenario import build_scenario
from flexbank.matching.rank import rank
from flexbank.services.context import Ctx, audit, offer_out, require_coordinator
from flexbank.services.contract import Actor, Conflict, GapOut, NotFound, OfferOut
from flexbank.services.offers import active_bookings, cascade, held_offers

#: Priorities that the banner raises when nobody has accepted within the window.
ACT_NOW = ("emergency", "urgent")


def needs_action(gaps: Sequence[GapOut], now: dt.datetime, within_hours: float) -> list[GapOut]:
    """Open emergency and urgent gaps starting within ``within_hours`` that nobody has
    accepted, emergencies first, then soonest."""
    horizon = now + dt.timedelta(hours=within_hours)
    found = [
        g
        for g in gaps
        if g.status == "open"
        and g.priority in ACT_NOW
        and now < g.end
        and g.start <= horizon
        and not g.booked_workers
    ]
    return sorted(found, key=lambda g: (ACT_NOW.index(g.priority), g.start, g.id))


@dataclass(frozen=True)
class OfferNow:
    offers: list[OfferOut]
    waiting: int  # offers already open before this
    why_none: str  # when no offer was made: why, in words


def offer_now(ctx: Ctx, actor: Actor, gap_id: str) -> OfferNow:
    """Rank the gap and offer it now to the best workers, exactly as when an urgent gap
    is posted (:func:`flexbank.services.offers.cascade`, one transaction)."""
    require_coordinator(actor)
    with ctx.uow() as uow:
        gap = uow.lock_gap(gap_id)
        if gap is None:
            raise NotFound(f"no gap {gap_id!r}")
        now = ctx.now()
        if gap.status != "open":
            raise Conflict(f"the gap is {gap.status}", [gap.status])
        if gap.start <= now:
            raise Conflict("the gap has already started", ["started"])
        waiting = sum(
            1
            for o in uow.session.scalars(
                select(OfferRow).where(OfferRow.gap_id == gap.id, OfferRow.status == "offered")
            )
            if o.expires_at > now
        )
        made = cascade(ctx, uow, gap, now)
        audit(uow, actor, "offer_now", "gap", gap.id, now, {"offers": len(made)})
        uow.session.flush()
        out = [offer_out(ctx, uow.session, o, now) for o in made]
        why = ""
        if not made:
            missing = (
                gap.headcount - len(active_bookings(uow, gap.id)) - len(held_offers(uow, gap.id))
            )
            if missing <= 0:
                why = "every place is taken or waiting for a partner's answer"
            elif waiting:
                why = "the best workers already have this offer and have not answered yet"
            else:
                why = "nobody else in the bank can take it now: use the call list or an agency"
        uow.commit()
        return OfferNow(out, waiting, why)


@dataclass(frozen=True)
class Callee:
    """One worker of a gap's call list."""

    worker_id: str
    name: str
    phone: str | None
    eligible: bool
    code: str  # "eligible", or the first rule that keeps them off the gap
    detail: str  # the ranker's reason or the rule's own message
    travel_minutes: int | None
    start: dt.datetime | None
    offer_status: str | None  # their offer for this gap, if any
    booked: bool


def call_list(ctx: Ctx, actor: Actor, gap_id: str) -> list[Callee]:
    """Every worker of the bank for this gap: those who could take it first, in the
    ranking's order (continuity, travel, fairness), then everyone else with the first
    rule that keeps them off it."""
    require_coordinator(actor)
    with ctx.uow() as uow:
        session = uow.session
        gap = session.get(GapRow, gap_id)
        if gap is None:
            raise NotFound(f"no gap {gap_id!r}")
        now = ctx.now()
        start, end = ctx.week_of(gap.start)
        scenario, plan = build_scenario(
            session,
            as_of=now,
            start=start,
            end=end,
            timezone=ctx.settings.timezone,
            name=f"call list {gap.id}",
            open_gaps=False,
            extra_gaps=[gap.id],
        )
        workers = {w.id: w for w in session.scalars(select(WorkerRow))}
        offers: dict[str, str] = {}
        for o in session.scalars(
            select(OfferRow).where(OfferRow.gap_id == gap.id).order_by(OfferRow.id)
        ):
            offers[o.worker_id] = (
                "expired" if o.status == "offered" and o.expires_at <= now else o.status
            )
        booked = {b.worker_id for b in active_bookings(uow, gap.id)}
        ranking = rank(scenario, plan, gap.id, k=len(scenario.workers) or 1)
        out: list[Callee] = []
        seen: set[str] = set()

        def person(worker_id: str) -> tuple[str, str | None]:
            row = workers.get(worker_id)
            return (row.name, row.phone) if row else (worker_id, None)

        for r in ranking.best:
            name, phone = person(r.worker_id)
            seen.add(r.worker_id)
            out.append(
                Callee(
                    r.worker_id,
                    name,
                    phone,
                    True,
                    "eligible",
                    r.reason,
                    r.travel_minutes,
                    r.start,
                    offers.get(r.worker_id),
                    r.worker_id in booked,
                )
            )
        for worker_id in sorted(booked - seen):
            name, phone = person(worker_id)
            seen.add(worker_id)
            out.append(
                Callee(worker_id, name, phone, False, "booked", "", None, None, "accepted", True)
            )
        for ruled in ranking.ruled_out:
            if ruled.worker_id in seen:
                continue
            name, phone = person(ruled.worker_id)
            seen.add(ruled.worker_id)
            out.append(
                Callee(
                    ruled.worker_id,
                    name,
                    phone,
                    False,
                    ruled.code,
                    ruled.message,
                    None,
                    None,
                    offers.get(ruled.worker_id),
                    False,
                )
            )
        return out
