"""An upper bound on covered hours: the linear relaxation of rules.md section 2.

Per priority, the most covered minutes a plan could reach given the plan's minutes of
the higher priorities, over every eligible (worker, gap) pair (the optimiser's cap on
candidates does not apply here, so the bound holds for the whole bank). A fractional
assignment ``0 <= x <= 1`` per pair keeps only rules that stay linear and sound:

- headcount (rule 2): at most ``headcount`` workers a gap; pins are 1;
- one place at a time (rule 5): per worker, the pairs whose engagements must all
  cover one moment whatever their start (interval cliques), at most one; a pair whose
  certain time meets a commitment is 0;
- offered hours (rule 11), visa hours (rule 10) and the 48-hour average (rule 9), per
  week, counting each pair's fewest minutes in that week (travel left out);
- daily rest and duty span (rule 7): in any ``duty_span + daily_rest`` (24 h) at most
  ``duty_span`` (13 h) of engagements.

Every relaxed rule only widens the feasible set, so the optimum is an upper bound.
Solved with GLOP, OR-Tools' simplex; the fractional solution also tells the
neighbourhood search where coverage may still be found.
"""

from __future__ import annotations

import math
import time
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ortools.linear_solver import pywraplp

from flexbank.matching.model import Pair
from flexbank.matching.problem import Candidate, Problem
from flexbank.models import PRIORITIES

#: Above this many pairs the relaxation is not built (memory and time); the simple
#: candidate bound stands instead.
MAX_PAIRS = 1_500_000


@dataclass
class Relaxation:
    """The bound per priority (minutes) and the fractional plan behind the last one."""

    bounds: dict[str, float] = field(default_factory=dict)
    values: dict[str, dict[Pair, float]] = field(default_factory=dict)
    pairs: int = 0
    seconds: float = 0.0
    #: the plan's minutes per priority it was solved for
    plan_minutes: dict[str, float] = field(default_factory=dict)


#: Up to this many candidate pairs, the relaxation asks every eligible worker of the
#: gaps the cap cut short; above it, such a gap gets a free "someone else" fill instead
#: (still a bound, a looser one), since judging every pair would take minutes.
EXHAUSTIVE_CANDIDATES = 50_000


def eligible_pairs(problem: Problem) -> list[Candidate]:
    """Every eligible pair: the candidates, and for gaps the cap cut short, the rest."""
    pairs = list(problem.candidates)
    for g in sorted(problem.capped):
        known = {c.worker for c in problem.by_gap.get(g, ())}
        pairs.extend(c for c in problem.candidates_for_gap(g, limit=False) if c.worker not in known)
    return pairs


def _fewest_minutes(problem: Problem, c: Candidate, length: int) -> dict[int, int]:
    """Per week, the fewest minutes the engagement can have in it over its starts."""
    weeks: dict[int, int] | None = None
    for start in {c.earliest, c.latest}:
        here = dict(problem.split_by_week(start, start + length))
        weeks = here if weeks is None else {w: min(m, here.get(w, 0)) for w, m in weeks.items()}
    return {w: m for w, m in (weeks or {}).items() if m > 0}


