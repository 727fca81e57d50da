"""The visit-routing solve mode: every visit served, least (travel + total + max lateness) / 3.

This is the objective of the published home-care routing benchmarks (Mankowska et al.
2014, Kummer et al. 2021) and not rules.md section 3: no priorities, no unfilled gaps, and
lateness past a visit's tolerance (up to ``late_minutes_allowed``) is a cost, not a reason
to leave it. It is built from the same :class:`~flexbank.matching.problem.Problem` as the
matching optimiser (the compliance screen's candidates, ``Problem.travel`` with the
scenario's travel matrix), as its own CP-SAT model (:mod:`flexbank.matching.routing_model`:
one circuit per worker, rule 13's dependencies as start differences).

The search: the whole model first, warm-started from given routes, for a quarter of the
time (small instances are proven optimal there); then, unless proven, OR-Tools' vehicle
routing library's guided local search from the best routes so far, for most of the time
left (:mod:`flexbank.matching.routing_guided`: on a hundred visits it finds in seconds
what the CP-SAT neighbourhoods find in minutes), in two tracks from the same routes: the
search as it is, and the search without the dependencies' start differences, its routes
made whole (:mod:`flexbank.matching.routing_repair`) and searched again with them (where
dependencies tie many visits across routes, the second is far better), side by side in two
processes when there are two threads (:mod:`flexbank.matching.forked`); then, while time
remains, a large
neighbourhood search: the visits nearest a random one (in place and time) are freed and
re-routed among their workers and one more, by the same model with every other visit kept
where it is, a change kept when it lowers the objective; the number freed grows while
each neighbourhood is solved to the end, and shrinks when one runs out of time.

Two passes of time. The routes are found in thousandths of a minute, as the published
problems are stated in continuous time (a fractional matrix entry is rounded up to the
thousandth): that schedule, ``Routing.exact_starts``, is what the benchmark scores. The
plan then keeps those routes (who takes which visit, in which order) and times them again
in whole minutes, as the format's engagements are (a fractional entry rounded up to the
minute where it separates two visits), with the least lateness: ``Routing.plan``, which
the checker judges.

>>> routing = solve_routes(scenario, seconds=60)
>>> routing.plan                                         # a flexbank.plan/2.1
"""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from flexbank.matching.forked import Forked, can_fork
from flexbank.matching.problem import Problem
from flexbank.matching.routing_guided import GLS_LAMBDA, guided_routes
from flexbank.matching.routing_model import FINE, RoutingError, RoutingModel
from flexbank.matching.routing_repair import relaxed_routes
from flexbank.models import Assignment, Metrics, Plan, Scenario

#: share of the time limit given to the whole model before the neighbourhood search, for
#: up to SMALL visits and above
WHOLE_SHARE = (0.25, 0.05)
SMALL = 40
#: shares of the time left after the whole model for the routing library's two tracks
#: from the same start (:func:`_route_passes`): its guided local search
#: (:mod:`flexbank.matching.routing_guided`); and the same search without the dependencies'
#: start differences (its routes then made whole, :mod:`flexbank.matching.routing_repair`)
#: followed by the guided search from those routes
GUIDED_SHARE = 0.35
RELAXED_SHARE, AFTER_RELAXED_SHARE = 0.15, 0.3
#: side by side in two processes, each track has all three shares; the relaxed search
#: takes this part of its track; without dependencies the second process's guided search
#: has the library's own penalty weight
RELAXED_PART = 0.3
WIDE = 0.1
#: seconds the second process may overrun its share before it is stopped
FORK_GRACE = 2.0
#: seconds for one neighbourhood; the visits it first frees, at least, and its steps
STEP_SECONDS = 3.0
FIRST_SIZE = 16
LEAST_SIZE = 10
GROW, SHRINK = 2, 1

__all__ = ["Routing", "RoutingError", "solve_routes"]


