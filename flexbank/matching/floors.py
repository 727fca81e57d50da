"""The phone round's hours as floors: no priority of a part's plan ends below them.

The optimiser settles the priorities in the order of rules.md section 3, so it may buy
urgent hours with routine ones and end with fewer routine hours than the phone round.
The coordinator compares every priority with their phone round, so a part whose plan
falls short on a priority is lifted back to the phone round's hours:

- a part solved as one model reaches the phone round's routine hours in its last
  stage where it can, giving up urgent hours in steps (:mod:`slide`); if it still
  falls short, it is solved again from the phone round with its hours as floors
  (:func:`raise_to_floors`, with the optimiser's own stages);
- a part too large for one model is *lifted* by neighbourhood search from its plan
  (:func:`lift`): each neighbourhood keeps its emergency minutes, keeps the priorities
  between at least at the phone round's hours, and raises the short priority up to the
  phone round's hours, counting nothing above them (a cap on the criterion, not on the
  plan: whole engagements seldom add up to a floor exactly), then gives back as much as
  it can of the priorities between. Plans are ranked in that order: emergency, the short
  priority up to its floor, then the rest as in section 3.

A lifted plan is kept only if it reaches every floor; emergency hours are never given
up for lower priorities' hours. So a week can end below the phone round on a lower
priority, but only where every plan at the phone round's hours covers fewer emergency
hours (the plan's ``parts_below_phone_round_for_emergency`` counts those parts).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from flexbank.matching.decompose import Component
from flexbank.matching.model import Pair
from flexbank.matching.neighbourhood import Search
from flexbank.matching.problem import Problem
from flexbank.matching.quality import levels
from flexbank.matching.staged import STAGE_NAMES
from flexbank.models import PRIORITIES

if TYPE_CHECKING:  # the optimiser calls these with itself
    from flexbank.matching.outcome import PartResult
    from flexbank.matching.solver import Optimiser
    from flexbank.matching.staged import Budget


def part_plan(plan: Mapping[Pair, int], part: Component) -> dict[Pair, int]:
    """The assignments of the part's workers."""
    return {p: s for p, s in plan.items() if p[0] in part.workers}


def floors_of(problem: Problem, phone: Mapping[Pair, int], part: Component) -> dict[str, int]:
    """The phone round's covered minutes per priority over the part's workers."""
    covered = levels(problem, part_plan(phone, part))
    return {p: covered[i] for i, p in enumerate(PRIORITIES)}


def short_of(
    problem: Problem, plan: Mapping[Pair, int], part: Component, floors: Mapping[str, int]
) -> list[int]:
    """The priorities (indices) on which the part's plan is below its floor."""
    covered = levels(problem, part_plan(plan, part))
    return [i for i, p in enumerate(PRIORITIES) if covered[i] < floors[p]]


def reaches(
    problem: Problem, plan: Mapping[Pair, int], part: Component, floors: Mapping[str, int]
) -> bool:
    """Whether the part's plan covers at least the floors on every priority."""
    return not short_of(problem, plan, part, floors)


def lift_search(
    problem: Problem,
    part: Component,
    plan: Mapping[Pair, int],
    floors: Mapping[str, int],
    *,
    kept: Mapping[Pair, int],
    fixed_starts: set[Pair],
    cpu: int,
    seed: int,
    guide: Mapping[Pair, float] | None = None,
) -> Search | None:
    """The neighbourhood search that lifts the part's plan to its floors (see the
    module text), or None when no lift can help: the plan reaches every floor, or it
    is short on emergency or urgent hours (those were bought with emergency hours,
    which are never given back)."""
    short = short_of(problem, plan, part, floors)
    if not short or short[0] < 2:
        return None
    d = short[0]
    between = PRIORITIES[1:d]
    after = PRIORITIES[d + 1 :]
    objectives = (PRIORITIES[d], *between, *after, "continuity")
    order = (0, d, *range(1, d), *range(d + 1, len(STAGE_NAMES)))
    return Search(
        problem,
        set(part.gaps),
        set(part.workers),
        objectives,
        (PRIORITIES[0],),
        kept,
        fixed_starts,
        cpu=cpu,
        seed=seed + 11,
        guide=guide,
        floors={p: floors[p] for p in between},
        caps={PRIORITIES[d]: floors[PRIORITIES[d]]},
        order=order,
    )


