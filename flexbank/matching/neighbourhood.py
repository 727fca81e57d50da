"""Large-neighbourhood search for a stage whose model is too large to solve at once.

A neighbourhood frees part of the plan and re-solves it exactly with CP-SAT, everything
else fixed. Three kinds, chosen adaptively by how much each has gained:

- ``workers``: whole worker-weeks of a few nearby workers with every gap they could
  take, since offered hours, the 48-hour average, visa hours and weekly rest couple a
  worker's days;
- ``window``: every worker and gap of one stretch of time (about a day);
- ``relaxation``: around gaps that the linear relaxation fills and the plan does not,
  their candidate workers and those living near them.

The size (free candidate pairs) adapts: it grows after a neighbourhood solved to
proven optimality and shrinks after one that ran out of time.

With more than one core (and not in the deterministic mode) the next neighbourhood is
built while the last is solved: it is drawn from other workers and other gaps (and
none tied to the busy ones by a dependency), so both results can be kept.
"""

from __future__ import annotations

import gc
import math
import random
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field

from flexbank.geo import approx_km
from flexbank.matching.dependencies import linked
from flexbank.matching.model import Pair
from flexbank.matching.problem import Problem
from flexbank.matching.quality import quality_key
from flexbank.matching.staged import Budget, Progress, ProgressHook, StagedSolve
from flexbank.models import PRIORITIES

KINDS = ("workers", "window", "relaxation")
#: Starting weights: a window frees few engagements per worker, so its model is the
#: cheapest to build for its size (measured on the 120 x 900 sample week: 800 free
#: pairs built in 2.3 s as a window, 4.6 s as ten worker-weeks).
PRIOR = {"workers": 1.0, "window": 2.0, "relaxation": 1.0}
#: Covered minutes a kind is taken to gain per try before it has tried (see ``_pick``).
PRIOR_GAIN = 60.0
#: Each kind's least share of the picks.
EXPLORE = 0.08
START_SIZE = 800
MIN_SIZE = 200
MAX_SIZE = 3000
#: Whole worker-weeks stop at this weight (the sum of the square of each worker's
#: candidate pairs, as :data:`flexbank.matching.solver.MODEL_WEIGHT`): a worker's
#: engagements are linked pairwise, so a few workers with hundreds of candidates each
#: make a heavy model of few pairs (measured on the 1,000 x 8,000 sample week: three to
#: six workers, 1,400-2,300 pairs, 300,000-650,000 constraints a neighbourhood, and the
#: peak memory went from 3.4 to 4.7 GB with two such models at once).
MAX_WEIGHT = 250_000


@dataclass(frozen=True)
class Hood:
    """One neighbourhood: its kind, and the workers and gaps it frees."""

    kind: str
    workers: set[int]
    gaps: set[int]


@dataclass
class KindStats:
    tries: int = 0
    improved: int = 0
    gain: list[float] = field(default_factory=list)  # covered minutes gained, per success


