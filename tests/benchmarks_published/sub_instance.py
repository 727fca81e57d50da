"""Smaller instances cut from published ones, and published solutions as routing-mode
routes, for the routing mode's tests."""

from __future__ import annotations

import dataclasses

from benchmarks.published.evaluate import Evaluation, evaluate
from benchmarks.published.instance import Instance
from benchmarks.published.scenario import gap_id, solution_from_routes, to_scenario
from benchmarks.published.solution import Solution
from flexbank.matching.problem import Problem
from flexbank.matching.routing_model import FINE, RoutingModel
from flexbank.validation import load_scenario


def sub_instance(base: Instance, keep: set[int], shift: float) -> Instance:
    """``base`` with only the patients whose positions are in ``keep``, every window moved
    by ``shift`` minutes (never before minute 0), the travel matrix cut to match."""
    kept = [p for i, p in enumerate(base.patients) if i in keep]
    nodes = sorted({d.node for d in base.depots} | {p.node for p in kept})
    number = {node: i for i, node in enumerate(nodes)}
    return dataclasses.replace(
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


def indexed_routes(problem: Problem, solution: Solution) -> dict[int, list[int]]:
    """A published solution's routes as the routing mode's (worker index -> gap indices
    in order)."""
    return {
        problem.worker_by_id[r.caregiver].index: [
            problem.gap_by_id[gap_id(v.patient, v.service)].index for v in r.visits
        ]
        for r in solution.routes
    }


def routing_setup(instance: Instance) -> tuple[Problem, RoutingModel]:
    """The routing mode's problem and whole model (thousandths of a minute) of ``instance``."""
    problem = Problem(load_scenario(to_scenario(instance)), max_candidates_per_gap=None)
    return problem, RoutingModel(problem, FINE)


def scored(
    instance: Instance, problem: Problem, whole: RoutingModel, routes: dict[int, list[int]]
) -> Evaluation:
    """``routes`` timed at their earliest with every dependency, as the independent
    evaluator reads them."""
    starts = whole.timing(routes)
    assert starts is not None, "the routes cannot be timed with every dependency"
    by_id = {
        problem.workers[w].id: [problem.gaps[g].id for g in gaps] for w, gaps in routes.items()
    }
    minutes = {problem.gaps[g].id: s / FINE for g, s in starts.items()}
    return evaluate(instance, solution_from_routes(instance, by_id, minutes))


def assert_each_visit_served_once_by_an_allowed_worker(
    problem: Problem, routes: dict[int, list[int]]
) -> None:
    served = sorted(g for gaps in routes.values() for g in gaps)
    assert served == list(range(len(problem.gaps)))
    allowed = {(c.worker, c.gap) for c in problem.candidates}
    assert all((w, g) in allowed for w, gaps in routes.items() for g in gaps)
