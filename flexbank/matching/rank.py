"""Urgent ranking: who could take this gap now, on top of the current plan?

A coordinator with a gap that has just opened (or a worker who has just dropped out)
asks for the best few workers who could take it *without* changing anything else and
without breaking any rule. :class:`Ranker` builds one :class:`Roster` per worker once for
a plan; each :meth:`Ranker.rank` call then costs one compliance pass over the gap's
candidates (cached per gap) and one legality check per candidate.

Order of the best: continuity (client 2, provider 1, none 0; higher first), then travel
minutes to the gap (from the previous engagement of the same duty period, else from
home; fewer first), then the share of their offered hours already assigned that week
(smaller first, for fairness), then worker id. Every other worker who cannot take the gap
is listed in ``ruled_out`` with the first code that rules them out: a compliance code of
rules.md section 1 (or ``length``), else the plan rule that blocks (``overlap``,
``rest``, ``working_time``, ``visa_hours``, ``offered_hours``). Workers already on the gap
are in neither list.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, partial

from flexbank import reasons
from flexbank.compliance import RULES_BY_CODE
from flexbank.geo import approx_km
from flexbank.matching.legality import Roster, week_table
from flexbank.matching.problem import Candidate, Problem
from flexbank.models import Plan, Scenario

Pair = tuple[int, int]  # (worker, gap)


@dataclass(frozen=True)
class RankedWorker:
    worker_id: str
    start: dt.datetime
    continuity: int
    travel_minutes: int
    reason: str  # why they are a good choice, in words


@dataclass(frozen=True)
class RuledOut:
    """A worker who cannot take the gap, with the first rule that keeps them off it.

    The sentence is written only when ``message`` is read: a ranking rules out most of
    the bank, and the service needs the sentences only when someone asks why.
    """

    worker_id: str
    code: str
    explain: Callable[[], str] = field(repr=False, compare=False)

    @cached_property
    def message(self) -> str:
        return self.explain()


@dataclass(frozen=True)
class Ranking:
    gap_id: str
    best: list[RankedWorker]
    ruled_out: list[RuledOut]


_CONTINUITY_TEXT = {
    2: "knows the client",
    1: "has worked for this provider before",
    0: "new to this provider",
}


class Ranker:
    """Ranks workers for gaps on top of one fixed assignment {(worker, gap): start}."""

    def __init__(self, problem: Problem, assignment: Mapping[Pair, int]) -> None:
        self.problem = problem
        by_worker: defaultdict[int, dict[int, int]] = defaultdict(dict)
        self.on_gap: defaultdict[int, dict[int, int]] = defaultdict(dict)
        for (w, g), start in assignment.items():
            by_worker[w][g] = start
            self.on_gap[g][w] = start
        self.rosters = [
            Roster(problem, w, by_worker.get(w, {})) for w in range(len(problem.workers))
        ]
        self._weeks = week_table(problem)
        self._by_gap: dict[int, tuple[list[Candidate], list[tuple[int, str]]]] = {}
        self._messages: dict[Pair, str] = {}

    # ---------------------------------------------------------------- per gap

    def _gap_facts(self, g: int) -> tuple[list[Candidate], list[tuple[int, str]]]:
        """The gap's candidates, and (worker, code) for every other worker (cached)."""
        found = self._by_gap.get(g)
        if found is not None:
            return found
        problem = self.problem
        if "candidates" in problem.__dict__:  # already built for the whole problem
            candidates = list(problem.by_gap.get(g, ()))
        else:
            candidates = problem.candidates_for_gap(g)
        ok = {c.worker for c in candidates}
        failing = [
            (w, problem.first_failure(w, g) or "availability")
            for w in range(len(problem.workers))
            if w not in ok
        ]
        found = self._by_gap[g] = (candidates, failing)
        return found

    def _compliance_message(self, w: int, g: int, code: str) -> str:
        key = (w, g)
        found = self._messages.get(key)
        if found is None:
            found = self._messages[key] = _compliance_text(self.problem, w, g, code)
        return found

    # ------------------------------------------------------------------ rank

    def rank(self, gap_id: str, k: int = 5) -> Ranking:
        """The ``k`` best workers who could take ``gap_id`` now, and why the rest cannot."""
        problem = self.problem
        slot = problem.gap_by_id.get(gap_id)
        if slot is None:
            raise KeyError(f"no gap {gap_id!r} in the scenario")
        g = slot.index
        candidates, failing = self._gap_facts(g)
        on_gap = self.on_gap.get(g, {})
        # a double-handed visit already partly staffed: joiners start with the others
        common = next(iter(on_gap.values())) if slot.together and on_gap else None

        ruled: list[tuple[int, str, Callable[[], str]]] = [
            (w, code, partial(self._compliance_message, w, g, code))
            for w, code in failing
            if w not in on_gap
        ]
        scored = []
        for c in candidates:
            w = c.worker
            if w in on_gap:
                continue
            roster = self.rosters[w]
            ranges = c.starts
            if common is not None:
                ranges = ((common, common),) if _inside(common, c.starts) else ()
                if not ranges:
                    ruled.append((w, "double_up", partial(_plan_text, problem, w, "double_up")))
                    continue
            start, code = roster.first_legal_start(g, ranges)
            if start is None:
                code = code or "availability"
                ruled.append((w, code, partial(_plan_text, problem, w, code)))
                continue
            travel, from_previous = roster.lead_in(g, start)
            worker = problem.workers[w]
            used = roster.week_minutes(self._weeks.index(start))
            share = used / worker.offered_minutes if worker.offered_minutes > 0 else float("inf")
            scored.append(
                ((-c.continuity, travel, share, worker.id), c, start, travel, from_previous, used)
            )
        scored.sort(key=lambda item: item[0])
        best = [
            RankedWorker(
                worker_id=problem.workers[c.worker].id,
                start=problem.instant(start),
                continuity=c.continuity,
                travel_minutes=travel,
                reason=_reason(problem, c, start, travel, from_previous, used),
            )
            for _, c, start, travel, from_previous, used in scored[: max(k, 0)]
        ]
        ruled.sort(key=lambda item: item[0])
        return Ranking(
            gap_id=gap_id,
            best=best,
            ruled_out=[RuledOut(problem.workers[w].id, code, text) for w, code, text in ruled],
        )


