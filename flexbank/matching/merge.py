"""Plans of the parts of a week made one plan, re-checked against every hard rule.

The parts (:mod:`flexbank.matching.regions`) were each solved and explained on their
own. Here the whole week's :class:`Problem` is used only for what is cheap on it (the
gaps, workers, weeks and the pairs actually assigned), never for its candidate list:
that is what the parts were built to avoid.

:func:`recheck` is the safety net before anything is returned: each assigned pair must
pass every compliance check and start where the gap and the worker's availability allow
(rules 1 and 3), a gap holds no more than its headcount and a double-handed call all or
none at one start (rule 2), pins stay (rule 4), and every worker's roster keeps rules 5
and 7-12 (:func:`flexbank.matching.quality.repair`). Anything that fails is dropped.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence

from flexbank.matching.legality import Roster
from flexbank.matching.model import Pair
from flexbank.matching.plan import plan_assignments
from flexbank.matching.problem import Problem, hours
from flexbank.matching.quality import repair
from flexbank.models import (
    PRIORITIES,
    HoursByPriority,
    Metrics,
    Plan,
    Released,
    Unfilled,
)

#: (gap id, worker id) -> start: a plan in ids, as the parts give it.
Holding = dict[tuple[str, str], dt.datetime]


def holding_of(plan: Plan) -> Holding:
    return {(a.gap_id, a.worker_id): a.start for a in plan.assignments}


def in_minutes(problem: Problem, holding: Mapping[tuple[str, str], dt.datetime]) -> dict[Pair, int]:
    return {
        (problem.worker_by_id[w].index, problem.gap_by_id[g].index): problem.minute(start)
        for (g, w), start in holding.items()
    }


def recheck(problem: Problem, assignment: dict[Pair, int]) -> int:
    """Drop every assignment that breaks a hard rule (see the module text); returns how
    many were dropped (0 when the parts were right, as they should be)."""
    dropped = 0
    for pair, start in sorted(assignment.items()):
        candidate = problem.candidate(*pair)
        if candidate is None or not any(lo <= start <= hi for lo, hi in candidate.starts):
            del assignment[pair]
            dropped += 1
    by_gap: dict[int, list[Pair]] = defaultdict(list)
    for pair in sorted(assignment):
        by_gap[pair[1]].append(pair)
    for g, pairs in by_gap.items():
        gap = problem.gaps[g]
        starts = {assignment[p] for p in pairs}
        if gap.together and (len(pairs) != gap.headcount or len(starts) > 1):
            extra = pairs
        else:
            extra = pairs[gap.headcount :]
        for pair in extra:
            del assignment[pair]
            dropped += 1
    dropped += repair(problem, assignment)
    return dropped


def lost_pins(
    problem: Problem, assignment: Mapping[Pair, int], released: Iterable[Released]
) -> list[str]:
    """Pins (rule 4) neither kept in the plan nor released with a reason."""
    let_go = {(r.gap_id, r.worker_id) for r in released}
    lost = []
    for pin in problem.scenario.pinned:
        pair = (problem.worker_by_id[pin.worker_id].index, problem.gap_by_id[pin.gap_id].index)
        if pair not in assignment and (pin.gap_id, pin.worker_id) not in let_go:
            lost.append(f"{pin.worker_id} on {pin.gap_id}")
    return lost


def covered_minutes(problem: Problem, assignment: Mapping[Pair, int]) -> tuple[int, ...]:
    """Criteria 1-3 of rules.md section 3: the covered minutes of each priority, most
    pressing first (without the candidate list)."""
    covered = dict.fromkeys(PRIORITIES, 0)
    for _, g in assignment:
        gap = problem.gaps[g]
        covered[gap.priority] += gap.length
    return tuple(covered[p] for p in PRIORITIES)


def figures(problem: Problem, assignment: Mapping[Pair, int]) -> tuple[float, ...]:
    """rules.md section 3 as a tuple where bigger is better (the figures of
    :func:`flexbank.matching.quality.quality_key`, without the candidate list)."""
    continuity = 0
    by_worker: dict[int, dict[int, int]] = defaultdict(dict)
    for (w, g), start in assignment.items():
        continuity += problem.continuity(problem.scenario.workers[w], problem.gaps[g])
        by_worker[w][g] = start
    travel = 0
    unfair = 0
    weeks = range(
        problem.week_of(0), problem.week_of(problem.minute(problem.scenario.horizon.end) - 1) + 1
    )
    for w in range(len(problem.workers)):
        assigned = by_worker.get(w, {})
        if assigned:
            travel += Roster(problem, w, assigned).travel_minutes()
        for week in weeks:
            got = sum(
                mins
                for g, s in assigned.items()
                for wk, mins in problem.split_by_week(s, s + problem.gaps[g].length)
                if wk == week
            )
            unfair += max(0, problem.fair_target(w, week) - got) ** 2
    return (*covered_minutes(problem, assignment), continuity, -travel, -unfair)


def merged_plan(
    problem: Problem,
    assignment: Mapping[Pair, int],
    parts: Sequence[Plan],
    *,
    bounds: Mapping[str, float],
    extra: Mapping[str, object],
) -> Plan:
    """The whole week's plan: the assignment, the unfilled gaps with the reasons the part
    that held each gave (the last part wins), every part's released pins, and metrics
    (``bounds`` in minutes per priority; ``extra`` added to the metrics)."""
    key = figures(problem, assignment)
    filled = Counter(g for _, g in assignment)
    reasons = {}
    released: dict[tuple[str, str], Released] = {}
    pinned = {(p.gap_id, p.worker_id) for p in problem.scenario.pinned}
    for part in parts:
        for entry in part.unfilled:
            reasons[entry.gap_id] = entry.reasons
        for item in part.released:
            if (item.gap_id, item.worker_id) in pinned:  # a part's own holds are not pins
                released[(item.gap_id, item.worker_id)] = item
    unfilled = [
        Unfilled(
            gap_id=gap.id,
            missing=gap.headcount - filled[gap.index],
            reasons=reasons.get(gap.id, []),
        )
        for gap in problem.gaps
        if filled[gap.index] < gap.headcount
    ]
    metrics = Metrics(
        covered_hours=HoursByPriority(**{p: hours(key[i]) for i, p in enumerate(PRIORITIES)}),
        continuity=int(key[3]),
        travel_minutes=int(-key[4]),
        upper_bound_hours=HoursByPriority(
            **{p: hours(max(bounds.get(p, key[i]), key[i])) for i, p in enumerate(PRIORITIES)}
        ),
        unfairness=int(-key[5]),
        gaps=len(problem.gaps),
        gaps_filled=sum(1 for g in problem.gaps if filled[g.index] >= g.headcount),
        **dict(extra),
    )
    assignments = plan_assignments(problem, assignment)
    return Plan(
        format=problem.scenario.plan_format,
        scenario=problem.scenario.name,
        status="feasible",
        assignments=assignments,
        unfilled=unfilled,
        released=sorted(released.values(), key=lambda r: (r.gap_id, r.worker_id)),
        metrics=metrics,
    )


__all__ = ["Holding", "figures", "holding_of", "in_minutes", "lost_pins", "merged_plan", "recheck"]
