"""Lexicographic stages over one :class:`MatchModel`, always from a complete plan.

A :class:`StagedSolve` optimises a list of criteria of rules.md section 3 in order
(say "urgent", or "routine", "continuity", "travel", "unfairness"), each stage holding
the value the one before it reached and starting from the best complete plan so far
(the incumbent, as a complete hint). Criteria held from outside (the priorities an
earlier model settled) never fall below the incumbent's values.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from flexbank.matching.model import MatchModel, Pair
from flexbank.matching.problem import Problem
from flexbank.matching.quality import levels
from flexbank.models import PRIORITIES

STAGES: tuple[tuple[str, bool], ...] = (
    ("emergency", True),
    ("urgent", True),
    ("routine", True),
    ("continuity", True),
    ("travel", False),
    ("unfairness", False),
)
MAXIMISE = dict(STAGES)
STAGE_NAMES = tuple(name for name, _ in STAGES)
# Share of a staged solve's time for each stage; time a stage does not use passes to
# the next. The covered hours get most of it.
STAGE_SHARE = {
    "emergency": 0.2,
    "urgent": 0.4,
    "routine": 0.6,
    "continuity": 0.04,
    "travel": 0.03,
    "unfairness": 0.03,
}


#: Share of a stage's time for the complete search (the rest goes to neighbourhood
#: workers when no proof came): the priorities want proofs, the rest plans. The urgent
#: stage searches completely throughout: CP-SAT's complete search interleaves its own
#: neighbourhoods, and its bound closes late (measured on three 120 x 900 weeks, 2
#: cores, emergency hours held: urgent proven after 19-37 s of one search, 16,875,
#: 17,170 and 20,870 minutes, where 7 s of it and then neighbourhoods alone reached
#: 15,450-16,000 and 20,405 in 60 s).
PROOF_SHARE = {"emergency": 0.5, "urgent": 1.0, "routine": 0.15}
#: A stage this close to its bound after the first search goes on to look for the proof.
CLOSE_GAP = 0.05
#: The least time of a stage's first search (seconds, or deterministic seconds).
FIRST_SECONDS = 4.0
#: The least time to complete a model's hint (see :func:`hint_seconds`).
HINT_SECONDS = 1.5


def hint_seconds(seconds: float) -> float:
    """Time to complete the hint of a search of ``seconds``: a tenth, but never less
    than presolving the model takes (measured on the 60 x 400 sample week's whole model,
    2 cores: 0.65 s; with the 0.57 s that a tenth of a 5.7 s search gave, the hint
    stayed partial and no search after it found a plan at all), nor more than half the
    time or 5 s."""
    return min(max(seconds * 0.1, HINT_SECONDS), seconds / 2, 5.0)


@dataclass(frozen=True)
class Progress:
    """One report of a running solve."""

    elapsed: float
    phase: str
    stage: str
    objective: float
    bound: float


ProgressHook = Callable[[Progress], None]


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
        threads: int | None = None,
    ) -> None:
        self.problem = problem
        self.current = dict(current)
        self.mm = MatchModel(problem, current, scope_gaps, scope_workers)
        self.terms = self.mm.objective_terms()
        #: ``workers`` 1 is the deterministic mode; ``threads`` (default ``workers``) is
        #: how many CP-SAT workers a search may use
        self.workers = workers
        self.threads = threads or workers
        self.seed = seed
        self.phase = phase
        self.progress = progress
        self.clock_start = clock_start if clock_start is not None else time.monotonic()
        self.proven: dict[str, bool] = {}
        self.bounds: dict[str, float] = {}  # priority -> bound on the free part (minutes)
        self.proof_seconds: dict[str, float] = {}  # stage -> when it was proven
        self.history: list[Progress] = []
        self.deterministic_time = 0.0
        self.first_feasible: float | None = None
        self.incumbent: dict[Pair, int] = dict(self.current)
        self.incumbent_values: list[int] | None = None
        #: the order in which the criteria (indices into STAGE_NAMES) rank two plans:
        #: rules.md section 3 unless a lift to the phone round's hours says otherwise
        self.order: tuple[int, ...] = tuple(range(len(STAGE_NAMES)))
        #: the holds of :meth:`hold`, with the free minutes each holds
        self.held: dict[str, tuple[cp_model.Constraint, int]] = {}

    @property
    def size(self) -> int:
        """Free candidate pairs in the model."""
        return len(self.mm.x)

    def free_value(self, name: str, assignment: Mapping[Pair, int]) -> int:
        """A covered-hours or continuity criterion over the model's free pairs."""
        total = 0
        for pair in assignment:
            if pair not in self.mm.x:
                continue
            if name == "continuity":
                total += self.problem.candidate_of[pair].continuity
            elif self.problem.gaps[pair[1]].priority == name:
                total += self.problem.gaps[pair[1]].length
        return total

    def hold(self, names: Sequence[str]) -> None:
        """Criteria settled before this model: never below the current plan's values."""
        for name in names:
            expression = self.terms[name]
            if not isinstance(expression, int):
                value = self.free_value(name, self.current)
                self.held[name] = (self.mm.model.add(expression >= value), value)

    def floor(self, minimum: Mapping[str, int], workers: Collection[int]) -> None:
        """Floors on covered minutes of ``workers``' plan, per priority (the phone round's
        levels, so that no priority ends below it): the free part makes up what the
        fixed part of the current plan leaves."""
        for name, least in minimum.items():
            expression = self.terms[name]
            if isinstance(expression, int):
                continue  # nothing free: the fixed part is what it is
            self.mm.model.add(expression >= least - self.fixed_minutes(name, workers))

    def cap(self, most: Mapping[str, int], workers: Collection[int]) -> None:
        """Caps on what covered minutes of ``workers``' plan count for, per priority: a
        lift to the phone round's hours raises a priority up to its floor and values
        nothing above it, so that what a higher priority gives up for it is no more than
        it takes. The cap is on the criterion, not on the plan: a plan may pass it (the
        engagements that reach a floor seldom add up to it exactly; measured on a
        400 x 3,000 week, a lift held under its cap stopped 5 minutes short for 25 s)."""
        model = self.mm.model
        for name, top in most.items():
            expression = self.terms[name]
            if isinstance(expression, int):
                continue
            room = top - self.fixed_minutes(name, workers)
            counted = model.new_int_var(min(room, 0), room, f"counted_{name}")
            model.add(counted <= expression)
            self.terms[name] = counted

    def fixed_minutes(self, name: str, workers: Collection[int]) -> int:
        """Covered minutes of priority ``name`` in the fixed part of ``workers``' plan."""
        chosen = set(workers)
        gaps = self.problem.gaps
        return sum(
            gaps[g].length
            for (w, g) in self.current
            if w in chosen and (w, g) not in self.mm.x and gaps[g].priority == name
        )

    def _params(self, solver: cp_model.CpSolver, seconds: float) -> None:
        solver.parameters.num_workers = self.threads
        solver.parameters.random_seed = self.seed
        solver.parameters.max_time_in_seconds = max(seconds, 0.05)
        # Presolve dominates on these models (measured: a 60 x 400 week spent a whole
        # 5 s stage in presolve); a light presolve leaves the time for search.
        solver.parameters.symmetry_level = 0
        solver.parameters.cp_model_probing_level = 0
        solver.parameters.max_presolve_iterations = 1
        if self.workers == 1:
            # deterministic for a seed: stop on deterministic time, not the wall clock
            # (the wall-clock cap only guards against a runaway; a loaded machine can be
            # many times slower than deterministic time, so it must never bind first)
            solver.parameters.max_deterministic_time = max(seconds, 0.05)
            solver.parameters.max_time_in_seconds = max(seconds, 0.05) * 1000 + 60

    def _hint_from_current(self) -> None:
        indices: list[int] = []
        values: list[int] = []
        for pair, var in self.mm.x.items():
            worked = pair in self.current
            indices.append(var.index)
            values.append(1 if worked else 0)
            start = self.mm.start[pair]
            if worked and not isinstance(start, int):
                indices.append(start.index)
                values.append(self.current[pair])
        _set_hint(self.mm.model, indices, values)

    def complete_hint(self, seconds: float) -> bool:
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
        # the whole solution at once from the response (one Python object per
        # variable was most of a neighbourhood's overhead: 4.4 s of 60 on 400 x 3,000)
        self.incumbent_values = list(solver.response_proto.solution)
        self.incumbent = self._read(solver)
        self._hint_incumbent()

    def _hint_incumbent(self) -> None:
        values = self.incumbent_values or []
        _set_hint(self.mm.model, range(len(values)), values)

    def _read(self, solver: cp_model.CpSolver) -> dict[Pair, int]:
        out = dict(self.mm.fixed_assignments)
        for pair, var in self.mm.x.items():
            if solver.boolean_value(var):
                start = self.mm.start[pair]
                out[pair] = start if isinstance(start, int) else solver.value(start)
        return out

    def run(self, seconds: float, stages: Sequence[str] = STAGE_NAMES) -> dict[Pair, int]:
        """Solve ``stages`` in order within ``seconds``; returns the best assignment."""
        budget_left = Budget(seconds, self.workers == 1)
        before = self.deterministic_time
        if self.incumbent_values is None:  # a search before this one left a complete plan
            self.complete_hint(hint_seconds(seconds))
        budget_left.charge(self.deterministic_time - before)
        model = self.mm.model
        for position, name in enumerate(stages):
            maximise = MAXIMISE[name]
            remaining = budget_left.left()
            if remaining <= 0.02:
                break
            later = sum(STAGE_SHARE[n] for n in stages[position:])
            budget = max(remaining * STAGE_SHARE[name] / later, min(remaining, FIRST_SECONDS))
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
            # a complete search first, where a proof may come; then, if it did not,
            # CP-SAT's neighbourhood workers only, from the best plan so far (measured
            # on the 60 x 400 sample week's routine stage: 268 h in 15 s against 255 h
            # for the complete search alone)
            # the first search gets at least a few seconds: presolving a whole week's
            # model alone can take that long, and without it there is no answer at all
            first = min(budget, max(budget * PROOF_SHARE.get(name, 0.3), FIRST_SECONDS))
            rest = budget - first
            outcome = self.attempt(name, first, budget_left, lns=False)
            if outcome is None and rest > 0.3:
                # nothing yet (a hint that did not complete): the rest of the time goes
                # on searching for a first answer
                outcome = self.attempt(name, rest, budget_left, lns=False)
                rest = 0.0
            if outcome is None:
                # no answer in time: keep the best plan so far and stop here, so that
                # later stages never trade away this level.
                self.proven[name] = False
                break
            optimal, value = outcome
            if not optimal and rest > 0.3:
                # close to a proof: go on searching completely; far from one: let the
                # neighbourhood workers improve the plan instead (the emergency and
                # routine stages; measured on the 60 x 400 sample week's routine stage)
                close = self._gap(name, value) <= CLOSE_GAP
                again = self.attempt(name, rest, budget_left, lns=not close)
                if again is not None:
                    optimal = again[0]
                    value = max(value, again[1]) if maximise else min(value, again[1])
            self.proven[name] = optimal
            model.add(expression >= value if maximise else expression <= value)
        return dict(self.incumbent)

    def _gap(self, name: str, value: int) -> float:
        """How far the stage's value is from its bound, as a share of the bound."""
        bound = self.bounds.get(name)
        if bound is None or name not in PRIORITIES:
            return 1.0
        return max(0.0, bound - value) / max(abs(bound), 1.0)

    def attempt(
        self, name: str, seconds: float, budget_left: Budget, *, lns: bool
    ) -> tuple[bool, int] | None:
        """One solve of the stage's objective: (proven optimal, the level's value held
        from now on), or None when it found nothing in time."""
        solver = cp_model.CpSolver()
        self._params(solver, seconds)
        if lns:
            solver.parameters.use_lns_only = True
        callback = _Reporter(self, name) if self.progress else None
        status = solver.solve(self.mm.model, callback)
        self.deterministic_time += solver.deterministic_time
        budget_left.charge(solver.deterministic_time)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        if self.first_feasible is None:
            self.first_feasible = time.monotonic() - self.clock_start
        value = round(solver.objective_value)
        if name in PRIORITIES and not lns:
            self.bounds[name] = solver.best_objective_bound
        self._record(name, solver.objective_value, solver.best_objective_bound)
        found = self._read(solver)
        index = STAGE_NAMES.index(name)
        mine, theirs = levels(self.problem, found), levels(self.problem, self.incumbent)
        upto = [i for i in self.order[: self.order.index(index) + 1] if i < len(mine)]
        ahead = [mine[i] for i in upto] > [theirs[i] for i in upto]
        # travel and fairness (levels 5, 6): the stage improved its own level
        if self.incumbent_values is None or index >= len(mine) or ahead:
            self._take_incumbent(solver)
        else:
            # the incumbent is at least as good on this level (a tie, or the search
            # ignored the hint) and it is better on the levels still to come: keep it,
            # and hold this level at its value
            value += theirs[index] - mine[index]
            self._hint_incumbent()
        if status == cp_model.OPTIMAL:
            self.proof_seconds[name] = time.monotonic() - self.clock_start
        return status == cp_model.OPTIMAL, value

    def _record(self, stage: str, objective: float, bound: float) -> None:
        event = Progress(time.monotonic() - self.clock_start, self.phase, stage, objective, bound)
        self.history.append(event)
        if self.progress:
            self.progress(event)


def _set_hint(model: cp_model.CpModel, indices: Iterable[int], values: Iterable[int]) -> None:
    """Replace the model's hint by these values of these variables (by proto index),
    straight on the proto: ``add_hint`` per variable costs a Python call each."""
    model.clear_hints()
    hint = model.proto.solution_hint
    hint.vars.extend(indices)
    hint.values.extend(values)


class _Reporter(cp_model.CpSolverSolutionCallback):
    def __init__(self, owner: StagedSolve, stage: str) -> None:
        super().__init__()
        self.owner = owner
        self.stage = stage

    def on_solution_callback(self) -> None:
        self.owner._record(self.stage, self.objective_value, self.best_objective_bound)


__all__ = [
    "STAGES",
    "STAGE_NAMES",
    "Budget",
    "Progress",
    "ProgressHook",
    "StagedSolve",
]