@dataclass
class Search:
    """One stage's neighbourhood search over ``gaps`` and ``workers``."""

    problem: Problem
    gaps: set[int]
    workers: set[int]
    objectives: Sequence[str]
    holds: Sequence[str]
    kept: Mapping[Pair, int]
    fixed_starts: set[Pair]
    cpu: int = 2
    seed: int = 0
    progress: ProgressHook | None = None
    clock: float = 0.0
    guide: Mapping[Pair, float] | None = None
    #: a lift (:mod:`floors`): covered minutes of ``workers``' plan per priority kept at
    #: least / at most these, and the order of section 3's criteria that ranks plans
    floors: Mapping[str, int] = field(default_factory=dict)
    caps: Mapping[str, int] = field(default_factory=dict)
    order: tuple[int, ...] | None = None
    stats: dict[str, KindStats] = field(default_factory=lambda: {k: KindStats() for k in KINDS})
    history: list[Progress] = field(default_factory=list)
    size: int = START_SIZE
    deterministic_time: float = 0.0
    cursor: int = 0  # where the window sweep goes on
    rounds: int = 0
    failures: int = 0  # neighbourhoods in a row that did not improve the plan
    best: dict[Pair, int] = field(default_factory=dict)
    #: a neighbourhood being solved meanwhile: its workers, and its gaps and theirs
    busy_workers: set[int] = field(default_factory=set)
    busy_gaps: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.by_gap = {
            g: [c for c in self.problem.by_gap.get(g, ()) if c.worker in self.workers]
            for g in self.gaps
        }
        self.by_worker: dict[int, list[int]] = defaultdict(list)
        for g, items in self.by_gap.items():
            for c in items:
                self.by_worker[c.worker].append(g)
        self.active = sorted(w for w in self.workers if self.by_worker.get(w))
        homes = self.problem.locations
        self.home = {
            w: (homes[self.problem.workers[w].home].lat, homes[self.problem.workers[w].home].lon)
            for w in self.active
        }
        self.by_start = sorted(self.gaps, key=lambda g: (self.problem.gaps[g].start, g))

    # ------------------------------------------------------------- neighbourhoods

    def _nearby(self, seeds: Sequence[int]) -> tuple[set[int], set[int]]:
        """Workers nearest the seeds, with every gap they could take, up to the size."""
        lat, lon = self.home[seeds[0]]
        order = sorted(self.active, key=lambda w: approx_km(lat, lon, *self.home[w]))
        chosen: set[int] = set()
        gaps: set[int] = set()
        count = weight = 0
        for w in [*seeds, *order]:
            if w in chosen or w in self.busy_workers:
                continue
            chosen.add(w)
            free = [g for g in self.by_worker[w] if g not in self.busy_gaps]
            gaps.update(free)
            count += len(free)
            weight += len(free) ** 2
            if count >= self.size or weight >= MAX_WEIGHT:
                break
        return chosen, gaps

    def _workers_hood(self) -> tuple[set[int], set[int]]:
        idle = [w for w in self.active if w not in self.busy_workers] or self.active
        return self._nearby([self.rng.choice(idle)])

    def _window_hood(self) -> tuple[set[int], set[int]]:
        """The next stretch of time in a sweep over the week: gaps in start order from
        the cursor until the size is reached; the cursor then moves on by half of them,
        so consecutive windows overlap and every boundary is inside some window."""
        if self.cursor >= len(self.by_start):
            self.cursor = 0
        gaps: list[int] = []
        workers: set[int] = set()
        count = 0
        for g in self.by_start[self.cursor :]:
            if g in self.busy_gaps:
                continue
            idle = [c.worker for c in self.by_gap[g] if c.worker not in self.busy_workers]
            gaps.append(g)
            workers.update(idle)
            count += len(idle)
            if count >= self.size:
                break
        self.cursor += max(1, len(gaps) // 2)
        return workers, set(gaps)

    def _relaxation_hood(self, plan: Mapping[Pair, int]) -> tuple[set[int], set[int]] | None:
        guide = self.guide
        if not guide:
            return None
        filled: dict[int, int] = defaultdict(int)
        for _, g in plan:
            filled[g] += 1
        promise: dict[int, float] = defaultdict(float)
        for (w, g), value in guide.items():
            if g in self.gaps and w in self.workers:
                promise[g] += value
        open_gaps = [
            g
            for g, v in promise.items()
            if v > filled[g] + 0.25 and self.by_gap.get(g) and g not in self.busy_gaps
        ]
        if not open_gaps:
            return None
        g = self.rng.choice(sorted(open_gaps))
        idle = {c.worker for c in self.by_gap[g]} - self.busy_workers
        if not idle:
            return None
        seeds = sorted(idle, key=lambda w: -guide.get((w, g), 0))
        return self._nearby(seeds[:3])

    # ---------------------------------------------------------------------- search

    def _key(self, plan: Mapping[Pair, int], workers: set[int]) -> tuple[float, ...]:
        """How good the plan is over the neighbourhood's workers (the rest is fixed)."""
        key = quality_key(self.problem, plan, workers)
        if self.caps:
            # a capped priority counts up to its cap over the whole plan (see
            # StagedSolve.cap): the rest of the plan is the same on both sides
            whole = quality_key(self.problem, plan, self.workers)
            capped = list(key)
            for i, name in enumerate(PRIORITIES):
                if name in self.caps:
                    capped[i] = min(whole[i], self.caps[name])
            key = tuple(capped)
        if self.order is None:
            return key
        return tuple(key[i] for i in self.order)

    def _pick(self) -> str:
        """A kind, by the covered minutes it has gained per try (with a prior of
        :data:`PRIOR_GAIN` minutes), every kind keeping a share :data:`EXPLORE`."""
        scores = []
        for kind in KINDS:
            s = self.stats[kind]
            scores.append((sum(s.gain) + PRIOR[kind] * PRIOR_GAIN) / (1 + s.tries))
        total = sum(scores)
        rest = 1.0 - EXPLORE * len(KINDS)
        weights = [EXPLORE + rest * score / total for score in scores]
        return self.rng.choices(KINDS, weights=weights)[0]

    def _next(self, busy: Hood | None) -> Hood:
        """The next neighbourhood, of a kind picked adaptively. With ``busy`` (one being
        solved meanwhile) it is drawn from the other workers and gaps, leaving out too
        the gaps linked to busy ones by a dependency, so that the two can be solved at
        once and both kept."""
        self.busy_workers = busy.workers if busy else set()
        self.busy_gaps = busy.gaps | linked(self.problem, busy.gaps) if busy else set()
        kind = self._pick()
        found = self._relaxation_hood(self.best) if kind == "relaxation" else None
        if kind == "relaxation" and found is None:
            kind = "workers"
        if found is None:
            found = self._window_hood() if kind == "window" else self._workers_hood()
        workers, gaps = found
        return Hood(kind, workers - self.busy_workers, gaps - self.busy_gaps)

    def _build(self, hood: Hood, threads: int) -> StagedSolve:
        self.rounds += 1
        staged = StagedSolve(
            self.problem,
            self.best,
            scope_gaps=hood.gaps,
            scope_workers=hood.workers,
            workers=self.cpu,
            threads=threads,
            seed=self.seed + self.rounds,
            phase=f"neighbourhood ({hood.kind})",
            progress=self.progress,
            clock_start=self.clock,
        )
        pin(staged, self.kept, self.fixed_starts)
        staged.hold(self.holds)
        staged.floor(self.floors, self.workers)
        staged.cap(self.caps, self.workers)
        if self.order is not None:
            staged.order = self.order
        return staged

    def _seconds(self, budget: Budget) -> float:
        return min(budget.left(), max(2.0, 3.0 * math.sqrt(self.size / START_SIZE)))

    def _settle(
        self, hood: Hood, staged: StagedSolve, found: dict[Pair, int], budget: Budget
    ) -> None:
        """Keep the neighbourhood's plan of its workers if it is better there. Only its
        workers' assignments change: another neighbourhood solved meanwhile held other
        workers and other gaps, so what it changed stands."""
        budget.charge(staged.deterministic_time)
        self.deterministic_time += staged.deterministic_time
        self.history.extend(staged.history)
        stats = self.stats[hood.kind]
        stats.tries += 1
        mine = hood.workers
        after_plan = {p: s for p, s in self.best.items() if p[0] not in mine}
        after_plan.update((p, s) for p, s in found.items() if p[0] in mine)
        before = self._key(self.best, mine)
        after = self._key(after_plan, mine)
        if after > before:
            stats.improved += 1
            stats.gain.append(max(0.0, float(sum(after[:3]) - sum(before[:3]))))
            self.best = after_plan
            self.failures = 0
        else:
            self.failures += 1
        proved = all(staged.proven.get(name, False) for name in self.objectives)
        if proved:
            self.size = min(MAX_SIZE, int(self.size * 1.25))
        elif not any(staged.proven.values()):
            self.size = max(MIN_SIZE, int(self.size * 0.8))

    def _going(self, budget: Budget) -> bool:
        return budget.left() > 0.5 and self.failures < 60

    def run(self, plan: dict[Pair, int], seconds: float) -> dict[Pair, int]:
        if not self.active:
            return plan
        self.best = dict(plan)
        self.failures = 0
        with _collecting():
            self._search(Budget(seconds, self.cpu == 1))
        return self.best

    def _search(self, budget: Budget) -> None:
        # Building a neighbourhood's model is Python on one core, its search CP-SAT, which
        # lets go of the interpreter: with two cores the next one is built while the
        # last is searched on the other (measured on 400 x 3,000 urgent stages, 60 s:
        # 31-35 neighbourhoods against 17 one after another; urgent +9,500 to +11,800
        # minutes against +3,400 to +6,600, and against +6,400 to +9,650 with two
        # CP-SAT workers each). Not in the deterministic mode, and not in a lift, whose
        # floors and caps bind the plan as a whole.
        if self.cpu == 1 or self.floors or self.caps:
            while self._going(budget):
                hood = self._next(None)
                staged = self._build(hood, self.cpu)
                found = staged.run(self._seconds(budget), self.objectives)
                self._settle(hood, staged, found, budget)
                del staged
                gc.collect()
            return
        with ThreadPoolExecutor(max_workers=1) as pool:
            pending: tuple[Hood, StagedSolve, Future[dict[Pair, int]]] | None = None
            while self._going(budget):
                hood = self._next(pending[0] if pending else None)
                built = self._build(hood, self.cpu - 1) if hood.workers and hood.gaps else None
                if pending is not None:
                    self._settle(pending[0], pending[1], pending[2].result(), budget)
                    pending = None
                    gc.collect()
                if built is None or not self._going(budget):
                    continue
                future = pool.submit(built.run, self._seconds(budget), self.objectives)
                pending = (hood, built, future)
            if pending is not None:
                self._settle(pending[0], pending[1], pending[2].result(), budget)


@contextmanager
def _collecting() -> Iterator[None]:
    """OR-Tools' ``CpModel`` sits in a reference cycle, so a neighbourhood's model (and
    the memory behind it) goes only when the cyclic collector runs, which Python
    decides by counting objects, not bytes: on the 1,000 x 8,000 sample week the
    search's memory grew by 1 GB in 14 neighbourhoods. The search collects after each
    one; what exists before it is frozen meanwhile, so a collection walks only what the
    search made (0.1-0.25 s there, against 0.6-0.8 s)."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def pin(staged: StagedSolve, kept: Mapping[Pair, int], fixed_starts: set[Pair]) -> None:
    """Rule 4: kept pins stay assigned (at their start where the pin gives one)."""
    staged.mm.pinned(kept, fixed_starts)


__all__ = ["KINDS", "Hood", "KindStats", "Search", "pin"]
