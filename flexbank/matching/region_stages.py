"""A split week's emergency hours settled across whole components first.

Regions (:mod:`flexbank.matching.regions`) solve each worker with the gaps of their
home region only, so a gap just across a boundary loses the workers living on the
other side. For most gaps the boundary pass wins that back; for emergency gaps, the
first thing a coordinator is judged on, it must not be left to chance. So, pure
functions of the scenario and the plan so far:

1. :func:`priority_scenario`: every emergency gap of a component with *every* worker
   who reaches one. Emergency gaps are a small share of a week, so this model is small
   at any size, and its plan is at least the whole week's phone round on emergency
   hours (the phone round rings emergency gaps first, whoever lives where). Its
   relaxation bounds the week's emergency hours.
2. :func:`region_scenario`: a region's gaps and home workers with what the emergency
   stage settled held: its workers' emergency engagements (in this region or another)
   pinned at their starts, and its gaps' places taken by other regions' workers gone.
   Region plans then still share no worker and no gap place, so their union is valid.
3. :func:`bound_scenario`: a region's gaps of some priorities with every worker who
   reaches them, for the bound of the week.
4. :func:`crossings`: what a plan of the whole week (its phone round) has workers do
   outside their home region, consistent with the settled emergency engagements: held
   by the regions beside those, so that the supply that flows between regions in the
   whole week's phone round is not lost to the split.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection

import numpy as np

from flexbank.matching.regions import Holding, Region, Split, sub_scenario
from flexbank.models import PRIORITIES, Pin, Scenario


def _reaching(parts: Split, places: Collection[int]) -> list[str]:
    """Workers whose radius reaches any of these gap places."""
    chosen = np.zeros(len(parts.region_of_place), dtype=bool)
    chosen[list(places)] = True
    return [w for w, p in parts.reached_places.items() if chosen[p].any()]


def _with_reaching(
    scenario: Scenario,
    parts: Split,
    gaps: list[str],
    name: str,
    pins: list[Pin] | None = None,
) -> Scenario | None:
    """The gaps with every worker who reaches one; None when there is no gap or nobody
    reaches one."""
    if not gaps:
        return None
    workers = _reaching(parts, {parts.place_of[g] for g in gaps})
    if not workers:
        return None
    return sub_scenario(scenario, f"{scenario.name} / {name}", workers, gaps, pins=pins)


def priority_scenario(
    scenario: Scenario, parts: Split, component: int, priority: str
) -> Scenario | None:
    """Every gap of ``priority`` in the component, with every worker who reaches one;
    None when there is no such gap or nobody reaches one."""
    mine = {r.index for r in parts.regions if r.component == component}
    gaps = [
        g.id for g in scenario.gaps if g.priority == priority and parts.region_of_gap(g.id) in mine
    ]
    return _with_reaching(scenario, parts, gaps, f"{priority} gaps of area {component + 1}")


def region_scenario(scenario: Scenario, parts: Split, region: Region, held: Holding) -> Scenario:
    """A region's gaps and home workers with ``held`` (the engagements settled before,
    (gap id, worker id) -> start) kept: see the module text."""
    home = set(region.workers)
    own = set(region.gaps)
    by_gap: dict[str, list[tuple[str, dt.datetime]]] = defaultdict(list)
    for (gap_id, worker_id), start in held.items():
        by_gap[gap_id].append((worker_id, start))
    headcount: dict[str, int] = {}
    gaps: set[str] = set()
    pins: dict[tuple[str, str], Pin] = {}
    heads = {g.id: g.headcount for g in scenario.gaps if g.id in own or g.id in by_gap}
    for gap_id in own | set(by_gap):
        holders = by_gap.get(gap_id, [])
        ours = [(w, s) for w, s in holders if w in home]
        others = len(holders) - len(ours)
        # another region's gap: only the places ours hold
        free = heads[gap_id] - others if gap_id in own else len(ours)
        if free <= 0:
            continue
        gaps.add(gap_id)
        headcount[gap_id] = free
        for w, s in ours:
            pins[(gap_id, w)] = Pin(gap_id=gap_id, worker_id=w, start=s)
    for pin in scenario.pinned:
        if pin.worker_id in home and pin.gap_id in gaps:
            pins.setdefault((pin.gap_id, pin.worker_id), pin)
    return sub_scenario(
        scenario,
        f"{scenario.name} / region {region.index + 1} of {len(parts.regions)}",
        region.workers,
        gaps,
        headcount=headcount,
        pins=sorted(pins.values(), key=lambda p: (p.gap_id, p.worker_id)),
    )


def bound_scenario(
    scenario: Scenario, parts: Split, region: Region, priorities: Collection[str]
) -> Scenario | None:
    """A region's gaps of ``priorities`` with every worker who reaches them (home there
    or not): the relaxations of these scenarios add up to a bound on those priorities'
    hours for the whole week (every gap is in one region; each worker's limits are only
    loosened). None when there is no such gap or nobody reaches one."""
    gaps = [
        g.id
        for g in scenario.gaps
        if g.priority in priorities and parts.region_of_gap(g.id) == region.index
    ]
    name = f"bound of region {region.index + 1} of {len(parts.regions)}"
    # a pin only takes away: the bound without pins holds with them
    return _with_reaching(scenario, parts, gaps, name, pins=[])


def crossings(scenario: Scenario, parts: Split, whole: Holding, settled: Holding) -> Holding:
    """The engagements of ``whole`` (a valid plan of the whole week) that a worker holds
    outside their home region, but on gaps of the settled priority (emergency, which
    ``settled`` decides) and of the workers whose settled engagements differ from
    their engagements of that priority in ``whole`` (what else they hold may clash with
    what they were given, so their home region plans them afresh). A double-handed
    visit is kept with all its workers or none: with all of them when any crosses and
    none is so replanned. Together with ``settled`` these are consistent: each worker's
    are a part of one valid plan."""
    gaps = {g.id: g for g in scenario.gaps}

    def of_settled(plan: Holding) -> dict[str, set[tuple[str, dt.datetime]]]:
        found: dict[str, set[tuple[str, dt.datetime]]] = defaultdict(set)
        for (g, w), start in plan.items():
            if gaps[g].priority == PRIORITIES[0]:
                found[w].add((g, start))
        return found

    before, after = of_settled(whole), of_settled(settled)
    replanned = {w for w in before.keys() | after.keys() if before.get(w) != after.get(w)}
    holders: dict[str, list[tuple[str, dt.datetime]]] = defaultdict(list)
    for (g, w), start in whole.items():
        if gaps[g].priority != PRIORITIES[0]:
            holders[g].append((w, start))
    out: Holding = {}
    for g, held in holders.items():
        crossing = [w for w, _ in held if parts.home.get(w) != parts.region_of_gap(g)]
        if not crossing:
            continue
        gap = gaps[g]
        if gap.kind == "visit" and gap.headcount >= 2:
            if not any(w in replanned for w, _ in held):
                out.update({(g, w): s for w, s in held})
            continue
        out.update({(g, w): s for w, s in held if w in crossing and w not in replanned})
    return out


__all__ = ["bound_scenario", "crossings", "priority_scenario", "region_scenario"]