@dataclass(frozen=True)
class Routing:
    """The routing mode's answer: the plan (whole minutes) and the routes' schedule in
    continuous time (minutes from the horizon start, by gap id)."""

    plan: Plan
    exact_starts: dict[str, float]
    routes: dict[str, list[str]]  # worker id -> gap ids in order
    proven_optimal: bool
    lower_bound: float  # of the published objective, from the whole model
    neighbourhoods: int = 0  # tried by the search
    improvements: int = 0  # of them kept


def _solver(seconds: float, threads: int, seed: int) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, seconds)
    solver.parameters.num_workers = threads
    solver.parameters.random_seed = seed
    return solver


class Search:
    """The current best routes and starts of one scenario, and their improvement."""

    def __init__(self, problem: Problem, whole: RoutingModel) -> None:
        self.problem = problem
        self.whole = whole
        self.routes: dict[int, list[int]] = {}
        self.starts: dict[int, int] = {}

    def objective(self) -> int:
        """travel (FINE) + total + max lateness (FINE) of the current solution."""
        return self.whole.objective(self.routes, self.starts)

    def offer(self, routes: Mapping[int, Sequence[int]] | None) -> bool:
        """Take ``routes`` (timed at their earliest) when they lower the objective (None,
        a search that found nothing, is never taken)."""
        if routes is None:
            return False
        starts = self.whole.timing(routes)
        if starts is None:
            return False
        before = self.objective() if self.starts else None
        saved = (self.routes, self.starts)
        self.routes, self.starts = {w: list(gaps) for w, gaps in routes.items()}, starts
        if before is None or self.objective() < before:
            return True
        self.routes, self.starts = saved
        return False

    def take(self, model: RoutingModel, solver: cp_model.CpSolver) -> None:
        for w, gaps in model.routes_of(solver).items():
            self.routes[w] = gaps
        for g, var in model.start.items():
            self.starts[g] = solver.value(var)

    def neighbourhood(self, rng: random.Random, size: int) -> tuple[list[int], set[int]]:
        """Up to ``size`` visits nearest a random one in place and time (each visit's
        distance: travel minutes plus minutes between starts), free to move, and the
        workers who serve them now plus one more (an idle one now and then)."""
        problem = self.problem
        owner = {g: w for w, gaps in self.routes.items() for g in gaps}
        seed = rng.choice(sorted(owner))
        here = problem.gaps[seed].location
        mode = problem.workers[owner[seed]].mode
        when = self.starts[seed] / FINE

        def distance(g: int) -> float:
            apart = abs(self.starts[g] / FINE - when)
            return problem.travel(mode, here, problem.gaps[g].location) + apart + rng.random()

        free = set(sorted(owner, key=distance)[:size])
        workers = sorted({owner[g] for g in free})
        rest = [w for w in range(len(problem.workers)) if w not in workers]
        if rest:
            idle = [w for w in rest if not self.routes.get(w)]
            workers.append(rng.choice(idle if idle and rng.random() < 0.3 else rest))
        return workers, free

    def improve(
        self, workers: list[int], free: set[int], seconds: float, threads: int, seed: int
    ) -> tuple[bool, bool]:
        """Re-route the ``free`` visits among ``workers``, their other visits kept;
        (improved, proven optimal)."""
        problem = self.problem
        gaps = {g for w in workers for g in self.routes.get(w, [])}
        outside = {g: s for g, s in self.starts.items() if g not in gaps}
        locked = {
            g: (w, self.starts[g]) for w in workers for g in self.routes.get(w, []) if g not in free
        }
        floor = max(
            (max(0, s - problem.gaps[g].latest_start * FINE) for g, s in outside.items()),
            default=0,
        )
        try:
            model = RoutingModel(
                problem,
                FINE,
                workers=workers,
                gaps=gaps,
                fixed=outside,
                locked=locked,
                lateness_floor=floor,
            )
        except RoutingError:
            return False, False
        mine = {w: self.routes.get(w, []) for w in workers}
        if not model.hint(mine, {g: self.starts[g] for g in gaps}):
            return False, False
        before = self.objective()
        solver = _solver(seconds, threads, seed)
        status = solver.solve(model.model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return False, False
        saved = (dict(self.routes), dict(self.starts))
        self.take(model, solver)
        if self.objective() < before:
            return True, status == cp_model.OPTIMAL
        self.routes, self.starts = saved
        return False, status == cp_model.OPTIMAL


def _route_passes(search: Search, deadline: float, threads: int) -> None:
    """The routing library's two tracks from the best routes so far, each kept where it is
    better. Which track wins depends on the week: where dependencies tie many visits
    across routes the relaxed one does (E1: 1,309 against 1,560), elsewhere it can end
    in a worse valley (C1: 1,130 against 1,007), so both run: side by side in two
    processes when there are two threads (the library holds the interpreter lock), else
    one after the other. Without dependencies there is no relaxed track; side by side, the
    second process runs guided local search with the library's own penalty weight."""
    problem, whole = search.problem, search.whole
    start = {w: list(gaps) for w, gaps in search.routes.items()} or None
    now = time.monotonic()
    left = deadline - now
    tied = bool(whole.links())
    share = GUIDED_SHARE + RELAXED_SHARE + AFTER_RELAXED_SHARE
    until = now + left * share  # the passes' end; the neighbourhood search has the rest
    if threads > 1 and can_fork():
        penalty = GLS_LAMBDA if tied else WIDE
        other = Forked(
            lambda: guided_routes(problem, whole, left * share, hint=start, penalty=penalty)
        )
        if tied:
            _relaxed_track(search, start, left * share * RELAXED_PART, until)
        else:
            search.offer(guided_routes(problem, whole, left * share, hint=start))
        search.offer(other.result(timeout=until - time.monotonic() + FORK_GRACE))
        return
    guided = left * (GUIDED_SHARE if tied else share)
    search.offer(guided_routes(problem, whole, guided, hint=start))
    if tied:
        _relaxed_track(search, start, left * RELAXED_SHARE, until)


def _relaxed_track(
    search: Search, start: dict[int, list[int]] | None, seconds: float, until: float
) -> None:
    """The search without the dependencies' start differences for ``seconds``, its
    routes made whole, then the full search from them until ``until``."""
    problem, whole = search.problem, search.whole
    loose = relaxed_routes(problem, whole, seconds, hint=start)
    if loose is None:
        return
    search.offer(loose)
    search.offer(guided_routes(problem, whole, until - time.monotonic(), hint=loose))


def solve_routes(
    scenario: Scenario,
    *,
    seconds: float = 60.0,
    threads: int = 2,
    hint: Mapping[str, Sequence[str]] | None = None,
    hint_starts: Mapping[str, float] | None = None,
    seed: int = 0,
) -> Routing:
    """Every gap served, least (travel + total lateness + max lateness) / 3.

    ``hint`` (worker id -> gap ids in order) and ``hint_starts`` (minutes from the
    horizon start, by gap id) give a warm start. Raises :class:`RoutingError` when some
    visit has too few eligible workers. The plan has status ``no_solution`` (and no
    assignments) when nothing is found in time.
    """
    started = time.monotonic()
    deadline = started + seconds
    problem = Problem(scenario, max_candidates_per_gap=None)
    whole = RoutingModel(problem, FINE)
    search = Search(problem, whole)
    if hint:
        routes = {
            problem.worker_by_id[w].index: [problem.gap_by_id[g].index for g in gaps]
            for w, gaps in hint.items()
        }
        starts = {
            problem.gap_by_id[g].index: round(m * FINE) for g, m in (hint_starts or {}).items()
        }
        if whole.hint(routes, starts):
            timed = whole.timing(routes, starts)
            assert timed is not None
            search.routes = {w: list(gaps) for w, gaps in routes.items()}
            search.starts = timed
    share = WHOLE_SHARE[0] if len(problem.gaps) <= SMALL else WHOLE_SHARE[1]
    solver = _solver(seconds * share, threads, seed)
    status = solver.solve(whole.model)
    found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    optimal = status == cp_model.OPTIMAL
    bound = solver.best_objective_bound / FINE / 3
    if found and (not search.starts or solver.objective_value < search.objective()):
        search.take(whole, solver)
    if not optimal:
        _route_passes(search, deadline, threads)
    if not search.starts:
        plan = Plan(
            format=scenario.plan_format,
            scenario=scenario.name,
            status="no_solution",
            metrics=Metrics(solve_seconds=round(time.monotonic() - started, 3), mode="routing"),
        )
        return Routing(plan, {}, {}, False, bound)
    tried = kept = 0
    rng = random.Random(seed)
    size = min(FIRST_SIZE, len(problem.gaps))
    while not optimal and time.monotonic() + 0.2 < deadline and len(problem.workers) > 1:
        step = min(STEP_SECONDS, deadline - time.monotonic())
        workers, free = search.neighbourhood(rng, size)
        better, proven = search.improve(workers, free, step, threads, seed + tried)
        tried += 1
        kept += better
        # solved to the end: look wider; out of time: narrower
        size = min(len(problem.gaps), size + GROW) if proven else max(LEAST_SIZE, size - SHRINK)
    by_id = {
        problem.workers[w].id: [problem.gaps[g].id for g in gaps]
        for w, gaps in sorted(search.routes.items())
        if gaps
    }
    exact = {problem.gaps[g].id: s / FINE for g, s in search.starts.items()}
    plan = _whole_minute_plan(problem, search.routes, started, threads, seed, optimal)
    return Routing(plan, exact, by_id, optimal, bound, tried, kept)


def minute_starts(
    whole: RoutingModel, routes: dict[int, list[int]], threads: int, seed: int
) -> tuple[dict[int, int] | None, bool]:
    """Starts in whole minutes for ``routes`` with the least lateness, and whether they are
    proven the least. The earliest timing meeting every constraint (travel, windows'
    openings, dependencies: all differences of starts) is the least start of every visit
    at once, so it has the least total and largest lateness; CP-SAT times the routes only
    where that timing cannot be found."""
    earliest = whole.timing(routes)
    if earliest is not None:
        return earliest, True
    whole.hint(routes, fix=True)
    solver = _solver(10.0, threads, seed)
    status = solver.solve(whole.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, False
    return {g: solver.value(var) for g, var in whole.start.items()}, status == cp_model.OPTIMAL


def _whole_minute_plan(
    problem: Problem,
    routes: dict[int, list[int]],
    started: float,
    threads: int,
    seed: int,
    optimal: bool,
) -> Plan:
    """The routes timed again in whole minutes, with the least lateness."""
    scenario = problem.scenario
    whole = RoutingModel(problem, 1)
    starts, least = minute_starts(whole, routes, threads, seed)
    if starts is None:
        return Plan(
            format=scenario.plan_format,
            scenario=scenario.name,
            status="no_solution",
            metrics=Metrics(solve_seconds=round(time.monotonic() - started, 3), mode="routing"),
        )
    assignments = []
    travel = 0.0
    for w, gaps in routes.items():
        slot = problem.workers[w]
        places = [slot.home] + [problem.gaps[g].location for g in gaps] + [slot.home]
        travel += sum(whole.exact_minutes(w, a, b) for a, b in itertools.pairwise(places))
        for g in gaps:
            start = starts[g]
            assignments.append(
                Assignment(
                    gap_id=problem.gaps[g].id,
                    worker_id=slot.id,
                    start=problem.instant(start),
                    end=problem.instant(start + problem.gaps[g].length),
                )
            )
    lateness = [max(0, starts[g] - problem.gaps[g].latest_start) for g in whole.gaps]
    most = max(lateness, default=0)
    metrics = Metrics(
        travel_minutes=round(travel),
        solve_seconds=round(time.monotonic() - started, 3),
        lateness_minutes={"total": sum(lateness), "max": most},
        objective=round((travel + sum(lateness) + most) / 3, 4),
        mode="routing",
    )
    return Plan(
        format=scenario.plan_format,
        scenario=scenario.name,
        status="optimal" if optimal and least else "feasible",
        assignments=assignments,
        metrics=metrics,
    )
