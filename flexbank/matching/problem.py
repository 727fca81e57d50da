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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from flexbank import reasons
from flexbank.compliance import Compliance
from flexbank.geo import approx_km, travel_minutes
from flexbank.index import ScenarioIndex
from flexbank.models import PRIORITIES, Gap, Location, Priority, Scenario, TravelMode, Worker
from flexbank.roads import RoadTimes
from flexbank.timeline import local_date, minutes, night_minutes, week_bounds, week_monday

#: The optimiser considers at most this many eligible workers per routine gap per
#: headcount: those who know the client or provider first, then the nearest. Everyone
#: else stays eligible (for explanations, ranking and the checker), just not in the
#: model. Emergency and urgent gaps keep every eligible worker up to the wider cap, so
#: that what the solver proves for them holds for the whole bank.
MAX_CANDIDATES_PER_GAP = 40
MAX_CANDIDATES_PER_PRESSING_GAP = 400
PRESSING: frozenset[str] = frozenset({"emergency", "urgent"})

PRIORITY_RANK: dict[Priority, int] = {p: i for i, p in enumerate(PRIORITIES)}

#: rules.md section 4 (version 1): the plan codes after the compliance ones; a
#: problem's own list, by its version, is :attr:`Problem.plan_codes`.
PLAN_CODES = reasons.plan_codes(1)


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
    late: int = 0  # /2.1: minutes it may start after latest_start (late_minutes_allowed)

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
    starter_week: int | None = None  # /2: the week of employment_start (reg 4(4))
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


