"""The daily allocation of a region- or nation-sized bank, part by part.

1. The week is split (:func:`flexbank.matching.regions.split`): components of workers
   and gaps that can never meet, then regions of a component that is still too large.
2. Every region is built and solved as one job (:mod:`flexbank.distributed.jobs`) on
   the executor: in this process, or as Ray tasks on a local Ray or a cluster. Each
   reports its phone round's plan first; once every region has, the driver holds a
   valid plan of the whole week. The region plans share no worker and no gap, so
   their union is valid.
3. The boundary pass: neighbouring regions in pairs, two rounds, each pair's boundary
   workers re-optimised with every gap of the two regions they reach, everything else
   fixed; a neighbourhood's plan replaces what its workers held only when it is better
   in the rules.md section 3 order. With the first round, one job per region solves the
   linear relaxation of the region's gaps with every worker who reaches them: their sum
   is the bound of the week.
4. The merged plan is re-checked against every hard rule
   (:func:`flexbank.matching.merge.recheck`) before it is returned.

Every part's plan is at least its phone round, and exact where the parts truly
separate; what the boundary pass cannot recover is said in :mod:`regions`.

Time: in deterministic mode (``workers=1``) each job of a phase gets the phase's share
of ``time_limit`` in CP-SAT's deterministic time, whatever runs it, so the same seed
gives the same plan in this process and on Ray. Otherwise the share is wall-clock,
divided among the waves of jobs the executor runs one after another.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from flexbank.distributed.executor import Executor, InProcess, Task
from flexbank.distributed.jobs import FirstPlan, Job, JobResult, solve_job
from flexbank.matching import boundary, regions
from flexbank.matching.merge import Holding, holding_of, in_minutes, lost_pins, merged_plan, recheck
from flexbank.matching.problem import Problem, hours
from flexbank.models import PRIORITIES, Plan, Scenario

#: Shares of the time limit: the regions, then the boundary rounds together.
REGION_SHARE = 0.6
BOUNDARY_SHARE = 0.3


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
class _Run:
    scenario: Scenario
    executor: Executor
    time_limit: float
    workers: int
    seed: int
    task: Task
    progress: ProgressHook | None
    started: float = field(default_factory=time.monotonic)
    holding: Holding = field(default_factory=dict)
    first_seconds: float | None = None
    bound: dict[str, float] = field(default_factory=dict)
    results: list[JobResult] = field(default_factory=list)
    finished: set[int] = field(default_factory=set)  # job numbers of the phase done
    phases: list[dict[str, object]] = field(default_factory=list)  # phase, seconds, jobs
    phase_of: dict[int, str] = field(default_factory=dict)  # id(result) -> its phase

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def tell(self, phase: str, done: int, total: int) -> None:
        if self.progress is not None:
            covered = _covered(self.scenario, self.holding)
            self.progress(Progress(self.elapsed(), phase, done, total, covered, dict(self.bound)))

    def limit(self, share: float, jobs: int) -> float:
        seconds = self.time_limit * share
        if self.workers == 1 or jobs == 0:
            return seconds
        waves = math.ceil(jobs / self.executor.concurrency(jobs))
        return max(seconds / waves, 1.0)

    def run(
        self, phase: str, jobs: Sequence[Job], on_first: Callable[[int, FirstPlan], None]
    ) -> list[JobResult]:
        out: list[JobResult | None] = [None] * len(jobs)

        def on_report(number: int, message: object) -> None:
            if isinstance(message, FirstPlan):
                on_first(number, message)

        self.tell(phase, 0, len(jobs))
        begun = time.monotonic()
        self.finished = set()
        for done, (number, result) in enumerate(
            self.executor.run(self.task, jobs, on_report), start=1
        ):
            out[number] = result
            self.finished.add(number)
            yield_result(self, jobs[number], result)
            self.tell(phase, done, len(jobs))
        found = [r for r in out if r is not None]
        self.results += found
        for r in found:
            self.phase_of[id(r)] = phase
        self.phases.append(
            {"phase": phase, "seconds": round(time.monotonic() - begun, 3), "jobs": len(jobs)}
        )
        return found


def yield_result(run: _Run, job: Job, result: JobResult) -> None:
    """Take one job's result into the plan so far."""
    if result.kind == "bound":
        for p in PRIORITIES:
            run.bound[p] = run.bound.get(p, 0.0) + hours(result.bounds.get(p, 0.0))
        return
    assert result.plan is not None
    for pair in job.current:
        run.holding.pop(pair, None)
    if result.kind == "region":
        mine = _gap_ids(job)
        for pair in [p for p in run.holding if p[0] in mine]:
            run.holding.pop(pair)  # the region's first plan, now replaced
    run.holding.update(holding_of(result.plan))


def _gap_ids(job: Job) -> set[str]:
    return {g.id for g in job.scenario.gaps}


