"""One solve of a week: the phone round, then every part by the optimiser
(:class:`~flexbank.matching.solver.Optimiser`, whose module text tells the method),
then the bound and the proofs of the plan it returns."""

from __future__ import annotations

import time
from collections.abc import Mapping

from flexbank.matching.baseline import phone_round
from flexbank.matching.bound import LinearBound, Relaxation
from flexbank.matching.decompose import components
from flexbank.matching.dependencies import keep_dependencies
from flexbank.matching.model import Pair
from flexbank.matching.outcome import Outcome, PartResult, bounds_of, cut_short
from flexbank.matching.problem import Problem
from flexbank.matching.quality import levels, quality_key, repair
from flexbank.matching.solver import LP_SHARE, RING_BACK_SHARE, Optimiser
from flexbank.matching.staged import STAGES, Budget, Progress, ProgressHook
from flexbank.matching.swaps import ring_back
from flexbank.models import PRIORITIES


def optimise(
    problem: Problem,
    kept: Mapping[Pair, int],
    *,
    time_limit: float = 30.0,
    workers: int = 2,
    seed: int = 0,
    progress: ProgressHook | None = None,
    fixed_starts: set[Pair] | None = None,
    relaxation: bool = True,
    lp_share: float = LP_SHARE,
) -> Outcome:
    """The best assignment found within ``time_limit`` seconds, never worse than the baseline.

    ``relaxation`` False leaves the linear relaxation out (no relaxation neighbourhoods,
    bounds from the candidates and the proofs only): for a part of a larger week whose
    bound is worked out elsewhere. ``lp_share``: the share of ``time_limit`` one solve
    of the relaxation may take at most (wall clock)."""
    clock = time.monotonic()
    fixed_starts = fixed_starts if fixed_starts is not None else set(kept)
    baseline = phone_round(problem, kept)
    outcome = Outcome(assignment=dict(baseline), baseline=dict(baseline))
    outcome.first_feasible_seconds = time.monotonic() - clock
    if not problem.candidates:
        outcome.proven = {name: True for name, _ in STAGES}
        outcome.bounds = dict.fromkeys(PRIORITIES, 0.0)
        outcome.bound_source = dict.fromkeys(PRIORITIES, "proof")
        outcome.seconds = time.monotonic() - clock
        return outcome
    # with one worker the budget is deterministic time only (see Budget)
    deterministic = workers == 1
    budget = Budget(
        time_limit if deterministic else time_limit - (time.monotonic() - clock), deterministic
    )
    parts = sorted(components(problem, kept), key=lambda p: (p.candidates, min(p.workers)))
    outcome.parts = len(parts)
    optimiser = Optimiser(
        problem,
        kept,
        fixed_starts,
        workers=workers,
        seed=seed,
        progress=progress,
        clock=clock,
        outcome=outcome,
    )
    # the relaxation, built once: it guides the neighbourhoods and bounds the plan
    lp_seconds = None if deterministic else lp_share * time_limit
    linear = LinearBound(problem, kept) if relaxation else None
    reserve = min(lp_share * time_limit, 2 * linear.build_seconds) if linear else 0.0
    if any(optimiser.searched(p) for p in parts):
        outcome.mode = "staged + neighbourhoods"
        if linear is not None:
            optimiser.guide = linear.solve(_minutes(problem, baseline), lp_seconds)
            reserve = min(lp_share * time_limit, optimiser.guide.seconds - linear.build_seconds)
    if not deterministic:
        budget.total -= reserve
    ring_budget = Budget(time_limit * RING_BACK_SHARE, deterministic)
    plan = ring_back(problem, baseline, kept, out_of_time=lambda: ring_budget.left() <= 0)
    results: list[PartResult] = []
    remaining = sum(p.candidates for p in parts)
    for part in parts:
        share = budget.left() * part.candidates / max(remaining, 1)
        remaining -= part.candidates
        before = optimiser.deterministic_time
        plan, result = optimiser.solve_part(part, plan, max(share, 0.2))
        budget.charge(optimiser.deterministic_time - before)
        results.append(result)
    plan = keep_dependencies(problem, plan)  # rule 13 as plan.py reads it, before comparing
    if quality_key(problem, plan) >= quality_key(problem, baseline):
        outcome.assignment = plan
    outcome.repaired = repair(problem, outcome.assignment)
    relaxed = (
        linear.solve(_minutes(problem, outcome.assignment), lp_seconds, known=optimiser.guide)
        if linear is not None
        else Relaxation()
    )
    outcome.relaxation_seconds = relaxed.seconds
    relaxed_at = time.monotonic() - clock
    outcome.bounds, outcome.bound_source = bounds_of(problem, results, relaxed)
    outcome.proven = {}
    if not outcome.repaired:
        for priority in PRIORITIES:
            outcome.proven[priority] = all(r.proven.get(priority, False) for r in results)
    # a level whose covered minutes reach an upper bound is optimal, whoever found it;
    # the proofs hold for the whole bank only where no candidate list was cut short
    covered = levels(problem, outcome.assignment)[:3]
    holding = True
    for level, priority in enumerate(PRIORITIES):
        capped = cut_short(problem, level)
        reached = covered[level] >= outcome.bounds[priority] - 1e-9
        holding = holding and (reached or (outcome.proven.get(priority, False) and not capped))
        outcome.proven[priority] = holding
        if holding:
            times = [r.proof_seconds.get(priority) for r in results]
            outcome.proof_seconds[priority] = (
                max((t for t in times if t is not None), default=0.0)
                if all(t is not None for t in times)
                else relaxed_at  # proven by reaching the relaxation's bound
            )
    for priority in PRIORITIES:
        if priority in relaxed.bounds and progress is not None:
            progress(
                Progress(
                    time.monotonic() - clock,
                    "bound",
                    priority,
                    float(covered[PRIORITIES.index(priority)]),
                    outcome.bounds[priority],
                )
            )
    outcome.seconds = time.monotonic() - clock
    return outcome


def _minutes(problem: Problem, assignment: Mapping[Pair, int]) -> dict[str, float]:
    covered = levels(problem, assignment)
    return {p: float(covered[i]) for i, p in enumerate(PRIORITIES)}


__all__ = ["optimise"]
