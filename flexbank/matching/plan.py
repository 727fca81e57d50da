"""From a scenario to a plan of its version (``flexbank.plan/1`` or ``/2``): pins, the
optimiser, reasons, metrics."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from flexbank.matching.baseline import phone_round
from flexbank.matching.dependencies import keep_dependencies
from flexbank.matching.explain import Explainer
from flexbank.matching.model import Pair
from flexbank.matching.optimise import optimise
from flexbank.matching.problem import Problem, hours
from flexbank.matching.solver import Outcome, ProgressHook, quality_key
from flexbank.models import (
    PRIORITIES,
    Assignment,
    HoursByPriority,
    Metrics,
    Plan,
    Reason,
    Released,
    Scenario,
    Unfilled,
)


@dataclass
class Pins:
    kept: dict[Pair, int]
    fixed_starts: set[Pair]
    released: list[Released]


def sort_pins(problem: Problem) -> Pins:
    """Rule 4: pins that still pass every compliance check are kept, others released."""
    kept: dict[Pair, int] = {}
    fixed: set[Pair] = set()
    released: list[Released] = []
    for pin in problem.scenario.pinned:
        worker = problem.worker_by_id[pin.worker_id]
        gap = problem.gap_by_id[pin.gap_id]
        verdict = problem.compliance.check_pair(pin.worker_id, pin.gap_id, start=pin.start)
        candidate = problem.candidate_of.get((worker.index, gap.index))
        if not verdict.ok or candidate is None:
            codes = verdict.codes or ["availability"]
            released.append(Released(gap_id=gap.id, worker_id=worker.id, codes=codes))
            continue
        if pin.start is not None:
            kept[(worker.index, gap.index)] = problem.minute(pin.start)
            fixed.add((worker.index, gap.index))
        else:
            kept[(worker.index, gap.index)] = candidate.earliest
    return Pins(kept, fixed, released)


def plan_assignments(problem: Problem, assignment: Mapping[Pair, int]) -> list[Assignment]:
    """The plan's assignments, by start, then gap id, then worker."""
    return [
        Assignment(
            gap_id=problem.gaps[g].id,
            worker_id=problem.workers[w].id,
            start=problem.instant(start),
            end=problem.instant(start + problem.gaps[g].length),
        )
        for (w, g), start in sorted(
            assignment.items(), key=lambda item: (item[1], problem.gaps[item[0][1]].id, item[0][0])
        )
    ]


def build_plan(
    problem: Problem,
    outcome: Outcome,
    released: list[Released],
    started: float | None = None,
) -> Plan:
    """The plan file of an outcome; ``started`` (a monotonic time) makes
    ``solve_seconds`` the whole time from then, explanations included."""
    assignment, key = _read(problem, outcome.assignment)
    explainer = Explainer(problem, assignment)
    filled = Counter(g for _, g in assignment)
    unfilled = []
    for gap in problem.gaps:
        missing = gap.headcount - filled[gap.index]
        if missing <= 0:
            continue
        reasons = [
            Reason(code=code, workers=n, message=message)
            for code, n, message in explainer.unfilled_reasons(gap.index)
        ]
        unfilled.append(Unfilled(gap_id=gap.id, missing=missing, reasons=reasons))
    covered = HoursByPriority(**_hours(key))
    bound = HoursByPriority(
        **{p: hours(outcome.bounds.get(p, key[i])) for i, p in enumerate(PRIORITIES)}
    )
    baseline_key = quality_key(problem, outcome.baseline)
    metrics = Metrics(
        covered_hours=covered,
        continuity=int(key[3]),
        travel_minutes=int(-key[4]),
        solve_seconds=round(
            time.monotonic() - started if started is not None else outcome.seconds, 3
        ),
        upper_bound_hours=bound,
        unfairness=int(-key[5]),
        gaps=len(problem.gaps),
        gaps_filled=sum(1 for g in problem.gaps if filled[g.index] >= g.headcount),
        candidates=len(problem.candidates),
        mode=outcome.mode,
        first_feasible_seconds=round(outcome.first_feasible_seconds, 3),
        baseline_covered_hours=_hours(baseline_key),
        stages_proven=dict(outcome.proven),
        bound_source=dict(outcome.bound_source),
        parts=outcome.parts,
        parts_raised_to_phone_round=outcome.floored,
        parts_below_phone_round_for_emergency=outcome.kept_for_emergency,
        neighbourhoods=outcome.neighbourhoods,
        relaxation_seconds=round(outcome.relaxation_seconds, 3),
        proof_seconds={p: round(t, 3) for p, t in outcome.proof_seconds.items()},
        repaired=outcome.repaired,
    )
    assignments = plan_assignments(problem, assignment)
    return Plan(
        format=problem.scenario.plan_format,
        scenario=problem.scenario.name,
        status="optimal" if outcome.optimal else "feasible",
        assignments=assignments,
        unfilled=unfilled,
        released=released,
        metrics=metrics,
    )