def solve(
    scenario: Scenario,
    *,
    executor: Executor | None = None,
    time_limit: float = 60.0,
    workers: int = 2,
    seed: int = 0,
    progress: ProgressHook | None = None,
    max_region_gaps: int = regions.REGION_GAPS,
    task: Task = solve_job,
) -> Plan:
    """The plan of ``scenario``, solved part by part on ``executor`` (this process by
    default); see the module text. ``task`` runs one job (the tests wrap it)."""
    run = _Run(scenario, executor or InProcess(), time_limit, workers, seed, task, progress)
    parts = regions.split(scenario, max_region_gaps)
    rounds = boundary.seam_rounds(parts)
    region_share = REGION_SHARE if rounds else REGION_SHARE + BOUNDARY_SHARE
    live = [r for r in parts.regions if r.gaps and r.workers]
    jobs = [
        Job(
            "region",
            f"region {r.index + 1}",
            regions.region_scenario(scenario, parts, r),
            0.0,
            workers,
            seed,
        )
        for r in live
    ]
    jobs = [_with_limit(j, run.limit(region_share, len(jobs))) for j in jobs]
    firsts: dict[int, FirstPlan] = {}

    def on_first(number: int, first: FirstPlan) -> None:
        firsts[number] = first
        if run.first_seconds is None and len(firsts) == len(jobs):
            run.first_seconds = run.elapsed()
            for k, item in firsts.items():
                if k not in run.finished:  # a finished region's plan is there already
                    run.holding.update(item.holding)
            run.tell("first valid plan", len(jobs), len(jobs))

    region_results = run.run("regions", jobs, on_first)
    if run.first_seconds is None:
        run.first_seconds = run.elapsed()
    # every region with gaps somebody reaches (home there or not) bounds its gaps
    bound_jobs = [
        Job("bound", f"bound of region {r.index + 1}", sub, 0.0)
        for r in parts.regions
        if r.gaps and (sub := regions.bound_scenario(scenario, parts, r)).workers
    ]
    boundary_limit = BOUNDARY_SHARE / max(len(rounds), 1)
    for k, pairs in enumerate(rounds):
        found = [boundary.neighbourhood(scenario, parts, pair, run.holding) for pair in pairs]
        round_jobs = [
            Job(
                "boundary",
                f"boundary of regions {n.pair[0] + 1} and {n.pair[1] + 1}",
                n.scenario,
                0.0,
                workers,
                seed,
                current=n.current,
            )
            for n in found
            if n is not None and n.scenario.gaps
        ]
        round_jobs = [
            _with_limit(j, run.limit(boundary_limit, len(round_jobs))) for j in round_jobs
        ]
        with_bounds = bound_jobs if k == 0 else []
        run.run(
            f"boundary round {k + 1} of {len(rounds)}", round_jobs + with_bounds, lambda *_: None
        )
    if not rounds:
        run.run("bounds", bound_jobs, lambda *_: None)
    run.tell("re-check", 0, 1)
    checking = time.monotonic()
    problem = Problem(scenario)
    assignment = in_minutes(problem, run.holding)
    dropped = recheck(problem, assignment)
    plans = [r.plan for r in run.results if r.plan is not None]
    released = [item for p in plans for item in p.released]
    lost = lost_pins(problem, assignment, released)
    if lost:
        raise RuntimeError(f"pins lost by the distributed solve: {', '.join(lost)}")
    run.phases.append(
        {"phase": "re-check", "seconds": round(time.monotonic() - checking, 3), "jobs": 0}
    )
    baseline = dict.fromkeys(PRIORITIES, 0.0)
    for r in region_results:
        assert r.plan is not None
        for p, h in (
            (r.plan.metrics.model_extra or {}).get("baseline_covered_hours") or {}
        ).items():
            baseline[p] += h
    extra = {
        "solve_seconds": round(run.elapsed(), 3),
        "mode": "distributed",
        "first_feasible_seconds": round(run.first_seconds, 3),
        "baseline_covered_hours": {p: round(h, 6) for p, h in baseline.items()},
        "bound_source": dict.fromkeys(PRIORITIES, "relaxation"),
        "candidates": sum(r.candidates for r in region_results),
        "parts": len(live),
        "repaired": dropped,
        "boundary_workers": len(parts.boundary),
        "workers_placed": len(parts.home),
        "phases": run.phases,
        "subproblems": [
            {
                "phase": run.phase_of.get(id(r), ""),
                "name": r.name,
                "kind": r.kind,
                "seconds": round(r.seconds, 3),
                "build_seconds": round(r.build_seconds, 3),
                "kept_current": r.kept_current,
            }
            for r in run.results
        ],
    }
    bound_minutes = {p: h * 60 for p, h in run.bound.items()}
    plan = merged_plan(problem, assignment, plans, bounds=bound_minutes, extra=extra)
    run.tell("done", 1, 1)
    return plan


def _with_limit(job: Job, seconds: float) -> Job:
    return Job(job.kind, job.name, job.scenario, seconds, job.workers, job.seed, job.current)


def _covered(scenario: Scenario, holding: Holding) -> dict[str, float]:
    gaps = {g.id: g for g in scenario.gaps}
    covered: dict[str, float] = dict.fromkeys(PRIORITIES, 0.0)
    for gap_id, _ in holding:
        gap = gaps[gap_id]
        covered[gap.priority] += (gap.end - gap.start).total_seconds() / 3600
    return covered


__all__ = ["Progress", "ProgressHook", "solve"]
