"""Exact decomposition: the parts of a week that never meet.

Workers and gaps joined by candidate pairs form connected components: a walking carer
in Ramsbottom and a care home in Prestwich share no gap, so nothing one does can change
what the other may do (every hard rule of rules.md section 2 binds one worker's
engagements, or one gap's workers). Each component is solved on its own and the plans
are merged; the union of optimal component plans is optimal.

:func:`components` is a pure function of the problem, so the parts can be solved
anywhere (in this process, or on a cluster).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from flexbank.matching.model import Pair
from flexbank.matching.problem import Problem


@dataclass(frozen=True)
class Component:
    """Workers and gaps that only meet each other."""

    workers: frozenset[int]
    gaps: frozenset[int]
    candidates: int  # candidate pairs inside: the size of its model

    def holds(self, pair: Pair) -> bool:
        return pair[0] in self.workers


class _UnionFind:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, a: int) -> int:
        parent = self.parent
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def components(problem: Problem, pairs: Iterable[Pair] = ()) -> list[Component]:
    """The connected components of workers and gaps over the candidate pairs (and any
    extra ``pairs``, such as kept pins), largest first; gaps without a candidate and
    workers without one are left out (nothing to decide for them)."""
    n_workers = len(problem.workers)
    links = UnionLinks(n_workers + len(problem.gaps))
    for c in problem.candidates:
        links.join(c.worker, n_workers + c.gap)
    for w, g in pairs:
        links.join(w, n_workers + g)
    return links.components(problem, n_workers)


class UnionLinks:
    """Workers (0..n-1) and gaps (n..) joined by the pairs that link them."""

    def __init__(self, size: int) -> None:
        self.sets = _UnionFind(size)
        self.used: set[int] = set()

    def join(self, worker: int, gap_node: int) -> None:
        self.sets.union(worker, gap_node)
        self.used.add(worker)
        self.used.add(gap_node)

    def components(self, problem: Problem, n_workers: int) -> list[Component]:
        workers: dict[int, set[int]] = {}
        gaps: dict[int, set[int]] = {}
        for node in self.used:
            root = self.sets.find(node)
            if node < n_workers:
                workers.setdefault(root, set()).add(node)
            else:
                gaps.setdefault(root, set()).add(node - n_workers)
        size = dict.fromkeys(workers, 0)
        for c in problem.candidates:
            size[self.sets.find(c.worker)] += 1
        found = [
            Component(frozenset(workers[r]), frozenset(gaps.get(r, ())), size[r]) for r in workers
        ]
        found.sort(key=lambda c: (-c.candidates, min(c.workers)))
        return found


def restrict(assignment: Mapping[Pair, int], part: Component) -> dict[Pair, int]:
    """The assignments of a component's workers."""
    return {pair: start for pair, start in assignment.items() if pair[0] in part.workers}


__all__ = ["Component", "components", "restrict"]
