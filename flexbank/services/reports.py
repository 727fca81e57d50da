"""Reports: fill rate, median time to fill, hours by provider/worker and week, agency
spend avoided. Filterable by provider, gap reason and local date range; a provider's
report covers only itself."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict

from sqlalchemy import select

from flexbank.adapters.orm import BookingRow, GapRow, OfferRow
from flexbank.services.context import Ctx
from flexbank.services.contract import (
    Actor,
    Forbidden,
    NotFound,
    ReportFilter,
    ReportOut,
    WeekHours,
)


def report(ctx: Ctx, actor: Actor, filters: ReportFilter) -> ReportOut:
    if actor.role == "worker":
        raise Forbidden("a worker may not see reports")
    provider_id = filters.provider_id
    if actor.role == "provider":
        if provider_id is not None and provider_id != actor.subject_id:
            raise NotFound(f"no provider {provider_id!r}")
        provider_id = actor.subject_id
    with ctx.uow() as uow:
        s = uow.session
        query = select(GapRow)
        if provider_id is not None:
            query = query.where(GapRow.provider_id == provider_id)
        if filters.reason is not None:
            query = query.where(GapRow.reason == filters.reason)
        if filters.start is not None:
            query = query.where(GapRow.start >= ctx.local_midnight(filters.start))
        if filters.end is not None:
            query = query.where(
                GapRow.start < ctx.local_midnight(filters.end + dt.timedelta(days=1))
            )
        gaps = {g.id: g for g in s.scalars(query)}
        live = {gid: g for gid, g in gaps.items() if g.status != "cancelled"}
        bookings = (
            list(
                s.scalars(
                    select(BookingRow)
                    .where(BookingRow.gap_id.in_(list(live)), BookingRow.status == "booked")
                    .order_by(BookingRow.id)
                )
            )
            if live
            else []
        )
        accepted_at = {
            o.id: o.responded_at
            for o in s.scalars(
                select(OfferRow).where(
                    OfferRow.id.in_([b.offer_id for b in bookings if b.offer_id is not None])
                )
            )
        }
    places_posted = sum(g.headcount for g in live.values())
    per_gap: defaultdict[str, int] = defaultdict(int)
    minutes: list[float] = []
    by_provider: defaultdict[tuple[str, dt.date], float] = defaultdict(float)
    by_worker: defaultdict[tuple[str, dt.date], float] = defaultdict(float)
    hours_filled = 0.0
    for b in bookings:
        gap = live[b.gap_id]
        per_gap[b.gap_id] += 1
        hours = (b.end - b.start).total_seconds() / 3600.0
        hours_filled += hours
        day = ctx.local(b.start).date()
        monday = day - dt.timedelta(days=day.weekday())
        by_provider[(gap.provider_id, monday)] += hours
        by_worker[(b.worker_id, monday)] += hours
        if b.offer_id is not None:
            accepted = accepted_at.get(b.offer_id) or b.created_at
            minutes.append((accepted - gap.posted_at).total_seconds() / 60.0)
    places_filled = sum(min(n, live[gid].headcount) for gid, n in per_gap.items())
    premium = ctx.settings.agency_premium_per_hour
    return ReportOut(
        gaps_posted=len(gaps),
        places_posted=places_posted,
        places_filled=places_filled,
        fill_rate=round(places_filled / places_posted, 4) if places_posted else 0.0,
        median_minutes_to_fill=round(statistics.median(minutes), 2) if minutes else None,
        hours_by_provider_week=[
            WeekHours(key=k, week=w, hours=round(h, 2)) for (k, w), h in sorted(by_provider.items())
        ],
        hours_by_worker_week=[
            WeekHours(key=k, week=w, hours=round(h, 2)) for (k, w), h in sorted(by_worker.items())
        ],
        hours_filled=round(hours_filled, 2),
        agency_premium_per_hour=premium,
        agency_spend_avoided=round(hours_filled * premium, 2),
    )
