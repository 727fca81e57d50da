"""Routes found without the dependencies' timing, made whole again: a pass of the
visit-routing mode (:mod:`flexbank.matching.routing`).

The routing library's local search moves slowly where visits are tied across routes by
rule 13's start differences (a double service: two carers at once, or one within a window
of the other): its move filters cannot see a constraint between two routes, so most moves
it tries pass them and then fail. Without those differences it moves freely and finds much
shorter routes, which usually cannot be timed as they stand (two tied pairs in opposite
orders on two routes wait for each other for ever).

:func:`relaxed_routes` runs that search without the differences (a dependency's "another
worker" is kept, so each pair still goes to two carers), then :func:`put_back` takes the
dependent visit of every dependency out and puts each back, in order of its window, at
the place that costs least in travel + total + largest lateness among the first few that
can be timed with every dependency between visits already routed. The result can always
be timed; the caller keeps it only if it is better than what it has, and lets the full
search go on from it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from flexbank.matching.problem import Problem
from flexbank.matching.routing_guided import guided_routes
from flexbank.matching.routing_model import RoutingModel

__all__ = ["put_back", "relaxed_routes"]

#: places tried for a visit put back: the first this many that can be timed, in order of
#: the detour they add
TRIED = 8

Routes = dict[int, list[int]]


def relaxed_routes(
    problem: Problem,
    model: RoutingModel,
    seconds: float,
    *,
    hint: Mapping[int, Sequence[int]] | None = None,
) -> Routes | None:
    """Routes for every visit that can be timed with every dependency, found first
    without the dependencies' start differences; None when the scenario has no such
    difference, or nothing was found."""
    if not model.links():
        return None
    loose = guided_routes(problem, model, seconds, hint=hint, timed_dependencies=False)
    if loose is None:
        return None
    return put_back(problem, model, loose)


def put_back(
    problem: Problem, model: RoutingModel, routes: Mapping[int, Sequence[int]]
) -> Routes | None:
    """``routes`` with the dependent visit of every dependency taken out and put back
    one by one where it costs least; None when some visit has no place that can be
    timed."""
    links = model.links()
    dependent = {g for g, *_ in links}
    current: Routes = {w: [g for g in gaps if g not in dependent] for w, gaps in routes.items()}
    takers: dict[int, list[int]] = {}
    for c in problem.candidates:
        if c.worker in model.workers:
            takers.setdefault(c.gap, []).append(c.worker)
    for g in sorted(dependent, key=lambda g: (problem.gaps[g].start, g)):
        best: tuple[int, Routes] | None = None
        tried = 0
        for _, w, i in _places_by_detour(problem, model, current, g, takers.get(g, [])):
            trial = dict(current)
            route = current.get(w, [])
            trial[w] = [*route[:i], g, *route[i:]]
            starts = _timed(model, trial, links)
            if starts is None:
                continue
            cost = model.objective(trial, starts)
            if best is None or cost < best[0]:
                best = (cost, trial)
            tried += 1
            if tried == TRIED:
                break
        if best is None:
            return None
        current = best[1]
    return current


def _timed(
    model: RoutingModel,
    routes: Routes,
    links: Sequence[tuple[int, int, int, int | None, bool]],
) -> dict[int, int] | None:
    """Starts of the visits in ``routes`` meeting the dependencies between them."""
    routed = {g for gaps in routes.values() for g in gaps}
    among = [link for link in links if link[0] in routed and link[1] in routed]
    for g, h, *_, other in among:
        if other and any(g in gaps and h in gaps for gaps in routes.values()):
            return None
    starts = model.timing(routes, links=among)
    return None if starts is None else {g: s for g, s in starts.items() if g in routed}


def _places_by_detour(
    problem: Problem, model: RoutingModel, routes: Routes, g: int, workers: list[int]
) -> list[tuple[float, int, int]]:
    """(added travel minutes, worker, position) of every place ``g`` could go, least
    first."""
    here = problem.gaps[g].location
    places = []
    for w in workers:
        home = problem.workers[w].home
        stops = [home, *(problem.gaps[x].location for x in routes.get(w, [])), home]
        for i in range(len(stops) - 1):
            a, b = stops[i], stops[i + 1]
            added = (
                model.exact_minutes(w, a, here)
                + model.exact_minutes(w, here, b)
                - model.exact_minutes(w, a, b)
            )
            places.append((added, w, i))
    places.sort()
    return places
