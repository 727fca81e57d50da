"""The CP-SAT model of the visit-routing mode (see :mod:`flexbank.matching.routing`).

One circuit per worker over the gaps that worker may take (the compliance screen's
candidates; a skipped gap is a self-loop, an unused worker the home's self-loop), an integer
start per gap, lateness past ``start + start_tolerance_minutes`` up to
``late_minutes_allowed``, and rule 13's dependencies: start differences, and with
``other_worker`` "not both" for each worker. The objective is travel (thousandths of a
minute, a matrix entry as given) plus total lateness plus the largest lateness.

A model may cover part of a plan (a neighbourhood of the search): some workers and the
gaps they serve, with the other gaps' starts fixed (``fixed``), some of its own gaps kept
with their worker and start (``locked``), and the largest lateness elsewhere as a floor
(``lateness_floor``).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ortools.sat.python import cp_model

from flexbank.matching.problem import Problem

#: time units per minute of the routing pass (travel entries have 3 decimals or more)
FINE = 1000


class RoutingError(ValueError):
    """A scenario this mode cannot serve in full (names the visit and why)."""


@dataclass(frozen=True)
class Leg:
    worker: int
    origin: int  # node index in the worker's circuit (0: home)
    target: int


Routes = Mapping[int, Sequence[int]]  # worker index -> gap indices in order


class RoutingModel:
    """The model over ``workers`` and ``gaps`` (all of them by default)."""

    def __init__(
        self,
        problem: Problem,
        unit: int = FINE,
        *,
        workers: Collection[int] | None = None,
        gaps: Collection[int] | None = None,
        fixed: Mapping[int, int] | None = None,
        locked: Mapping[int, tuple[int, int]] | None = None,
        lateness_floor: int = 0,
    ) -> None:
        self.problem = problem
        self.unit = u = unit
        self.model = cp_model.CpModel()
        self.workers = sorted(range(len(problem.workers)) if workers is None else workers)
        self.gaps = sorted(range(len(problem.gaps)) if gaps is None else gaps)
        self.fixed = dict(fixed or {})
        self.late = {g: problem.scenario.gaps[g].lateness_allowed for g in self.gaps}
        self.start: dict[int, cp_model.IntVar] = {}
        self.lateness: dict[int, cp_model.IntVar] = {}
        for g in self.gaps:
            slot = problem.gaps[g]
            self.start[g] = self.model.new_int_var(
                slot.start * u, (slot.latest_start + self.late[g]) * u, f"start_{slot.id}"
            )
            self.lateness[g] = self.model.new_int_var(0, self.late[g] * u, f"late_{slot.id}")
            self.model.add(self.lateness[g] >= self.start[g] - slot.latest_start * u)
        top = max([*self.late.values(), 0]) * u
        self.max_lateness = self.model.new_int_var(min(lateness_floor, top), top, "max_late")
        self.model.add(self.max_lateness >= lateness_floor)
        for var in self.lateness.values():
            self.model.add(self.max_lateness >= var)
        inside = set(self.gaps)
        self.locked = dict(locked or {})
        #: per worker: its circuit's gaps (node i + 1 is gap nodes[w][i])
        self.nodes: dict[int, list[int]] = {w: [] for w in self.workers}
        for c in problem.candidates:
            kept = self.locked.get(c.gap)
            if c.worker in self.nodes and c.gap in inside and (kept is None or kept[0] == c.worker):
                self.nodes[c.worker].append(c.gap)
        #: per worker: its locked gaps in order of start, which no arc may reorder
        self.sequence: dict[int, list[int]] = {w: [] for w in self.workers}
        for g, (w, _) in sorted(self.locked.items(), key=lambda item: item[1][1]):
            self.sequence[w].append(g)
        self.visit: dict[tuple[int, int], cp_model.IntVar] = {}
        self.used: dict[int, cp_model.IntVar] = {}
        self.arcs: dict[Leg, cp_model.IntVar] = {}
        self.travel_cost: list[cp_model.LinearExprT] = []
        for w in self.workers:
            self._circuit(w)
        self._serve_every_visit()
        self._dependencies()
        for g, (w, start) in self.locked.items():
            self.model.add(self.start[g] == start)
            self.model.add(self.visit[(w, g)] == 1)
        self.model.minimize(
            cp_model.LinearExpr.sum(self.travel_cost)
            + FINE
            // u
            * (cp_model.LinearExpr.sum(list(self.lateness.values())) + self.max_lateness)
        )

    # ------------------------------------------------------------------ pieces

    def departure(self, w: int) -> int:
        """When worker ``w`` may leave home (minutes): the later of their first
        availability and the end of their last commitment before it."""
        worker = self.problem.scenario.workers[w]
        opens = min((self.problem.minute(p.start) for p in worker.availability), default=0)
        ends = [f.end for f in self.problem.workers[w].fixed if f.start <= opens]
        return max([opens, *ends])

    def exact_minutes(self, w: int, a: int, b: int) -> float:
        """Travel from location ``a`` to ``b`` as the objective counts it (a matrix
        entry as given, else the whole-minute estimate)."""
        if a == b:
            return 0.0
        problem = self.problem
        mode = problem.workers[w].mode
        if problem.roads is not None:
            entry = problem.roads.minutes(problem.locations[a], problem.locations[b], mode)
            if entry is not None:
                return entry
        return float(problem.travel(mode, a, b))

    def separation(self, w: int, a: int, b: int) -> int:
        """Travel from location ``a`` to ``b`` in the model's unit, rounded up."""
        if self.unit == 1:
            return self.problem.travel(self.problem.workers[w].mode, a, b)
        return math.ceil(self.exact_minutes(w, a, b) * self.unit - 1e-6)

    def _circuit(self, w: int) -> None:
        problem, slot, u = self.problem, self.problem.workers[w], self.unit
        gaps = [problem.gaps[g] for g in self.nodes[w]]
        places = [slot.home] + [g.location for g in gaps]
        leave = self.departure(w) * u
        used = self.used[w] = self.model.new_bool_var(f"used_{slot.id}")
        arcs: list[tuple[int, int, cp_model.LiteralT]] = [(0, 0, ~used)]
        for i, gap in enumerate(gaps, start=1):
            visit = self.visit[(w, gap.index)] = self.model.new_bool_var(f"v_{slot.id}_{gap.id}")
            arcs.append((i, i, ~visit))
            self.model.add_implication(visit, used)
        order = self.sequence[w]
        following = dict(itertools.pairwise([None, *order, None]))
        kept = set(order)
        for i, j in itertools.permutations(range(len(places)), 2):
            a = None if i == 0 else gaps[i - 1].index
            b = None if j == 0 else gaps[j - 1].index
            both_kept = (a is None or a in kept) and (b is None or b in kept)
            if order and both_kept and following.get(a, -1) != b:
                continue  # locked visits keep their order (home first and last)
            lit = self.arcs[Leg(w, i, j)] = self.model.new_bool_var(f"arc_{slot.id}_{i}_{j}")
            arcs.append((i, j, lit))
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
        for g in self.gaps:
            gap = self.problem.gaps[g]
            takers = [self.visit[(w, g)] for w in self.workers if (w, g) in self.visit]
            if len(takers) < gap.headcount:
                raise RoutingError(
                    f"visit {gap.id}: {len(takers)} worker(s) may take it, it needs {gap.headcount}"
                )
            self.model.add(sum(takers) == gap.headcount)

    def links(self) -> list[tuple[int, int, int, int | None, bool]]:
        """Every dependency as (G, H, min, max, other_worker), by gap index."""
        by_id = self.problem.gap_by_id
        return [
            (
                by_id[gap.id].index,
                by_id[e.gap_id].index,
                e.min_minutes,
                e.max_minutes,
                e.other_worker,
            )
            for gap in self.problem.scenario.gaps
            for e in gap.after
        ]

    def _when(self, g: int) -> Any:
        if g in self.start:
            return self.start[g]
        return self.fixed.get(g)

    def _dependencies(self) -> None:
        """Rule 13: start differences, and ``other_worker`` as "not both"."""
        u = self.unit
        for g, h, low, high, other in self.links():
            mine, theirs = self._when(g), self._when(h)
            if mine is None or theirs is None or (g not in self.start and h not in self.start):
                continue
            self.model.add(mine - theirs >= low * u)
            if high is not None:
                self.model.add(mine - theirs <= high * u)
            if other:
                for w in self.workers:
                    a, b = self.visit.get((w, g)), self.visit.get((w, h))
                    if a is not None and b is not None:
                        self.model.add_bool_or([~a, ~b])

    # ---------------------------------------------------------- warm starts

    def timing(
        self,
        routes: Routes,
        starts: Mapping[int, int] | None = None,
        *,
        links: Sequence[tuple[int, int, int, int | None, bool]] | None = None,
    ) -> dict[int, int] | None:
        """Starts (model unit, by gap) that make ``routes`` meet every timing constraint:
        each start at least its window's opening, its given start and its arrival, and
        every dependency's minimum (``links``: all of them by default); a dependency's
        maximum pushes the earlier gap later. None when pushing cannot meet them (a
        window closes, or a fixed gap would move). Starts only ever move later, so the
        first start pushed past its window's close is the answer."""
        problem, u = self.problem, self.unit
        value = {g: max(problem.gaps[g].start * u, (starts or {}).get(g, 0)) for g in self.gaps}
        value.update(self.fixed)
        close = {g: (problem.gaps[g].latest_start + self.late[g]) * u for g in self.gaps}
        links = self.links() if links is None else links
        # each route as its departure and (gap, travel to it, length) steps
        paths = []
        for w, gaps in routes.items():
            place, steps = problem.workers[w].home, []
            for g in gaps:
                gap = problem.gaps[g]
                steps.append((g, self.separation(w, place, gap.location), gap.length * u))
                place = gap.location
            paths.append((self.departure(w) * u, steps))
        for _ in range(4 * len(self.gaps) + 4):
            changed = False
            for free, steps in paths:
                for g, travel, length in steps:
                    arrive = free + travel
                    if value[g] < arrive:
                        if arrive > close.get(g, math.inf):
                            return None
                        value[g], changed = arrive, True
                    free = value[g] + length
            for g, h, low, high, _ in links:
                if g not in value or h not in value:
                    continue
                if value[g] < value[h] + low * u:
                    if g in self.fixed or value[h] + low * u > close.get(g, math.inf):
                        return None
                    value[g], changed = value[h] + low * u, True
                if high is not None and value[g] > value[h] + high * u:
                    if h in self.fixed or value[g] - high * u > close.get(h, math.inf):
                        return None
                    value[h], changed = value[g] - high * u, True
            if not changed:
                break
        else:
            return None
        if any(value[g] > close[g] for g in self.gaps):
            return None
        return {g: value[g] for g in self.gaps}

    def objective(self, routes: Routes, starts: Mapping[int, int]) -> int:
        """Travel (thousandths of a minute) + total + largest lateness (model unit) of
        ``routes`` started at ``starts``."""
        problem, total = self.problem, 0
        for w, gaps in routes.items():
            home = problem.workers[w].home
            places = [home, *(problem.gaps[g].location for g in gaps), home]
            total += sum(
                round(self.exact_minutes(w, a, b) * FINE) for a, b in itertools.pairwise(places)
            )
        late = [max(0, s - problem.gaps[g].latest_start * self.unit) for g, s in starts.items()]
        return total + FINE // self.unit * (sum(late) + max(late, default=0))

    def hint(
        self, routes: Routes, starts: Mapping[int, int] | None = None, *, fix: bool = False
    ) -> bool:
        """Start the search from ``routes`` (timed again to meet this model); with
        ``fix``, keep exactly those routes (only the starts are left to choose). Whether
        the hint is complete (the routes could be timed)."""
        follows: set[Leg] = set()
        visits: set[tuple[int, int]] = set()
        for w, gaps in routes.items():
            position = {g: i + 1 for i, g in enumerate(self.nodes[w])}
            visits.update((w, g) for g in gaps)
            if gaps:
                path = [0, *(position[g] for g in gaps), 0]
                follows.update(Leg(w, a, b) for a, b in itertools.pairwise(path))
        for leg, lit in self.arcs.items():
            self._set(lit, leg in follows, fix)
        for key, lit in self.visit.items():
            self._set(lit, key in visits, fix)
        for w, used in self.used.items():
            self.model.add_hint(used, bool(routes.get(w)))
        timed = self.timing(routes, starts)
        if timed is None:
            return False
        most = 0
        for g, var in self.lateness.items():
            late = max(0, timed[g] - self.problem.gaps[g].latest_start * self.unit)
            most = max(most, late)
            self.model.add_hint(self.start[g], timed[g])
            self.model.add_hint(var, late)
        self.model.add_hint(self.max_lateness, most)
        return True

    def _set(self, lit: cp_model.IntVar, value: bool, fix: bool) -> None:
        if fix:
            self.model.add(lit == int(value))
        else:
            self.model.add_hint(lit, value)

    def routes_of(self, solver: cp_model.CpSolver) -> dict[int, list[int]]:
        """The solved routes (worker -> gaps in order of start)."""
        routes: dict[int, list[int]] = {w: [] for w in self.workers}
        for (w, g), visit in self.visit.items():
            if solver.boolean_value(visit):
                routes[w].append(g)
        for w in routes:
            routes[w].sort(key=lambda g: solver.value(self.start[g]))
        return routes
