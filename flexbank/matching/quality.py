"""How good a plan is, in the order of rules.md section 3, and the roster safety net.

:func:`quality_key` is the exact comparison every candidate plan goes through before it
is kept; :func:`repair` drops assignments from a roster that breaks a rule (the model is
exact, so it should never act).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping

from flexbank.matching.legality import Roster
from flexbank.matching.model import Pair
from flexbank.matching.problem import Problem
from flexbank.models import PRIORITIES


def levels(problem: Problem, assignment: Mapping[Pair, int]) -> tuple[int, ...]:
    """Criteria 1-4 of rules.md section 3: covered minutes per priority, continuity."""
    covered = dict.fromkeys(PRIORITIES, 0)
    continuity = 0
    for pair in assignment:
        gap = problem.gaps[pair[1]]
        covered[gap.priority] += gap.length
        candidate = problem.candidate_of.get(pair)
        continuity += candidate.continuity if candidate else 0
    return (*(covered[p] for p in PRIORITIES), continuity)


def quality_key(
    problem: Problem,
    assignment: Mapping[Pair, int],
    workers: Collection[int] | None = None,
) -> tuple[float, ...]:
    """rules.md section 3 as a tuple where bigger is better.

    With ``workers``, criteria 5 and 6 count only those workers: enough to compare two
    plans that differ only in their assignments.
    """
    by_worker: dict[int, dict[int, int]] = defaultdict(dict)
    for (w, g), start in assignment.items():
        by_worker[w][g] = start
    travel = 0
    unfair = 0
    weeks = range(
        problem.week_of(0), problem.week_of(problem.minute(problem.scenario.horizon.end) - 1) + 1
    )
    for w in sorted(workers) if workers is not None else range(len(problem.workers)):
        assigned = by_worker.get(w, {})
        if assigned:
            travel += Roster(problem, w, assigned).travel_minutes()
        for week in weeks:
            target = problem.fair_target(w, week)
            got = sum(
                mins
                for g, s in assigned.items()
                for wk, mins in problem.split_by_week(s, s + problem.gaps[g].length)
                if wk == week
            )
            unfair += max(0, target - got) ** 2
    return (*levels(problem, assignment), -travel, -unfair)


def violations(problem: Problem, assignment: Mapping[Pair, int]) -> dict[int, list[str]]:
    """Per worker, the rules of sections 2.5-2.11 the assignment breaks."""
    by_worker: dict[int, dict[int, int]] = defaultdict(dict)
    for (w, g), start in assignment.items():
        by_worker[w][g] = start
    found = {}
    for w, assigned in by_worker.items():
        broken = Roster(problem, w, assigned).violations()
        if broken:
            found[w] = broken
    return found


def repair(problem: Problem, assignment: dict[Pair, int]) -> int:
    """Drop assignments until every worker's roster keeps every rule; returns the count.

    A safety net: the model is exact for the rules, so this should never act; if it
    does, the least valuable assignments go first (routine before urgent, shortest
    first), and double-handed partners go with them.
    """
    dropped = 0
    for w in sorted(violations(problem, assignment)):
        mine = sorted(
            (g for (ww, g) in assignment if ww == w),
            key=lambda g: (-PRIORITIES.index(problem.gaps[g].priority), problem.gaps[g].length),
        )
        roster = Roster(problem, w, {g: assignment[(w, g)] for g in mine})
        for g in mine:
            if not roster.violations():
                break
            roster.remove(g)
            dropped += _drop(problem, assignment, w, g)
    return dropped


def _drop(problem: Problem, assignment: dict[Pair, int], w: int, g: int) -> int:
    assignment.pop((w, g), None)
    count = 1
    if problem.gaps[g].together:
        for pair in [p for p in assignment if p[1] == g]:
            assignment.pop(pair)
            count += 1
    return count


__all__ = ["levels", "quality_key", "repair", "violations"]
