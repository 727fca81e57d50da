"""The phone-round baseline: legal, priority first, double-ups together, pins kept."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest
from matching_factories import DAY, HOUR, at, gap, place, problem, worker

from flexbank.matching.baseline import nearness, phone_order, phone_round
from flexbank.matching.legality import Roster
from flexbank.matching.problem import Problem
from flexbank.sample import generate

TUE = DAY


def assert_legal(p: Problem, plan: dict[tuple[int, int], int]) -> None:
    """Every rule of rules.md section 2 that the plan is responsible for."""
    by_worker: defaultdict[int, dict[int, int]] = defaultdict(dict)
    by_gap: defaultdict[int, list[int]] = defaultdict(list)
    for (w, g), start in plan.items():
        by_worker[w][g] = start
        by_gap[g].append(start)
        candidate = p.candidate_of.get((w, g))
        assert candidate is not None, (w, g)  # eligible (section 1)
        assert any(lo <= start <= hi for lo, hi in candidate.starts)  # timing, availability
        verdict = p.compliance.check_pair(
            p.scenario.workers[w], p.scenario.gaps[g], start=p.instant(start)
        )
        assert verdict.ok, verdict.codes
    for g, starts in by_gap.items():
        gap_slot = p.gaps[g]
        assert len(starts) <= gap_slot.headcount
        if gap_slot.together:
            assert len(starts) == gap_slot.headcount
            assert len(set(starts)) == 1
    for w, assigned in by_worker.items():
        assert Roster(p, w, assigned).violations() == [], p.workers[w].id


@pytest.mark.parametrize(("workers", "gaps", "seed"), [(30, 150, 1), (60, 300, 2), (25, 250, 3)])
def test_phone_round_is_legal_on_sample_scenarios(workers: int, gaps: int, seed: int) -> None:
    p = Problem(generate(workers, gaps, seed))
    plan = phone_round(p)
    assert plan
    assert_legal(p, plan)
    assert phone_round(p) == plan  # deterministic


def test_emergency_before_routine_for_the_same_worker() -> None:
    gaps = [
        gap("R", TUE + 8 * HOUR, 8 * HOUR, priority="routine"),
        gap("E", TUE + 10 * HOUR, 8 * HOUR, priority="emergency"),
        gap("U", TUE + 12 * HOUR, 4 * HOUR, priority="urgent"),
    ]
    p = problem([worker()], gaps)
    assert phone_round(p) == {(0, 1): TUE + 10 * HOUR}


def trained(w: dict[str, Any]) -> dict[str, Any]:
    """A worker with version 2's two more mandatory courses."""
    more = [{"course": c, "completed": "2026-01-01", "expires": None} for c in V2_COURSES]
    return {**w, "training": [*w["training"], *more]}


V2_COURSES = ("fire_safety", "health_safety")


def test_the_visit_a_dose_follows_is_booked_first_and_by_someone_else() -> None:
    # rule 13: the emergency second dose follows the routine first one, by another
    # carer; W1 is nearest to both
    first = gap("FIRST", TUE + 8 * HOUR, HOUR, priority="routine")
    second = gap(
        "SECOND",
        TUE + 12 * HOUR,
        HOUR,
        priority="emergency",
        after=[{"gap_id": "FIRST", "min_minutes": 4 * 60, "other_worker": True}],
    )
    near, far = trained(worker("W1")), trained(worker("W2", home=place(1)))
    p = problem([near, far], [first, second], version=2, minor=1)
    assert phone_round(p) == {(0, 0): TUE + 8 * HOUR, (1, 1): TUE + 12 * HOUR}


def test_a_dose_whose_first_visit_nobody_can_take_is_not_booked() -> None:
    first = gap("FIRST", TUE + 8 * HOUR, HOUR, skills=["peg_feeding"])
    second = gap("SECOND", TUE + 12 * HOUR, HOUR, after=[{"gap_id": "FIRST", "min_minutes": 0}])
    p = problem([trained(worker())], [first, second], version=2, minor=1)
    assert phone_round(p) == {}


