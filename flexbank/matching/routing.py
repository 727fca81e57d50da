"""The visit-routing solve mode: every visit served, least (travel + total + max lateness) / 3.

This is the objective of the published home-care routing benchmarks (Mankowska et al.
2014, Kummer et al. 2021) and not rules.md section 3: no priorities, no unfilled gaps, and
lateness past a visit's tolerance (up to ``late_minutes_allowed``) is a cost, not a reason
to leave it. It is built from the same :class:`~flexbank.matching.problem.Problem` as the
matching optimiser (the compliance screen's candidates, ``Problem.travel`` with the
scenario's travel matrix), as its own CP-SAT model: one circuit per worker over the gaps
that worker may take (the standard CP-SAT routing formulation, a skipped gap is a
self-loop), an integer start per gap, and rule 13's dependencies as start differences and,
with ``other_worker``, as "not both" between a worker's two visits.

Two passes. The routes are found in thousandths of a minute, as the published problems
are stated in continuous time (a fractional matrix entry is rounded up to the thousandth):
that schedule, ``Routing.exact_starts``, is what the benchmark scores. The plan then keeps
those routes (who takes which visit, in which order) and times them again in whole minutes,
as the format's engagements are (a fractional entry rounded up to the minute where it
separates two visits), with the least lateness: ``Routing.plan``, which the checker judges.
Each worker's day starts at the later of the start of their first availability and the
end of their last commitment before it; every worker goes home after their last visit.

>>> routing = solve_routes(scenario, seconds=60)
>>> routing.plan                                         # a flexbank.plan/2.1
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from flexbank.matching.problem import Problem
from flexbank.models import Assignment, Metrics, Plan, Scenario

#: time units per minute of the routing pass (travel entries have 3 decimals or more)
FINE = 1000


class RoutingError(ValueError):
    """A scenario this mode cannot serve in full (names the visit and why)."""


@dataclass(frozen=True)
class Leg:
    worker: int
    origin: int  # node index in the worker's circuit (0: home)
    target: int


class RoutingModel:
    """The CP-SAT model of one scenario in the routing mode."""

    def __init__(self, problem: Problem, unit: int = FINE) -> None:
        self.problem = problem
        self.unit = unit
        self.model = cp_model.CpModel()
        gaps = problem.gaps
        u = unit
        self.late = [problem.scenario.gaps[g.index].lateness_allowed for g in gaps]
        self.start = [
            self.model.new_int_var(g.start * u, (g.latest_start + late) * u, f"start_{g.id}")
            for g, late in zip(gaps, self.late, strict=True)
        ]
        self.lateness = [
            self.model.new_int_var(0, late * u, f"late_{g.id}")
            for g, late in zip(gaps, self.late, strict=True)
        ]
        for g, var in zip(gaps, self.lateness, strict=True):
            self.model.add(var >= self.start[g.index] - g.latest_start * u)
        self.max_lateness = self.model.new_int_var(0, max(self.late, default=0) * u, "max_late")
        for var in self.lateness:
            self.model.add(self.max_lateness >= var)
        #: per worker: its circuit's gaps (node i + 1 is gap nodes[w][i])
        self.nodes: list[list[int]] = [[] for _ in problem.workers]
        for c in problem.candidates:
            self.nodes[c.worker].append(c.gap)
        self.visit: dict[tuple[int, int], cp_model.IntVar] = {}
        self.arcs: dict[Leg, cp_model.IntVar] = {}
        self.travel_cost: list[cp_model.LinearExprT] = []
        for w in range(len(problem.workers)):
            self._circuit(w)
        self._serve_every_visit()
        self._dependencies()
        # travel in thousandths of a minute, lateness in the model's unit
        self.model.minimize(
            sum(self.travel_cost) + FINE // unit * (sum(self.lateness) + self.max_lateness)
        )

    # ------------------------------------------------------------------ pieces

    def departure(self, w: int) -> int:
        """When worker ``w`` may leave home: the later of their first availability and the
        end of their last commitment before it."""
        worker = self.problem.scenario.workers[w]
        opens = min((self.problem.minute(p.start) for p in worker.availability), default=0)
        ends = [f.end for f in self.problem.workers[w].fixed if f.start <= opens]
        return max([opens, *ends])

    def exact_minutes(self, w: int, a: int, b: int) -> float:
        """Travel from location ``a`` to ``b`` as the objective counts it (a matrix
        entry as given, else the whole-minute estimate)."""
        slot = self.problem.workers[w]
        if a == b:
            return 0.0
        roads = self.problem.roads
        if roads is not None:
            entry = roads.minutes(
                self.problem.locations[a], self.problem.locations[b], slot.mode
            )
            if entry is not None:
                return entry
        return float(self.problem.travel(slot.mode, a, b))

    def separation(self, w: int, a: int, b: int) -> int:
        """Travel from location ``a`` to ``b`` in the model's unit, rounded up."""
        if self.unit == 1:
            return self.problem.travel(self.problem.workers[w].mode, a, b)
        return math.ceil(self.exact_minutes(w, a, b) * self.unit - 1e-6)

    def _circuit(self, w: int) -> None:
        problem, slot = self.problem, self.problem.workers[w]
        u = self.unit
        gaps = [problem.gaps[g] for g in self.nodes[w]]
        places = [slot.home] + [g.location for g in gaps]
        leave = self.departure(w) * u
        arcs: list[tuple[int, int, cp_model.LiteralT]] = []
        used = self.model.new_bool_var(f"used_{slot.id}")
        arcs.append((0, 0, ~used))
        for i, gap in enumerate(gaps, start=1):
            visit = self.model.new_bool_var(f"visit_{slot.id}_{gap.id}")
            self.visit[(w, gap.index)] = visit
            arcs.append((i, i, ~visit))
            self.model.add_implication(visit, used)
        for i in range(len(places)):
            for j in range(len(places)):
                if i == j:
                    continue
                lit = self.model.new_bool_var(f"arc_{slot.id}_{i}_{j}")
                arcs.append((i, j, lit))
                self.arcs[Leg(w, i, j)] = lit
                cost = round(self.exact_minutes(w, places[i], places[j]) * FINE)
                if cost:
                    self.travel_cost.append(cost * lit)
                if j == 0:
                    continue
                target = self.start[gaps[j - 1].index]
                travel = self.separation(w, places[i], places[j])
                if i == 0:
                    self.model.add(target >= leave + travel).only_enforce_if(lit)
                else:
                    before = gaps[i - 1]
                    self.model.add(
                        target >= self.start[before.index] + before.length * u + travel
                    ).only_enforce_if(lit)
        self.model.add_circuit(arcs)

    def _serve_every_visit(self) -> None:
        for gap in self.problem.gaps:
            takers = [v for (w, g), v in self.visit.items() if g == gap.index]
            if len(takers) < gap.headcount:
                raise RoutingError(
                    f"visit {gap.id}: {len(takers)} worker(s) may take it, it needs "
                    f"{gap.headcount}"
                )
            self.model.add(sum(takers) == gap.headcount)

    def _dependencies(self) -> None:
        """Rule 13: start differences, and ``other_worker`` as "not both"."""
        problem = self.problem
        for gap in problem.scenario.gaps:
            g = problem.gap_by_id[gap.id].index
            for entry in gap.after:
                h = problem.gap_by_id[entry.gap_id].index
                apart = self.start[g] - self.start[h]
                self.model.add(apart >= entry.min_minutes * self.unit)
                if entry.max_minutes is not None:
                    self.model.add(apart <= entry.max_minutes * self.unit)
                if entry.other_worker:
                    for w in range(len(problem.workers)):
                        mine, theirs = self.visit.get((w, g)), self.visit.get((w, h))
                        if mine is not None and theirs is not None:
                            self.model.add_bool_or([~mine, ~theirs])

    # -------------------------------------------------------------------- hint

    def hint(self, routes: Mapping[str, Sequence[str]], *, fix: bool = False) -> None:
        """Start the search from given routes (worker id -> gap ids in order); with
        ``fix``, keep exactly those routes (only the starts are left to choose)."""
        problem = self.problem
        follows: set[Leg] = set()
        visits: set[tuple[int, int]] = set()
        for worker_id, gap_ids in routes.items():
            w = problem.worker_by_id[worker_id].index
            position = {g: i + 1 for i, g in enumerate(self.nodes[w])}
            order = [position[problem.gap_by_id[g].index] for g in gap_ids]
            visits.update((w, problem.gap_by_id[g].index) for g in gap_ids)
            if order:
                path = [0, *order, 0]
                follows.update(Leg(w, a, b) for a, b in zip(path, path[1:]))
        for leg, lit in self.arcs.items():
            if fix:
                self.model.add(lit == (leg in follows))
            else:
                self.model.add_hint(lit, leg in follows)
        for key, lit in self.visit.items():
            if fix:
                self.model.add(lit == (key in visits))
            else:
                self.model.add_hint(lit, key in visits)


