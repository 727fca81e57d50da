"""Reaching the phone round's routine hours by lowering the urgent hours held, in steps.

The optimiser settles urgent hours before routine ones, in a model without routine
candidates, so its last stage may end below the phone round's routine hours while
holding more urgent hours than the phone round covers. The coordinator compares every
priority with the phone round (rules.md section 3, flexbank's extension), so the plan
must get back to the phone round's routine hours, giving up as few urgent hours as it
can.

:func:`last_stage` runs the last stage of a part solved as one model: routine hours
first; only if they end below the phone round's does :func:`slide` go on in the same
model, from its best plan, with the time kept back for such a plan: it maximises
routine minutes with the urgent minutes held where they are, then lowered halfway to
the phone round's, then to the phone round's (the best plan so far stays feasible
under each lower hold), a step at a time while the floor is not reached. Once the
floor is reached it is held, the urgent minutes are raised again as far as they go,
and the stage goes on. Solving the part again from the phone round
(:func:`flexbank.matching.floors.raise_to_floors`) is left for when the slide does not
reach the floor: that builds and presolves a second model of the whole part in the
time kept back, where the slide goes on from the search it follows.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from flexbank.matching.decompose import Component
from flexbank.matching.floors import short_of
from flexbank.matching.model import Pair
from flexbank.matching.staged import STAGE_NAMES, STAGE_SHARE, Budget, StagedSolve, hint_seconds
from flexbank.models import PRIORITIES

#: The least time of one step of the slide (seconds, or deterministic seconds).
STEP_SECONDS = 2.0
#: Share of the time left for the steps at the plan's urgent minutes and at halfway to
#: the phone round's; the last step, at the phone round's, takes the rest.
STEP_SHARES = (0.3, 0.5)
#: Share of the time kept back for a plan below the phone round that the slide may take;
#: the rest raises the urgent hours again and goes on with the stage.
SLIDE_SHARE = 0.7
#: Share of the time kept back that a stage below the phone round on its own priority
#: may take to catch up (:func:`catch_up`).
CATCH_UP_SHARE = 0.5


@dataclass(frozen=True)
class Slide:
    """What a slide did: whether it reached the floor, whether it lowered the hold on
    the priority above (then what the stage proves is not of the week unfloored), and
    in how many searches."""

    reached: bool
    lowered: bool
    steps: int


def slide(
    staged: StagedSolve,
    raised: str,
    floor: int,
    lowered: str,
    least: int,
    seconds: float,
) -> Slide:
    """Maximise ``raised`` (a priority) in ``staged`` until its free minutes reach
    ``floor``, lowering the hold on the free minutes of ``lowered`` (the priority above)
    from the best plan's halfway to ``least``, then to ``least``, while they do not (see
    the module text; the first search keeps the hold where it is). When the floor is
    reached it is held from then on."""
    model = staged.mm.model
    target, above = staged.terms[raised], staged.terms[lowered]
    if isinstance(target, int) or isinstance(above, int):
        return Slide(reached=isinstance(target, int) and target >= floor, lowered=False, steps=0)
    budget = Budget(seconds, staged.workers == 1)
    if staged.incumbent_values is None:
        # from a complete plan, as every search (measured: from the plan's assignments
        # alone, no search of the 60 x 400 sample week's last stage found one in 13 s)
        before = staged.deterministic_time
        staged.complete_hint(hint_seconds(seconds))
        budget.charge(staged.deterministic_time - before)
    held = start = staged.free_value(lowered, staged.incumbent)
    hold, value = staged.held.get(lowered) or (model.add(above >= held), held)
    # the expression's constant part went into the constraint's domain
    shift = value - hold.proto.linear.domain[0]
    # a plan with more of ``raised`` is ahead of one with more of ``lowered`` here
    order = staged.order
    i, j = order.index(STAGE_NAMES.index(lowered)), order.index(STAGE_NAMES.index(raised))
    staged.order = (*order[:i], order[j], *order[i:j], *order[j + 1 :])
    model.maximize(target)
    steps = 0
    reached = staged.free_value(raised, staged.incumbent) >= floor
    holds = [held, (held + least) // 2, least] if held > least else [held]
    while not reached and budget.left() > 0.3 and steps < len(holds):
        held = holds[steps]
        hold.proto.linear.domain[0] = held - shift
        share = STEP_SHARES[steps] if steps < len(holds) - 1 else 1.0
        piece = max(budget.left() * share, min(STEP_SECONDS, budget.left()))
        staged.attempt(raised, piece, budget, lns=True)
        steps += 1
        reached = staged.free_value(raised, staged.incumbent) >= floor
    staged.order = order
    if reached:
        model.add(target >= floor)
    return Slide(reached=reached, lowered=held < start, steps=steps)


def slide_to_floors(
    staged: StagedSolve, floors: Mapping[str, int], workers: Collection[int], seconds: float
) -> Slide:
    """The last stage's slide (see the module text) of ``workers``' plan to the phone
    round's routine minutes (``floors``, over those workers), lowering the urgent minutes
    held at most to the phone round's."""
    raised, lowered = PRIORITIES[2], PRIORITIES[1]
    return slide(
        staged,
        raised,
        floors[raised] - staged.fixed_minutes(raised, workers),
        lowered,
        floors[lowered] - staged.fixed_minutes(lowered, workers),
        seconds,
    )


