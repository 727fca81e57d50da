"""The relaxed pass of the routing mode (``flexbank.matching.routing_repair``): routes
found without the dependencies' start differences are made whole again, so that every
visit is served once, by a caregiver allowed to take it, in an order that can be timed
with every dependency, as the independent evaluator reads them."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sub_instance import (
    assert_each_visit_served_once_by_an_allowed_worker,
    routing_setup,
    scored,
    sub_instance,
)

from benchmarks.published.catalog import entries
from benchmarks.published.readers import read_instance
from benchmarks.published.scenario import to_scenario
from flexbank.matching.problem import Problem
from flexbank.matching.routing_guided import guided_routes
from flexbank.matching.routing_model import FINE, RoutingModel
from flexbank.matching.routing_repair import put_back, relaxed_routes
from flexbank.validation import load_scenario

C = [read_instance(e.path) for e in entries(("C",))[:3]]


def test_two_tied_pairs_in_opposite_orders_are_put_back_in_a_timeable_order() -> None:
    """Two double services (simultaneous pairs) whose halves sit in opposite orders on two
    routes wait for each other for ever; put back, every visit can be timed."""
    instance = C[0]
    problem, whole = routing_setup(instance)
    pairs = [(g, h) for g, h, low, high, _ in whole.links() if low == 0 and high == 0]
    assert len(pairs) >= 2, "C1 has simultaneous double services"
    (g1, h1), (g2, h2) = pairs[:2]
    takers = {g: {c.worker for c in problem.candidates if c.gap == g} for g in (g1, h1, g2, h2)}
    crossed = [
        (a, b)
        for a in sorted(takers[g1] & takers[h2])
        for b in sorted(takers[h1] & takers[g2])
        if a != b
    ]
    assert crossed, "two caregivers may take the halves in crossed order"
    a, b = crossed[0]
    four = {g1, h1, g2, h2}
    routes = {a: [g1, h2], b: [g2, h1]}
    tied = [link for link in whole.links() if {link[0], link[1]} <= four]
    assert whole.timing(routes, links=tied) is None
    loose = guided_routes(problem, whole, 1.0, timed_dependencies=False)
    assert loose is not None
    for w, gaps in loose.items():
        routes[w] = routes.get(w, []) + [g for g in gaps if g not in four]
    fixed = put_back(problem, whole, routes)
    assert fixed is not None
    assert_each_visit_served_once_by_an_allowed_worker(problem, fixed)
    assert scored(instance, problem, whole, fixed).violations == []


@pytest.mark.slow
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    which=st.integers(0, len(C) - 1),
    keep=st.sets(st.integers(0, 49), min_size=8, max_size=24),
    shift=st.integers(-30, 60),
)
def test_relaxed_routes_keep_every_published_rule(which: int, keep: set[int], shift: int) -> None:
    """Random sub-instances of family C (double services included): the relaxed pass's
    routes serve every visit once, by a qualified caregiver, synchronised."""
    instance = sub_instance(C[which], keep, shift)
    problem, whole = routing_setup(instance)
    routes = relaxed_routes(problem, whole, 0.5)
    if not whole.links():
        assert routes is None
        return
    assert routes is not None
    assert_each_visit_served_once_by_an_allowed_worker(problem, routes)
    assert scored(instance, problem, whole, routes).violations == []


def test_a_week_without_dependencies_has_no_relaxed_pass() -> None:
    """C1 with its double services' dependencies taken out: nothing to relax."""
    raw = to_scenario(C[0])
    assert any(gap.get("after") for gap in raw["gaps"])
    for gap in raw["gaps"]:
        gap.pop("after", None)
    problem = Problem(load_scenario(raw), max_candidates_per_gap=None)
    whole = RoutingModel(problem, FINE)
    assert whole.links() == []
    assert relaxed_routes(problem, whole, 0.5) is None
