"""The optimiser on random /2 sample weeks: every plan passes the independent checker
of version 2, and tiny weeks reach the brute-force optimum (the version 2 rules in the
model neither let a breaking plan through nor rule out a valid better one)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from test_matching import brute_force_best

from flexbank.checker import check_plan, quality
from flexbank.matching import solve
from flexbank.matching.problem import Problem
from flexbank.models import Scenario
from flexbank.sample import generate_dict
from flexbank.validation import load_scenario


def small_v2(workers: int, gaps: int, seed: int, tolerance: bool = True) -> Scenario:
    raw = generate_dict(workers, gaps, seed, version=2)
    if not tolerance:
        for gap in raw["gaps"]:
            gap["start_tolerance_minutes"] = 0
    return load_scenario(raw)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    workers=st.integers(min_value=2, max_value=10),
    gaps=st.integers(min_value=1, max_value=25),
    seed=st.integers(min_value=0, max_value=10_000),
)
def test_random_v2_scenarios_give_checker_clean_plans(workers: int, gaps: int, seed: int) -> None:
    scenario = small_v2(workers, gaps, seed)
    plan = solve(scenario, time_limit=2, workers=1, seed=seed)
    assert plan.format == "flexbank.plan/2"
    assert check_plan(scenario, plan) == []


@pytest.mark.slow
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(min_value=0, max_value=10_000))
def test_tiny_v2_scenarios_match_brute_force(seed: int) -> None:
    scenario = small_v2(3, 6, seed, tolerance=False)
    assume(0 < len(Problem(scenario).candidates) <= 10)
    plan = solve(scenario, time_limit=5, workers=1, seed=0)
    assert check_plan(scenario, plan) == []
    got = quality(scenario, plan).key()[:4]
    assert got == pytest.approx(brute_force_best(scenario), abs=1e-6)