class _Builder:
    def __init__(
        self,
        problem: Problem,
        pairs: Sequence[Candidate],
        kept: Iterable[Pair],
        open_gaps: Iterable[int] = (),
    ) -> None:
        self.problem = problem
        self.solver = pywraplp.Solver.CreateSolver("GLOP")
        self.pairs = pairs
        pinned = set(kept)
        self.pinned = [(c.worker, c.gap) in pinned for c in pairs]
        self.x = [self.solver.NumVar(1.0 if p else 0.0, 1.0, "") for p in self.pinned]
        self.minutes = [_fewest_minutes(problem, c, problem.gaps[c.gap].length) for c in pairs]
        self.by_worker: dict[int, list[int]] = defaultdict(list)
        for k, c in enumerate(pairs):
            self.by_worker[c.worker].append(k)
        #: per gap whose list was cut short (when not every pair is judged): the fill by
        #: workers beyond the list, bounded by the headcount only
        self.beyond = {
            g: self.solver.NumVar(0.0, float(problem.gaps[g].headcount), "") for g in open_gaps
        }

    def _row(self, upper: float, items: Iterable[tuple[int, float]]) -> None:
        row = self.solver.Constraint(-self.solver.infinity(), max(upper, 0.0))
        for k, coefficient in items:
            row.SetCoefficient(self.x[k], coefficient)

    def headcount(self) -> None:
        by_gap: dict[int, list[int]] = defaultdict(list)
        for k, c in enumerate(self.pairs):
            by_gap[c.gap].append(k)
        for g, items in by_gap.items():
            gap = self.problem.gaps[g]
            if gap.together and len(items) < gap.headcount and g not in self.beyond:
                for k in items:
                    self.x[k].SetUb(0.0)
                continue
            row = self.solver.Constraint(-self.solver.infinity(), float(gap.headcount))
            for k in items:
                row.SetCoefficient(self.x[k], 1.0)
            if g in self.beyond:
                row.SetCoefficient(self.beyond[g], 1.0)

    def one_place_at_a_time(self, w: int) -> None:
        problem = self.problem
        fixed = problem.workers[w].fixed
        fixed_starts = [f.start for f in fixed]
        cores = []
        for k in self.by_worker[w]:
            c = self.pairs[k]
            lo, hi = c.latest, c.earliest + problem.gaps[c.gap].length
            if lo >= hi:
                continue
            # a commitment inside the certain time: impossible
            i = bisect_left(fixed_starts, hi)
            if any(f.end > lo for f in fixed[max(0, i - 8) : i]):
                self.x[k].SetUb(0.0)
                continue
            cores.append((lo, hi, k))
        events = sorted([(lo, 1, k) for lo, _, k in cores] + [(hi, 0, k) for _, hi, k in cores])
        active: set[int] = set()
        grown = False
        for _, kind, k in events:
            if kind == 1:
                active.add(k)
                grown = True
            else:
                if grown and len(active) > 1:
                    self._row(1.0, ((j, 1.0) for j in active))
                grown = False
                active.discard(k)

    def duty_span(self, w: int) -> None:
        """Rule 7 on engagement minutes: in any stretch of ``duty_span + daily_rest``
        (24 h by default) a worker works at most ``duty_span``. (One duty period in it
        spans at most that; two or more leave a whole daily rest between them inside
        it.) One row per stretch starting where a pair can start earliest, over the
        pairs and commitments wholly inside it; a row that cannot bind is left out."""
        problem = self.problem
        span, rest = problem.limits.duty_span, problem.limits.daily_rest
        length = span + rest
        fixed = problem.workers[w].fixed
        items = []  # (earliest start, latest end, pair, minutes)
        for k in self.by_worker[w]:
            c = self.pairs[k]
            length_k = problem.gaps[c.gap].length
            items.append((c.earliest, c.latest + length_k, k, float(length_k)))
        items.sort()
        starts = [item[0] for item in items]
        fixed_starts = [f.start for f in fixed]
        total = [0.0]  # minutes of items[:i]
        for item in items:
            total.append(total[-1] + item[3])
        previous: set[int] = set()
        for i, start in enumerate(starts):
            end = start + length
            last = bisect_left(starts, end, lo=i)  # items[i:last] start inside
            if last - i < 2:
                continue  # fewer than two pairs can be inside: it cannot bind
            busy = sum(
                f.end - f.start
                for f in fixed[bisect_left(fixed_starts, start) : bisect_left(fixed_starts, end)]
                if f.end <= end
            )
            if busy > span:
                continue  # commitments alone break it (rule 7 exempts such periods)
            if total[last] - total[i] <= span - busy:
                continue  # even every pair starting inside fits: it cannot bind
            inside = [(k, minutes) for _, e, k, minutes in items[i:last] if e <= end]
            keys = {k for k, _ in inside}
            if len(keys) < 2 or keys <= previous or sum(m for _, m in inside) <= span - busy:
                continue
            previous = keys
            self._row(span - busy, inside)

    def weekly(self, w: int) -> None:
        """Rules 9, 10 and 11 on engagement minutes, per week."""
        problem = self.problem
        slot = problem.workers[w]
        source = problem.scenario.workers[w]
        ks = self.by_worker[w]
        weeks = sorted({wk for k in ks for wk in self.minutes[k]})
        fixed_minutes: dict[int, float] = defaultdict(float)
        fixed_cover: dict[int, float] = defaultdict(float)
        outside_main = slot.visa_scope == "outside_main_job"
        for f in slot.fixed:
            for wk, mins in problem.split_by_week(f.start, f.end):
                fixed_minutes[wk] += mins
                if not (outside_main and f.main_job):
                    fixed_cover[wk] += mins
        for wk in weeks:
            items = [(k, float(self.minutes[k].get(wk, 0))) for k in ks if self.minutes[k].get(wk)]
            self._row(slot.offered_minutes, items)
            if slot.visa_limit_minutes is not None and wk not in slot.lifted_weeks:
                self._row(slot.visa_limit_minutes - fixed_cover[wk], items)

        # the 48-hour average: in a window of weeks ending in a week with a pair; a new
        # starter's windows are shortened (version 2), which this bound leaves out
        if slot.wtd_opt_out or getattr(source, "employment_start", None) is not None:
            return
        policy = problem.policy
        reference = policy.wtd_reference_weeks
        for wk in weeks:
            window = range(wk - reference + 1, wk + 1)
            constant = sum(slot.previous_minutes.get(v, 0.0) for v in window if v < 0)
            constant += sum(fixed_minutes[v] for v in window if v >= 0)
            items = []
            for k in ks:
                mins = sum(m for v, m in self.minutes[k].items() if v in window)
                if mins:
                    items.append((k, float(mins)))
            self._row(policy.wtd_limit_minutes - constant, items)

    def cover(self, priority: str) -> list[tuple[int, float]]:
        return [
            (k, float(self.problem.gaps[c.gap].length))
            for k, c in enumerate(self.pairs)
            if self.problem.gaps[c.gap].priority == priority
        ]

    def cover_beyond(self, priority: str) -> list[tuple[pywraplp.Variable, float]]:
        gaps = self.problem.gaps
        return [
            (v, float(gaps[g].length))
            for g, v in self.beyond.items()
            if gaps[g].priority == priority
        ]