#: Seconds per (unfilled gap candidate x worker) that explaining a plan costs, measured
#: on the 1,000 x 8,000 sample week; used to keep explanations inside the time limit.
EXPLAIN_SECONDS_PER_PAIR = 1.5e-6


def solve(
    scenario: Scenario,
    time_limit: float = 30.0,
    workers: int = 2,
    seed: int = 0,
    progress: ProgressHook | None = None,
) -> Plan:
    """The best plan found for ``scenario`` within ``time_limit`` seconds.

    The limit covers preparing the candidates, optimising and explaining the unfilled
    gaps. With ``workers=1`` the optimiser counts CP-SAT's deterministic time instead
    of the wall clock, so a seed gives the same plan on any machine (and the wall
    time may differ from the limit).
    """
    started = time.monotonic()
    problem = Problem(scenario)
    pins = sort_pins(problem)
    limit = time_limit
    if workers != 1:
        reserve = min(
            0.2 * time_limit,
            EXPLAIN_SECONDS_PER_PAIR * len(problem.gaps) * len(problem.workers),
        )
        limit = max(time_limit - (time.monotonic() - started) - reserve, 1.0)
    outcome = optimise(
        problem,
        pins.kept,
        time_limit=limit,
        workers=workers,
        seed=seed,
        progress=progress,
        fixed_starts=pins.fixed_starts,
    )
    return build_plan(problem, outcome, pins.released, started=started)


def _read(problem: Problem, assignment: Mapping[Pair, int]) -> tuple[dict[Pair, int], tuple]:
    """The assignment as the plan holds it (rule 13 has the last word) and its section 3
    key."""
    kept = keep_dependencies(problem, assignment)
    return kept, quality_key(problem, kept)


def _hours(key: tuple) -> dict[str, float]:
    return {p: hours(key[i]) for i, p in enumerate(PRIORITIES)}


def baseline_plan(scenario: Scenario) -> Plan:
    """The coordinator's phone round as a plan (the benchmark baseline)."""
    clock = time.monotonic()
    problem = Problem(scenario)
    pins = sort_pins(problem)
    assignment = phone_round(problem, pins.kept)
    outcome = Outcome(assignment=assignment, baseline=dict(assignment), mode="phone_round")
    outcome.seconds = outcome.first_feasible_seconds = time.monotonic() - clock
    return build_plan(problem, outcome, pins.released)


def baseline_hours(scenario: Scenario) -> dict[str, float]:
    """The covered hours per priority that :func:`baseline_plan`'s metrics report,
    without explaining its unfilled gaps (on a 5,000 x 40,000 week that was about half
    of its 430 s): for measuring weeks too large to explain quickly."""
    problem = Problem(scenario)
    _, key = _read(problem, phone_round(problem, sort_pins(problem).kept))
    return _hours(key)