def catch_up(staged: StagedSolve, priority: str, floor: int, seconds: float) -> bool:
    """A stage solved as one model ended below the phone round's minutes of its own
    ``priority`` (``floor``, free minutes): its complete search stalled (measured on an
    unseen 120 x 900 week, 2 cores: urgent ended at 249 to 281 hours in five runs of the
    same 25 s, the phone round covering 261). Go on with CP-SAT's neighbourhood workers
    alone from the best plan, holding everything above, for up to ``seconds`` of the time
    kept back, until the floor is reached. Returns whether it was."""
    target = staged.terms[priority]
    if isinstance(target, int):
        return target >= floor
    budget = Budget(seconds, staged.workers == 1)
    if staged.incumbent_values is None:  # neighbourhoods start from a complete plan
        before = staged.deterministic_time
        staged.complete_hint(hint_seconds(seconds))
        budget.charge(staged.deterministic_time - before)
    staged.mm.model.maximize(target)
    # with one thread (the deterministic mode) the complete search: neighbourhoods alone
    # use little deterministic time on a small model (measured: 195 s on the wall clock
    # for 2 deterministic seconds on a three-gap week)
    lns = staged.workers > 1
    reached = staged.free_value(priority, staged.incumbent)
    while reached < floor and budget.left() > 0.3:
        piece = max(budget.left() * STEP_SHARES[0], min(STEP_SECONDS, budget.left()))
        outcome = staged.attempt(priority, piece, budget, lns=lns)
        now = staged.free_value(priority, staged.incumbent)
        if outcome is None or outcome[0] or now <= reached:
            break  # nothing found, the best proven, or no headway
        reached = now
    return staged.free_value(priority, staged.incumbent) >= floor


def last_stage(
    staged: StagedSolve,
    part: Component,
    floors: Mapping[str, int],
    objectives: Sequence[str],
    seconds: float,
    spare: float,
) -> tuple[dict[Pair, int], Slide | None]:
    """The last stage (``objectives``, routine hours first) of ``part``, solved as one
    model in ``staged`` within ``seconds``, with the slide (see the module text) from
    ``spare`` seconds kept back for a plan below the phone round's routine hours
    (``floors``). Returns the plan and the slide, if there was one; a slide that did not
    reach the floor leaves the plan as the routine search left it, and the rest of the
    stage to whoever takes the time kept back."""
    problem = staged.problem
    first = seconds * STAGE_SHARE[objectives[0]] / sum(STAGE_SHARE[n] for n in objectives)
    clock = Budget(seconds + spare, staged.workers == 1)
    before = staged.deterministic_time
    found = staged.run(first, objectives[:1])
    clock.charge(staged.deterministic_time - before)
    if PRIORITIES.index(objectives[0]) not in short_of(problem, found, part, floors):
        return staged.run(clock.left() - spare, objectives[1:]), None
    before = staged.deterministic_time
    slid = slide_to_floors(staged, floors, part.workers, spare * SLIDE_SHARE)
    clock.charge(staged.deterministic_time - before)
    if not slid.reached:
        return found, slid
    rest = (PRIORITIES[1], *objectives) if slid.lowered else tuple(objectives[1:])
    return staged.run(clock.left(), rest), slid


__all__ = [
    "CATCH_UP_SHARE",
    "SLIDE_SHARE",
    "STEP_SECONDS",
    "STEP_SHARES",
    "Slide",
    "catch_up",
    "last_stage",
    "slide",
    "slide_to_floors",
]