def _routes_of(model: RoutingModel, solver: cp_model.CpSolver) -> dict[int, list[int]]:
    routes: dict[int, list[int]] = {}
    for (w, g), visit in model.visit.items():
        if solver.boolean_value(visit):
            routes.setdefault(w, []).append(g)
    for w in routes:
        routes[w].sort(key=lambda g: solver.value(model.start[g]))
    return routes


@dataclass(frozen=True)
class Routing:
    """The routing mode's answer: the plan (whole minutes) and the routes' schedule in
    continuous time (minutes from the horizon start, by gap id)."""

    plan: Plan
    exact_starts: dict[str, float]
    routes: dict[str, list[str]]  # worker id -> gap ids in order
    proven_optimal: bool
    lower_bound: float  # of the published objective, from the continuous pass


def _solver(seconds: float, threads: int, seed: int) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = threads
    solver.parameters.random_seed = seed
    return solver


def solve_routes(
    scenario: Scenario,
    *,
    seconds: float = 60.0,
    threads: int = 2,
    hint: Mapping[str, Sequence[str]] | None = None,
    seed: int = 0,
) -> Routing:
    """Every gap served, least (travel + total lateness + max lateness) / 3.

    Raises :class:`RoutingError` when some visit has too few eligible workers. The plan
    has status ``no_solution`` (and no assignments) when nothing is found in time.
    """
    started = time.monotonic()
    problem = Problem(scenario, max_candidates_per_gap=None)
    fine = RoutingModel(problem, FINE)
    if hint:
        fine.hint(hint)
    solver = _solver(seconds, threads, seed)
    status = solver.solve(fine.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        plan = Plan(
            format=scenario.plan_format,
            scenario=scenario.name,
            status="no_solution",
            metrics=Metrics(solve_seconds=round(time.monotonic() - started, 3), mode="routing"),
        )
        return Routing(plan, {}, {}, False, solver.best_objective_bound / FINE / 3)
    routes = {
        problem.workers[w].id: [problem.gaps[g].id for g in gaps]
        for w, gaps in sorted(_routes_of(fine, solver).items())
    }
    exact = {g.id: solver.value(fine.start[g.index]) / FINE for g in problem.gaps}
    optimal = status == cp_model.OPTIMAL
    bound = solver.best_objective_bound / FINE / 3
    plan = _whole_minute_plan(problem, routes, started, seconds, threads, seed, optimal)
    return Routing(plan, exact, routes, optimal, bound)


def _whole_minute_plan(
    problem: Problem,
    routes: dict[str, list[str]],
    started: float,
    seconds: float,
    threads: int,
    seed: int,
    optimal: bool,
) -> Plan:
    """The routes timed again in whole minutes, with the least lateness."""
    scenario = problem.scenario
    whole = RoutingModel(problem, 1)
    whole.hint(routes, fix=True)
    solver = _solver(max(1.0, seconds / 10), threads, seed)
    status = solver.solve(whole.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Plan(
            format=scenario.plan_format,
            scenario=scenario.name,
            status="no_solution",
            metrics=Metrics(solve_seconds=round(time.monotonic() - started, 3), mode="routing"),
        )
    assignments = []
    travel = 0.0
    for worker_id, gap_ids in routes.items():
        slot = problem.worker_by_id[worker_id]
        gaps = [problem.gap_by_id[g] for g in gap_ids]
        places = [slot.home] + [g.location for g in gaps] + [slot.home]
        travel += sum(whole.exact_minutes(slot.index, a, b) for a, b in itertools.pairwise(places))
        for gap in gaps:
            start = solver.value(whole.start[gap.index])
            assignments.append(
                Assignment(
                    gap_id=gap.id,
                    worker_id=slot.id,
                    start=problem.instant(start),
                    end=problem.instant(start + gap.length),
                )
            )
    lateness = [solver.value(v) for v in whole.lateness]
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
        status="optimal" if optimal and status == cp_model.OPTIMAL else "feasible",
        assignments=assignments,
        metrics=metrics,
    )
