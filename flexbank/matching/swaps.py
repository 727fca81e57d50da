"""Ringing back: improve a valid plan by moving assignments between workers.

After the phone round a coordinator rings back: an open gap whose nearest workers are
all busy can still be filled if one of them hands a less pressing (or shorter) gap to
somebody else, or drops it when the open one matters more. Each move here is such an
ejection chain of depth two, checked by the worker's full roster rules
(:class:`~flexbank.matching.legality.Roster`), so the plan stays valid, and kept only
when it makes the plan better in the order of rules.md section 3 (more covered minutes
of a priority, never fewer of a higher one). Fast enough for any size, it lifts the
starting plan the CP-SAT stages and neighbourhoods improve on.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Mapping

from flexbank.matching.baseline import phone_order
from flexbank.matching.dependencies import keep_dependencies, links
from flexbank.matching.legality import Roster
from flexbank.matching.model import Pair
from flexbank.matching.problem import PRIORITY_RANK, Problem
from flexbank.matching.quality import quality_key

#: Assignments of a worker within this many minutes of an open gap's start are the ones
#: worth handing over (rest and duty span reach 24 hours either side).
REACH = 36 * 60


class Ringback:
    """The plan being improved, with every worker's roster."""

    def __init__(
        self,
        problem: Problem,
        plan: Mapping[Pair, int],
        kept: Collection[Pair],
        drop: bool = True,
    ) -> None:
        self.problem = problem
        self.drop = drop  # a busy worker may drop a less pressing gap for an open one
        self.plan = dict(plan)
        self.kept = set(kept)
        by_worker: dict[int, dict[int, int]] = defaultdict(dict)
        self.on_gap: dict[int, set[int]] = defaultdict(set)
        for (w, g), s in self.plan.items():
            by_worker[w][g] = s
            self.on_gap[g].add(w)
        self.rosters = {w: Roster(problem, w, a) for w, a in by_worker.items()}
        self.moves = 0

    def roster(self, w: int) -> Roster:
        found = self.rosters.get(w)
        if found is None:
            found = self.rosters[w] = Roster(self.problem, w)
        return found

    def worth(self, g: int) -> tuple[int, int]:
        gap = self.problem.gaps[g]
        return -PRIORITY_RANK[gap.priority], gap.length

    def _assign(self, w: int, g: int, start: int) -> None:
        self.roster(w).add(g, start)
        self.plan[(w, g)] = start
        self.on_gap[g].add(w)

    def _unassign(self, w: int, g: int) -> int:
        self.roster(w).remove(g)
        self.on_gap[g].discard(w)
        return self.plan.pop((w, g))

    def _place(self, g: int, exclude: int) -> bool:
        """Give ``g`` to the nearest other worker who can still take it."""
        phone = phone_order(
            self.problem,
            (
                c
                for c in self.problem.by_gap.get(g, ())
                if c.worker != exclude and c.worker not in self.on_gap[g]
            ),
        )
        for c in phone:
            start, _ = self.roster(c.worker).first_legal_start(g, c.starts)
            if start is not None:
                self._assign(c.worker, g, start)
                return True
        return False

    def fill(self, g: int) -> bool:
        """One more worker on open gap ``g``; True when one was found."""
        gap = self.problem.gaps[g]
        if gap.together or len(self.on_gap[g]) >= gap.headcount:
            return False
        candidates = [c for c in self.problem.by_gap.get(g, ()) if c.worker not in self.on_gap[g]]
        phone = phone_order(self.problem, candidates)
        for c in phone:
            start, _ = self.roster(c.worker).first_legal_start(g, c.starts)
            if start is not None:
                self._assign(c.worker, g, start)
                self.moves += 1
                return True
        worth = self.worth(g)
        for c in phone:
            w = c.worker
            roster = self.roster(w)
            near = sorted(
                (
                    other
                    for other, s in roster.assigned.items()
                    if abs(s - gap.start) <= REACH
                    and (w, other) not in self.kept
                    and not self.problem.gaps[other].together
                    and self.worth(other) <= worth
                ),
                key=lambda other: (self.worth(other), other),
            )
            for other in near:
                before = self._unassign(w, other)
                start, _ = roster.first_legal_start(g, c.starts)
                if start is None:
                    self._assign(w, other, before)
                    continue
                self._assign(w, g, start)
                if self._place(other, exclude=w) or (self.drop and self.worth(other) < worth):
                    self.moves += 1
                    return True
                # neither handed over nor worth dropping: undo
                self._unassign(w, g)
                self._assign(w, other, before)
        return False


def ring_back(
    problem: Problem,
    plan: Mapping[Pair, int],
    kept: Collection[Pair] = (),
    *,
    only: Collection[int] | None = None,
    out_of_time: Callable[[], bool] = lambda: False,
    passes: int = 3,
    drop: bool = True,
) -> dict[Pair, int]:
    """``plan`` improved by ringing back on every open gap (of ``only``), most pressing
    first, until a pass finds nothing or time runs out. With ``drop`` False no gap is
    dropped, only handed over: every priority keeps at least its hours."""
    state = Ringback(problem, plan, kept, drop)
    gaps = problem.gaps
    order = sorted(
        range(len(gaps)) if only is None else only,
        key=lambda g: (PRIORITY_RANK[gaps[g].priority], gaps[g].start, gaps[g].id),
    )
    for _ in range(passes):
        before = state.moves
        for g in order:
            if out_of_time():
                return _dependencies_kept(problem, plan, state.plan)
            while state.fill(g):
                pass
        if state.moves == before:
            break
    return _dependencies_kept(problem, plan, state.plan)


def _dependencies_kept(
    problem: Problem, before: Mapping[Pair, int], after: dict[Pair, int]
) -> dict[Pair, int]:
    """``after`` without the gaps whose rule 13 dependency a move broke (a hand-over
    can move the visit a dose follows), unless that leaves it behind ``before``."""
    if not links(problem):
        return after
    kept = keep_dependencies(problem, after)
    if len(kept) == len(after) or quality_key(problem, kept) >= quality_key(problem, before):
        return kept
    return dict(before)


__all__ = ["ring_back"]
