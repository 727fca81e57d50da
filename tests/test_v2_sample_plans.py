"""Plans of /2 sample weeks: ``solve()`` and the phone round never break a rule of
version 2 (9, 9b and 12 included) as the independent checker judges them, the solved
plan is at least as good as the phone round in the section 3 order, and the roster
rules agree with the checker on every worker of the plan."""

from __future__ import annotations

from collections import defaultdict

import pytest

from flexbank.checker import check_plan, quality
from flexbank.matching import baseline_plan, solve
from flexbank.matching.legality import Roster
from flexbank.matching.problem import Problem
from flexbank.sample import generate


@pytest.mark.slow
@pytest.mark.parametrize("seed", [3])
def test_v2_sample_weeks(seed: int) -> None:
    week = generate(40, 60, seed, version=2)
    planned = solve(week, time_limit=3, workers=1)
    phone = baseline_plan(week)
    assert planned.format == phone.format == "flexbank.plan/2"
    assert check_plan(week, planned) == []
    assert check_plan(week, phone) == []
    assert quality(week, planned).key() >= quality(week, phone).key()
    problem = Problem(week)
    mine: defaultdict[int, dict[int, int]] = defaultdict(dict)
    for a in planned.assignments:
        w, g = problem.worker_by_id[a.worker_id].index, problem.gap_by_id[a.gap_id].index
        mine[w][g] = problem.minute(a.start)
    assert all(Roster(problem, w, gaps).violations() == [] for w, gaps in mine.items())
