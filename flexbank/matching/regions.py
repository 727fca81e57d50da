"""A week too large for one machine, split into regions that can be solved anywhere.

A pure function of the scenario (no solver, no cluster): the parts are sub-scenarios,
so each is built and solved where it runs.

1. **Reach.** A worker can only take a gap within their travel radius (a necessary
   condition of every candidate pair, rules.md section 1). Gap places joined by a
   worker who reaches both form connected *components*: nothing a worker of one
   component does changes what another may do, so the split between components is
   exact.
2. **Regions.** A component with more than ``max_gaps`` gaps is cut into slabs along
   its longer side, with about the same number of gaps each. Every worker is solved in
   one region (their *home region*: that of the gap place nearest their home, or
   where they are pinned), with that region's gaps only; so the region plans never share a
   worker or a gap and their union is a valid plan.
3. **Boundary workers** reach gaps of another region of their component. After the
   region solve, the boundary pass (:mod:`flexbank.matching.boundary`) pairs
   neighbouring regions; each pair's *neighbourhood* holds its boundary workers with
   every gap of the two regions they reach, every other assignment fixed: a gap keeps
   only the places nobody else holds. Neighbourhoods of one round share no worker and
   no gap, so they can be solved at once.

What the boundary pass cannot recover: a move that needs a worker who is not a
boundary worker of the pair (a chain through somebody who stays inside one region),
or a gap two regions away from a worker's home region.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from flexbank.geo import approx_km
from flexbank.index import ScenarioIndex
from flexbank.models import Gap, Pin, Scenario

#: A region holds at most about this many gaps: a sub-problem one process builds and
#: solves in well under a minute (a Bury-sized week of 500 workers and 4,000 gaps
#: takes about 10 s to build on one core).
REGION_GAPS = 4_000
#: The reach test is a necessary condition, so it errs on the side of reaching: the
#: radius is widened by this share (the local approximation of the distance is good to
#: far better than this at these distances).
REACH_SLACK = 0.01
#: Workers screened against every gap place at once (memory: this x places floats).
_CHUNK = 256

#: (gap id, worker id) -> start, as the merged plan keeps them.
Holding = dict[tuple[str, str], dt.datetime]


@dataclass(frozen=True)
class Region:
    """Gaps and the workers solved with them."""

    index: int
    component: int
    order: int  # position along the component's slabs
    gaps: tuple[str, ...]
    workers: tuple[str, ...]


@dataclass
class Split:
    """The regions of a scenario, and what each worker reaches."""

    regions: list[Region]
    #: worker id -> the regions whose gaps the worker's radius reaches
    reaches: dict[str, frozenset[int]]
    #: worker id -> the gap places the worker reaches (indices into ``places``)
    reached_places: dict[str, np.ndarray]
    #: gap id -> its place index; place index -> region
    place_of: dict[str, int]
    region_of_place: np.ndarray
    home: dict[str, int] = field(default_factory=dict)  # worker id -> home region

    @property
    def boundary(self) -> dict[str, frozenset[int]]:
        """Workers who reach another region than their home one: worker id -> those."""
        return {
            w: regions - {self.home[w]}
            for w, regions in self.reaches.items()
            if w in self.home and len(regions) > 1
        }

    def region_of_gap(self, gap_id: str) -> int:
        return int(self.region_of_place[self.place_of[gap_id]])


def split(scenario: Scenario, max_gaps: int = REGION_GAPS) -> Split:
    """The scenario's regions (see the module text); deterministic."""
    if max_gaps < 1:
        raise ValueError(f"max_gaps: must be at least 1, got {max_gaps}")
    index = ScenarioIndex(scenario)
    keys: dict[tuple[float, float], int] = {}
    place_of: dict[str, int] = {}
    for gap in scenario.gaps:
        where = index.location_of(gap)
        place_of[gap.id] = keys.setdefault((where.lat, where.lon), len(keys))
    coords = np.array(list(keys), dtype=float).reshape(-1, 2)
    weight = np.bincount(
        np.fromiter(place_of.values(), dtype=np.int64, count=len(place_of)),
        minlength=len(keys),
    )
    reached = _reach(scenario, coords)
    labels = _components(len(keys), reached.values())
    region_of_place = np.full(len(keys), -1, dtype=np.int64)
    slabs: list[tuple[int, int]] = []  # region -> (component, order)
    for c, component in enumerate(_ordered_components(labels, weight)):
        for order, members in enumerate(_slabs(coords, weight, component, max_gaps)):
            region_of_place[members] = len(slabs)
            slabs.append((c, order))
    region_of_place, slabs = _join_pinned(scenario, place_of, region_of_place, slabs)
    reaches = {
        w: frozenset(int(r) for r in np.unique(region_of_place[p])) for w, p in reached.items()
    }
    home = _homes(scenario, reached, region_of_place, place_of)
    gaps_in: dict[int, list[str]] = defaultdict(list)
    for gap in scenario.gaps:
        gaps_in[int(region_of_place[place_of[gap.id]])].append(gap.id)
    workers_in: dict[int, list[str]] = defaultdict(list)
    for worker in scenario.workers:
        if worker.id in home:
            workers_in[home[worker.id]].append(worker.id)
    regions = [
        Region(r, c, order, tuple(gaps_in[r]), tuple(workers_in[r]))
        for r, (c, order) in enumerate(slabs)
    ]
    return Split(regions, reaches, reached, place_of, region_of_place, home)