class WeekTable:
    """Local week boundaries in minutes, looked up by bisection (built once per problem):
    the one week splitter of the model and the roster rules."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        margin = problem.policy.wtd_reference_weeks + 2
        self.lo = -margin
        self.starts: list[int] = []  # starts[k - lo]; the last item is the end of the table
        self._build(self.lo, problem.last_week + margin)

    def _build(self, lo: int, hi: int) -> None:
        self.lo = lo
        self.starts = [self.problem.week(k).start for k in range(lo, hi + 1)]
        self.starts.append(self.problem.week(hi).end)

    @property
    def hi(self) -> int:
        return self.lo + len(self.starts) - 2

    def index(self, minute: int) -> int:
        """The week holding ``minute``."""
        starts = self.starts
        if starts[0] <= minute < starts[-1]:
            return self.lo + bisect_right(starts, minute) - 1
        week = self.problem.week_of(minute)
        self._build(min(self.lo, week - 1), max(self.hi, week + 1))
        return week

    def bounds(self, week: int) -> tuple[int, int]:
        if not self.lo <= week <= self.hi:
            self._build(min(self.lo, week - 1), max(self.hi, week + 1))
        i = week - self.lo
        return self.starts[i], self.starts[i + 1]

    def split(self, start: int, end: int) -> list[tuple[int, int]]:
        """Minutes of ``[start, end)`` in each week, as (week, minutes)."""
        if end <= start:
            return []
        week = self.index(start)
        pieces = []
        cursor = start
        while cursor < end:
            week_end = self.bounds(week)[1]
            piece_end = min(end, week_end)
            pieces.append((week, piece_end - cursor))
            cursor = piece_end
            week += 1
        return pieces


class Problem:
    """One scenario prepared for matching."""

    def __init__(
        self,
        scenario: Scenario,
        compliance: Compliance | None = None,
        max_candidates_per_gap: int | None = MAX_CANDIDATES_PER_GAP,
    ) -> None:
        self.scenario = scenario
        self.max_candidates_per_gap = max_candidates_per_gap
        #: gaps whose candidate list the cap cut short (their proofs hold for the list)
        self.capped: set[int] = set()
        self._every_eligible: dict[int, list[Candidate]] = {}
        self._week_of: dict[int, int] = {}  # minute -> week index
        self._weeks: dict[int, Week] = {}  # week index -> week
        self.index = ScenarioIndex(scenario)
        self.policy = self.index.policy
        self.limits = self.index.limits
        self.version = scenario.version
        self.plan_codes = reasons.plan_codes(self.version, scenario.minor)
        #: /2.1 road times (None without a travel matrix: every travel is the estimate)
        self.roads = RoadTimes.of(scenario)
        self.tz = scenario.timezone
        self.compliance = compliance or Compliance(scenario, self.index)
        self.origin = scenario.horizon.start
        self.locations: list[Location] = []
        self._location_ids: dict[tuple[float, float] | tuple[float, float, str], int] = {}
        self._travel: dict[tuple[str, int, int], int] = {}
        self.first_monday = week_monday(local_date(self.origin, self.tz))
        self.gaps = [self._gap_slot(i, g) for i, g in enumerate(scenario.gaps)]
        self.gap_by_id = {g.id: g for g in self.gaps}
        self.workers = [self._worker_slot(i, w) for i, w in enumerate(scenario.workers)]
        self.worker_by_id = {w.id: w for w in self.workers}
        self.max_engagement = self.limits.max_engagement

    # ------------------------------------------------------------------ conversion

    def minute(self, instant: dt.datetime) -> int:
        return minutes(instant - self.origin)

    def instant(self, minute: int) -> dt.datetime:
        return self.origin + dt.timedelta(minutes=minute)

    def location(self, place: Location) -> int:
        key: tuple[float, float] | tuple[float, float, str] = (
            (place.lat, place.lon) if place.place is None else (place.lat, place.lon, place.place)
        )
        found = self._location_ids.get(key)
        if found is None:
            found = self._location_ids[key] = len(self.locations)
            self.locations.append(place)
        return found

    def travel(self, mode: TravelMode, a: int | None, b: int | None) -> int:
        """Travel minutes between two location indices (0 when either is unknown)."""
        if a is None or b is None or a == b:
            return 0
        if self.roads is not None:
            return self._road_travel(mode, a, b)
        key = (mode, a, b) if a < b else (mode, b, a)
        found = self._travel.get(key)
        if found is None:
            found = travel_minutes(self.locations[a], self.locations[b], mode, self.policy)
            self._travel[key] = found
        return found

    def _road_travel(self, mode: TravelMode, a: int, b: int) -> int:
        """/2.1: the matrix entry (rounded up to whole minutes), else the estimate; a
        matrix need not be symmetric, so each direction is its own entry."""
        assert self.roads is not None
        key = (mode, a, b)
        found = self._travel.get(key)
        if found is None:
            road = self.roads.whole_minutes(self.locations[a], self.locations[b], mode)
            if road is None:
                road = travel_minutes(self.locations[a], self.locations[b], mode, self.policy)
            found = self._travel[key] = road
        return found

    # ---------------------------------------------------------------------- weeks

    def week_of(self, minute: int) -> int:
        """Index of the local ISO week holding ``minute`` (0 = the horizon's first)."""
        found = self._week_of.get(minute)
        if found is None:
            monday = week_monday(local_date(self.instant(minute), self.tz))
            found = self._week_of[minute] = (monday - self.first_monday).days // 7
        return found

    def week(self, index: int) -> Week:
        found = self._weeks.get(index)
        if found is None:
            monday = self.first_monday + dt.timedelta(days=7 * index)
            start, end = week_bounds(monday, self.tz)
            found = self._weeks[index] = Week(index, self.minute(start), self.minute(end), monday)
        return found

    @cached_property
    def weeks(self) -> WeekTable:
        return WeekTable(self)

    def split_by_week(self, start: int, end: int) -> list[tuple[int, int]]:
        """Minutes of ``[start, end)`` in each week, as (week index, minutes)."""
        return self.weeks.split(start, end)

    def window(self, worker: WorkerSlot, week: int) -> tuple[int, float]:
        """Rule 9's window ending at ``week``: its first counted week and its limit in
        minutes. A new starter's window (/2, reg 4(4)) keeps only the weeks from the week
        of ``employment_start`` on, at 48 hours times the weeks kept."""
        first = week - self.limits.reference_weeks + 1
        start = worker.starter_week
        if start is not None and first <= start <= week:
            return start, self.limits.week_average * (week - start + 1)
        return first, self.limits.wtd_window

    def night(self, start: int, end: int) -> bool:
        """Whether an engagement ``[start, end)`` is a night engagement (/2, section 0)."""
        if self.version < 2:
            return False
        key = (start, end)
        cache: dict[tuple[int, int], bool] = self.__dict__.setdefault("_night_cache", {})
        found = cache.get(key)
        if found is None:
            policy = self.policy
            night = night_minutes(
                self.instant(start),
                self.instant(end),
                self.tz,
                policy.night_start,
                policy.night_end,
            )
            found = cache[key] = night >= round(policy.night_min_hours * 60)
        return found

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
            late=gap.lateness_allowed,
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
            starter_week=(
                (week_monday(worker.employment_start) - self.first_monday).days // 7
                if self.version >= 2 and worker.employment_start is not None
                else None
            ),
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
                    Candidate(len(found), c.worker, c.gap, c.starts, c.continuity, c.home_minutes)
                )
        return found

    def candidates_for_gap(self, gap_index: int, *, limit: bool = True) -> list[Candidate]:
        """The workers who pass every compliance check for one gap.

        Necessary conditions (distance within its error margin, skills held, an
        availability period long enough) are tested for all workers at once; the exact
        compliance checks then run on the survivors, best first (continuity, then
        nearest), and with ``limit`` stop at ``max_candidates_per_gap`` x headcount.
        Without ``limit`` the list is kept: the phone round and the bound both read it.
        """
        if not limit:
            known = self._every_eligible.get(gap_index)
            if known is None:
                known = self._every_eligible[gap_index] = self._eligible(gap_index, False)
            return known
        return self._eligible(gap_index, True)

    def _eligible(self, gap_index: int, limit: bool) -> list[Candidate]:
        gap = self.gaps[gap_index]
        if gap.length > self.max_engagement:
            return []
        survivors = self._screen.survivors(gap, self.scenario.gaps[gap_index].skills)
        people = self.scenario.workers
        ranked = sorted(
            (-self.continuity(people[w], gap), minutes, self.workers[w].id, w)
            for w, minutes in survivors
        )
        cap = self.cap(gap)
        wanted = cap * gap.headcount if limit and cap is not None else len(ranked)
        found: list[Candidate] = []
        for k, (knows, _, _, w) in enumerate(ranked):
            candidate = self.candidate(w, gap_index, continuity=-knows)
            if candidate is not None:
                found.append(candidate)
                if len(found) >= wanted:
                    if k + 1 < len(ranked):
                        self.capped.add(gap_index)
                    break
        return sorted(found, key=lambda c: c.worker)

    def cap(self, gap: GapSlot) -> int | None:
        """How many candidates per headcount place a gap keeps (None: all)."""
        cap = self.max_candidates_per_gap
        if cap is None:
            return None
        return max(cap, MAX_CANDIDATES_PER_PRESSING_GAP) if gap.priority in PRESSING else cap

    def include(self, pairs: Iterable[tuple[int, int]]) -> int:
        """Add eligible (worker, gap) pairs the cap left out; returns how many were added
        (pairs that are not eligible, such as a kept booking, stay out)."""
        known = self.candidate_of
        extra = []
        for w, g in pairs:
            if (w, g) in known:
                continue
            candidate = self.candidate(w, g)
            if candidate is not None:
                extra.append(candidate)
        if not extra:
            return 0
        base = self.candidates
        for c in extra:
            base.append(
                Candidate(len(base), c.worker, c.gap, c.starts, c.continuity, c.home_minutes)
            )
        for name in ("by_worker", "by_gap", "candidate_of"):
            self.__dict__.pop(name, None)
        return len(extra)

    @cached_property
    def _screen(self) -> Screen:
        return Screen(self)

    def candidate(
        self, w: int, gap_index: int, *, continuity: int | None = None
    ) -> Candidate | None:
        """The pair as a candidate when it passes every compliance check, else None
        (``continuity``: the pair's, where the caller has worked it out)."""
        gap = self.gaps[gap_index]
        worker = self.workers[w]
        model_worker = self.scenario.workers[w]
        if gap.length > self.max_engagement:
            return None
        # (the distance check is one of compliance's)
        offsets = self.compliance.offsets_if_eligible(model_worker, self.scenario.gaps[gap_index])
        if offsets is None:
            return None
        return Candidate(
            index=-1,
            worker=w,
            gap=gap_index,
            starts=tuple((gap.start + lo, gap.start + hi) for lo, hi in offsets),
            continuity=self.continuity(model_worker, gap) if continuity is None else continuity,
            home_minutes=self.travel(worker.mode, worker.home, gap.location),
        )

    def first_failure(self, worker: int, gap: int) -> str | None:
        """The first code of rules.md section 1 (or ``length``) that rules a pair out."""
        code = self.compliance.first_failure(self.scenario.workers[worker], self.scenario.gaps[gap])
        if code is None and self.gaps[gap].length > self.max_engagement:
            return "length"
        return code

    def continuity(self, worker: Worker, gap: GapSlot) -> int:
        """rules.md 3.4: 2 for the client (history or preferred), 1 for the provider."""
        knows_client, knows_provider = self._acquaintance
        if gap.client_id is not None and worker.id in knows_client.get(gap.client_id, ()):
            return 2
        return 1 if worker.id in knows_provider.get(gap.provider_id, ()) else 0

    @cached_property
    def _acquaintance(self) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
        """Who knows each client (history or preferred) and each provider (history)."""
        clients: defaultdict[str, set[str]] = defaultdict(set)
        providers: defaultdict[str, set[str]] = defaultdict(set)
        for worker in self.scenario.workers:
            for entry in worker.history:
                providers[entry.provider_id].add(worker.id)
                if entry.client_id is not None:
                    clients[entry.client_id].add(worker.id)
        for client in self.scenario.clients:
            clients[client.id].update(client.preferred_workers)
        return dict(clients), dict(providers)

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


