"""The quality figures of a plan (rules.md section 3), computed independently."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from itertools import pairwise

from flexbank.checker.calendar import HOUR, MINUTE, WEEK, seconds
from flexbank.checker.context import Context
from flexbank.checker.engagements import Engagement
from flexbank.models import PRIORITIES, Assignment, Worker


@dataclass(frozen=True)
class Quality:
    """Section 3's figures; :meth:`key` is bigger for the better plan."""

    covered_hours: dict[str, float]  # emergency / urgent / routine
    continuity: int
    travel_minutes: float  # whole minutes unless a /2.1 matrix entry is fractional
    fairness: float  # sum over workers and horizon weeks of squared shortfall (hours^2)

    def key(self) -> tuple[float, ...]:
        """Lexicographic comparison of section 3: more hours of emergency, urgent and
        routine gaps, more continuity, fewer travel minutes, smaller fairness sum."""
        return (
            round(self.covered_hours.get("emergency", 0.0), 6),
            round(self.covered_hours.get("urgent", 0.0), 6),
            round(self.covered_hours.get("routine", 0.0), 6),
            self.continuity,
            -self.travel_minutes,
            -round(self.fairness, 6),
        )

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def covered_hours(ctx: Context) -> dict[str, float]:
    """Engagement length in hours of the assignments, per priority of their gap."""
    minutes = dict.fromkeys(PRIORITIES, 0)
    for a in ctx.assignments:
        gap = ctx.index.gaps[a.gap_id]
        minutes[gap.priority] += (seconds(a.end) - seconds(a.start)) // MINUTE
    return {priority: m / 60 for priority, m in minutes.items()}


def continuity_of(ctx: Context, a: Assignment) -> int:
    """2 when the worker has ``history`` with the gap's client or is one of its
    client's ``preferred_workers``; else 1 with ``history`` with the gap's provider;
    else 0. Any history entry counts, whatever its ``engagements`` number."""
    gap = ctx.index.gaps[a.gap_id]
    worker = ctx.worker(a.worker_id)
    client = ctx.index.client_of(gap)
    if gap.client_id is not None and any(h.client_id == gap.client_id for h in worker.history):
        return 2
    if client is not None and worker.id in client.preferred_workers:
        return 2
    if any(h.provider_id == gap.provider_id for h in worker.history):
        return 1
    return 0


def travel_minutes(ctx: Context) -> float:
    """For each worker and each duty period holding an assignment (duty periods over
    assignments and commitments, as rule 7): home to the first engagement with a
    location, between consecutive ones with locations, and from the last one home."""
    total: float = 0
    for worker_id in ctx.assigned:
        worker = ctx.worker(worker_id)
        for period in ctx.periods(worker_id):
            if period.assignments:
                total += _period_travel(ctx, worker, period.located())
    return total


def _period_travel(ctx: Context, worker: Worker, located: list[Engagement]) -> float:
    places = [worker.home] + [e.location for e in located if e.location] + [worker.home]
    if len(places) == 2:
        return 0  # nothing with a location: no journey
    return sum(ctx.travel.minutes(a, b, worker.travel_mode) for a, b in pairwise(places))


def horizon_weeks(ctx: Context) -> list[dt.date]:
    """The local ISO weeks (by Monday) that the horizon has any time in."""
    end = seconds(ctx.scenario.horizon.end)
    weeks = []
    monday = ctx.first_monday
    while ctx.calendar.week_start(monday) < end:
        weeks.append(monday)
        monday += WEEK
    return weeks


def _union_seconds(periods: list[tuple[int, int]], start: int, end: int) -> int:
    """Seconds of ``[start, end)`` covered by the union of ``periods``."""
    total = 0
    covered_to = start
    for p_start, p_end in sorted(periods):
        lo, hi = max(p_start, covered_to), min(p_end, end)
        if hi > lo:
            total += hi - lo
            covered_to = hi
    return total


def fairness(ctx: Context) -> float:
    """Sum over every worker and every local ISO week the horizon touches of the
    squared shortfall (in hours) of their assigned hours in that week below
    ``min(max_hours_per_week, hours of availability in that week)``.

    Availability is counted over the whole week (its union, so overlapping periods
    count once); assigned hours are split at week boundaries.
    """
    weeks = horizon_weeks(ctx)
    total = 0.0
    for worker in ctx.scenario.workers:
        availability = [(seconds(p.start), seconds(p.end)) for p in worker.availability]
        assigned = dict.fromkeys(weeks, 0)
        for e in ctx.engagements(worker.id) if worker.id in ctx.assigned else []:
            if e.is_assignment:
                for monday, inside in ctx.calendar.split(e.start, e.end):
                    if monday in assigned:
                        assigned[monday] += inside
        for monday in weeks:
            week_start, week_end = ctx.calendar.week_bounds(monday)
            offered = _union_seconds(availability, week_start, week_end) / HOUR
            target = min(worker.max_hours_per_week, offered)
            shortfall = max(0.0, target - assigned[monday] / HOUR)
            total += shortfall**2
    return total


def compute(ctx: Context) -> Quality:
    return Quality(
        covered_hours=covered_hours(ctx),
        continuity=sum(continuity_of(ctx, a) for a in ctx.assignments),
        travel_minutes=travel_minutes(ctx),
        fairness=fairness(ctx),
    )
