"""One sub-problem of a distributed solve: built and solved where it runs.

:func:`solve_job` is what a Ray task (or this process) runs: it builds the part's
:class:`~flexbank.matching.problem.Problem` from its sub-scenario, optimises from the
phone round, and returns the part's plan. A first-plan job stops at the phone round
(the driver has a valid plan of the whole week once every region's is in), and so
does a phone job (the phone round of the whole week). A boundary
job also gets what its workers hold now and returns that instead when the optimiser
finds nothing better for them (rules.md section 3 order), or without solving when its
build left too little of its time. A bound job only solves the linear relaxation of
its part.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Literal

from flexbank.matching.baseline import phone_round
from flexbank.matching.bound import LinearBound
from flexbank.matching.merge import in_minutes
from flexbank.matching.optimise import optimise
from flexbank.matching.plan import EXPLAIN_SECONDS_PER_PAIR, build_plan, sort_pins
from flexbank.matching.problem import Problem
from flexbank.matching.solver import quality_key
from flexbank.models import PRIORITIES, Plan, Scenario

#: Share of the emergency stage's time one solve of its relaxation may take: its bound
#: is the week's emergency bound, so it must be there at the end.
EMERGENCY_LP_SHARE = 0.4

#: A boundary job left less than this share of its time once built keeps what its
#: workers hold (it cannot improve on it in that time, and must not run over).
MIN_SOLVE_SHARE = 0.3

JobKind = Literal["first", "phone", "emergency", "region", "boundary", "bound"]


@dataclass(frozen=True)
class Job:
    kind: JobKind
    name: str
    scenario: Scenario
    time_limit: float
    workers: int = 2
    seed: int = 0
    #: a boundary job: (gap id, worker id) -> start, what its workers hold now
    current: dict[tuple[str, str], dt.datetime] = field(default_factory=dict)
    #: run at the lowest priority of the operating system where the executor can (a
    #: bound beside a solve takes only the CPU the solve leaves idle)
    background: bool = False


@dataclass
class JobResult:
    kind: JobKind
    name: str
    plan: Plan | None = None
    bounds: dict[str, float] = field(default_factory=dict)  # bound jobs: minutes
    #: a first-plan or phone job: its phone round, (gap id, worker id) -> start
    holding: dict[tuple[str, str], dt.datetime] = field(default_factory=dict)
    kept_current: bool = False
    candidates: int = 0
    build_seconds: float = 0.0
    seconds: float = 0.0  # the whole job, build included


def solve_job(job: Job) -> JobResult:
    """Build, solve and explain one part (see the module text)."""
    started = time.monotonic()
    problem = Problem(job.scenario)
    if job.kind == "bound":
        linear = LinearBound(problem, {})
        relaxed = linear.solve(dict.fromkeys(PRIORITIES, 0.0), None)
        return JobResult(
            job.kind,
            job.name,
            bounds=dict(relaxed.bounds),
            candidates=len(problem.candidates),
            build_seconds=linear.build_seconds,
            seconds=time.monotonic() - started,
        )
    if job.current:  # what the workers hold stays a candidate, past the cap too
        problem.include(in_minutes(problem, job.current))
    pins = sort_pins(problem)
    if job.kind in ("first", "phone"):
        first = phone_round(problem, pins.kept)
        return JobResult(
            job.kind,
            job.name,
            holding=_in_ids(problem, first),
            candidates=len(problem.candidates),
            build_seconds=time.monotonic() - started,
            seconds=time.monotonic() - started,
        )
    candidates = len(problem.candidates)  # built here, so that the limit below counts them
    build_seconds = time.monotonic() - started
    limit = job.time_limit
    if job.workers != 1:  # the wall clock: the build and the explanations count too
        reserve = min(
            0.2 * job.time_limit,
            EXPLAIN_SECONDS_PER_PAIR * len(problem.gaps) * len(problem.workers),
        )
        limit = job.time_limit - (time.monotonic() - started) - reserve
        if job.current and limit < MIN_SOLVE_SHARE * job.time_limit:
            # a boundary job whose build took its time: what its workers hold stays
            return JobResult(
                job.kind,
                job.name,
                kept_current=True,
                candidates=candidates,
                build_seconds=build_seconds,
                seconds=time.monotonic() - started,
            )
        limit = max(limit, 1.0)
    outcome = optimise(
        problem,
        pins.kept,
        time_limit=limit,
        workers=job.workers,
        seed=job.seed,
        fixed_starts=pins.fixed_starts,
        # a region's bound comes from the bound jobs; the emergency stage's is the week's
        relaxation=job.kind == "emergency",
        lp_share=EMERGENCY_LP_SHARE,
    )
    kept_current = False
    if job.current:
        current = in_minutes(problem, job.current)
        if quality_key(problem, current) > quality_key(problem, outcome.assignment):
            outcome.assignment = current
            kept_current = True
    plan = build_plan(problem, outcome, pins.released, started=started)
    return JobResult(
        job.kind,
        job.name,
        plan=plan,
        kept_current=kept_current,
        candidates=len(problem.candidates),
        build_seconds=build_seconds,
        seconds=time.monotonic() - started,
    )


def _in_ids(
    problem: Problem, assignment: dict[tuple[int, int], int]
) -> dict[tuple[str, str], dt.datetime]:
    return {
        (problem.gaps[g].id, problem.workers[w].id): problem.instant(s)
        for (w, g), s in assignment.items()
    }


__all__ = ["Job", "JobResult", "solve_job"]
