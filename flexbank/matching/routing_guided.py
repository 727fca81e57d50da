"""Routes by OR-Tools' vehicle routing library: the first pass of the visit-routing mode.

The visit-routing mode (:mod:`flexbank.matching.routing`) minimises travel + total lateness
+ the largest lateness. Its CP-SAT model is exact but moves slowly on a hundred visits; the
routing library's local search (guided local search over relocate, exchange, 2-opt and
cross moves) finds good routes of that size in seconds. This pass gives the CP-SAT search
its starting routes; it never decides the plan alone.

The routing library's model of the same problem:

- a vehicle per worker, starting and ending at their home, leaving no earlier than their
  departure (:meth:`RoutingModel.departure`);
- a node per visit, mandatory, allowed only to the workers the compliance screen lets
  take it (``Problem.candidates``);
- arc cost: travel in thousandths of a minute, a matrix entry as given;
- a time dimension in the same unit: a visit's start at least its window's opening, at
  most its lateness allowed past the window, waiting allowed; lateness past the window is
  a soft upper bound of cost 1 per unit (the total lateness);
- rule 13's dependencies as constraints on the starts, ``other_worker`` as different
  vehicles.

The largest lateness is not in the library's cost (it has no term for a maximum over
nodes); it is minimised only as the routes are timed afterwards, and the CP-SAT search that
follows has it in its objective.

Visits needing more than one worker at once (``headcount`` above 1) are not modelled here:
:func:`guided_routes` then returns None and the CP-SAT search starts from its own routes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from flexbank.matching.problem import Problem
from flexbank.matching.routing_model import FINE, RoutingModel

__all__ = ["guided_routes"]

#: guided local search's penalty weight (the library's default is 0.1): lower lets it
#: climb out of a local minimum in smaller steps, which keeps visits tied by a dependency
#: movable (see benchmarks/published/README.md, "How the routing mode searches")
GLS_LAMBDA = 0.02


def _matrix(
    model: RoutingModel, locations: list[int], w: int, lengths: list[int]
) -> tuple[list[list[int]], list[list[int]]]:
    """Arc costs and transit times (visit length + travel) for worker ``w``."""
    n = len(locations)
    cost = [[0] * n for _ in range(n)]
    transit = [[0] * n for _ in range(n)]
    for i, a in enumerate(locations):
        for j, b in enumerate(locations):
            if i == j:
                continue
            cost[i][j] = round(model.exact_minutes(w, a, b) * FINE)
            transit[i][j] = lengths[i] + model.separation(w, a, b)
    return cost, transit


def guided_routes(
    problem: Problem,
    model: RoutingModel,
    seconds: float,
    *,
    hint: Mapping[int, Sequence[int]] | None = None,
    timed_dependencies: bool = True,
    penalty: float = GLS_LAMBDA,
) -> dict[int, list[int]] | None:
    """Routes (worker index -> gap indices in order) for every visit, or None when this
    pass cannot model the scenario or finds nothing in ``seconds``.

    ``model`` is the whole CP-SAT model (thousandths of a minute), whose travel and
    departure this pass shares; ``hint`` starts the local search from given routes. With
    ``timed_dependencies`` False the dependencies' start differences are left out (only
    "another worker" is kept): the routes may then be impossible to time, and
    :mod:`flexbank.matching.routing_repair` makes them whole. ``penalty`` is guided
    local search's penalty weight.
    """
    if seconds <= 0.2 or any(g.headcount != 1 for g in problem.gaps):
        return None
    workers = model.workers
    gaps = model.gaps
    if not workers or not gaps:
        return None
    n_w = len(workers)
    # nodes: one depot per worker, then one per visit
    locations = [problem.workers[w].home for w in workers] + [
        problem.gaps[g].location for g in gaps
    ]
    lengths = [0] * n_w + [problem.gaps[g].length * FINE for g in gaps]
    node_of = {g: n_w + k for k, g in enumerate(gaps)}
    depots = list(range(n_w))
    manager = pywrapcp.RoutingIndexManager(len(locations), n_w, depots, depots)
    routing = pywrapcp.RoutingModel(manager)
    # travel depends on the worker only through their travel mode: one matrix a mode
    by_mode: dict[str, tuple[int, int]] = {}
    longest = 0
    for v, w in enumerate(workers):
        mode = problem.workers[w].mode
        if mode not in by_mode:
            cost, transit = _matrix(model, locations, w, lengths)
            longest = max(longest, max(max(row) for row in transit))
            by_mode[mode] = (
                routing.RegisterTransitMatrix(cost),
                routing.RegisterTransitMatrix(transit),
            )
        routing.SetArcCostEvaluatorOfVehicle(by_mode[mode][0], v)
    transits = [by_mode[problem.workers[w].mode][1] for w in workers]
    # every start and return fits: the latest start allowed plus the longest step
    horizon = longest + max((problem.gaps[g].latest_start + model.late[g]) * FINE for g in gaps)
    routing.AddDimensionWithVehicleTransits(transits, horizon, horizon, False, "time")
    time = routing.GetDimensionOrDie("time")
    for v, w in enumerate(workers):
        time.CumulVar(routing.Start(v)).SetMin(model.departure(w) * FINE)
    allowed: dict[int, list[int]] = {g: [] for g in gaps}
    vehicle = {w: v for v, w in enumerate(workers)}
    for c in problem.candidates:
        if c.gap in allowed and c.worker in vehicle:
            allowed[c.gap].append(vehicle[c.worker])
    for g in gaps:
        index = manager.NodeToIndex(node_of[g])
        if not allowed[g]:
            return None
        routing.VehicleVar(index).SetValues(sorted(allowed[g]))
        slot = problem.gaps[g]
        time.CumulVar(index).SetRange(slot.start * FINE, (slot.latest_start + model.late[g]) * FINE)
        time.SetCumulVarSoftUpperBound(index, slot.latest_start * FINE, 1)
    solver = routing.solver()
    for g, h, low, high, other in model.links():
        if g not in node_of or h not in node_of:
            continue
        a, b = manager.NodeToIndex(node_of[g]), manager.NodeToIndex(node_of[h])
        if timed_dependencies:
            solver.Add(time.CumulVar(a) - time.CumulVar(b) >= low * FINE)
            if high is not None:
                solver.Add(time.CumulVar(a) - time.CumulVar(b) <= high * FINE)
        if other:
            solver.Add(routing.VehicleVar(a) != routing.VehicleVar(b))
    for v in range(n_w):
        routing.AddVariableMinimizedByFinalizer(time.CumulVar(routing.Start(v)))
        routing.AddVariableMinimizedByFinalizer(time.CumulVar(routing.End(v)))
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = (
        routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    )
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    params.guided_local_search_lambda_coefficient = penalty
    params.time_limit.FromMilliseconds(max(1, int(seconds * 1000)))
    start_from = None
    if hint:
        routes = [[node_of[g] for g in hint.get(w, []) if g in node_of] for w in workers]
        routing.CloseModelWithParameters(params)
        start_from = routing.ReadAssignmentFromRoutes(
            [[manager.NodeToIndex(n) for n in route] for route in routes], True
        )
    if start_from is not None:
        solution = routing.SolveFromAssignmentWithParameters(start_from, params)
    else:
        solution = routing.SolveWithParameters(params)
    if solution is None:
        return None
    result: dict[int, list[int]] = {}
    gap_at = {n: g for g, n in node_of.items()}
    for v, w in enumerate(workers):
        index = routing.Start(v)
        route = []
        index = solution.Value(routing.NextVar(index))
        while not routing.IsEnd(index):
            route.append(gap_at[manager.IndexToNode(index)])
            index = solution.Value(routing.NextVar(index))
        result[w] = route
    return result
