"""The whole-file checks of format /2.1: travel matrices and gap dependencies.

docs/spec/problem-format.md, "Version 2.1": each problem names its JSON path. These run
on a scenario whose fields are each well formed (pydantic has checked types and ranges:
negative or non-finite minutes, a ``max_minutes`` below ``min_minutes``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING

from flexbank.geo import distance_km
from flexbank.models import Dependency, Gap, Location, Pin, Scenario

if TYPE_CHECKING:
    from flexbank.validation import Problem

#: a location more than this far (geodesic) from its place is a stale export
PLACE_TOLERANCE_KM = 0.1


def _problem(path: str, message: str) -> Problem:
    from flexbank.validation import Problem

    return Problem(path, message)


def matrix_problems(scenario: Scenario) -> list[Problem]:
    problems: list[Problem] = []
    covered: dict[str, int] = {}
    points: dict[str, tuple[float, float, int]] = {}
    for k, matrix in enumerate(scenario.travel_matrices):
        path = f"$.travel_matrices[{k}]"
        for mode in matrix.modes:
            if mode in covered:
                problems.append(
                    _problem(
                        f"{path}.modes",
                        f"{mode} is already covered by travel_matrices[{covered[mode]}]",
                    )
                )
            else:
                covered[mode] = k
        seen: set[str] = set()
        for i, place in enumerate(matrix.places):
            where = f"{path}.places[{i}].id"
            if place.id in seen:
                problems.append(_problem(where, f"duplicate place id {place.id!r}"))
            seen.add(place.id)
            known = points.get(place.id)
            if known is not None and known[2] != k and known[:2] != (place.lat, place.lon):
                problems.append(
                    _problem(
                        where,
                        f"place {place.id!r} has other coordinates in travel_matrices[{known[2]}]",
                    )
                )
            points.setdefault(place.id, (place.lat, place.lon, k))
        size = len(matrix.places)
        if len(matrix.minutes) != size:
            problems.append(
                _problem(f"{path}.minutes", f"{len(matrix.minutes)} rows for {size} places")
            )
        for i, row in enumerate(matrix.minutes):
            if len(row) != size:
                problems.append(
                    _problem(f"{path}.minutes[{i}]", f"{len(row)} entries for {size} places")
                )
            for j, entry in enumerate(row):
                if entry is None:
                    continue
                if i == j and entry != 0:
                    problems.append(
                        _problem(
                            f"{path}.minutes[{i}][{j}]",
                            f"{entry}: travel from a place to itself must be 0 or null",
                        )
                    )
    problems += _place_problems(
        scenario, {pid: (lat, lon) for pid, (lat, lon, _) in points.items()}
    )
    return problems


def _locations(scenario: Scenario) -> Iterator[tuple[str, Location]]:
    for i, provider in enumerate(scenario.providers):
        yield f"$.providers[{i}].location", provider.location
    for i, client in enumerate(scenario.clients):
        yield f"$.clients[{i}].location", client.location
    for i, worker in enumerate(scenario.workers):
        yield f"$.workers[{i}].home", worker.home
        for j, commitment in enumerate(worker.commitments):
            if commitment.location is not None:
                yield f"$.workers[{i}].commitments[{j}].location", commitment.location
    for i, gap in enumerate(scenario.gaps):
        if gap.location is not None:
            yield f"$.gaps[{i}].location", gap.location


def _place_problems(scenario: Scenario, places: dict[str, tuple[float, float]]) -> list[Problem]:
    problems = []
    for path, location in _locations(scenario):
        if location.place is None:
            continue
        point = places.get(location.place)
        if point is None:
            problems.append(
                _problem(f"{path}.place", f"no travel matrix has a place {location.place!r}")
            )
            continue
        km = distance_km(location, Location(lat=point[0], lon=point[1]))
        if km > PLACE_TOLERANCE_KM:
            problems.append(
                _problem(
                    f"{path}.place",
                    f"the location is {km * 1000:.0f} m from place {location.place!r} "
                    f"(at most {PLACE_TOLERANCE_KM * 1000:.0f} m)",
                )
            )
    return problems


def dependency_problems(scenario: Scenario) -> list[Problem]:
    problems: list[Problem] = []
    gaps = {g.id: g for g in scenario.gaps}
    edges: dict[str, list[str]] = {}
    for i, gap in enumerate(scenario.gaps):
        seen: set[str] = set()
        for k, entry in enumerate(gap.after):
            path = f"$.gaps[{i}].after[{k}]"
            other = gaps.get(entry.gap_id)
            if entry.gap_id == gap.id:
                problems.append(_problem(f"{path}.gap_id", "a gap cannot depend on itself"))
                continue
            if other is None:
                problems.append(_problem(f"{path}.gap_id", f"no gap {entry.gap_id!r}"))
                continue
            if entry.gap_id in seen:
                problems.append(
                    _problem(f"{path}.gap_id", f"gap {entry.gap_id!r} is already in after")
                )
                continue
            seen.add(entry.gap_id)
            edges.setdefault(gap.id, []).append(entry.gap_id)
            # allowed starts, in minutes from the earlier of the two opening times
            base = min(gap.start, other.start)
            smallest, largest, interval = _between(
                entry, _start_range(gap, None, base), _start_range(other, None, base)
            )
            if interval:
                problems.append(
                    _problem(
                        path,
                        f"no allowed starts meet it: gap {gap.id} can start {smallest:g} to "
                        f"{largest:g} minutes after gap {other.id}, the dependency asks "
                        f"{interval}",
                    )
                )
            if entry.other_worker:
                need = gap.headcount + other.headcount
                if need > len(scenario.workers):
                    problems.append(
                        _problem(
                            f"{path}.other_worker",
                            f"gaps {gap.id} and {other.id} need {need} different workers; "
                            f"the scenario has {len(scenario.workers)}",
                        )
                    )
    problems += _cycle_problems(edges)
    return problems


def _cycle_problems(edges: dict[str, list[str]]) -> list[Problem]:
    state: dict[str, int] = {}  # 1: on the path, 2: done
    found: list[Problem] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in edges.get(node, []):
            if state.get(nxt) == 1:
                cycle = [*path[path.index(nxt) :], nxt] if nxt in path else [node, nxt]
                found.append(_problem("$.gaps", f"{' -> '.join(cycle)} is a cycle of dependencies"))
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    return found


def _start_range(gap: Gap, pin: Pin | None, base: dt.datetime) -> tuple[float, float]:
    """The possible starts of the gap, or of a pinned pair on it, in minutes from
    ``base``: the pin's own start where it gives one, else every allowed start."""
    if pin is not None and pin.start is not None:
        at = (pin.start - base).total_seconds() / 60
        return at, at
    lo = (gap.start - base).total_seconds() / 60
    return lo, lo + gap.start_tolerance_minutes + gap.lateness_allowed


