"""The matching problem in whole minutes: gaps, workers, commitments, weeks, candidates.

Everything the optimiser, the phone-round baseline, the ranker and the explanations
need is computed here once: instants become integer minutes from the horizon start,
places become indices into one location table (so travel times are cached per travel
mode and pair), local weeks become minute ranges, and the sparse list of candidate
(worker, gap) pairs is built with cheap filters first (day of availability, skills,
distance) and the compliance module last. Nothing here knows about CP-SAT.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from flexbank.compliance import Compliance
from flexbank.geo import distance_km, travel_minutes_for_km
from flexbank.index import ScenarioIndex
from flexbank.models import PRIORITIES, Gap, Location, Priority, Scenario, TravelMode, Worker
from flexbank.timeline import local_date, minutes, week_bounds, week_monday

PRIORITY_RANK: dict[Priority, int] = {p: i for i, p in enumerate(PRIORITIES)}

# rules.md section 4: the order in which reasons for an unfilled gap are judged.
PLAN_CODES = (
    "length",
    "overlap",
    "rest",
    "working_time",
    "visa_hours",
    "offered_hours",
    "double_up",
    "outcompeted",
)


@dataclass(frozen=True)
class GapSlot:
    """A gap in minutes."""

    index: int
    id: str
    priority: Priority
    kind: str
    start: int  # earliest start (minutes from the horizon start)
    latest_start: int  # start + tolerance
    length: int
    headcount: int
    location: int  # index into Problem.locations
    provider_id: str
    client_id: str | None

    @property
    def together(self) -> bool:
        """A double-handed call: all or none of its workers, at one start."""
        return self.kind == "visit" and self.headcount >= 2


@dataclass(frozen=True)
class Fixed:
    """An engagement the plan cannot move: a commitment (or a kept assignment)."""

    start: int
    end: int
    location: int | None
    main_job: bool = False
    label: str = "commitment"


@dataclass
class WorkerSlot:
    index: int
    id: str
    mode: TravelMode
    home: int  # location index
    fixed: list[Fixed]
    offered_minutes: float  # max_hours_per_week * 60
    wtd_opt_out: bool
    visa_limit_minutes: float | None
    visa_scope: str
    lifted_weeks: frozenset[int]  # week indices where the visa limit does not apply
    previous_minutes: dict[int, float]  # week index (negative) -> working minutes
    target_minutes: dict[int, float] = field(default_factory=dict)  # fairness target per week


@dataclass(frozen=True)
class Candidate:
    """A (worker, gap) pair that passes every compliance check of rules.md section 1."""

    index: int
    worker: int
    gap: int
    starts: tuple[tuple[int, int], ...]  # closed ranges of allowed starts (minutes)
    continuity: int  # rules.md 3.4: 2, 1 or 0
    home_minutes: int  # travel from home to the gap

    @property
    def earliest(self) -> int:
        return self.starts[0][0]

    @property
    def latest(self) -> int:
        return self.starts[-1][1]


@dataclass(frozen=True)
class Week:
    index: int
    start: int
    end: int
    monday: dt.date


class Problem:
    """One scenario prepared for matching."""

    def __init__(self, scenario: Scenario, compliance: Compliance | None = None) -> None:
        self.scenario = scenario
        self.index = ScenarioIndex(scenario)
        self.policy = self.index.policy
        self.tz = scenario.timezone
        self.compliance = compliance or Compliance(scenario, self.index)
        self.origin = scenario.horizon.start
        self.locations: list[Location] = []
        self._location_ids: dict[tuple[float, float], int] = {}
        self._travel: dict[tuple[str, int, int], int] = {}
        self.first_monday = week_monday(local_date(self.origin, self.tz))
        self.gaps = [self._gap_slot(i, g) for i, g in enumerate(scenario.gaps)]
        self.gap_by_id = {g.id: g for g in self.gaps}
        self.workers = [self._worker_slot(i, w) for i, w in enumerate(scenario.workers)]
        self.worker_by_id = {w.id: w for w in self.workers}
        self.max_engagement = round(self.policy.max_engagement_hours * 60)

    # ------------------------------------------------------------------ conversion

    def minute(self, instant: dt.datetime) -> int:
        return minutes(instant - self.origin)

    def instant(self, minute: int) -> dt.datetime:
        return self.origin + dt.timedelta(minutes=minute)

    def location(self, place: Location) -> int:
        key = (place.lat, place.lon)
        found = self._location_ids.get(key)
        if found is None:
            found = self._location_ids[key] = len(self.locations)
            self.locations.append(place)
        return found

    def travel(self, mode: TravelMode, a: int | None, b: int | None) -> int:
        """Travel minutes between two location indices (0 when either is unknown)."""
        if a is None or b is None or a == b:
            return 0
        key = (mode, a, b) if a < b else (mode, b, a)
        found = self._travel.get(key)
        if found is None:
            km = distance_km(self.locations[a], self.locations[b])
            found = self._travel[key] = travel_minutes_for_km(km, mode, self.policy)
        return found

    # ---------------------------------------------------------------------- weeks

    def week_of(self, minute: int) -> int:
        """Index of the local ISO week holding ``minute`` (0 = the horizon's first)."""
        monday = week_monday(local_date(self.instant(minute), self.tz))
        return (monday - self.first_monday).days // 7

    def week(self, index: int) -> Week:
        return self._weeks_cache(index)

    def _weeks_cache(self, index: int) -> Week:
        cache = self.__dict__.setdefault("_week_cache", {})
        found = cache.get(index)
        if found is None:
            monday = self.first_monday + dt.timedelta(days=7 * index)
            start, end = week_bounds(monday, self.tz)
            found = cache[index] = Week(index, self.minute(start), self.minute(end), monday)
        return found

    def split_by_week(self, start: int, end: int) -> list[tuple[int, int]]:
        """Minutes of ``[start, end)`` in each week, as (week index, minutes)."""
        pieces = []
        week = self.week_of(start)
        cursor = start
        while cursor < end:
            bounds = self.week(week)
            piece_end = min(end, bounds.end)
            pieces.append((week, piece_end - cursor))
            cursor = piece_end
            week += 1
        return pieces

    def fair_target(self, worker: int, week: int) -> int:
        """rules.md 3.6: min(offered, available) minutes of a worker in a week."""
        key = (worker, week)
        cache: dict[tuple[int, int], int] = self.__dict__.setdefault("_fair_cache", {})
        if key not in cache:
            bounds = self.week(week)
            available = 0
            for period in self.scenario.workers[worker].availability:
                lo = max(self.minute(period.start), bounds.start)
                hi = min(self.minute(period.end), bounds.end)
                available += max(0, hi - lo)
            cache[key] = int(min(self.workers[worker].offered_minutes, available))
        return cache[key]

    @cached_property
    def last_week(self) -> int:
        """The last week any gap (started within the horizon) can reach."""
        last_end = max(
            (g.latest_start + g.length for g in self.gaps), default=self.minute(self.origin)
        )
        return self.week_of(max(last_end - 1, 0))

    # ----------------------------------------------------------------- gaps/workers

    def _gap_slot(self, i: int, gap: Gap) -> GapSlot:
        start = self.minute(gap.start)
        return GapSlot(
            index=i,
            id=gap.id,
            priority=gap.priority,
            kind=gap.kind,
            start=start,
            latest_start=start + gap.start_tolerance_minutes,
            length=minutes(gap.end - gap.start),
            headcount=gap.headcount,
            location=self.location(self.index.location_of(gap)),
            provider_id=gap.provider_id,
            client_id=gap.client_id,
        )

    def _worker_slot(self, i: int, worker: Worker) -> WorkerSlot:
        fixed = sorted(
            (
                Fixed(
                    start=self.minute(c.start),
                    end=self.minute(c.end),
                    location=self.location(c.location) if c.location else None,
                    main_job=c.main_job,
                    label=c.label or ("main job" if c.main_job else "commitment"),
                )
                for c in worker.commitments
            ),
            key=lambda f: (f.start, f.end),
        )
        previous = {
            -(len(worker.previous_weekly_hours) - k): hours * 60
            for k, hours in enumerate(worker.previous_weekly_hours)
        }
        rtw = worker.right_to_work
        limit = rtw.weekly_hour_limit * 60 if rtw.weekly_hour_limit is not None else None
        return WorkerSlot(
            index=i,
            id=worker.id,
            mode=worker.travel_mode,
            home=self.location(worker.home),
            fixed=fixed,
            offered_minutes=worker.max_hours_per_week * 60,
            wtd_opt_out=worker.wtd_opt_out,
            visa_limit_minutes=limit,
            visa_scope=rtw.limit_scope,
            lifted_weeks=self._lifted_weeks(worker),
            previous_minutes=previous,
        )

    def _lifted_weeks(self, worker: Worker) -> frozenset[int]:
        """Weeks whose seven local days all lie in one ``limit_lifted`` range."""
        lifted = set()
        for period in worker.right_to_work.limit_lifted:
            monday = week_monday(period.start)
            if monday < period.start:
                monday += dt.timedelta(days=7)
            while monday + dt.timedelta(days=6) <= period.end:
                lifted.add((monday - self.first_monday).days // 7)
                monday += dt.timedelta(days=7)
        return frozenset(lifted)

    # ----------------------------------------------------------------- candidates

    @cached_property
    def candidates(self) -> list[Candidate]:
        """Every (worker, gap) pair that may be assigned, with its allowed starts."""
        found: list[Candidate] = []
        for gap in self.gaps:
            for c in self.candidates_for_gap(gap.index):
                found.append(
                    Candidate(
                        len(found), c.worker, c.gap, c.starts, c.continuity, c.home_minutes
                    )
                )
        return found

    def candidates_for_gap(self, gap_index: int) -> list[Candidate]:
        """The workers who pass every compliance check for one gap (cheap filters first)."""
        gap = self.gaps[gap_index]
        if gap.length > self.max_engagement:
            return []
        source = self.scenario.gaps[gap_index]
        required = set(source.skills)
        found: list[Candidate] = []
        for w in self._workers_by_available_day.get(local_date(source.start, self.tz), ()):
            worker = self.workers[w]
            model_worker = self.scenario.workers[w]
            if required and not required <= _skill_names(model_worker):
                continue
            if self._km(worker.home, gap.location) > model_worker.max_travel_km + 1e-9:
                continue
            if self.compliance.first_failure(model_worker, source) is not None:
                continue
            ranges = self.compliance.allowed_starts(model_worker, source)
            starts = tuple((self.minute(lo), self.minute(hi)) for lo, hi in ranges)
            if not starts:
                continue
            found.append(
                Candidate(
                    index=len(found),
                    worker=w,
                    gap=gap_index,
                    starts=starts,
                    continuity=self.continuity(model_worker, gap),
                    home_minutes=self.travel(worker.mode, worker.home, gap.location),
                )
            )
        return found

    def first_failure(self, worker: int, gap: int) -> str | None:
        """The first code of rules.md section 1 (or ``length``) that rules a pair out."""
        code = self.compliance.first_failure(self.scenario.workers[worker], self.scenario.gaps[gap])
        if code is None and self.gaps[gap].length > self.max_engagement:
            return "length"
        return code

    def _km(self, a: int, b: int) -> float:
        return distance_km(self.locations[a], self.locations[b])

    @cached_property
    def _workers_by_available_day(self) -> dict[dt.date, list[int]]:
        """Workers with an availability period touching each local date."""
        days: defaultdict[dt.date, set[int]] = defaultdict(set)
        for i, worker in enumerate(self.scenario.workers):
            for period in worker.availability:
                day = local_date(period.start, self.tz)
                last = local_date(period.end, self.tz)
                while day <= last:
                    days[day].add(i)
                    day += dt.timedelta(days=1)
        return {day: sorted(ws) for day, ws in days.items()}

    def continuity(self, worker: Worker, gap: GapSlot) -> int:
        """rules.md 3.4: 2 for the client (history or preferred), 1 for the provider."""
        client = self.index.clients.get(gap.client_id) if gap.client_id else None
        if client is not None:
            if worker.id in client.preferred_workers:
                return 2
            if any(h.client_id == client.id for h in worker.history):
                return 2
        return 1 if any(h.provider_id == gap.provider_id for h in worker.history) else 0

    @cached_property
    def by_worker(self) -> dict[int, list[Candidate]]:
        grouped: defaultdict[int, list[Candidate]] = defaultdict(list)
        for c in self.candidates:
            grouped[c.worker].append(c)
        for items in grouped.values():
            items.sort(key=lambda c: (c.earliest, self.gaps[c.gap].id))
        return dict(grouped)

    @cached_property
    def by_gap(self) -> dict[int, list[Candidate]]:
        grouped: defaultdict[int, list[Candidate]] = defaultdict(list)
        for c in self.candidates:
            grouped[c.gap].append(c)
        return dict(grouped)

    @cached_property
    def candidate_of(self) -> dict[tuple[int, int], Candidate]:
        return {(c.worker, c.gap): c for c in self.candidates}

    def fixed_in(self, worker: int, start: int, end: int) -> list[Fixed]:
        """A worker's fixed engagements that start before ``end`` and end after ``start``."""
        items = self.workers[worker].fixed
        starts = [f.start for f in items]
        upto = bisect_right(starts, end)
        return [f for f in items[:upto] if f.end > start]


def _skill_names(worker: Worker) -> set[str]:
    return {s.name for s in worker.skills}


def hours(minutes_: float) -> float:
    return round(minutes_ / 60, 4)


def ceil_div(a: int, b: int) -> int:
    return -(-a // b)


__all__ = [
    "PLAN_CODES",
    "PRIORITY_RANK",
    "Candidate",
    "Fixed",
    "GapSlot",
    "Problem",
    "Week",
    "WorkerSlot",
    "ceil_div",
    "hours",
]