def _join_pinned(
    scenario: Scenario,
    place_of: Mapping[str, int],
    region_of_place: np.ndarray,
    slabs: list[tuple[int, int]],
) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Regions joined where one worker is pinned in both (a worker is solved in one
    region), numbered again in order."""
    parent = list(range(len(slabs)))

    def find(r: int) -> int:
        while parent[r] != r:
            r = parent[r]
        return r

    pinned: dict[str, int] = {}
    for pin in scenario.pinned:
        region = int(region_of_place[place_of[pin.gap_id]])
        first = pinned.setdefault(pin.worker_id, region)
        ra, rb = find(first), find(region)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    roots = sorted({find(r) for r in range(len(slabs))})
    if len(roots) == len(slabs):
        return region_of_place, slabs
    number = {root: k for k, root in enumerate(roots)}
    remap = np.array([number[find(r)] for r in range(len(slabs))], dtype=np.int64)
    return remap[region_of_place], [slabs[root] for root in roots]


def _reach(scenario: Scenario, coords: np.ndarray) -> dict[str, np.ndarray]:
    """Worker id -> the gap places within (a little more than) their radius, the
    nearest to their home first."""
    out: dict[str, np.ndarray] = {}
    workers = scenario.workers
    if not len(coords):
        return out
    for lo in range(0, len(workers), _CHUNK):
        chunk = workers[lo : lo + _CHUNK]
        lat = np.array([w.home.lat for w in chunk])[:, None]
        lon = np.array([w.home.lon for w in chunk])[:, None]
        radius = np.array([w.max_travel_km for w in chunk])[:, None]
        km = approx_km(lat, lon, coords[None, :, 0], coords[None, :, 1], xp=np)
        within = km <= radius * (1 + REACH_SLACK) + 1e-9
        nearest = np.argmin(np.where(within, km, np.inf), axis=1)
        for row, near, worker in zip(within, nearest, chunk, strict=True):
            places = np.flatnonzero(row)
            if len(places):
                # the nearest place first: it says where the worker lives
                out[worker.id] = np.concatenate(([near], places[places != near]))
    return out


def _components(n_places: int, reached: Iterable[np.ndarray]) -> np.ndarray:
    """A component label per place: places reached by one worker share a label
    (label propagation to the smallest place index, then pointer jumping)."""
    label = np.arange(n_places)
    groups = [p for p in reached if len(p) > 1]
    changed = True
    while changed:
        changed = False
        for places in groups:
            current = label[places]
            low = current.min()
            if (current != low).any():
                label[current] = np.minimum(label[current], low)
                label[places] = low
                changed = True
        while True:
            jumped = label[label]
            if (jumped == label).all():
                break
            label = jumped
    return label


def _ordered_components(labels: np.ndarray, weight: np.ndarray) -> list[np.ndarray]:
    """Places of each component holding a gap, largest first, then by first place."""
    found: dict[int, list[int]] = defaultdict(list)
    for place, label in enumerate(labels):
        found[int(label)].append(place)
    parts = [np.array(v) for v in found.values()]
    parts.sort(key=lambda p: (-int(weight[p].sum()), int(p.min())))
    return parts


def _slabs(
    coords: np.ndarray, weight: np.ndarray, places: np.ndarray, max_gaps: int
) -> list[np.ndarray]:
    """The places cut into slabs of about equal gaps along the longer side, in order."""
    total = int(weight[places].sum())
    count = max(1, math.ceil(total / max_gaps))
    if count == 1:
        return [places]
    lat, lon = coords[places, 0], coords[places, 1]
    mid = math.radians(float(lat.mean()))
    tall = float(lat.max() - lat.min())
    wide = float(lon.max() - lon.min()) * math.cos(mid)
    along = lon if wide >= tall else lat
    order = places[np.lexsort((places, along))]
    cumulative = np.cumsum(weight[order])
    cut = np.minimum((cumulative - 1) * count // total, count - 1)
    return [order[cut == k] for k in range(count) if (cut == k).any()]


def _homes(
    scenario: Scenario,
    reached: Mapping[str, np.ndarray],
    region_of_place: np.ndarray,
    place_of: Mapping[str, int],
) -> dict[str, int]:
    """Worker id -> home region: where their pins are, else the region of the gap
    place nearest their home. A worker pinned in two regions
    has both regions joined (:func:`_join_pinned`)."""
    pinned: dict[str, int] = {}
    for pin in scenario.pinned:
        pinned.setdefault(pin.worker_id, int(region_of_place[place_of[pin.gap_id]]))
    home: dict[str, int] = {}
    for worker in scenario.workers:
        if worker.id in pinned:
            home[worker.id] = pinned[worker.id]
            continue
        places = reached.get(worker.id)
        if places is None:
            continue  # reaches no gap: nothing to decide
        home[worker.id] = int(region_of_place[places[0]])
    return home


# ------------------------------------------------------------------ sub-scenarios


def sub_scenario(
    scenario: Scenario,
    name: str,
    workers: Iterable[str],
    gaps: Iterable[str],
    *,
    headcount: Mapping[str, int] | None = None,
    pins: Sequence[Pin] | None = None,
) -> Scenario:
    """The scenario with only these workers and gaps (their providers and clients),
    gaps' headcounts replaced by ``headcount``, and ``pins`` (None: the scenario's own
    pins among them). Built without validating again: every part is the scenario's."""
    keep_workers = set(workers)
    keep_gaps = set(gaps)
    headcount = headcount or {}
    chosen: list[Gap] = []
    for gap in scenario.gaps:
        if gap.id not in keep_gaps:
            continue
        if gap.id in headcount and headcount[gap.id] != gap.headcount:
            gap = gap.model_copy(update={"headcount": headcount[gap.id]})
        chosen.append(gap)
    providers = {g.provider_id for g in chosen}
    clients = {g.client_id for g in chosen if g.client_id}
    own_pins = [p for p in scenario.pinned if p.worker_id in keep_workers and p.gap_id in keep_gaps]
    return scenario.model_copy(
        update={
            "name": name,
            "providers": [p for p in scenario.providers if p.id in providers],
            "clients": [c for c in scenario.clients if c.id in clients],
            "workers": [w for w in scenario.workers if w.id in keep_workers],
            "gaps": chosen,
            "pinned": list(pins) if pins is not None else own_pins,
        }
    )


def region_scenario(scenario: Scenario, parts: Split, region: Region) -> Scenario:
    """A region's sub-scenario: its gaps and its home workers."""
    return sub_scenario(
        scenario,
        f"{scenario.name} / region {region.index + 1} of {len(parts.regions)}",
        region.workers,
        region.gaps,
    )


__all__ = [
    "REGION_GAPS",
    "Region",
    "Split",
    "region_scenario",
    "split",
    "sub_scenario",
]