def _between(
    entry: Dependency, g: tuple[float, float], h: tuple[float, float]
) -> tuple[float, float, str]:
    """How many minutes after H's start G can start (smallest, largest), and, when no
    such start meets the dependency, what it asks ("" when one does)."""
    smallest, largest = g[0] - h[1], g[1] - h[0]
    high = entry.max_minutes
    if largest >= entry.min_minutes and (high is None or smallest <= high):
        return smallest, largest, ""
    asks = f"{entry.min_minutes} to {high}" if high is not None else f"at least {entry.min_minutes}"
    return smallest, largest, asks


def pin_dependency_problems(scenario: Scenario) -> list[Problem]:
    """Pins that break rule 13 together (rules.md rule 4's last sentence): a pin on G
    and a pin on the H it depends on whose starts cannot meet the interval, or one
    worker pinned to both where the dependency asks for another worker. A pinned G
    whose H is not pinned breaks nothing yet: the plan may fill H."""
    problems: list[Problem] = []
    gaps = {g.id: g for g in scenario.gaps}
    pinned: dict[str, list[tuple[int, Pin]]] = {}
    for k, pin in enumerate(scenario.pinned):
        pinned.setdefault(pin.gap_id, []).append((k, pin))
    for gap in scenario.gaps:
        for entry in gap.after:
            other = gaps.get(entry.gap_id)
            if other is None or other.id == gap.id:
                continue  # said by dependency_problems
            base = min(gap.start, other.start)
            for k, mine in pinned.get(gap.id, []):
                for j, theirs in pinned.get(other.id, []):
                    path = f"$.pinned[{k}]"
                    if entry.other_worker and mine.worker_id == theirs.worker_id:
                        problems.append(
                            _problem(
                                f"{path}.worker_id",
                                f"{mine.worker_id} is pinned to gaps {gap.id} and {other.id} "
                                f"(pinned[{j}]), which need different workers",
                            )
                        )
                    smallest, largest, asks = _between(
                        entry, _start_range(gap, mine, base), _start_range(other, theirs, base)
                    )
                    if asks:
                        when = (
                            f"{smallest:g}"
                            if smallest == largest
                            else f"{smallest:g} to {largest:g}"
                        )
                        problems.append(
                            _problem(
                                path,
                                f"with the pin on gap {other.id} (pinned[{j}]), gap {gap.id} "
                                f"starts {when} minutes after it; the dependency asks {asks}",
                            )
                        )
    return problems


def problems_21(scenario: Scenario) -> list[Problem]:
    """Every /2.1 whole-file problem (none for a scenario without /2.1 fields)."""
    if not scenario.minor:
        return []
    return (
        matrix_problems(scenario)
        + dependency_problems(scenario)
        + pin_dependency_problems(scenario)
    )
