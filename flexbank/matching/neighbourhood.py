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
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from flexbank.geo import approx_km
from flexbank.matching.model import Pair
from flexbank.matching.problem import Problem
from flexbank.matching.quality import quality_key
from flexbank.matching.staged import Budget, Progress, ProgressHook, StagedSolve

KINDS = ("workers", "window", "relaxation")
#: Starting weights: a window frees few engagements per worker, so its model is the
#: cheapest to build for its size (measured on the 120 x 900 sample week: 800 free
#: pairs built in 2.3 s as a window, 4.6 s as ten worker-weeks).
PRIOR = {"workers": 1.0, "window": 2.0, "relaxation": 1.0}
START_SIZE = 800
MIN_SIZE = 200
MAX_SIZE = 3000


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
        count = 0
        for w in [*seeds, *order]:
            if w in chosen:
                continue
            chosen.add(w)
            gaps.update(self.by_worker[w])
            count += len(self.by_worker[w])
            if count >= self.size:
                break
        return chosen, gaps

    def _workers_hood(self) -> tuple[set[int], set[int]]:
        return self._nearby([self.rng.choice(self.active)])

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
            gaps.append(g)
            workers.update(c.worker for c in self.by_gap[g])
            count += len(self.by_gap[g])
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
        open_gaps = [g for g, v in promise.items() if v > filled[g] + 0.25 and self.by_gap.get(g)]
        if not open_gaps:
            return None
        g = self.rng.choice(sorted(open_gaps))
        seeds = sorted({c.worker for c in self.by_gap[g]}, key=lambda w: -guide.get((w, g), 0))
        return self._nearby(seeds[:3])

    # ---------------------------------------------------------------------- search

    def _key(self, plan: Mapping[Pair, int], workers: set[int]) -> tuple[float, ...]:
        """How good the plan is over the neighbourhood's workers (the rest is fixed)."""
        key = quality_key(self.problem, plan, workers)
        if self.order is None:
            return key
        return tuple(key[i] for i in self.order)

    def _pick(self) -> str:
        weights = []
        for kind in KINDS:
            s = self.stats[kind]
            weights.append(PRIOR[kind] * (1 + s.improved) / (1 + s.tries) + 0.1)
        return self.rng.choices(KINDS, weights=weights)[0]

    def run(self, plan: dict[Pair, int], seconds: float) -> dict[Pair, int]:
        if not self.active:
            return plan
        budget = Budget(seconds, self.cpu == 1)
        best = dict(plan)
        failures = 0
        rounds = 0
        while budget.left() > 0.5 and failures < 60:
            kind = self._pick()
            hood = self._relaxation_hood(best) if kind == "relaxation" else None
            if kind == "relaxation" and hood is None:
                kind = "workers"
            if hood is None:
                hood = self._window_hood() if kind == "window" else self._workers_hood()
            workers, gaps = hood
            rounds += 1
            staged = StagedSolve(
                self.problem,
                best,
                scope_gaps=gaps,
                scope_workers=workers,
                workers=self.cpu,
                seed=self.seed + rounds,
                phase=f"neighbourhood ({kind})",
                progress=self.progress,
                clock_start=self.clock,
            )
            pin(staged, self.kept, self.fixed_starts)
            staged.hold(self.holds)
            staged.floor(self.floors, self.workers)
            staged.cap(self.caps, self.workers)
            if self.order is not None:
                staged.order = self.order
            seconds_here = min(budget.left(), max(2.0, 3.0 * math.sqrt(self.size / START_SIZE)))
            found = staged.run(seconds_here, self.objectives)
            budget.charge(staged.deterministic_time)
            self.deterministic_time += staged.deterministic_time
            self.history.extend(staged.history)
            stats = self.stats[kind]
            stats.tries += 1
            before = self._key(best, workers)
            after = self._key(found, workers)
            if after > before:
                stats.improved += 1
                stats.gain.append(float(sum(after[:3]) - sum(before[:3])))
                best = found
                failures = 0
            else:
                failures += 1
            proved = all(staged.proven.get(name, False) for name in self.objectives)
            if proved:
                self.size = min(MAX_SIZE, int(self.size * 1.25))
            elif not any(staged.proven.values()):
                self.size = max(MIN_SIZE, int(self.size * 0.8))
        return best


def pin(staged: StagedSolve, kept: Mapping[Pair, int], fixed_starts: set[Pair]) -> None:
    """Rule 4: kept pins stay assigned (at their start where the pin gives one)."""
    staged.mm.pinned(kept, fixed_starts)


__all__ = ["KINDS", "KindStats", "Search", "pin"]