def forget_proofs(
    proven: dict[str, bool],
    bounds: dict[str, float],
    proof_seconds: dict[str, float],
    before: Sequence[int],
    after: Sequence[int],
) -> None:
    """A plan behind the first one on a priority loses that priority's proof and those
    after it (a proof holds given the higher priorities' hours of the plan it was made
    for); the bounds of the priorities after it go too."""
    behind = False
    for i, priority in enumerate(PRIORITIES):
        if behind:
            bounds.pop(priority, None)
        behind = behind or after[i] < before[i]
        if behind:
            proven[priority] = False
            proof_seconds.pop(priority, None)


def lift(
    optimiser: Optimiser,
    part: Component,
    plan: dict[Pair, int],
    floors: Mapping[str, int],
    seconds: float,
    budget: Budget,
    result: PartResult,
) -> dict[Pair, int]:
    """A part too large for one model fell below the phone round on a priority:
    lift it by neighbourhood search (see the module text); kept only if it reaches
    every floor."""
    search = lift_search(
        optimiser.problem,
        part,
        plan,
        floors,
        kept=optimiser.kept,
        fixed_starts=optimiser.fixed_starts,
        cpu=optimiser.workers,
        seed=optimiser.seed,
        guide=optimiser.guide.values.get(PRIORITIES[-1]) if optimiser.guide else None,
    )
    if search is None:
        return plan
    search.progress, search.clock = optimiser.progress, optimiser.clock
    lifted = search.run(plan, seconds)
    budget.charge(search.deterministic_time)
    optimiser.deterministic_time += search.deterministic_time
    optimiser.outcome.history.extend(search.history)
    return taken_if_lifted(optimiser, part, plan, lifted, floors, result)


def taken_if_lifted(
    optimiser: Optimiser,
    part: Component,
    plan: dict[Pair, int],
    lifted: dict[Pair, int],
    floors: Mapping[str, int],
    result: PartResult,
) -> dict[Pair, int]:
    """The lifted plan if it reaches every floor (the proofs it is behind the plan on
    go), else the plan."""
    if not reaches(optimiser.problem, lifted, part, floors):
        return plan
    before, after = levels(optimiser.problem, plan), levels(optimiser.problem, lifted)
    forget_proofs(result.proven, result.bounds, result.proof_seconds, before, after)
    optimiser.outcome.floored += 1
    return lifted


def raise_to_floors(
    optimiser: Optimiser,
    part: Component,
    plan: dict[Pair, int],
    floors: Mapping[str, int],
    seconds: float,
    budget: Budget,
    result: PartResult,
) -> dict[Pair, int]:
    """The part's plan fell below the phone round on some priority (hours of one
    priority bought with hours of a lower one): solve the part again, as one model,
    from the phone round, priority by priority, never below it on any. That plan is
    taken unless it covers fewer emergency hours (the part then stays below the phone
    round on a lower priority, and the outcome counts it). Where it is behind the first plan
    on a priority, that priority and those after it lose their proofs (a proof holds
    given the higher priorities' hours of the plan it was made for)."""
    others = {p: s for p, s in plan.items() if p[0] not in part.workers}
    raised = optimiser.stage(
        part, plan, len(PRIORITIES) - 1, seconds, budget, result, floors=floors
    )
    raised = {**others, **{p: s for p, s in raised.items() if p[0] in part.workers}}
    before, after = levels(optimiser.problem, plan), levels(optimiser.problem, raised)
    if not reaches(optimiser.problem, raised, part, floors):
        return plan  # it did not reach the floors after all
    if after[0] < before[0]:
        # emergency hours are never given up for lower priorities' (rules.md section 3):
        # the week is below the phone round on a lower priority because every plan at
        # the phone round's hours covers fewer emergency hours than this one
        optimiser.outcome.kept_for_emergency += 1
        return plan
    forget_proofs(result.proven, result.bounds, result.proof_seconds, before, after)
    optimiser.outcome.floored += 1
    return raised


__all__ = [
    "floors_of",
    "forget_proofs",
    "lift",
    "lift_search",
    "part_plan",
    "raise_to_floors",
    "reaches",
    "short_of",
    "taken_if_lifted",
]
