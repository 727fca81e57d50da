"""Booked by phone: the coordinator rang a worker from a gap's call list and they
said yes. The booking is made only after the same last check of every rule as an
accepted offer (:func:`flexbank.services.offers.recheck`), under the same locks, in
one transaction; an offer is recorded for it (offered and accepted at once, noted
"booked by phone") so the gap's history shows how it was filled.

Kept apart so it can be pointed at the one booking function of the service layer.
"""

from __future__ import annotations

from sqlalchemy import select

from flexbank.adapters.orm import OfferRow
from flexbank.services import lifecycle
from flexbank.services.context import Ctx, actor_name, audit, booking_out, require_coordinator
from flexbank.services.contract import Actor, BookingOut, Conflict, NotFound
from flexbank.services.offers import (
    active_bookings,
    book,
    held_offers,
    recheck,
    together,
    withdraw_open_offers,
)


def book_by_phone(ctx: Ctx, actor: Actor, gap_id: str, worker_id: str) -> BookingOut | None:
    """Book ``worker_id`` on ``gap_id`` now; None when it is a double-handed call still
    waiting for its other carer (their yes is held, as an accepted offer). Conflict
    (with the rule codes) when the gap is not open, is full, the worker is on it
    already, or any rule would break."""
    require_coordinator(actor)
    with ctx.uow() as uow:
        if uow.lock_worker(worker_id) is None:
            raise NotFound(f"no worker {worker_id!r}")
        gap = uow.lock_gap(gap_id)
        if gap is None:
            raise NotFound(f"no gap {gap_id!r}")
        now = ctx.now()
        if gap.status != "open":
            raise Conflict(f"the gap is {gap.status}", [gap.status])
        if gap.start <= now:
            raise Conflict("the gap has already started", ["started"])
        booked = active_bookings(uow, gap.id)
        held = held_offers(uow, gap.id)
        if any(b.worker_id == worker_id for b in booked) or any(
            h.worker_id == worker_id for h in held
        ):
            raise Conflict("the worker is already on this gap", ["headcount"])
        if len(booked) + len(held) >= gap.headcount:
            raise Conflict("the gap is already full", ["headcount"])
        start = gap.start
        if together(gap) and (held or booked):
            start = held[0].start if held else booked[0].start
        codes, messages = recheck(ctx, uow, gap, worker_id, start, now)
        if codes:
            raise Conflict("cannot book: " + "; ".join(messages[:5]), codes)
        offer = uow.session.scalars(
            select(OfferRow)
            .where(
                OfferRow.gap_id == gap.id,
                OfferRow.worker_id == worker_id,
                OfferRow.status == "offered",
            )
            .with_for_update()
        ).first()
        if offer is None:
            offer = OfferRow(
                gap_id=gap.id,
                worker_id=worker_id,
                start=start,
                end=start + (gap.end - gap.start),
                status="offered",
                offered_at=now,
                expires_at=now,
                urgent=gap.urgent,
            )
            uow.session.add(offer)
        offer.status = lifecycle.transition(offer.status, "accepted")
        offer.responded_at = now
        offer.start, offer.end = start, start + (gap.end - gap.start)
        offer.note = f"booked by phone by {actor_name(actor)}"
        uow.session.flush()
        audit(uow, actor, "booked_by_phone", "gap", gap.id, now, {"worker": worker_id})
        taken = len(booked) + len(held) + 1
        made = None
        if together(gap) and taken < gap.headcount:
            pass  # a double-handed call is booked when all its workers have said yes
        else:
            for o in [*held, offer]:
                booking = book(ctx, uow, gap, o, now)
                if o is offer:
                    made = booking
            if taken >= gap.headcount:
                gap.status = "filled"
                gap.filled_at = now
                withdraw_open_offers(ctx, uow, gap, now, "the gap has been filled")
                audit(uow, "system", "filled", "gap", gap.id, now)
        uow.session.flush()
        out = booking_out(ctx, uow.session, made) if made is not None else None
        uow.commit()
        return out
