"""Scheduled sweeps over database state (idempotent): offer expiry, the compliance
sweep (lapse warnings; bookings whose worker will not be compliant on the day are
flagged and their gaps re-matched)."""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select

from flexbank.adapters.orm import BookingRow
from flexbank.adapters.scenario import build_scenario
from flexbank.compliance import Compliance
from flexbank.services.context import Ctx, audit
from flexbank.services.notifications import enqueue
from flexbank.services.offers import cascade

log = logging.getLogger("flexbank.sweeps")

#: the worker checks whose lapses are warned about (rules.md section 1)
LAPSE_CODES = ("right_to_work", "dbs", "training", "night_assessment", "skill")


def compliance_sweep(ctx: Ctx, now: dt.datetime) -> dict[str, int]:
    warn_until = ctx.local(now).date() + dt.timedelta(days=ctx.settings.lapse_warning_days)
    counts = {"warnings": 0, "flagged": 0, "reoffered": 0}
    today = ctx.local(now).date()
    start = ctx.local_midnight(today)
    with ctx.uow() as uow:
        scenario, _ = build_scenario(
            uow.session,
            as_of=now,
            start=start,
            end=start + dt.timedelta(days=1),
            timezone=ctx.settings.timezone,
            name="compliance sweep",
            open_gaps=False,
        )
        future = list(
            uow.session.scalars(
                select(BookingRow)
                .where(BookingRow.status == "booked", BookingRow.start > now)
                .order_by(BookingRow.start, BookingRow.id)
            )
        )
    compliance = Compliance(scenario)
    workers = {w.id: w for w in scenario.workers}

    # 1. lapse warnings, once per (worker, code, date)
    for worker in scenario.workers:
        verdict = compliance.check_worker_on(worker, today)
        lapses = [
            lapse
            for lapse in verdict.lapses
            if lapse.code in LAPSE_CODES and lapse.on <= warn_until
        ]
        if not lapses:
            continue
        with ctx.uow() as uow:
            for lapse in lapses:
                for role, rid in (("worker", worker.id), ("coordinator", None)):
                    sent = enqueue(
                        uow,
                        kind="lapse",
                        recipient_role=role,  # type: ignore[arg-type]
                        recipient_id=rid,
                        subject=f"Compliance lapses on {lapse.on}: {lapse.code}",
                        body=f"Worker {worker.id}: {lapse.message}",
                        now=now,
                        dedupe_key=f"lapse:{worker.id}:{lapse.code}:{lapse.on}:{role}",
                    )
                    if sent is not None and role == "worker":
                        counts["warnings"] += 1
            uow.commit()

    # 2. bookings whose worker will not pass the worker checks on the day
    for booking in future:
        who = workers.get(booking.worker_id)
        if who is None:
            continue
        day = ctx.local(booking.start).date()
        verdict = compliance.check_worker_on(who, day)
        if verdict.ok:
            continue
        with ctx.uow() as uow:
            gap = uow.lock_gap(booking.gap_id)  # the global order: gap, then worker
            uow.lock_worker(booking.worker_id)
            row = uow.session.get(BookingRow, booking.id, populate_existing=True)
            if gap is None or row is None or row.status != "booked":
                continue
            reason = "; ".join(f.message for f in verdict.failures)
            row.status = "flagged"
            row.flag_reason = f"[{', '.join(verdict.codes)}] {reason}"[:2000]
            row.updated_at = now
            for role, rid in (("worker", row.worker_id), ("provider", gap.provider_id)):
                enqueue(
                    uow,
                    kind="flagged",
                    recipient_role=role,  # type: ignore[arg-type]
                    recipient_id=rid,
                    subject=f"Booking {row.id} flagged: worker not compliant on {day}",
                    body=(
                        f"Booking {row.id} (gap {gap.id}, worker {row.worker_id}) is flagged "
                        f"({', '.join(verdict.codes)}); the gap is being re-matched."
                    ),
                    now=now,
                )
            enqueue(
                uow,
                kind="flagged",
                recipient_role="coordinator",
                recipient_id=None,
                subject=f"Booking {row.id} flagged",
                body=f"Booking {row.id} flagged: {row.flag_reason}",
                now=now,
            )
            audit(
                uow,
                "system",
                "flagged",
                "booking",
                row.id,
                now,
                {"codes": verdict.codes, "gap": gap.id},
            )
            if gap.status == "filled":
                gap.status = "open"
                gap.filled_at = None
            uow.session.flush()
            counts["flagged"] += 1
            counts["reoffered"] += len(cascade(ctx, uow, gap, now))
            uow.commit()
    return counts