def _inside(start: int, ranges: tuple[tuple[int, int], ...]) -> bool:
    return any(lo <= start <= hi for lo, hi in ranges)


def _reason(
    problem: Problem, c: Candidate, start: int, travel: int, from_previous: bool, used: int
) -> str:
    worker = problem.workers[c.worker]
    gap = problem.gaps[c.gap]
    parts = [_CONTINUITY_TEXT.get(c.continuity, f"continuity {c.continuity}")]
    origin = "the previous engagement" if from_previous else "home"
    parts.append(f"{travel} min travel from {origin}")
    parts.append(f"{used / 60:g} of {worker.offered_minutes / 60:g} offered hours used that week")
    if start > gap.start:
        parts.append(f"can start {start - gap.start} min after the gap's start")
    return "; ".join(parts)


def _plan_text(problem: Problem, w: int, code: str) -> str:
    """The registry's sentence for a plan code, with this worker's and policy's numbers."""
    worker = problem.workers[w]
    params = {
        **problem.policy.model_dump(),
        "visa_limit": (worker.visa_limit_minutes or 0) / 60,
        "offered": worker.offered_minutes / 60,
    }
    reason = reasons.BY_CODE.get(code)
    return reason.describe(params) if reason is not None else code


def _compliance_text(problem: Problem, w: int, g: int, code: str) -> str:
    """The compliance module's own message for the failing check (only that one is
    explained: explaining every check of every worker would cost more than ranking)."""
    rule = RULES_BY_CODE.get(code)
    if rule is None:
        return _plan_text(problem, w, code)
    if code == "distance":  # the exact geodesic costs more than the rest of a ranking
        home = problem.locations[problem.workers[w].home]
        there = problem.locations[problem.gaps[g].location]
        km = approx_km(home.lat, home.lon, there.lat, there.lon)
        limit = problem.scenario.workers[w].max_travel_km
        return f"Home is about {km:.1f} km from the gap; limit {limit:g} km"
    compliance = problem.compliance
    facts = compliance.facts(problem.scenario.workers[w])
    job = compliance.job(problem.scenario.gaps[g])
    return rule.explain(compliance.setting, facts, job)


# ------------------------------------------------------------------ public API

_CACHE_SIZE = 4
_lock = threading.Lock()
_problems: OrderedDict[int, tuple[Scenario, Problem]] = OrderedDict()
_rankers: OrderedDict[tuple[int, int], tuple[Scenario, Plan, Ranker]] = OrderedDict()


def _remember(cache: OrderedDict[object, object], key: object, value: object) -> None:
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > _CACHE_SIZE:
        cache.popitem(last=False)


def problem_for(scenario: Scenario) -> Problem:
    """The :class:`Problem` of a scenario object, cached by identity (small LRU)."""
    with _lock:
        hit = _problems.get(id(scenario))
        if hit is not None and hit[0] is scenario:
            _problems.move_to_end(id(scenario))
            return hit[1]
    problem = Problem(scenario)
    with _lock:
        _remember(_problems, id(scenario), (scenario, problem))  # type: ignore[arg-type]
    return problem


def ranker_for(scenario: Scenario, plan: Plan) -> Ranker:
    """The :class:`Ranker` of a (scenario, plan) pair of objects, cached by identity."""
    key = (id(scenario), id(plan))
    with _lock:
        hit = _rankers.get(key)
        if hit is not None and hit[0] is scenario and hit[1] is plan:
            _rankers.move_to_end(key)
            return hit[2]
    problem = problem_for(scenario)
    assignment: dict[Pair, int] = {}
    for a in plan.assignments:
        worker = problem.worker_by_id.get(a.worker_id)
        gap = problem.gap_by_id.get(a.gap_id)
        if worker is None or gap is None:
            raise ValueError(
                f"plan assignment ({a.gap_id}, {a.worker_id}) names a gap or worker "
                "that is not in the scenario"
            )
        assignment[(worker.index, gap.index)] = problem.minute(a.start)
    ranker = Ranker(problem, assignment)
    with _lock:
        _remember(_rankers, key, (scenario, plan, ranker))  # type: ignore[arg-type]
    return ranker


def rank(scenario: Scenario, plan: Plan, gap_id: str, k: int = 5) -> Ranking:
    """The ``k`` best workers who could take ``gap_id`` on top of ``plan`` without breaking
    any rule, and every worker who cannot with the first reason (see the module doc)."""
    return ranker_for(scenario, plan).rank(gap_id, k)


__all__ = ["RankedWorker", "Ranker", "Ranking", "RuledOut", "problem_for", "rank", "ranker_for"]