class Screen:
    """Vectorised necessary conditions for a pair, over every worker at once: distance,
    skills, availability, and the worker-only compliance checks by date."""

    def __init__(self, problem: Problem) -> None:
        workers = problem.scenario.workers
        self.lat = np.array([w.home.lat for w in workers], dtype=float)
        self.lon = np.array([w.home.lon for w in workers], dtype=float)
        self.limit = np.array([w.max_travel_km for w in workers]) * (1 + 1e-4) + 1e-6
        speeds = problem.policy.speeds_kmh
        self.minutes_per_km = np.array(
            [problem.policy.detour_factor * 60 / getattr(speeds, w.travel_mode) for w in workers]
        )
        self.bits: dict[str, int] = {}
        self.skills = np.array(
            [self._mask(s.name for s in w.skills) for w in workers], dtype=np.int64
        ).reshape(len(workers))
        width = max((len(w.availability) for w in workers), default=0) or 1
        self.period_start = np.full((len(workers), width), np.iinfo(np.int64).max // 4)
        self.period_end = np.full((len(workers), width), np.iinfo(np.int64).min // 4)
        for i, w in enumerate(workers):
            for k, period in enumerate(w.availability):
                self.period_start[i, k] = problem.minute(period.start)
                self.period_end[i, k] = problem.minute(period.end)
        # the worker-only checks (experience, right to work, DBS, Regulation 19 file,
        # training, age), compliance's own, once per worker and pair of work dates
        # (measured at 1,000 x 8,000: 211,000 of 737,000 exact checks failed on these)
        self.facts = [problem.compliance.facts(w) for w in workers]
        self.ready: dict[tuple[dt.date, dt.date], np.ndarray] = {}
        self.problem = problem

    def _mask(self, names: Iterable[str]) -> int:
        mask = 0
        for name in names:
            if name not in self.bits:
                if len(self.bits) >= 62:
                    return -1  # too many distinct skills to screen: let compliance judge
                self.bits[name] = len(self.bits)
            mask |= 1 << self.bits[name]
        return mask

    def _ready(self, gap: GapSlot) -> np.ndarray:
        """Which workers pass the worker-only checks for work on the gap's dates."""
        job = self.problem.compliance.job(self.problem.scenario.gaps[gap.index])
        dates = (job.start_date, job.end_date)
        found = self.ready.get(dates)
        if found is None:
            found = np.array([f.worker_window_ok(*dates) for f in self.facts], dtype=bool)
            self.ready[dates] = found
        return found

    def survivors(self, gap: GapSlot, skills: Sequence[str]) -> list[tuple[int, float]]:
        """(worker index, approximate home travel minutes) of workers that may qualify."""
        place = self.problem.locations[gap.location]
        km = approx_km(self.lat, self.lon, place.lat, place.lon, xp=np)
        # beyond 60 km the approximation is not trusted: compliance decides exactly
        ok = (km <= self.limit) | (km > 60)
        required = self._mask(skills)
        if required > 0:
            ok &= ((self.skills & required) == required) | (self.skills < 0)
        fits = (self.period_start <= gap.latest_start + gap.late) & (
            np.maximum(self.period_start, gap.start) + gap.length <= self.period_end
        )
        ok &= fits.any(axis=1)
        ok &= self._ready(gap)
        index = np.nonzero(ok)[0]
        minutes = km[index] * self.minutes_per_km[index]
        return list(zip(index.tolist(), minutes.tolist(), strict=True))


def hours(minutes_: float) -> float:
    return round(minutes_ / 60, 4) + 0.0  # no negative zero from a bound of -0.0


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
    "WeekTable",
    "WorkerSlot",
    "ceil_div",
    "hours",
]