class LinearBound:
    """The relaxation, built once and solved for any plan's higher-priority minutes."""

    def __init__(
        self,
        problem: Problem,
        kept: Iterable[Pair] = (),
        pairs: Sequence[Candidate] | None = None,
    ) -> None:
        clock = time.monotonic()
        exhaustive = pairs is not None or len(problem.candidates) <= EXHAUSTIVE_CANDIDATES
        if pairs is None:
            pairs = eligible_pairs(problem) if exhaustive else list(problem.candidates)
        self.pairs = pairs
        self.exhaustive = exhaustive
        self.builder: _Builder | None = None
        if self.pairs and len(self.pairs) <= MAX_PAIRS:
            open_gaps = () if exhaustive else sorted(problem.capped)
            builder = self.builder = _Builder(problem, self.pairs, kept, open_gaps)
            builder.headcount()
            for w in builder.by_worker:
                builder.one_place_at_a_time(w)
                builder.duty_span(w)
                builder.weekly(w)
            self.cover = {p: builder.cover(p) for p in PRIORITIES}
        self.build_seconds = time.monotonic() - clock

    def solve(
        self,
        plan_minutes: Mapping[str, float],
        seconds: float | None = None,
        known: Relaxation | None = None,
    ) -> Relaxation:
        """Bounds per priority, each given the plan's minutes of the higher priorities.

        Priority k's relaxation holds only the pairs of gaps of priority k and above
        (lower ones can only take room away), so the pressing levels are small LPs at
        any size. With ``seconds``, the levels that have gaps share them; a level that
        does not finish in time, and those after it, get no bound here. A level that
        ``known`` (an earlier solve) solved for the same minutes of the higher
        priorities is taken from it (the first level always is: nothing is above it).
        """
        clock = time.monotonic()
        out = Relaxation(pairs=len(self.pairs), plan_minutes=dict(plan_minutes))
        builder = self.builder
        if not self.pairs:
            out.bounds = dict.fromkeys(PRIORITIES, 0.0)
            return out
        if builder is None:
            return out
        solver = builder.solver
        # dual simplex: these LPs have far more columns than rows (measured on the
        # 400 x 3,000 sample week)
        solver.SetSolverSpecificParametersAsString("use_dual_simplex: true")
        rank = {p: i for i, p in enumerate(PRIORITIES)}
        # a pin of a lower priority stays: it takes its room in every plan
        level_of = [
            -1 if pinned else rank[builder.problem.gaps[c.gap].priority]
            for c, pinned in zip(self.pairs, builder.pinned, strict=True)
        ]
        floors = []
        beyond_of = {p: builder.cover_beyond(p) for p in PRIORITIES}
        covering = [bool(self.cover[p] or beyond_of[p]) for p in PRIORITIES]
        known = known or Relaxation()  # an empty one knows no level
        same = True  # the higher priorities' minutes are known's so far
        for level, priority in enumerate(PRIORITIES):
            terms = self.cover[priority]
            beyond = beyond_of[priority]
            if same and priority in known.bounds:
                out.bounds[priority] = known.bounds[priority]
                out.values[priority] = known.values.get(priority, {})
            else:
                for k, var in enumerate(builder.x):
                    var.SetUb(1.0 if level_of[k] <= level else 0.0)
                for g, var in builder.beyond.items():
                    room = builder.problem.gaps[g].headcount
                    var.SetUb(
                        float(room) if rank[builder.problem.gaps[g].priority] <= level else 0.0
                    )
                if seconds is not None:
                    left = seconds - (time.monotonic() - clock)
                    if left <= 0:
                        break
                    shares = max(sum(covering[level:]), 1)
                    solver.SetTimeLimit(int(1000 * left / shares))
                objective = solver.Objective()
                objective.Clear()
                for k, length in terms:
                    objective.SetCoefficient(builder.x[k], length)
                for var, length in beyond:
                    objective.SetCoefficient(var, length)
                objective.SetMaximization()
                status = solver.Solve()
                if status != pywraplp.Solver.OPTIMAL:
                    break
                value = objective.Value()
                out.bounds[priority] = float(math.floor(value + 1e-6))
                out.values[priority] = {
                    (self.pairs[k].worker, self.pairs[k].gap): builder.x[k].solution_value()
                    for k, _ in terms
                    if builder.x[k].solution_value() > 1e-6
                }
            mine = plan_minutes.get(priority, 0.0)
            same = same and known.plan_minutes.get(priority, 0.0) == mine
            # the next priorities are judged given this one's minutes in the plan
            floor = solver.Constraint(mine - 0.5, solver.infinity())
            for k, length in terms:
                floor.SetCoefficient(builder.x[k], length)
            for var, length in beyond:
                floor.SetCoefficient(var, length)
            floors.append(floor)
        # leave the model as it was built, for the next plan
        for floor in floors:
            floor.SetBounds(-solver.infinity(), solver.infinity())
        for var in builder.x:
            var.SetUb(1.0)
        for g, var in builder.beyond.items():
            var.SetUb(float(builder.problem.gaps[g].headcount))
        out.seconds = time.monotonic() - clock + self.build_seconds
        return out


def relaxation(
    problem: Problem,
    plan_minutes: Mapping[str, float],
    kept: Iterable[Pair] = (),
    pairs: Sequence[Candidate] | None = None,
) -> Relaxation:
    """Bounds per priority, each given the plan's minutes of the higher priorities."""
    return LinearBound(problem, kept, pairs).solve(plan_minutes)


__all__ = ["LinearBound", "Relaxation", "eligible_pairs", "relaxation"]
