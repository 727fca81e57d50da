"""The state of a distributed solve as it goes: the plan so far (each job's result
taken in as it comes, the plan valid after each), the bounds, the time each phase may
have, and the progress reports. See :mod:`flexbank.distributed.solve` for the phases."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from flexbank.distributed.executor import Executor, Task
from flexbank.distributed.jobs import Job, JobResult
from flexbank.matching.merge import Holding, holding_of
from flexbank.matching.problem import hours
from flexbank.models import PRIORITIES, Scenario

#: A boundary round with less than this share of the time limit left is skipped, and
#: so is one whose jobs would each get less than ``MIN_ROUND_BUILDS`` times the time a
#: job of it takes to build (it needs time to solve after it; see
#: ``jobs.MIN_SOLVE_SHARE``). Before the first round that is guessed from the regions'
#: builds: a boundary job is built from two regions' gaps, and took about
#: ``BOUNDARY_BUILDS`` times a region's build on the 5,000 x 40,000 week.
MIN_ROUND_SHARE = 0.03
#: Kept back from the wall clock's phases: a job runs a few seconds past its limit
#: (its explanations, the last model it built), about 9 s on the 5,000 x 40,000 week.
MARGIN_SHARE = 0.02
MIN_ROUND_BUILDS = 2.0
BOUNDARY_BUILDS = 2.5
#: The priorities whose bound the regions' relaxations give (emergency's comes from the
#: emergency stage; routine's relaxation over every reaching worker costs more than it
#: tells, so routine's bound is every routine gap filled).
BOUND_PRIORITIES = ("urgent",)


@dataclass(frozen=True)
class Progress:
    """One report of a distributed solve, in hours."""

    elapsed: float
    phase: str
    done: int  # sub-problems done in this phase
    total: int
    covered: dict[str, float] = field(default_factory=dict)  # the plan so far, per priority
    bound: dict[str, float] = field(default_factory=dict)


ProgressHook = Callable[[Progress], None]


@dataclass
class Run:
    scenario: Scenario
    executor: Executor
    time_limit: float
    workers: int
    seed: int
    task: Task
    progress: ProgressHook | None
    started: float = field(default_factory=time.monotonic)
    holding: Holding = field(default_factory=dict)
    #: engagements settled by the emergency stage: held by the regions
    settled: Holding = field(default_factory=dict)
    #: the whole week's phone round, once in
    phone: Holding | None = None
    final: set[str] = field(default_factory=set)  # workers whose region plan is in
    first_seconds: float | None = None
    first_covered: dict[str, float] = field(default_factory=dict)  # hours per priority
    bound: dict[str, float] = field(default_factory=dict)
    bound_source: dict[str, str] = field(default_factory=dict)
    results: list[JobResult] = field(default_factory=list)
    phases: list[dict[str, object]] = field(default_factory=list)  # phase, seconds, jobs
    phase_of: dict[int, str] = field(default_factory=dict)  # id(result) -> its phase

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def tell(self, phase: str, done: int, total: int) -> None:
        if self.progress is not None:
            covered = covered_hours(self.scenario, self.holding)
            self.progress(Progress(self.elapsed(), phase, done, total, covered, dict(self.bound)))

    def limit(self, share: float, later: float, jobs: int) -> float:
        """A job's seconds in a phase with ``share`` of the time and ``later`` the shares
        of the phases after it (see the module text)."""
        if self.workers == 1 or jobs == 0:
            return self.time_limit * share
        left = self.time_limit * (1 - MARGIN_SHARE) - self.elapsed()
        seconds = left * share / (share + later)
        waves = math.ceil(jobs / self.executor.concurrency(jobs))
        return max(seconds / waves, 1.0)

    def room(self, share: float, later: float, jobs: int = 1, build: float = 0.0) -> bool:
        """Whether a skippable phase of ``jobs`` jobs has time enough (always, in
        deterministic mode): its share of the time left is at least ``MIN_ROUND_SHARE``
        of the limit, and each job's (see :meth:`limit`) ``MIN_ROUND_BUILDS`` times
        ``build``, the seconds a job of it takes to build."""
        if self.workers == 1:
            return True
        left = self.time_limit - self.elapsed()
        seconds = left * share / (share + later)
        return (
            seconds >= MIN_ROUND_SHARE * self.time_limit
            and self.limit(share, later, jobs) >= MIN_ROUND_BUILDS * build
        )

    def run(self, phase: str, jobs: Sequence[Job]) -> list[JobResult]:
        out: list[JobResult | None] = [None] * len(jobs)
        self.tell(phase, 0, len(jobs))
        begun = time.monotonic()
        for done, (number, result) in enumerate(self.executor.run(self.task, jobs), start=1):
            out[number] = result
            take(self, jobs[number], result)
            self.tell(phase, done, len(jobs))
        found = [r for r in out if r is not None]
        self.results += found
        for r in found:
            self.phase_of[id(r)] = phase
        self.phases.append(
            {"phase": phase, "seconds": round(time.monotonic() - begun, 3), "jobs": len(jobs)}
        )
        return found


def take(run: Run, job: Job, result: JobResult) -> None:
    """Take one job's result into the plan so far; the plan stays valid after each."""
    if result.kind == "bound":
        for p in BOUND_PRIORITIES:
            run.bound[p] = run.bound.get(p, 0.0) + hours(result.bounds.get(p, 0.0))
            run.bound_source[p] = "relaxation"
        return
    if result.kind == "first":
        run.holding.update(result.holding)
        return
    if result.kind == "phone":
        run.phone = result.holding
        if hours_key(run.scenario, run.phone) > hours_key(run.scenario, run.holding):
            run.holding = dict(run.phone)
        return
    if result.kind == "boundary" and result.plan is None:
        return  # it kept what its workers hold, without solving
    assert result.plan is not None
    if result.kind == "emergency":
        return  # settled, held by the regions: their plans bring it in
    if result.kind == "region":
        # the region's workers are the region plan's now, and so are its gaps' places,
        # but for those held by workers whose region plan is in already (settled
        # emergency engagements among them)
        workers = {w.id for w in job.scenario.workers}
        gaps = _gap_ids(job)
        for pair in [
            p for p in run.holding if p[1] in workers or (p[0] in gaps and p[1] not in run.final)
        ]:
            run.holding.pop(pair)
        run.final |= workers
    for pair in job.current:
        run.holding.pop(pair, None)
    run.holding.update(holding_of(result.plan))


def _gap_ids(job: Job) -> set[str]:
    return {g.id for g in job.scenario.gaps}


def hours_key(scenario: Scenario, holding: Holding) -> tuple[float, ...]:
    """The priorities' hours, most pressing first: how rules.md section 3 compares
    plans first."""
    covered = covered_hours(scenario, holding)
    return tuple(round(covered[p], 6) for p in PRIORITIES)


def covered_hours(scenario: Scenario, holding: Holding) -> dict[str, float]:
    gaps = {g.id: g for g in scenario.gaps}
    covered: dict[str, float] = dict.fromkeys(PRIORITIES, 0.0)
    for gap_id, _ in holding:
        gap = gaps[gap_id]
        covered[gap.priority] += (gap.end - gap.start).total_seconds() / 3600
    return covered


__all__ = [
    "BOUNDARY_BUILDS",
    "BOUND_PRIORITIES",
    "MIN_ROUND_BUILDS",
    "Progress",
    "ProgressHook",
    "Run",
    "covered_hours",
    "hours_key",
    "take",
]
