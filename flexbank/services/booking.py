"""The one way a worker becomes booked on a gap, whatever the route (an accepted offer,
the pins of an imported scenario, and any later route such as a phone booking).

Every route calls :func:`lock` first and then :func:`book`, so every booking

- takes the same locks in the one global order: the gap's row first, then the
  workers' rows in order of id (then offer rows). Two transactions that want the same
  rows therefore queue instead of waiting on each other in a cycle (the PostgreSQL
  deadlock of a double-handed visit whose two workers accept at once);
- passes the same last check of every rule at that instant: the gap is open, it has a
  place for each new worker, no worker is on it twice, and :func:`check` (compliance
  plus the independent checker on the worker's engagements with this one added) is
  empty for each new place.

:func:`retrying` runs a whole transaction again, a bounded number of times, when the
database aborted it for a deadlock or a serialization failure (PostgreSQL SQLSTATE
``40P01`` / ``40001``): nothing of the aborted attempt was kept, outbox included.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from flexbank.adapters.orm import BookingRow, GapRow, OfferRow, ProviderRow, WorkerRow
from flexbank.adapters.scenario import build_scenario, held_offers_query
from flexbank.adapters.uow import UnitOfWork
from flexbank.checker import check_plan
from flexbank.compliance import Compliance
from flexbank.models import Assignment
from flexbank.services.context import Ctx, audit
from flexbank.services.contract import Conflict, NotFound
from flexbank.services.notifications import enqueue

log = logging.getLogger("flexbank.booking")

T = TypeVar("T")

#: PostgreSQL aborts one of two transactions that wait on each other (deadlock) or
#: that cannot be serialised; the transaction can simply run again.
TRANSIENT_SQLSTATES = frozenset({"40P01", "40001"})
ATTEMPTS = 4


# ------------------------------------------------------------------ retry


def is_transient(exc: BaseException) -> bool:
    """A deadlock or serialization failure reported by the database driver."""
    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return code in TRANSIENT_SQLSTATES


def retrying(work: Callable[[], T], attempts: int = ATTEMPTS) -> T:
    """``work()`` (one whole transaction), again after a transient abort, at most
    ``attempts`` times, with a short random back-off."""
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except DBAPIError as exc:
            if attempt == attempts or not is_transient(exc):
                raise
            log.warning("transaction aborted (%s); retry %d", type(exc.orig).__name__, attempt)
            time.sleep(random.uniform(0.005, 0.05) * attempt)
    raise AssertionError("unreachable")  # pragma: no cover


# ------------------------------------------------------------------ locks


def lock(uow: UnitOfWork, gap_id: str, worker_ids: Iterable[str]) -> GapRow:
    """Lock the gap, then each worker in order of id (the global lock order). Raises
    NotFound for a gap that does not exist."""
    gap = uow.lock_gap(gap_id)
    if gap is None:
        raise NotFound(f"no gap {gap_id!r}")
    for worker_id in sorted(set(worker_ids)):
        uow.lock_worker(worker_id)
    return gap


def together(gap: GapRow) -> bool:
    """A double-handed call: all its workers start together and are booked together."""
    return gap.kind == "visit" and gap.headcount >= 2


def active_bookings(uow: UnitOfWork, gap_id: str) -> list[BookingRow]:
    return list(
        uow.session.scalars(
            select(BookingRow)
            .where(BookingRow.gap_id == gap_id, BookingRow.status == "booked")
            .order_by(BookingRow.id)
        )
    )


def held_offers(uow: UnitOfWork, gap_id: str) -> list[OfferRow]:
    return list(
        uow.session.scalars(
            held_offers_query().where(OfferRow.gap_id == gap_id).order_by(OfferRow.id)
        )
    )


# ------------------------------------------------------------------ the last check


def check(
    ctx: Ctx,
    uow: UnitOfWork,
    gap: GapRow,
    worker_id: str,
    start: dt.datetime,
    now: dt.datetime,
) -> tuple[list[str], list[str]]:
    """Every hard rule for booking ``worker_id`` on ``gap`` at ``start``, judged at
    ``now``: the compliance checks, and the independent checker on the worker's
    bookings (and held acceptances) plus this one. Returns (codes, messages); empty
    means bookable. Headcount is :func:`book`'s to judge."""
    week_start, week_end = ctx.week_of(gap.start)
    end = start + (gap.end - gap.start)
    new = Assignment(gap_id=gap.id, worker_id=worker_id, start=start, end=end)
    scenario, plan = build_scenario(
        uow.session,
        as_of=now,
        start=week_start,
        end=week_end,
        timezone=ctx.settings.timezone,
        name=f"book {gap.id}",
        open_gaps=False,
        extra_gaps=[gap.id],
        worker_ids=[worker_id],
    )
    if not scenario.workers:
        return ["eligible"], ["no such worker"]
    codes: list[str] = []
    messages: list[str] = []
    verdict = Compliance(scenario).check_pair(worker_id, gap.id, start=start)
    for failure in verdict.failures:
        codes.append(failure.code)
        messages.append(failure.message)
    base = {(v.rule, v.gap_id, v.message) for v in check_plan(scenario, plan)}
    after = plan.model_copy(update={"assignments": [*plan.assignments, new]})
    for v in check_plan(scenario, after):
        if (v.rule, v.gap_id, v.message) in base:
            continue
        if v.name == "headcount":  # other workers' places are counted by book()
            continue
        if v.name not in codes:
            codes.append(v.name)
        messages.append(str(v))
    return codes, messages


