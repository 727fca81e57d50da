"""flexbank's routing mode on published instances: every plan passes the independent
checker (with the travel matrix and the dependencies) and the published hard rules."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.published.catalog import entries
from benchmarks.published.evaluate import evaluate
from benchmarks.published.instance import Instance
from benchmarks.published.readers import read_instance
from benchmarks.published.scenario import solution_from_plan, solution_from_routes, to_scenario
from flexbank.checker import check_plan
from flexbank.matching.routing import RoutingError, solve_routes
from flexbank.validation import load_scenario

A = [read_instance(e.path) for e in entries(("A",))]


def _solved(instance: Instance, seconds: float) -> tuple[float, float]:
    scenario = load_scenario(to_scenario(instance))
    routing = solve_routes(scenario, seconds=seconds, threads=1)
    plan = routing.plan
    assert plan.status in ("optimal", "feasible")
    assert check_plan(scenario, plan) == []
    assert sorted(a.gap_id for a in plan.assignments) == sorted(g.id for g in scenario.gaps)
    exact = evaluate(instance, solution_from_routes(instance, routing.routes, routing.exact_starts))
    timed = evaluate(instance, solution_from_plan(instance, plan.model_dump(mode="json")))
    assert exact.violations == [] and timed.violations == []
    return exact.objective, timed.objective


def test_a1_reaches_the_published_optimum() -> None:
    exact, timed = _solved(A[0], 20)
    assert exact == pytest.approx(218.2, abs=0.05)
    assert timed >= exact - 1e-6  # whole minutes cannot beat continuous time on A1's optimum


@pytest.mark.slow
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    which=st.integers(0, len(A) - 1),
    keep=st.sets(st.integers(0, 9), min_size=3, max_size=7),
    shift=st.integers(-30, 60),
)
def test_every_routing_plan_passes_the_checker(which: int, keep: set[int], shift: int) -> None:
    """Random sub-instances of family A (some patients, windows moved): every plan
    returned holds every rule, the dependencies of double services included."""
    base = A[which]
    kept = [p for i, p in enumerate(base.patients) if i in keep]
    nodes = sorted({d.node for d in base.depots} | {p.node for p in kept})
    number = {node: i for i, node in enumerate(nodes)}
    instance = dataclasses.replace(
        base,
        name=f"{base.name}-sub",
        patients=tuple(
            dataclasses.replace(
                p,
                node=number[p.node],
                window=(max(0.0, p.window[0] + shift), p.window[1] + shift),
            )
            for p in kept
        ),
        depots=tuple(dataclasses.replace(d, node=number[d.node]) for d in base.depots),
        caregivers=tuple(dataclasses.replace(c, home=number[c.home]) for c in base.caregivers),
        travel=tuple(tuple(base.travel[a][b] for b in nodes) for a in nodes),
        _by_id={},
    )
    try:
        _solved(instance, 2)
    except RoutingError:
        pytest.fail("every service of family A has a qualified caregiver")
