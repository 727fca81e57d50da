"""The slide: a last stage reaches the phone round's routine hours by giving up urgent
hours in steps, as few as it takes (flexbank/matching/slide.py)."""

from __future__ import annotations

import pytest
from matching_factories import DAY, HOUR, gap, place, problem, worker
from test_optimiser import urgent_hours_bought_with_routine

from flexbank.checker import check_plan
from flexbank.matching import floors, solve, solver
from flexbank.matching.neighbourhood import Search
from flexbank.matching.problem import Problem
from flexbank.matching.slide import catch_up, slide
from flexbank.matching.staged import StagedSolve
from flexbank.models import PRIORITIES


def trade(*, spare_worker: bool) -> Problem:
    """Ann (nursing) and Bob; two 2-hour urgent calls (the second needs nursing) and a
    4-hour routine shift at the time of the first call. With both calls covered, Ann
    works the second and Bob the first, and nobody is left for the routine shift;
    with ``spare_worker``, Cat can work it."""
    workers = [worker("ANN", skills=[{"name": "nursing"}]), worker("BOB", home=place(1))]
    if spare_worker:
        workers.append(worker("CAT", home=place(1)))
    return problem(
        workers,
        [
            gap("U1", DAY + 9 * HOUR, 2 * HOUR, priority="urgent"),
            gap("U2", DAY + 10 * HOUR, 2 * HOUR, priority="urgent", skills=["nursing"]),
            gap("R1", DAY + 9 * HOUR, 4 * HOUR, priority="routine"),
        ],
    )


def both_calls(p: Problem) -> StagedSolve:
    """The last stage from the plan covering both urgent calls, their minutes held."""
    worker_of = {w.id: w.index for w in p.workers}
    gap_of = {g.id: g for g in p.gaps}
    current = {
        (worker_of["BOB"], gap_of["U1"].index): gap_of["U1"].start,
        (worker_of["ANN"], gap_of["U2"].index): gap_of["U2"].start,
    }
    staged = StagedSolve(p, current, workers=1, seed=0)
    staged.hold(PRIORITIES[:2])
    staged.run(2.0, ("routine",))
    return staged


def covered(staged: StagedSolve) -> tuple[int, int]:
    return (
        staged.free_value("urgent", staged.incumbent),
        staged.free_value("routine", staged.incumbent),
    )


def test_the_slide_gives_up_urgent_hours_in_steps_until_routine_reaches_its_floor() -> None:
    staged = both_calls(trade(spare_worker=False))
    assert covered(staged) == (240, 0)  # held urgent: the routine shift stays open
    moved = slide(staged, "routine", 240, "urgent", 120, 5.0)
    # the hold goes from 4 urgent hours to 3 (no plan covers 3) to 2, where the routine
    # shift is covered
    assert (moved.reached, moved.lowered, moved.steps) == (True, True, 3)
    assert covered(staged) == (120, 240)


def test_the_slide_keeps_the_urgent_hours_where_routine_reaches_its_floor_without() -> None:
    staged = both_calls(trade(spare_worker=True))
    staged.incumbent = dict(staged.current)  # as if the routine search found nothing
    moved = slide(staged, "routine", 240, "urgent", 120, 5.0)
    assert (moved.reached, moved.lowered, moved.steps) == (True, False, 1)
    assert covered(staged) == (240, 240)


def test_the_slide_never_holds_urgent_below_the_phone_round() -> None:
    # with the floor out of reach at the phone round's urgent hours, it stops there
    staged = both_calls(trade(spare_worker=False))
    moved = slide(staged, "routine", 240, "urgent", 240, 5.0)
    assert (moved.reached, moved.lowered) == (False, False)
    assert covered(staged) == (240, 0)