def test_nearest_worker_is_called_first() -> None:
    far = worker("W1", home=place(3))
    near = worker("W2", home=place(1))
    p = problem([far, near], [gap("G", TUE + 8 * HOUR, 8 * HOUR, where=0)])
    assert phone_round(p) == {(1, 0): TUE + 8 * HOUR}


def test_shift_with_headcount_two_fills_positions_one_by_one() -> None:
    busy = worker("W1", commitments=[{"start": at(TUE + 9 * HOUR), "end": at(TUE + 10 * HOUR)}])
    p = problem(
        [busy, worker("W2", home=place(3)), worker("W3", home=place(4))],
        [gap("G", TUE + 8 * HOUR, 8 * HOUR, headcount=2)],
    )
    plan = phone_round(p)
    assert set(plan) == {(1, 0), (2, 0)}
    assert_legal(p, plan)


def _double_up(first_free: int, second_free: int, tolerance: int) -> Problem:
    def free_from(id: str, minute: int) -> dict[str, object]:
        return worker(id, availability=[{"start": at(minute), "end": at(TUE + DAY)}])

    visit = gap(
        "V",
        TUE + 8 * HOUR,
        HOUR,
        kind="visit",
        provider_id="P2",
        headcount=2,
        start_tolerance_minutes=tolerance,
    )
    return problem([free_from("W1", first_free), free_from("W2", second_free)], [visit])


def test_double_handed_visit_at_one_common_start() -> None:
    p = _double_up(TUE + 8 * HOUR, TUE + 8 * HOUR + 15, tolerance=30)
    plan = phone_round(p)
    assert plan == {(0, 0): TUE + 8 * HOUR + 15, (1, 0): TUE + 8 * HOUR + 15}
    assert_legal(p, plan)


def test_double_handed_visit_all_or_none() -> None:
    # the second carer is free only after the tolerance: nobody goes alone
    p = _double_up(TUE + 8 * HOUR, TUE + 8 * HOUR + 45, tolerance=30)
    assert phone_round(p) == {}


def test_double_handed_visit_with_a_busy_partner() -> None:
    busy = worker("W2", commitments=[{"start": at(TUE + 7 * HOUR), "end": at(TUE + 8 * HOUR + 10)}])
    visit = gap("V", TUE + 8 * HOUR, HOUR, kind="visit", headcount=2, start_tolerance_minutes=20)
    p = problem([worker("W1"), busy], [visit])
    plan = phone_round(p)
    assert plan == {(0, 0): TUE + 8 * HOUR + 10, (1, 0): TUE + 8 * HOUR + 10}
    assert_legal(p, plan)


def test_kept_assignments_are_kept_and_placed_first() -> None:
    gaps = [
        gap("R", TUE + 8 * HOUR, 8 * HOUR, priority="routine"),
        gap("E", TUE + 10 * HOUR, 8 * HOUR, priority="emergency"),
    ]
    p = problem([worker("W1"), worker("W2", home=place(4))], gaps)
    plan = phone_round(p, {(0, 0): TUE + 8 * HOUR})
    assert plan == {(0, 0): TUE + 8 * HOUR, (1, 1): TUE + 10 * HOUR}
    assert_legal(p, plan)


def test_kept_partner_of_a_double_up_fixes_the_start() -> None:
    p = _double_up(TUE + 8 * HOUR, TUE + 8 * HOUR, tolerance=30)
    plan = phone_round(p, {(0, 0): TUE + 8 * HOUR + 20})
    assert plan == {(0, 0): TUE + 8 * HOUR + 20, (1, 0): TUE + 8 * HOUR + 20}


def test_phone_order_matches_the_exact_order() -> None:
    p = Problem(generate(60, 200, 5))
    for g, candidates in p.by_gap.items():
        exact = sorted(candidates, key=lambda c: nearness(p, c))
        assert phone_order(p, candidates) == exact, g
