"""Booked by phone: the coordinator rang a worker from a gap's call list and they
said yes. The booking is made only after the same last check of every rule as an
accepted offer (:func:`flexbank.services.booking.check`), under the same locks, in
one transaction; an offer is recorded for it (offered and accepted at once, noted
"booked by phone") so the gap's history shows how it was filled.

It books through the one booking function (:mod:`flexbank.services.booking`): the
same locks, in the same order, as every other route.
"""

from __future__ import annotations

from sqlalchemy import select

from flexbank.adapters.orm import OfferRow, WorkerRow
from flexbank.services import booking, lifecycle
from flexbank.services.context import Ctx, actor_name, audit, booking_out, require_coordinator
from flexbank.services.contract import Actor, BookingOut, Conflict, NotFound


def book_by_phone(ctx: Ctx, actor: Actor, gap_id: str, worker_id: str) -> BookingOut | None:
    """Book ``worker_id`` on ``gap_id`` now; None when it is a double-handed call still
    waiting for its other carer (their yes is held, as an accepted offer). Conflict
    (with the rule codes) when the gap is not open, is full, the worker is on it
    already, or any rule would break."""
    require_coordinator(actor)
    return booking.retrying(lambda: _book_by_phone(ctx, actor, gap_id, worker_id))


def _book_by_phone(ctx: Ctx, actor: Actor, gap_id: str, worker_id: str) -> BookingOut | None:
    with ctx.uow() as uow:
        # the one lock order of every booking route: the gap, then the workers
        gap = booking.lock(uow, gap_id, [worker_id])
        if uow.session.get(WorkerRow, worker_id) is None:
            raise NotFound(f"no worker {worker_id!r}")
        now = ctx.now()
        if gap.status != "open":
            raise Conflict(f"the gap is {gap.status}", [gap.status])
        if gap.start <= now:
            raise Conflict("the gap has already started", ["started"])
        booked = booking.active_bookings(uow, gap.id)
        held = booking.held_offers(uow, gap.id)
        if any(b.worker_id == worker_id for b in booked) or any(
            h.worker_id == worker_id for h in held
        ):
            raise Conflict("the worker is already on this gap", ["headcount"])
        if len(booked) + len(held) >= gap.headcount:
            raise Conflict("the gap is already full", ["headcount"])
        start = gap.start
        if booking.together(gap) and (held or booked):
            start = held[0].start if held else booked[0].start
        codes, messages = booking.check(ctx, uow, gap, worker_id, start, now)
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
        made = None
        taken = len(booked) + len(held) + 1
        if not (booking.together(gap) and taken < gap.headcount):
            # a double-handed call is booked when all its workers have said yes
            places = [
                booking.Place(o.worker_id, o.start, offer=o, checked=True) for o in [*held, offer]
            ]
            rows = booking.book(ctx, uow, gap, places, now, source="phone")
            made = next(r for r in rows if r.worker_id == worker_id)
        uow.session.flush()
        out = booking_out(ctx, uow.session, made) if made is not None else None
        uow.commit()
        return out
