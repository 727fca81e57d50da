"""The optimiser: priority by priority, part by part, always from a valid plan.

1. The phone round gives a valid plan at once; nothing worse is ever returned.
2. The week splits into parts that share no candidate pair (:mod:`decompose`); each
   is solved on its own, with time shared by size.
3. In each part the priorities are solved in the order of rules.md section 3. The
   emergency model holds only emergency candidates, so it is small at any size and
   usually proven; the urgent model adds the urgent candidates and holds the emergency
   minutes reached; the routine model holds both and goes on to continuity, travel
   and fairness. After each stage the lower priorities are refilled by the phone round,
   so there is always a complete plan to start the next stage from, and the stage's
   own open gaps are rung back, handed over but never dropped (:mod:`swaps`). A part's
   time goes to the priorities it has gaps of.
4. A stage whose model is too large is improved by large-neighbourhood search
   (:mod:`neighbourhood`) instead of one model.
5. The bound per priority is the better of what CP-SAT proved and the linear
   relaxation (:mod:`bound`); the plan says which.
6. A part whose plan ends below the phone round on some priority is lifted back to
   the phone round's hours (:mod:`floors`): where it is solved as one model, its last
   stage first slides down the urgent hours it holds, in steps, until routine reaches
   the phone round's (:mod:`slide`), and failing that the part is solved again from the
   phone round with its hours as floors; otherwise by a neighbourhood search from its
   plan (kept unless it covers fewer emergency hours). A stage solved whole whose
   complete search stalls below the phone round on its own priority first catches up
   by neighbourhoods from its best plan (:func:`slide.catch_up`).

Every candidate plan is compared by its exact section 3 key before it is kept, and
the final plan is re-checked against every hard rule (:mod:`legality`). The entry
point, one solve of a week, is :func:`flexbank.matching.optimise.optimise`; this module
holds the optimiser of its parts.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Collection, Mapping

from flexbank.matching.baseline import phone_round
from flexbank.matching.bound import Relaxation
from flexbank.matching.decompose import Component
from flexbank.matching.floors import (
    floors_of,
    lift,
    part_plan,
    raise_to_floors,
    reaches,
    taken_if_lifted,
)
from flexbank.matching.model import Pair
from flexbank.matching.neighbourhood import Search, pin
from flexbank.matching.outcome import Outcome, PartResult
from flexbank.matching.problem import PRIORITY_RANK, Problem
from flexbank.matching.quality import levels, quality_key, repair, violations
from flexbank.matching.slide import CATCH_UP_SHARE, Slide, catch_up, last_stage
from flexbank.matching.staged import (
    STAGES,
    Budget,
    Progress,
    ProgressHook,
    StagedSolve,
)
from flexbank.matching.swaps import ring_back
from flexbank.models import PRIORITIES

#: A stage model heavier than this is improved by neighbourhood search instead of being
#: solved whole. The weight is the sum over workers of the square of their candidate
#: pairs in the stage: a worker's engagements are linked pairwise (overlap, travel, duty
#: periods), so that is what building and solving the model costs. Measured on the
#: sample weeks (2 cores, shared): 60 x 400 whole (216,000) built in about 5 s; the
#: emergency stage of 400 x 3,000 (1,146,000) in 10-15 s, then not one plan in 9 s of
#: search (by neighbourhoods: 434.7 emergency hours as before, urgent 1.022 of the phone
#: round against 1.013, in 120 s); 120 x 900 whole (2,090,000) in 18 s, too slow for
#: its 60 s.
MODEL_WEIGHT = 1_000_000
#: Share of a part's time kept back in case its plan falls below the phone round on a
#: priority (then the part is solved again with the phone round's hours as floors);
#: when it does not, the last stage goes on with it.
FLOOR_SHARE = 0.2
#: Share of the time left after the stages that a lift (:mod:`floors`) may take; the
#: rest goes on with the last stage from the lifted plan.
LIFT_SHARE = 0.7
#: Share of a part's time for each priority stage; time a stage does not use passes on.
#: Urgent gets the most: on weeks too large for one model of every priority its complete
#: search proves the urgent hours in 19-37 s at 120 x 900 (see staged.PROOF_SHARE), and
#: routine goes to neighbourhoods that use what is left well (measured on six unseen
#: 120 x 900 weeks, 60 s: urgent 1.044-1.240 of the phone round against 1.044-1.079
#: with 0.4, routine still above it).
PRIORITY_SHARE = {"emergency": 0.25, "urgent": 0.75, "routine": 0.35}
#: A part with no routine gap still has the last stage's tie-breakers: their weight.
#: (The emergency stage of a split week, emergency gaps only, gave its emergency hours
#: about 15% of its time when every priority counted whether it had gaps or not.)
TIE_BREAK_SHARE = 0.05
FINAL_STAGES = ("routine", "continuity", "travel", "unfairness")
#: A neighbourhood search settles routine hours and continuity; travel and fairness
#: are left to the models solved whole.
SEARCH_STAGES = ("routine", "continuity")
#: Share of the time limit (or of a stage's time, after the stage) that ringing back may
#: take at most.
RING_BACK_SHARE = 0.1
#: Share of the time limit that one solve of the relaxation may take at most (wall
#: clock; in the deterministic mode it always runs to the end).
LP_SHARE = 0.1


class Optimiser:
    """One solve: the settings, the clock, and what every part reported."""

    def __init__(
        self,
        problem: Problem,
        kept: Mapping[Pair, int],
        fixed_starts: set[Pair],
        *,
        workers: int,
        seed: int,
        progress: ProgressHook | None,
        clock: float,
        outcome: Outcome,
    ) -> None:
        self.problem = problem
        self.kept = dict(kept)
        self.fixed_starts = fixed_starts
        self.workers = workers
        self.seed = seed
        self.progress = progress
        self.clock = clock
        self.outcome = outcome
        self.guide: Relaxation | None = None
        self.deterministic_time = 0.0  # CP-SAT's, over every model so far

    def searched(self, part: Component) -> bool:
        """Whether some stage of ``part`` is too heavy to be solved as one model (see
        :data:`MODEL_WEIGHT`): improved by neighbourhood search instead."""
        return stage_weight(self.problem, part.workers, part.gaps) > MODEL_WEIGHT

    def _stage_gaps(self, part: Component, k: int) -> set[int]:
        gaps = self.problem.gaps
        return {g for g in part.gaps if PRIORITY_RANK[gaps[g].priority] <= k}

    def _without_lower(self, plan: Mapping[Pair, int], part: Component, k: int) -> dict[Pair, int]:
        """The plan with the part's assignments below priority ``k`` taken out (pins stay)."""
        gaps = self.problem.gaps
        return {
            p: s
            for p, s in plan.items()
            if p in self.kept or p[0] not in part.workers or PRIORITY_RANK[gaps[p[1]].priority] <= k
        }

    def solve_part(
        self, part: Component, plan: dict[Pair, int], seconds: float
    ) -> tuple[dict[Pair, int], PartResult]:
        result = PartResult()
        budget = Budget(seconds, self.workers == 1)
        floors = self._floors(part)
        # kept back for a plan that falls below the phone round on some priority
        reserve = seconds * FLOOR_SHARE
        budget.total -= reserve
        present = {self.problem.gaps[g].priority for g in part.gaps}
        for k, priority in enumerate(PRIORITIES):
            left = budget.left()
            if left <= 0.05:
                break
            share = _share(priority, present) / sum(_share(p, present) for p in PRIORITIES[k:])
            if priority not in present:
                result.proven[priority] = True
                result.bounds[priority] = 0.0
                if k < len(PRIORITIES) - 1:
                    continue
            plan = self.stage(part, plan, k, left * share, budget, result, spare=reserve)
        budget.total += reserve
        left = budget.left()
        if left <= 0.5:
            return plan, result
        if not reaches(self.problem, plan, part, floors):
            if not self.searched(part):
                return raise_to_floors(self, part, plan, floors, left, budget, result), result
            plan = lift(self, part, plan, floors, left * LIFT_SHARE, budget, result)
            left = budget.left()
            if left <= 0.5:
                return plan, result
        # time to spare: go on with the last stage from the plan
        return self.stage(part, plan, len(PRIORITIES) - 1, left, budget, result), result

    def stage(
        self,
        part: Component,
        plan: dict[Pair, int],
        k: int,
        stage_seconds: float,
        budget: Budget,
        result: PartResult,
        *,
        floors: Mapping[str, int] | None = None,
        spare: float = 0.0,
    ) -> dict[Pair, int]:
        """Priority ``k``'s stage of one part: its model (or neighbourhood search) from
        ``plan`` without the lower priorities, which the phone round then refills. With
        ``floors`` (a part solved as one model), the stage starts from the part's phone
        round instead and re-decides every priority from the top, never below the
        floors. ``spare``: time kept back for a plan below the phone round, which a last
        stage solved as one model may take for its slide (:mod:`slide`); other stages
        leave it."""
        priority = PRIORITIES[k]
        stage_gaps = self._stage_gaps(part, k)
        final = k == len(PRIORITIES) - 1
        if floors is None:
            current = self._without_lower(plan, part, k)
            objectives: tuple[str, ...] = FINAL_STAGES if final else (priority,)
            holds: tuple[str, ...] = PRIORITIES[:k]
        else:
            current = self._phone_part(part)
            objectives = (*PRIORITIES[:k], *FINAL_STAGES)
            holds = ()
        record = floors is None  # a floored model proves nothing of the unfloored week
        slid: Slide | None = None
        if stage_weight(self.problem, part.workers, stage_gaps) <= MODEL_WEIGHT:
            building = time.monotonic()
            staged = StagedSolve(
                self.problem,
                current,
                scope_gaps=stage_gaps,
                scope_workers=set(part.workers),
                workers=self.workers,
                seed=self.seed + (0 if record else 7),
                phase=f"{priority} hours",
                progress=self.progress,
                clock_start=self.clock,
            )
            pin(staged, self.kept, self.fixed_starts)
            staged.hold(holds)
            if floors is not None:
                staged.floor(floors, part.workers)
            left = self._stage_left(stage_seconds, building)
            if final and record and spare > 0.5:
                found, slid = last_stage(staged, part, self._floors(part), objectives, left, spare)
                # routine hours held at the phone round's prove nothing of the week
                record = slid is None or not slid.lowered
            else:
                found = staged.run(left, objectives)
                if record and not final and spare > 0.5:
                    found = self._caught_up(staged, part, priority, spare * CATCH_UP_SHARE)
            budget.charge(staged.deterministic_time)
            self.deterministic_time += staged.deterministic_time
            self.outcome.history.extend(staged.history)
            if record:
                proven = staged.proven.get(priority, False)
                result.proven[priority] = result.proven.get(priority, False) or proven
                if priority in staged.bounds:
                    result.bounds[priority] = min(
                        staged.bounds[priority], result.bounds.get(priority, math.inf)
                    )
                if priority in staged.proof_seconds:
                    result.proof_seconds.setdefault(priority, staged.proof_seconds[priority])
        else:
            result.searched.add(priority)
            result.proven.setdefault(priority, False)
            search = Search(
                self.problem,
                stage_gaps,
                set(part.workers),
                SEARCH_STAGES if final else objectives,
                holds,
                self.kept,
                self.fixed_starts,
                cpu=self.workers,
                seed=self.seed + k,
                progress=self.progress,
                clock=self.clock,
                guide=self.guide.values.get(priority) if self.guide else None,
            )
            found = search.run(current, stage_seconds)
            budget.charge(search.deterministic_time)
            self.deterministic_time += search.deterministic_time
            self.outcome.history.extend(search.history)
            self._count(search)
        # refill the lower priorities, so the next stage starts from a whole plan; then
        # ring back on the stage's open gaps too: a search that moved a worker can
        # leave them free for an open gap it did not hold (measured on the emergency
        # gaps of the 1,000 x 8,000 week: a 7-hour shift left open beside a free worker)
        lower = [g for g in part.gaps if g not in stage_gaps]
        completed = phone_round(self.problem, found, only=lower)
        refill = Budget(stage_seconds * RING_BACK_SHARE, self.workers == 1)
        completed = ring_back(
            self.problem, completed, self.kept, only=lower, out_of_time=_spent(refill, budget)
        )
        # the stage's own gaps: handed over, never dropped (a drop could take the lower
        # priorities below the floors a lift or a slide brought them to)
        completed = ring_back(
            self.problem,
            completed,
            self.kept,
            only=stage_gaps,
            out_of_time=_spent(refill, budget),
            drop=False,
        )
        if floors is not None:
            return completed
        if slid is not None and slid.reached:
            return taken_if_lifted(self, part, plan, completed, self._floors(part), result)
        if quality_key(self.problem, completed, part.workers) > quality_key(
            self.problem, plan, part.workers
        ):
            return completed
        return plan

    def _caught_up(
        self, staged: StagedSolve, part: Component, priority: str, seconds: float
    ) -> dict[Pair, int]:
        """The stage's plan, caught up (:func:`slide.catch_up`) where it ended below the
        phone round's hours of its own priority (unless it proved it can do no better:
        the hours above were bought with them)."""
        floor = self._floors(part)[priority] - staged.fixed_minutes(priority, part.workers)
        stalled = not staged.proven.get(priority, False)
        if stalled and staged.free_value(priority, staged.incumbent) < floor:
            catch_up(staged, priority, floor, seconds)
        return dict(staged.incumbent)

    def _stage_left(self, seconds: float, building: float) -> float:
        """What is left of a stage's ``seconds`` for its model's searches: building the
        model (from ``building``, wall clock) pays from the stage's share too, but not in
        the deterministic mode, whose budget is CP-SAT's deterministic time only
        (measured on the 60 x 400 sample week: the whole model took 2.3 s to build; a
        30 s solve whose stages did not pay for it returned after 34.8 s)."""
        if self.workers == 1:
            return seconds
        return seconds - (time.monotonic() - building)

    def _floors(self, part: Component) -> dict[str, int]:
        return floors_of(self.problem, self.outcome.baseline, part)

    def _phone_part(self, part: Component) -> dict[Pair, int]:
        """The phone round's plan, with the part's assignments only from it."""
        return part_plan(self.outcome.baseline, part)

    def _count(self, search: Search) -> None:
        for kind, stats in search.stats.items():
            entry = self.outcome.neighbourhoods.setdefault(
                kind, {"tries": 0, "improved": 0, "gained_minutes": 0.0}
            )
            entry["tries"] += stats.tries
            entry["improved"] += stats.improved
            entry["gained_minutes"] += sum(stats.gain)


def _share(priority: str, present: Collection[str]) -> float:
    """A priority's weight in a part's time: none where the part has no gap of it, but
    for the last stage's tie-breakers (continuity, travel, fairness), which every part
    has."""
    if priority in present:
        return PRIORITY_SHARE[priority]
    return TIE_BREAK_SHARE if priority == PRIORITIES[-1] else 0.0


def _spent(*budgets: Budget) -> Callable[[], bool]:
    """Whether any of the budgets has run out."""
    return lambda: any(b.left() <= 0.05 for b in budgets)


def stage_weight(problem: Problem, workers: Collection[int], gaps: Collection[int]) -> int:
    """How heavy a model of these workers and gaps is (see :data:`MODEL_WEIGHT`)."""
    gaps = set(gaps)
    total = 0
    for w in workers:
        n = sum(1 for c in problem.by_worker.get(w, ()) if c.gap in gaps)
        total += n * n
    return total


__all__ = [
    "STAGES",
    "Budget",
    "Outcome",
    "Progress",
    "ProgressHook",
    "StagedSolve",
    "levels",
    "quality_key",
    "repair",
    "violations",
]
