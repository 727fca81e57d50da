"""Staged CP-SAT solving in the order of rules.md section 3, always from a valid plan.

1. The phone-round baseline gives a valid plan at once (never returned worse).
2. Small instances: one model over every candidate, solved in stages (emergency,
   urgent, routine hours, continuity, travel, fairness); each stage fixes the value
   the previous one reached and starts from its solution (a complete hint).
3. Large instances: the same staged solve over neighbourhoods (one day and one area
   at a time, everything else fixed) in a large-neighbourhood search.

Every candidate plan is compared by its exact section 3 key before it is kept, and
the final plan is re-checked against every hard rule (:mod:`legality`).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from flexbank.matching.baseline import phone_round
from flexbank.matching.legality import Roster
from flexbank.matching.model import MatchModel, Pair
from flexbank.matching.problem import Problem
from flexbank.models import PRIORITIES

STAGES: tuple[tuple[str, bool], ...] = (
    ("emergency", True),
    ("urgent", True),
    ("routine", True),
    ("continuity", True),
    ("travel", False),
    ("unfairness", False),
)
# Share of a solve's time for each stage; time a stage does not use passes to the
# next. The covered hours get most of it (measured on the 60 x 400 sample week: the
# urgent stage needed about 12 s of a 30 s solve to prove its optimum).
STAGE_SHARE = {
    "emergency": 0.2,
    "urgent": 0.4,
    "routine": 0.3,
    "continuity": 0.04,
    "travel": 0.03,
    "unfairness": 0.03,
}
#: Above this many candidate pairs the whole-problem model is not built at once.
MONOLITHIC_CANDIDATES = 6000
NEIGHBOURHOOD_CANDIDATES = 1500


@dataclass(frozen=True)
class Progress:
    """One report of a running solve."""

    elapsed: float
    phase: str
    stage: str
    objective: float
    bound: float


ProgressHook = Callable[[Progress], None]


@dataclass
class Outcome:
    """What the solver found, in the problem's whole minutes."""

    assignment: dict[Pair, int]
    proven: dict[str, bool] = field(default_factory=dict)  # stage -> proven optimal
    bounds: dict[str, float] = field(default_factory=dict)  # priority -> bound (minutes)
    baseline: dict[Pair, int] = field(default_factory=dict)
    seconds: float = 0.0
    first_feasible_seconds: float = 0.0
    mode: str = "monolithic"
    history: list[Progress] = field(default_factory=list)
    repaired: int = 0

    @property
    def optimal(self) -> bool:
        return all(self.proven.get(p, False) for p in PRIORITIES)


# -------------------------------------------------------------------- quality key


def levels(problem: Problem, assignment: Mapping[Pair, int]) -> tuple[int, ...]:
    """Criteria 1-4 of rules.md section 3: covered minutes per priority, continuity."""
    covered = dict.fromkeys(PRIORITIES, 0)
    continuity = 0
    for pair in assignment:
        gap = problem.gaps[pair[1]]
        covered[gap.priority] += gap.length
        candidate = problem.candidate_of.get(pair)
        continuity += candidate.continuity if candidate else 0
    return (*(covered[p] for p in PRIORITIES), continuity)


def quality_key(problem: Problem, assignment: Mapping[Pair, int]) -> tuple[float, ...]:
    """rules.md section 3 as a tuple where bigger is better."""
    by_worker: dict[int, dict[int, int]] = defaultdict(dict)
    for (w, g), start in assignment.items():
        by_worker[w][g] = start
    travel = 0
    unfair = 0
    weeks = range(
        problem.week_of(0), problem.week_of(problem.minute(problem.scenario.horizon.end) - 1) + 1
    )
    for w in range(len(problem.workers)):
        assigned = by_worker.get(w, {})
        if assigned:
            travel += Roster(problem, w, assigned).travel_minutes()
        for week in weeks:
            target = problem.fair_target(w, week)
            got = sum(
                mins
                for g, s in assigned.items()
                for wk, mins in problem.split_by_week(s, s + problem.gaps[g].length)
                if wk == week
            )
            unfair += max(0, target - got) ** 2
    return (*levels(problem, assignment), -travel, -unfair)


