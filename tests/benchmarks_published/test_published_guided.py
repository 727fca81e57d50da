"""The routing library's pass of the routing mode (``flexbank.matching.routing_guided``):
its routes serve every visit once, each by a caregiver allowed to take it, in an order that
can be timed with every dependency, and the independent evaluator finds no broken
published rule in them; from a poor start it finds better routes."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sub_instance import (
    assert_each_visit_served_once_by_an_allowed_worker,
    indexed_routes,
    routing_setup,
    scored,
    sub_instance,
)

from benchmarks.published.baseline import decode
from benchmarks.published.catalog import entries
from benchmarks.published.evaluate import evaluate
from benchmarks.published.readers import read_instance
from benchmarks.published.scenario import to_scenario
from flexbank.matching.problem import Problem
from flexbank.matching.routing_guided import guided_routes
from flexbank.matching.routing_model import FINE, RoutingModel
from flexbank.validation import load_scenario

C = [read_instance(e.path) for e in entries(("C",))[:3]]
B1 = read_instance(entries(("B",))[0].path)


@pytest.mark.slow
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    which=st.integers(0, len(C) - 1),
    keep=st.sets(st.integers(0, 49), min_size=8, max_size=20),
    shift=st.integers(-30, 60),
)
def test_guided_routes_keep_every_published_rule(which: int, keep: set[int], shift: int) -> None:
    """Random sub-instances of family C (double services included): every visit once, by
    a qualified caregiver, synchronised, as the independent evaluator reads them."""
    instance = sub_instance(C[which], keep, shift)
    problem, whole = routing_setup(instance)
    routes = guided_routes(problem, whole, 1.0)
    assert routes is not None
    assert_each_visit_served_once_by_an_allowed_worker(problem, routes)
    assert scored(instance, problem, whole, routes).violations == []


def test_guided_routes_improve_a_poor_start() -> None:
    """From the greedy decoding of the patients in reverse order (a valid, poor start) the
    pass finds routes the evaluator scores lower."""
    start = decode(B1, list(reversed(B1.patients)), 1.0).solution
    problem, whole = routing_setup(B1)
    hint = indexed_routes(problem, start)
    before = evaluate(B1, start).objective
    routes = guided_routes(problem, whole, 2.0, hint=hint)
    assert routes is not None
    after = scored(B1, problem, whole, routes)
    assert after.violations == []
    assert after.objective < before


def test_visits_for_two_at_once_are_left_to_the_cp_sat_search() -> None:
    raw = to_scenario(B1)
    raw["gaps"][0]["headcount"] = 2
    problem = Problem(load_scenario(raw), max_candidates_per_gap=None)
    assert guided_routes(problem, RoutingModel(problem, FINE), 2.0) is None
