"""The coordinator's phone round: a quick, deterministic, always-valid plan.

Gaps are filled one at a time, most pressing first (emergency, urgent, routine; then
by start, then id). Each open position goes to the nearest candidate worker (home
travel minutes, then kilometres, then worker id) who can still take it at a legal
start, the earliest one :meth:`Roster.first_legal_start` finds. A double-handed visit
is filled only when enough workers can all start it at one common time; otherwise it is
left empty. This is what a coordinator ringing round would do, and it is the plan the
optimiser must never do worse than.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from flexbank.geo import APPROX_REL_ERROR, approx_km, distance_km
from flexbank.matching.dependencies import blocks, keep_dependencies, links
from flexbank.matching.legality import Roster
from flexbank.matching.problem import PRIORITY_RANK, Candidate, Problem

Pair = tuple[int, int]  # (worker, gap)

_EMPTY: Mapping[Pair, int] = MappingProxyType({})
#: Two approximate distances closer than this share of their sum may be in either
#: order exactly (each is within APPROX_REL_ERROR of its geodesic), so their run is
#: ordered on the geodesic; further apart, the approximation's order is the exact one.
TIE = APPROX_REL_ERROR * 1.001


class _Rosters(dict[int, Roster]):
    """Rosters built on first use."""

    def __init__(self, problem: Problem) -> None:
        super().__init__()
        self.problem = problem

    def __missing__(self, worker: int) -> Roster:
        found = self[worker] = Roster(self.problem, worker)
        return found


def nearness(problem: Problem, candidate: Candidate) -> tuple[int, float, str]:
    """How a coordinator orders the phone list: home travel minutes, km, worker id."""
    worker = problem.workers[candidate.worker]
    gap = problem.gaps[candidate.gap]
    km = distance_km(problem.locations[worker.home], problem.locations[gap.location])
    return candidate.home_minutes, km, worker.id


def phone_order(problem: Problem, candidates: Iterable[Candidate]) -> list[Candidate]:
    """``candidates`` sorted by :func:`nearness`, computing exact geodesics only where the
    fast approximation (relative error under 5e-5 up to 60 km) cannot decide the order.

    The approximation runs over the whole list at once (numpy); runs of neighbours too
    close to tell apart (or too far to trust it) are then ordered exactly, and between
    runs the approximation decides."""
    items = list(candidates)
    if len(items) < 2:
        return items
    places = _places(problem)
    n = len(items)
    w = np.fromiter((c.worker for c in items), dtype=np.int64, count=n)
    g = np.fromiter((c.gap for c in items), dtype=np.int64, count=n)
    minutes = np.fromiter((c.home_minutes for c in items), dtype=np.int64, count=n)
    km = approx_km(
        places.worker_lat[w], places.worker_lon[w], places.gap_lat[g], places.gap_lon[g], xp=np
    )
    order = np.lexsort((places.id_rank[w], km, minutes))
    km, minutes = km[order], minutes[order]
    close = (minutes[1:] == minutes[:-1]) & (
        (km[1:] - km[:-1] <= (km[1:] + km[:-1]) * TIE + 1e-6) | (km[1:] > 50)
    )
    ordered = [items[i] for i in order.tolist()]
    joins = np.nonzero(close)[0].tolist()  # sorted item j + 1 joins the run of item j
    k = 0
    while k < len(joins):
        first = last = joins[k]
        while k + 1 < len(joins) and joins[k + 1] == last + 1:
            k += 1
            last = joins[k]
        run = ordered[first : last + 2]
        ordered[first : last + 2] = sorted(run, key=lambda c: nearness(problem, c))
        k += 1
    return ordered


@dataclass(frozen=True)
class _Places:
    """Where each worker lives and each gap is, as arrays, and the workers' ids' order."""

    worker_lat: np.ndarray
    worker_lon: np.ndarray
    gap_lat: np.ndarray
    gap_lon: np.ndarray
    id_rank: np.ndarray


def _places(problem: Problem) -> _Places:
    found = problem.__dict__.get("_phone_places")
    if found is None:
        locations = problem.locations
        homes = [locations[w.home] for w in problem.workers]
        sites = [locations[g.location] for g in problem.gaps]
        ids = [w.id for w in problem.workers]
        rank = np.empty(len(ids), dtype=np.int64)
        rank[sorted(range(len(ids)), key=ids.__getitem__)] = np.arange(len(ids))
        found = problem.__dict__["_phone_places"] = _Places(
            np.array([p.lat for p in homes], dtype=float),
            np.array([p.lon for p in homes], dtype=float),
            np.array([p.lat for p in sites], dtype=float),
            np.array([p.lon for p in sites], dtype=float),
            rank,
        )
    return found


def _phone_list(
    problem: Problem, g: int, taken: Collection[int], *, every: bool = False
) -> list[Candidate]:
    """The gap's candidates (``every``: all its eligible workers, past the cap) in
    :func:`phone_order`, without the ``taken`` workers; the order is worked out once per
    list and kept with the problem."""
    source = problem.candidates_for_gap(g, limit=False) if every else problem.by_gap.get(g, [])
    memo: dict[tuple[int, bool], tuple[int, list[Candidate]]] = problem.__dict__.setdefault(
        "_phone_lists", {}
    )
    known = memo.get((g, every))
    if known is None or known[0] != len(source):
        known = memo[(g, every)] = (len(source), phone_order(problem, source))
    return [c for c in known[1] if c.worker not in taken]


def phone_round(
    problem: Problem,
    kept: Mapping[Pair, int] = _EMPTY,
    only: Collection[int] | None = None,
) -> dict[Pair, int]:
    """{(worker, gap): start} of the phone round; ``kept`` assignments come first, as given.

    With ``only``, just those gaps are rung round (the rest keep what ``kept`` gives).
    Pairs the optimiser's candidate cap left out but the phone round used are added to
    the problem's candidates, so that every plan can start from this one.
    """
    plan: dict[Pair, int] = dict(kept)
    on_gap: defaultdict[int, list[int]] = defaultdict(list)
    kept_by_worker: defaultdict[int, dict[int, int]] = defaultdict(dict)
    for (w, g), start in kept.items():
        on_gap[g].append(w)
        kept_by_worker[w][g] = start
    rosters = _Rosters(problem)
    for w, assigned in kept_by_worker.items():
        rosters[w] = Roster(problem, w, assigned)

    gaps = problem.gaps
    dependent = {link.gap for link in links(problem)}
    order = _prerequisites_first(
        problem,
        sorted(
            range(len(gaps)) if only is None else only,
            key=lambda g: (PRIORITY_RANK[gaps[g].priority], gaps[g].start, gaps[g].id),
        ),
    )
    for g in order:
        gap = gaps[g]
        need = gap.headcount - len(on_gap[g])
        if need <= 0:
            continue
        taken = set(on_gap[g])
        phone_list = _phone_list(problem, g, taken)
        if g in dependent:
            # rule 13: not before the visit it follows is booked, nor by its carer
            # where it must be someone else
            phone_list = [c for c in phone_list if not blocks(problem, plan, c.worker, g)]
        if gap.together:
            pinned_start = kept[(on_gap[g][0], g)] if on_gap[g] else None
            chosen = _common_start(rosters, g, phone_list, need, pinned_start)
        else:
            chosen = _first_free(rosters, g, phone_list, need)
            if len(chosen) < need and g in problem.capped:
                # the optimiser's list was cut short: ring the rest of the eligible
                # workers too, as a coordinator would, nearest first
                asked = taken | {c.worker for c in phone_list}
                rest = _phone_list(problem, g, asked, every=True)
                chosen += _first_free(rosters, g, rest, need - len(chosen))
        for w, start in chosen:
            rosters[w].add(g, start)
            plan[(w, g)] = start
            on_gap[g].append(w)
    # a start the rosters chose outside a dependency's interval: that gap is not booked
    plan = keep_dependencies(problem, plan)
    problem.include(plan)
    return plan


def _prerequisites_first(problem: Problem, order: list[int]) -> list[int]:
    """``order`` with every gap that another depends on (rule 13) rung just before the
    first gap that needs it, as a coordinator books a first visit before its second."""
    needs: defaultdict[int, list[int]] = defaultdict(list)
    for link in links(problem):
        needs[link.gap].append(link.on)
    if not needs:
        return order
    among = set(order)
    out: list[int] = []
    placed: set[int] = set()

    def place(g: int) -> None:
        if g in placed:
            return
        placed.add(g)
        for h in needs.get(g, ()):
            if h in among:
                place(h)
        out.append(g)

    for g in order:
        place(g)
    return out


def _first_free(
    rosters: _Rosters, g: int, phone_list: Iterable[Candidate], need: int
) -> list[tuple[int, int]]:
    """The first ``need`` workers of the phone list who can take the gap, each at their
    earliest legal start."""
    chosen: list[tuple[int, int]] = []
    if need <= 0:
        return chosen
    for c in phone_list:
        found, _ = rosters[c.worker].first_legal_start(g, c.starts)
        if found is not None:
            chosen.append((c.worker, found))
            if len(chosen) == need:
                break
    return chosen


def _inside(start: int, ranges: tuple[tuple[int, int], ...]) -> bool:
    return any(lo <= start <= hi for lo, hi in ranges)


def _common_start(
    rosters: _Rosters,
    g: int,
    phone_list: list[Candidate],
    need: int,
    pinned_start: int | None,
) -> list[tuple[int, int]]:
    """The first ``need`` workers of the phone list who can all start at one time: the
    earliest start (of those worth trying for any of them) where enough of them can."""
    if pinned_start is not None:
        starts = [pinned_start]
    else:
        points: set[int] = set()
        for c in phone_list:
            points.update(rosters[c.worker].candidate_starts(g, c.starts))
        starts = sorted(points)
    for start in starts:
        chosen = []
        for c in phone_list:
            if _inside(start, c.starts) and rosters[c.worker].blocking_rule(g, start) is None:
                chosen.append((c.worker, start))
                if len(chosen) == need:
                    return chosen
    return []


__all__ = ["nearness", "phone_order", "phone_round"]