def violations(problem: Problem, assignment: Mapping[Pair, int]) -> dict[int, list[str]]:
    """Per worker, the rules of sections 2.5-2.11 the assignment breaks."""
    by_worker: dict[int, dict[int, int]] = defaultdict(dict)
    for (w, g), start in assignment.items():
        by_worker[w][g] = start
    found = {}
    for w, assigned in by_worker.items():
        broken = Roster(problem, w, assigned).violations()
        if broken:
            found[w] = broken
    return found


def repair(problem: Problem, assignment: dict[Pair, int]) -> int:
    """Drop assignments until every worker's roster keeps every rule; returns the count.

    A safety net: the model is exact for the rules, so this should never act; if it
    does, the least valuable assignments go first (routine before urgent, shortest
    first), and double-handed partners go with them.
    """
    dropped = 0
    for w in sorted(violations(problem, assignment)):
        mine = sorted(
            (g for (ww, g) in assignment if ww == w),
            key=lambda g: (-PRIORITIES.index(problem.gaps[g].priority), problem.gaps[g].length),
        )
        roster = Roster(problem, w, {g: assignment[(w, g)] for g in mine})
        for g in mine:
            if not roster.violations():
                break
            roster.remove(g)
            dropped += _drop(problem, assignment, w, g)
    return dropped


def _drop(problem: Problem, assignment: dict[Pair, int], w: int, g: int) -> int:
    assignment.pop((w, g), None)
    count = 1
    if problem.gaps[g].together:
        for pair in [p for p in assignment if p[1] == g]:
            assignment.pop(pair)
            count += 1
    return count


# --------------------------------------------------------------- staged solving


class Budget:
    """Time left for a solve.

    Wall-clock seconds; but with one worker thread (the deterministic mode) CP-SAT's
    deterministic time, so that a seed gives the same plan on any machine and load.
    """

    def __init__(self, seconds: float, deterministic: bool) -> None:
        self.total = seconds
        self.deterministic = deterministic
        self.started = time.monotonic()
        self.used = 0.0

    def charge(self, deterministic_seconds: float) -> None:
        self.used += deterministic_seconds

    def left(self) -> float:
        spent = self.used if self.deterministic else time.monotonic() - self.started
        return self.total - spent


