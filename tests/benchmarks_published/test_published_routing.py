"""flexbank's routing mode on published instances: every plan passes the independent
checker (with the travel matrix and the dependencies) and the published hard rules."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model
from sub_instance import indexed_routes, sub_instance

from benchmarks.published import baseline
from benchmarks.published.catalog import entries
from benchmarks.published.evaluate import evaluate
from benchmarks.published.instance import Instance
from benchmarks.published.readers import read_instance
from benchmarks.published.scenario import (
    solution_from_plan,
    solution_from_routes,
    to_scenario,
)
from flexbank.checker import check_plan
from flexbank.matching import routing as routing_mode
from flexbank.matching.forked import Forked, can_fork
from flexbank.matching.problem import Problem
from flexbank.matching.routing import RoutingError, minute_starts, solve_routes
from flexbank.matching.routing_model import RoutingModel
from flexbank.validation import load_scenario

A = [read_instance(e.path) for e in entries(("A",))]


def _solved(instance: Instance, seconds: float, threads: int = 1) -> tuple[float, float]:
    scenario = load_scenario(to_scenario(instance))
    routing = solve_routes(scenario, seconds=seconds, threads=threads)
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
    instance = sub_instance(A[which], keep, shift)
    try:
        _solved(instance, 2)
    except RoutingError:
        pytest.fail("every service of family A has a qualified caregiver")


@pytest.mark.skipif(not can_fork(), reason="this platform cannot fork")
@pytest.mark.parametrize("dependencies", [True, False])
def test_with_two_threads_the_tracks_run_side_by_side_and_the_plan_holds_every_rule(
    dependencies: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """C1 (50 patients, double services) with two threads: the second track runs in a
    second process, and the plan that comes back holds every published and flexbank rule;
    so does C1 without its double services (the second process then searches with
    another penalty weight)."""
    instance = read_instance(entries(("C",))[0].path)
    if not dependencies:
        singles = {i for i, p in enumerate(instance.patients) if not p.is_double}
        instance = sub_instance(instance, singles, 0)
    answers: list[object] = []

    class Recorded(Forked[object]):
        def result(self, timeout: float) -> object:
            answers.append(super().result(timeout))
            return answers[-1]

    monkeypatch.setattr(routing_mode, "Forked", Recorded)
    _solved(instance, 8, threads=2)
    assert len(answers) == 1
    assert answers[0] is not None  # the second process's routes came back in time


def test_the_earliest_whole_minute_timing_has_the_least_lateness() -> None:
    """The plan's whole-minute starts are the routes' earliest timing; CP-SAT timing the
    same routes to optimality finds no less total + largest lateness."""
    instance = read_instance(entries(("B",))[5].path)  # B6: late visits and double services
    found = baseline.solve(instance, restarts=2, moves=20)
    problem = Problem(load_scenario(to_scenario(instance)), max_candidates_per_gap=None)
    routes = indexed_routes(problem, found.solution)
    starts, least = minute_starts(RoutingModel(problem, 1), routes, 1, 0)
    assert starts is not None and least
    late = [max(0, starts[g] - problem.gaps[g].latest_start) for g in starts]
    model = RoutingModel(problem, 1)
    model.hint(routes, fix=True)
    model.model.minimize(sum(model.lateness.values()) + model.max_lateness)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = 60
    assert solver.solve(model.model) == cp_model.OPTIMAL
    assert sum(late) + max(late) == round(solver.objective_value)
    assert sum(late) > 0
