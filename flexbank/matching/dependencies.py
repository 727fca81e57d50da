"""Rule 13 (/2.1) in the matching optimiser: dependencies between gaps.

For every gap G and every entry (H, min, max, other_worker) of G's ``after``: G is filled
only when H has all its workers; every start of G lies ``min`` to ``max`` minutes after
every start of H; with ``other_worker`` no worker takes both. A scenario without ``after``
adds nothing here (every function returns at once).

- :func:`add_dependencies` puts these into a :class:`~flexbank.matching.model.MatchModel`
  (fixed assignments outside the model's scope enter as constants);
- :func:`keep_dependencies` is the last word on a plan: it takes off the assignments of
  every gap whose dependency does not hold (and then of the gaps that depended on those),
  so that no plan leaves the optimiser breaking rule 13, whichever search found it;
- :func:`blocks` says whether a dependency keeps a worker off a gap (the explanation's
  ``dependency`` code).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flexbank.matching.problem import Problem

if TYPE_CHECKING:
    from flexbank.matching.model import MatchModel

Pair = tuple[int, int]  # (worker, gap)


@dataclass(frozen=True)
class Link:
    """Gap ``gap`` depends on gap ``on`` (indices), as one ``after`` entry."""

    gap: int
    on: int
    min_minutes: int
    max_minutes: int | None
    other_worker: bool

    def apart_ok(self, mine: int, theirs: int) -> bool:
        apart = mine - theirs
        return apart >= self.min_minutes and (self.max_minutes is None or apart <= self.max_minutes)


def links(problem: Problem) -> list[Link]:
    """Every ``after`` entry of the scenario, by gap index (cached on the problem)."""
    cached: list[Link] | None = problem.__dict__.get("_dependency_links")
    if cached is None:
        by_id = problem.gap_by_id
        cached = [
            Link(by_id[gap.id].index, by_id[e.gap_id].index, e.min_minutes, e.max_minutes,
                 e.other_worker)
            for gap in problem.scenario.gaps
            for e in gap.after
        ]  # fmt: skip
        problem.__dict__["_dependency_links"] = cached
    return cached


def linked(problem: Problem, gaps: set[int]) -> set[int]:
    """Gaps tied to ``gaps`` by a dependency, either way round."""
    out: set[int] = set()
    for link in links(problem):
        if link.gap in gaps:
            out.add(link.on)
        if link.on in gaps:
            out.add(link.gap)
    return out


def add_dependencies(m: MatchModel) -> None:
    """Rule 13's constraints on the model's pairs (free) and fixed assignments."""
    found = links(m.problem)
    if not found:
        return
    model = m.model
    pairs: defaultdict[int, list[tuple[int, Any, Any]]] = defaultdict(list)
    for (w, g), var in m.x.items():
        pairs[g].append((w, var, m.start[(w, g)]))
    for (w, g), start in m.fixed_assignments.items():
        pairs[g].append((w, True, start))
    for link in found:
        headcount = m.problem.gaps[link.on].headcount
        theirs = pairs.get(link.on, [])
        fixed_there = sum(1 for _, x, _ in theirs if x is True)
        free_there = [x for _, x, _ in theirs if x is not True]
        for w, x, start in pairs.get(link.gap, []):
            if fixed_there + len(free_there) < headcount:
                if x is True:
                    continue  # a fixed assignment already breaks it: the repair decides
                model.add(x == 0)
                continue
            if free_there and fixed_there < headcount:
                cond = [x] if x is not True else []
                model.add(sum(free_there) >= headcount - fixed_there).only_enforce_if(cond)
            for v, y, other in theirs:
                both = [lit for lit in (x, y) if lit is not True]
                apart = start - other
                if isinstance(apart, int):  # both starts are constants
                    if both and not link.apart_ok(start, other):
                        model.add_bool_or([lit.Not() for lit in both])
                    continue
                model.add(apart >= link.min_minutes).only_enforce_if(both)
                if link.max_minutes is not None:
                    model.add(apart <= link.max_minutes).only_enforce_if(both)
                if link.other_worker and v == w and both:
                    model.add_bool_or([lit.Not() for lit in both])


def broken(problem: Problem, assignment: Mapping[Pair, int]) -> set[int]:
    """The gaps (indices) with an assignment whose dependency does not hold."""
    found = links(problem)
    if not found:
        return set()
    starts: defaultdict[int, list[tuple[int, int]]] = defaultdict(list)
    for (w, g), start in assignment.items():
        starts[g].append((w, start))
    out = set()
    for link in found:
        mine, theirs = starts.get(link.gap, []), starts.get(link.on, [])
        if not mine:
            continue
        if len(theirs) < problem.gaps[link.on].headcount:
            out.add(link.gap)
            continue
        for w, a in mine:
            for v, b in theirs:
                if not link.apart_ok(a, b) or (link.other_worker and v == w):
                    out.add(link.gap)
    return out


def keep_dependencies(problem: Problem, assignment: Mapping[Pair, int]) -> dict[Pair, int]:
    """The assignment without every gap whose dependency fails (repeated: a gap taken
    off can break the gaps that depend on it)."""
    kept = dict(assignment)
    while True:
        bad = broken(problem, kept)
        if not bad:
            return kept
        kept = {pair: start for pair, start in kept.items() if pair[1] not in bad}


def blocks(problem: Problem, assignment: Mapping[Pair, int], w: int, g: int) -> bool:
    """Whether a dependency of gap ``g`` keeps worker ``w`` off it in this plan: a gap
    it depends on is not fully assigned, or no allowed start of ``g`` lies in the
    interval after that gap's start, or ``other_worker`` and ``w`` is on that gap."""
    mine = [link for link in links(problem) if link.gap == g]
    if not mine:
        return False
    gap = problem.gaps[g]
    latest = gap.latest_start + gap.late
    for link in mine:
        theirs = [(v, s) for (v, h), s in assignment.items() if h == link.on]
        if len(theirs) < problem.gaps[link.on].headcount:
            return True
        for v, start in theirs:
            if link.other_worker and v == w:
                return True
            low = start + link.min_minutes
            high = latest if link.max_minutes is None else start + link.max_minutes
            if max(low, gap.start) > min(high, latest):
                return True
    return False