class StagedSolve:
    """Lexicographic stages over one :class:`MatchModel`."""

    def __init__(
        self,
        problem: Problem,
        current: Mapping[Pair, int],
        *,
        scope_gaps: set[int] | None = None,
        scope_workers: set[int] | None = None,
        workers: int = 2,
        seed: int = 0,
        phase: str = "solve",
        progress: ProgressHook | None = None,
        clock_start: float | None = None,
    ) -> None:
        self.problem = problem
        self.current = dict(current)
        self.mm = MatchModel(problem, current, scope_gaps, scope_workers)
        self.terms = self.mm.objective_terms()
        self.workers = workers
        self.seed = seed
        self.phase = phase
        self.progress = progress
        self.clock_start = clock_start if clock_start is not None else time.monotonic()
        self.proven: dict[str, bool] = {}
        self.bounds: dict[str, float] = {}
        self.history: list[Progress] = []
        self.deterministic_time = 0.0
        self.first_feasible: float | None = None
        self.incumbent: dict[Pair, int] = dict(self.current)
        self.incumbent_values: list[int] | None = None

    def _params(self, solver: cp_model.CpSolver, seconds: float) -> None:
        solver.parameters.num_workers = self.workers
        solver.parameters.random_seed = self.seed
        solver.parameters.max_time_in_seconds = max(seconds, 0.05)
        # Presolve dominates on these models (measured: a 60 x 400 week spent a whole
        # 5 s stage in presolve); a light presolve leaves the time for search.
        solver.parameters.symmetry_level = 0
        solver.parameters.cp_model_probing_level = 0
        solver.parameters.max_presolve_iterations = 1
        if self.workers == 1:
            # deterministic for a seed: stop on deterministic time, not the wall clock
            solver.parameters.max_deterministic_time = max(seconds, 0.05)
            solver.parameters.max_time_in_seconds = max(seconds, 0.05) * 20

    def _hint_from_current(self) -> None:
        model = self.mm.model
        model.clear_hints()
        for pair, var in self.mm.x.items():
            model.add_hint(var, 1 if pair in self.current else 0)
            start = self.mm.start[pair]
            if not isinstance(start, int) and pair in self.current:
                model.add_hint(start, self.current[pair])

    def _complete_hint(self, seconds: float) -> bool:
        """Turn the partial hint (who works where) into a complete one, if it fits."""
        solver = cp_model.CpSolver()
        self._params(solver, seconds)
        solver.parameters.fix_variables_to_their_hinted_value = True
        self._hint_from_current()
        status = solver.solve(self.mm.model)
        self.deterministic_time += solver.deterministic_time
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            self._take_incumbent(solver)
            return True
        self._hint_from_current()
        return False

    def _take_incumbent(self, solver: cp_model.CpSolver) -> None:
        """Make the solver's solution the incumbent: the best complete plan so far,
        which every later stage starts from (as a complete hint)."""
        model = self.mm.model
        variables = [
            model.get_int_var_from_proto_index(i) for i in range(len(model.proto.variables))
        ]
        self.incumbent_values = [solver.value(v) for v in variables]
        self.incumbent = self._read(solver)
        self._hint_incumbent()

    def _hint_incumbent(self) -> None:
        model = self.mm.model
        model.clear_hints()
        for index, value in enumerate(self.incumbent_values or ()):
            model.add_hint(model.get_int_var_from_proto_index(index), value)

    def _read(self, solver: cp_model.CpSolver) -> dict[Pair, int]:
        out = dict(self.mm.fixed_assignments)
        for pair, var in self.mm.x.items():
            if solver.boolean_value(var):
                start = self.mm.start[pair]
                out[pair] = start if isinstance(start, int) else solver.value(start)
        return out

    def run(self, seconds: float) -> dict[Pair, int]:
        """Solve every stage within ``seconds``; returns the best assignment found."""
        budget_left = Budget(seconds, self.workers == 1)
        before = self.deterministic_time
        self._complete_hint(min(seconds * 0.1, 5.0))
        budget_left.charge(self.deterministic_time - before)
        model = self.mm.model
        for name, maximise in STAGES:
            remaining = budget_left.left()
            if remaining <= 0.02:
                break
            later = sum(STAGE_SHARE[n] for n, _ in STAGES[[s for s, _ in STAGES].index(name) :])
            budget = remaining * STAGE_SHARE[name] / later
            expression = self.terms[name]
            if isinstance(expression, int):
                self.proven[name] = True
                if name in PRIORITIES:
                    self.bounds[name] = expression
                continue
            if maximise:
                model.maximize(expression)
            else:
                model.minimize(expression)
            solver = cp_model.CpSolver()
            self._params(solver, budget)
            callback = _Reporter(self, name) if self.progress else None
            status = solver.solve(model, callback)
            self.deterministic_time += solver.deterministic_time
            budget_left.charge(solver.deterministic_time)
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                if self.first_feasible is None:
                    self.first_feasible = time.monotonic() - self.clock_start
                value = round(solver.objective_value)
                self.proven[name] = status == cp_model.OPTIMAL
                if name in PRIORITIES:
                    self.bounds[name] = solver.best_objective_bound
                self._record(name, solver.objective_value, solver.best_objective_bound)
                found = self._read(solver)
                level = [n for n, _ in STAGES].index(name) + 1
                if (
                    self.incumbent_values is None
                    or level > 4  # travel and fairness: the stage improved its own level
                    or levels(self.problem, found)[:level]
                    > levels(self.problem, self.incumbent)[:level]
                ):
                    self._take_incumbent(solver)
                else:
                    # the incumbent is at least as good on this level (a tie, or the
                    # search ignored the hint) and it is better on the levels still to
                    # come: keep it, and hold this level at its value
                    value += (
                        levels(self.problem, self.incumbent)[level - 1]
                        - levels(self.problem, found)[level - 1]
                    )
                    self._hint_incumbent()
                model.add(expression >= value if maximise else expression <= value)
            else:
                # no answer in time: keep the best plan so far and stop here, so that
                # later stages never trade away this level.
                self.proven[name] = False
                break
        return dict(self.incumbent)

    def _record(self, stage: str, objective: float, bound: float) -> None:
        event = Progress(time.monotonic() - self.clock_start, self.phase, stage, objective, bound)
        self.history.append(event)
        if self.progress:
            self.progress(event)


