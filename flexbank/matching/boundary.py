"""The boundary pass of a split week: neighbouring regions in pairs, each pair's
boundary workers re-optimised with every gap of the two regions they reach, every
other assignment fixed (see :mod:`flexbank.matching.regions`). Pure: the
neighbourhoods are sub-scenarios, solved wherever the regions were.

What it cannot recover: a move that needs a worker who is not a boundary worker of the
pair (a chain through somebody who stays inside one region), or a gap two regions away
from a worker's home region.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from flexbank.matching.regions import Holding, Region, Split, sub_scenario
from flexbank.models import Pin, Scenario


def seam_rounds(parts: Split) -> list[list[tuple[int, int]]]:
    """Pairs of neighbouring regions, in two rounds: (1st, 2nd), (3rd, 4th), ... then
    (2nd, 3rd), ... of every component; a region is in at most one pair of a round."""
    by_component: dict[int, list[Region]] = defaultdict(list)
    for region in parts.regions:
        by_component[region.component].append(region)
    rounds: list[list[tuple[int, int]]] = [[], []]
    for regions in by_component.values():
        regions.sort(key=lambda r: r.order)
        for i in range(len(regions) - 1):
            rounds[i % 2].append((regions[i].index, regions[i + 1].index))
    return [r for r in rounds if r]


@dataclass
class Neighbourhood:
    """A pair of regions' boundary workers, every gap of the two they reach, and what
    they hold now; gaps' headcounts are the places nobody else holds."""

    scenario: Scenario
    pair: tuple[int, int]
    workers: frozenset[str]
    current: Holding  # (gap id, worker id) -> start, the insiders' assignments now


def neighbourhood(
    scenario: Scenario,
    parts: Split,
    pair: tuple[int, int],
    holding: Mapping[tuple[str, str], dt.datetime],
) -> Neighbourhood | None:
    """The neighbourhood of a pair of regions given the merged plan ``holding``; None
    when the pair has no boundary worker."""
    a, b = pair
    boundary = parts.boundary
    insiders = frozenset(
        w
        for w, other in boundary.items()
        if (parts.home[w] == a and b in other) or (parts.home[w] == b and a in other)
    )
    if not insiders:
        return None
    reached = np.zeros(len(parts.region_of_place), dtype=bool)
    for w in insiders:
        reached[parts.reached_places[w]] = True
    reached &= np.isin(parts.region_of_place, [a, b])
    held: dict[str, list[tuple[str, dt.datetime]]] = defaultdict(list)  # gap -> (worker, start)
    for (gap_id, worker_id), start in holding.items():
        held[gap_id].append((worker_id, start))
    gaps: set[str] = set()
    headcount: dict[str, int] = {}
    pins: list[Pin] = []
    own_pins = {(p.gap_id, p.worker_id) for p in scenario.pinned}
    current: Holding = {}
    for gap in scenario.gaps:
        mine = [(w, s) for w, s in held.get(gap.id, ()) if w in insiders]
        others = len(held.get(gap.id, ())) - len(mine)
        if not mine and not reached[parts.place_of[gap.id]]:
            continue
        free = gap.headcount - others
        if free <= 0:
            continue
        together = gap.kind == "visit" and gap.headcount >= 2
        if mine and ((together and others) or not reached[parts.place_of[gap.id]]):
            # held with somebody who stays, or out of the pair's reach: kept as it is
            free = len(mine)
            pins += [Pin(gap_id=gap.id, worker_id=w, start=s) for w, s in mine]
        elif mine:
            pins += [
                Pin(gap_id=gap.id, worker_id=w, start=s) for w, s in mine if (gap.id, w) in own_pins
            ]
        gaps.add(gap.id)
        headcount[gap.id] = free
        current.update({(gap.id, w): s for w, s in mine})
    name = f"{scenario.name} / boundary of regions {a + 1} and {b + 1} of {len(parts.regions)}"
    sub = sub_scenario(scenario, name, insiders, gaps, headcount=headcount, pins=pins)
    return Neighbourhood(sub, pair, insiders, current)


__all__ = ["Neighbourhood", "neighbourhood", "seam_rounds"]