def refuse(codes: Sequence[str], messages: Sequence[str]) -> Conflict:
    return Conflict("cannot book: " + "; ".join(messages[:5]) + f" [{', '.join(codes)}]", codes)


@dataclass(frozen=True)
class Place:
    """One worker to book on the gap. ``offer`` is the accepted offer it comes from
    (None for a pin or a phone booking). ``checked``: the place passed :func:`check`
    earlier in this same locked transaction, or is a held acceptance of a
    double-handed call (checked when accepted, and a pin of every check since)."""

    worker_id: str
    start: dt.datetime
    offer: OfferRow | None = None
    checked: bool = False


def book(
    ctx: Ctx,
    uow: UnitOfWork,
    gap: GapRow,
    places: Sequence[Place],
    now: dt.datetime,
    *,
    source: str,
    notify: bool = True,
) -> list[BookingRow]:
    """Book ``places`` on ``gap`` (the caller holds :func:`lock` on the gap and on
    every place's worker). All or nothing: a Conflict leaves nothing written by this
    call. When the gap is full it becomes filled and its open offers are withdrawn.
    ``notify``: tell the worker and the provider (an import records bookings made
    elsewhere, so it does not)."""
    if gap.status != "open":
        raise Conflict(f"the gap is {gap.status}", [gap.status])
    booked = active_bookings(uow, gap.id)
    on_gap = {b.worker_id for b in booked}
    seen: set[str] = set()
    for place in places:
        if place.worker_id in on_gap or place.worker_id in seen:
            raise Conflict("the worker is already on this gap", ["headcount"])
        seen.add(place.worker_id)
    if len(booked) + len(places) > gap.headcount:
        raise Conflict("the gap is already full", ["headcount"])
    rows = []
    for place in sorted(places, key=lambda p: p.worker_id):
        if not place.checked:
            codes, messages = check(ctx, uow, gap, place.worker_id, place.start, now)
            if codes:
                raise refuse(codes, messages)
        rows.append(_write(ctx, uow, gap, place, now, source, notify))
    if len(booked) + len(places) >= gap.headcount:
        gap.status = "filled"
        gap.filled_at = now
        from flexbank.services.offers import withdraw_open_offers

        withdraw_open_offers(ctx, uow, gap, now, "the gap has been filled")
        audit(uow, "system", "filled", "gap", gap.id, now)
    uow.session.flush()
    return rows


def _when(ctx: Ctx, moment: dt.datetime) -> str:
    return ctx.local(moment).strftime("%a %d %b %H:%M")


def _write(
    ctx: Ctx,
    uow: UnitOfWork,
    gap: GapRow,
    place: Place,
    now: dt.datetime,
    source: str,
    notify: bool,
) -> BookingRow:
    booking = BookingRow(
        gap_id=gap.id,
        worker_id=place.worker_id,
        offer_id=place.offer.id if place.offer is not None else None,
        start=place.start,
        end=place.start + (gap.end - gap.start),
        status="booked",
        created_at=now,
    )
    uow.session.add(booking)
    uow.session.flush()  # the next place's check sees this booking
    audit(
        uow,
        "system",
        "booked",
        "booking",
        booking.id,
        now,
        {"gap": gap.id, "worker": place.worker_id, "source": source},
    )
    if not notify:
        return booking
    when = f"{_when(ctx, booking.start)} to {_when(ctx, booking.end)}"
    provider = uow.session.get(ProviderRow, gap.provider_id)
    worker = uow.session.get(WorkerRow, place.worker_id)
    where = provider.name if provider is not None else "the provider"
    who = worker.name if worker is not None else "A bank worker"
    phone = f" ({worker.phone})" if worker is not None and worker.phone else ""
    enqueue(
        uow,
        kind="booking",
        recipient_role="worker",
        recipient_id=place.worker_id,
        subject=f"Booked: {_when(ctx, booking.start)}",
        body=f"You are booked for a {gap.kind} at {where} from {when}.",
        now=now,
    )
    enqueue(
        uow,
        kind="booking",
        recipient_role="provider",
        recipient_id=gap.provider_id,
        subject=f"{gap.kind.capitalize()} booked: {_when(ctx, booking.start)}",
        body=(
            f"{who}{phone} is booked for your {gap.kind} and arrives at "
            f"{_when(ctx, booking.start)} (until {_when(ctx, booking.end)})."
        ),
        now=now,
    )
    return booking