class _Reporter(cp_model.CpSolverSolutionCallback):
    def __init__(self, owner: StagedSolve, stage: str) -> None:
        super().__init__()
        self.owner = owner
        self.stage = stage

    def on_solution_callback(self) -> None:
        self.owner._record(self.stage, self.objective_value, self.best_objective_bound)


# ------------------------------------------------------------------ entry point


def optimise(
    problem: Problem,
    kept: Mapping[Pair, int],
    *,
    time_limit: float = 30.0,
    workers: int = 2,
    seed: int = 0,
    progress: ProgressHook | None = None,
    fixed_starts: set[Pair] | None = None,
) -> Outcome:
    """The best assignment found within ``time_limit`` seconds, never worse than the baseline."""
    clock = time.monotonic()
    fixed_starts = fixed_starts if fixed_starts is not None else set(kept)
    baseline = phone_round(problem, kept)
    outcome = Outcome(assignment=dict(baseline), baseline=dict(baseline))
    outcome.first_feasible_seconds = time.monotonic() - clock
    if not problem.candidates:
        outcome.proven = {name: True for name, _ in STAGES}
        outcome.bounds = dict.fromkeys(PRIORITIES, 0.0)
        outcome.seconds = time.monotonic() - clock
        return outcome
    # with one worker the budget is deterministic time only (see Budget)
    remaining = time_limit if workers == 1 else time_limit - (time.monotonic() - clock)
    if len(problem.candidates) <= MONOLITHIC_CANDIDATES:
        staged = StagedSolve(
            problem,
            baseline,
            workers=workers,
            seed=seed,
            progress=progress,
            clock_start=clock,
        )
        _pin(staged, kept, fixed_starts)
        found = staged.run(max(remaining, 0.5))
        outcome.proven, outcome.history = staged.proven, staged.history
        outcome.bounds = _bounds(problem, staged.bounds, found)
        if quality_key(problem, found) >= quality_key(problem, baseline):
            outcome.assignment = found
    else:
        outcome.mode = "neighbourhoods"
        outcome.assignment = _neighbourhood_search(
            problem,
            baseline,
            kept,
            fixed_starts,
            remaining,
            workers,
            seed,
            progress,
            clock,
            outcome,
        )
        outcome.bounds = _bounds(problem, {}, outcome.assignment)
    outcome.repaired = repair(problem, outcome.assignment)
    if outcome.repaired:
        outcome.proven = {}
    # a level whose covered minutes reach an upper bound is optimal, whoever found it
    covered = quality_key(problem, outcome.assignment)[:3]
    proven_levels = True
    for level, priority in enumerate(PRIORITIES):
        proven_levels = proven_levels and covered[level] >= outcome.bounds[priority] - 1e-9
        if proven_levels:
            outcome.proven[priority] = True
    outcome.seconds = time.monotonic() - clock
    return outcome


def _pin(staged: StagedSolve, kept: Mapping[Pair, int], fixed_starts: set[Pair]) -> None:
    """Rule 4: kept pins stay assigned (at their start where the pin gives one)."""
    for pair, start in kept.items():
        var = staged.mm.x.get(pair)
        if var is not None:
            staged.mm.model.add(var == 1)
            s = staged.mm.start[pair]
            if pair in fixed_starts and not isinstance(s, int):
                staged.mm.model.add(s == start)