def test_a_week_solved_as_one_model_reaches_the_phone_round_by_the_slide(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # no second model from the phone round: the last stage's own model gets there
    def no_second_model(*args: object, **kwargs: object) -> None:
        raise AssertionError("the slide should have reached the phone round's hours")

    monkeypatch.setattr(solver, "raise_to_floors", no_second_model)
    monkeypatch.setattr(floors, "raise_to_floors", no_second_model)
    sc = urgent_hours_bought_with_routine()
    plan = solve(sc, time_limit=5, workers=1, seed=0)
    assert check_plan(sc, plan) == []
    assert (plan.metrics.covered_hours.urgent, plan.metrics.covered_hours.routine) == (2.0, 4.0)
    assert (plan.metrics.model_extra or {})["parts_raised_to_phone_round"] == 1


def calls_only(p: Problem) -> StagedSolve:
    """The urgent stage's model from a plan that covers no call."""
    urgent = {g.index for g in p.gaps if g.priority == "urgent"}
    return StagedSolve(p, {}, scope_gaps=urgent, workers=1, seed=0)


def test_a_stalled_stage_catches_up_to_the_phone_round() -> None:
    p = trade(spare_worker=False)
    staged = calls_only(p)
    assert catch_up(staged, "urgent", 240, 5.0)
    assert covered(staged) == (240, 0)
    assert solver.violations(p, staged.incumbent) == {}


def test_catching_up_stops_where_no_plan_reaches_the_floor() -> None:
    p = trade(spare_worker=False)
    staged = calls_only(p)
    assert not catch_up(staged, "urgent", 241, 2.0)
    assert covered(staged) == (240, 0)  # the best it can do, still found


def test_a_lift_may_pass_its_cap_where_the_hours_do_not_add_up_to_it() -> None:
    """A lift counts a priority's minutes up to its cap (the phone round's), but the
    plan may pass it: two 2-hour routine shifts and a cap of 150 minutes. Held under the
    cap, one shift (120 minutes) was the best it could do and the floor was never
    reached (a 400 x 3,000 week stopped 5 minutes short for 25 s)."""
    p = problem(
        [worker("ANN")],
        [
            gap("R1", DAY + 9 * HOUR, 2 * HOUR, priority="routine"),
            gap("R2", DAY + 14 * HOUR, 2 * HOUR, priority="routine"),
        ],
    )
    staged = StagedSolve(p, {}, workers=1, seed=0)
    staged.cap({"routine": 150}, range(len(p.workers)))
    staged.run(2.0, ("routine",))
    assert staged.free_value("routine", staged.incumbent) == 240
    assert staged.proven["routine"]


def test_a_lift_values_nothing_above_its_cap() -> None:
    """Above the cap the capped priority counts for nothing, so the next criterion
    decides: with routine capped at what the phone round covers, a lift neighbourhood
    keeps the urgent call rather than adding routine hours past the cap."""
    p = trade(spare_worker=False)
    staged = StagedSolve(p, {}, workers=1, seed=0)
    staged.cap({"routine": 0}, range(len(p.workers)))
    staged.run(2.0, ("routine", "urgent"))
    assert covered(staged) == (240, 0)


def test_a_lift_ranks_plans_by_the_capped_hours() -> None:
    """A lift's neighbourhoods are kept by the same reading: routine counts up to its
    cap, so a plan that holds the urgent calls is ahead of one with routine hours past
    the cap (else a lift could never give back urgent hours once past its floor)."""
    p = trade(spare_worker=False)
    ids = {w.id: w.index for w in p.workers}
    at = {g.id: g for g in p.gaps}
    everyone = set(range(len(p.workers)))
    search = Search(
        p,
        {g.index for g in p.gaps},
        everyone,
        ("routine", "urgent"),
        (),
        {},
        set(),
        cpu=1,
        caps={"routine": 0},
        order=(0, 2, 1, 3, 4, 5),
    )
    routine = {(ids["BOB"], at["R1"].index): at["R1"].start}
    urgent = {
        (ids["BOB"], at["U1"].index): at["U1"].start,
        (ids["ANN"], at["U2"].index): at["U2"].start,
    }
    assert search._key(urgent, everyone) > search._key(routine, everyone)