def _bounds(
    problem: Problem, proven: Mapping[str, float], found: Mapping[Pair, int]
) -> dict[str, float]:
    """Upper bounds on covered minutes per priority.

    From the solver where it proved one (given the plan's higher priorities); else a
    simple bound: every gap filled by as many of its candidates as its headcount allows.
    """
    simple = dict.fromkeys(PRIORITIES, 0.0)
    for gap in problem.gaps:
        staff = min(gap.headcount, len(problem.by_gap.get(gap.index, [])))
        if gap.together and staff < gap.headcount:
            staff = 0
        simple[gap.priority] += staff * gap.length
    return {p: min(proven.get(p, simple[p]), simple[p]) for p in PRIORITIES}


def _neighbourhoods(problem: Problem) -> list[set[int]]:
    """Gap sets of about NEIGHBOURHOOD_CANDIDATES candidates: one day, one area."""
    by_day: dict[int, list[int]] = defaultdict(list)
    for gap in problem.gaps:
        by_day[gap.start // (24 * 60)].append(gap.index)
    hoods: list[set[int]] = []
    for day in sorted(by_day):
        gaps = sorted(
            by_day[day],
            key=lambda g: (
                problem.locations[problem.gaps[g].location].lat,
                problem.locations[problem.gaps[g].location].lon,
            ),
        )
        current: set[int] = set()
        size = 0
        for g in gaps:
            current.add(g)
            size += len(problem.by_gap.get(g, []))
            if size >= NEIGHBOURHOOD_CANDIDATES:
                hoods.append(current)
                current, size = set(), 0
        if current:
            hoods.append(current)
    return hoods


def _neighbourhood_search(
    problem: Problem,
    start: dict[Pair, int],
    kept: Mapping[Pair, int],
    fixed_starts: set[Pair],
    seconds: float,
    workers: int,
    seed: int,
    progress: ProgressHook | None,
    clock: float,
    outcome: Outcome,
) -> dict[Pair, int]:
    best = dict(start)
    best_key = quality_key(problem, best)
    hoods = _neighbourhoods(problem)
    # the neighbourhoods with the most unfilled high-priority minutes go first
    budget = Budget(seconds, workers == 1)
    rounds = 0
    while budget.left() > 0.5 and hoods:
        order = sorted(
            range(len(hoods)), key=lambda k: _potential(problem, best, hoods[k]), reverse=True
        )
        improved = False
        for k in order:
            left = budget.left()
            if left < 0.5:
                break
            gaps = hoods[k]
            scope_workers = {c.worker for g in gaps for c in problem.by_gap.get(g, [])}
            staged = StagedSolve(
                problem,
                best,
                scope_gaps=gaps,
                scope_workers=scope_workers,
                workers=workers,
                seed=seed + rounds,
                phase=f"neighbourhood {k}",
                progress=progress,
                clock_start=clock,
            )
            _pin(staged, {p: s for p, s in kept.items() if p[1] in gaps}, fixed_starts)
            found = staged.run(min(left, max(2.0, seconds / max(len(hoods), 1))))
            budget.charge(staged.deterministic_time)
            outcome.history.extend(staged.history)
            key = quality_key(problem, found)
            if key > best_key:
                best, best_key, improved = found, key, True
        rounds += 1
        if not improved:
            break
    return best


def _potential(problem: Problem, assignment: Mapping[Pair, int], gaps: set[int]) -> tuple[int, ...]:
    filled: dict[int, int] = defaultdict(int)
    for _, g in assignment:
        filled[g] += 1
    missing = dict.fromkeys(PRIORITIES, 0)
    for g in gaps:
        gap = problem.gaps[g]
        if problem.by_gap.get(g):
            missing[gap.priority] += (gap.headcount - filled[g]) * gap.length
    return tuple(missing[p] for p in PRIORITIES)
