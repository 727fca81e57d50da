"""The daily allocation of a region- or nation-sized bank, part by part.

1. The week is split (:func:`flexbank.matching.regions.split`): components of workers
   and gaps that can never meet, then regions of a component that is still too large.
2. **First plans**: every region's phone round, one job each, all at once; once every
   region's is in, the driver holds a valid plan of the whole week (the region plans
   share no worker and no gap, so their union is valid).
3. **Emergency hours across the week**: per component, one job solves every emergency
   gap with every worker who reaches one
   (:func:`flexbank.matching.region_stages.priority_scenario`): at least the whole
   week's phone round on emergency hours, and its relaxation bounds them. Beside it,
   one job rings round the whole week at once: a region's phone round only asks its
   own workers, and where most workers reach a neighbouring region (nearly all of
   them, on a Greater-Manchester-sized week) that loses hours on every priority. Its
   plan replaces the first plans when it is better.
4. **Regions**: every region is built and solved as one job
   (:mod:`flexbank.distributed.jobs`), with the emergency engagements settled in 3
   held, and so are the whole week's phone round's engagements of workers outside
   their home region (:func:`flexbank.matching.region_stages.crossings`), so that the
   regions start from where the whole week's phone round sends workers across. With
   them, one job per region solves the linear relaxation of the region's urgent gaps
   with every worker who reaches them: their sum bounds the week's urgent hours.
5. **Boundary pass**, while time is left: neighbouring regions in pairs, two rounds,
   each pair's boundary workers re-optimised with every gap of the two regions they
   reach, everything else fixed; a neighbourhood's plan replaces what its workers held
   only when it is better in the rules.md section 3 order.
6. The merged plan is re-checked against every hard rule
   (:func:`flexbank.matching.merge.recheck`) before it is returned; should the whole
   week's phone round cover more (in the section 3 order of the priorities' hours),
   that is returned instead: never a plan worse than the coordinator's own.

Every part's plan is at least its phone round, and exact where the parts truly
separate; what the boundary pass cannot recover is said in :mod:`regions`.

Time: in deterministic mode (``workers=1``) each job of a phase gets the phase's share
of ``time_limit`` in CP-SAT's deterministic time, whatever runs it, so the same seed
gives the same plan in this process and on Ray. Otherwise the wall clock rules: each
phase gets its share of the time *left* (so a phase that ran long leaves less to the
next, and the solve returns near ``time_limit``), divided among the waves of jobs the
executor runs one after another, and a boundary round with too little time left is
skipped.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from flexbank.distributed.executor import Executor, InProcess, Task
from flexbank.distributed.jobs import Job, JobResult, solve_job
from flexbank.matching import boundary, region_stages, regions
from flexbank.matching.merge import Holding, holding_of, in_minutes, lost_pins, merged_plan, recheck
from flexbank.matching.problem import Problem, hours
from flexbank.models import PRIORITIES, Plan, Scenario

#: Shares of the time after the first plans: emergency hours across the week, the
#: regions, the boundary rounds together, and what is kept for the re-check and merge.
EMERGENCY_SHARE = 0.35
REGION_SHARE = 0.15
BOUNDARY_SHARE = 0.5
RECHECK_SHARE = 0.05
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
            covered = _covered(self.scenario, self.holding)
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


def take(run: _Run, job: Job, result: JobResult) -> None:
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
        if _hours_key(run.scenario, run.phone) > _hours_key(run.scenario, run.holding):
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
    boundary_share = BOUNDARY_SHARE if rounds else 0.0
    live = [r for r in parts.regions if r.gaps and r.workers]

    first_jobs = [
        Job("first", f"first plan of region {r.index + 1}", base, 0.0)
        for r in live
        if (base := regions.region_scenario(scenario, parts, r)).gaps
    ]
    run.run("first plans", first_jobs)
    run.first_seconds = run.elapsed()
    run.first_covered = _covered(scenario, run.holding)
    run.tell("first valid plan", len(first_jobs), len(first_jobs))

    # the bounds need no plan: they run beside the emergency stage, which leaves CPUs
    # idle while it builds
    bound_jobs = [
        Job("bound", f"bound of region {r.index + 1}", sub, 0.0, background=True)
        for r in parts.regions
        if (sub := region_stages.bound_scenario(scenario, parts, r, BOUND_PRIORITIES))
    ]
    emergency = _emergency(run, parts, boundary_share, bound_jobs)

    later = boundary_share + RECHECK_SHARE
    held = dict(run.settled)
    if run.phone is not None:
        held.update(region_stages.crossings(scenario, parts, run.phone, run.settled))
    region_jobs = [
        Job(
            "region",
            f"region {r.index + 1}",
            region_stages.region_scenario(scenario, parts, r, held),
            0.0,
            workers,
            seed,
        )
        for r in live
    ]
    seconds = run.limit(REGION_SHARE, later, len(region_jobs))
    region_results = run.run("regions", [_with_limit(j, seconds) for j in region_jobs])

    # how long a boundary job takes to build: guessed from the regions', then the last
    # round's
    build = BOUNDARY_BUILDS * max((r.build_seconds for r in region_results), default=0.0)
    for k, pairs in enumerate(rounds):
        share = boundary_share / len(rounds)
        later = share * (len(rounds) - k - 1) + RECHECK_SHARE
        if not run.room(share, later, len(pairs), build):
            skipped = f"boundary round {k + 1} skipped"
            run.phases.append({"phase": skipped, "seconds": 0.0, "jobs": 0})
            continue
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
        seconds = run.limit(share, later, len(round_jobs))
        done = run.run(
            f"boundary round {k + 1} of {len(rounds)}",
            [_with_limit(j, seconds) for j in round_jobs],
        )
        build = max((r.build_seconds for r in done), default=build)
    return _finish(run, parts, region_results + emergency)


def _emergency(
    run: _Run, parts: regions.Split, boundary_share: float, bound_jobs: list[Job]
) -> list[JobResult]:
    """Step 3 of the module text: the emergency stage of every component; what it
    settles is held by the regions, and its bound is the week's. ``bound_jobs`` run
    beside it."""
    scenario = run.scenario
    jobs = [
        Job("emergency", f"emergency hours of area {c + 1}", sub, 0.0, run.workers, run.seed)
        for c in sorted({r.component for r in parts.regions})
        if (sub := region_stages.priority_scenario(scenario, parts, c, PRIORITIES[0]))
    ]
    later = REGION_SHARE + boundary_share + RECHECK_SHARE
    # (in this process the bound jobs run after, and the phases after get less time)
    seconds = run.limit(EMERGENCY_SHARE, later, len(jobs))
    # the whole week's phone round: one job, no time limit (it stops when rung round)
    phone = Job("phone", "phone round of the whole week", scenario, 0.0)
    found = run.run(
        "emergency hours", [_with_limit(j, seconds) for j in jobs] + [phone] + bound_jobs
    )
    found = [r for r in found if r.kind == "emergency"]
    run.bound[PRIORITIES[0]] = 0.0
    sources = set()
    for result in found:
        assert result.plan is not None
        run.settled.update(holding_of(result.plan))
        bound = result.plan.metrics.upper_bound_hours
        run.bound[PRIORITIES[0]] += float(bound.emergency) if bound else 0.0
        sources.add(
            ((result.plan.metrics.model_extra or {}).get("bound_source") or {}).get(
                PRIORITIES[0], "relaxation"
            )
        )
    run.bound_source[PRIORITIES[0]] = sources.pop() if len(sources) == 1 else "relaxation"
    return found


def _finish(run: _Run, parts: regions.Split, solved: list[JobResult]) -> Plan:
    """The re-check and the merged plan (step 6)."""
    scenario = run.scenario
    run.tell("re-check", 0, 1)
    checking = time.monotonic()
    problem = Problem(scenario)
    if run.phone is not None and _hours_key(scenario, run.phone) > _hours_key(
        scenario, run.holding
    ):
        run.holding = dict(run.phone)  # never worse than the coordinator's own
        run.phases.append({"phase": "the whole week's phone round kept", "seconds": 0.0, "jobs": 0})
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
    # the whole week's phone round (the regions' own when it did not come in)
    baseline = _covered(scenario, run.phone) if run.phone is not None else run.first_covered
    # routine: every routine gap filled (see BOUND_PRIORITIES)
    for p in PRIORITIES:
        if p not in run.bound:
            run.bound[p] = sum(
                g.headcount * (g.end - g.start).total_seconds() / 3600
                for g in scenario.gaps
                if g.priority == p
            )
            run.bound_source[p] = "every gap filled"
    extra = {
        "solve_seconds": round(run.elapsed(), 3),
        "mode": "distributed",
        "first_feasible_seconds": round(run.first_seconds or 0.0, 3),
        "first_plan_covered_hours": {p: round(h, 6) for p, h in run.first_covered.items()},
        "baseline_covered_hours": {p: round(h, 6) for p, h in baseline.items()},
        "bound_source": {p: run.bound_source.get(p, "relaxation") for p in PRIORITIES},
        "candidates": sum(r.candidates for r in solved if r.kind == "region"),
        "parts": sum(1 for r in solved if r.kind == "region"),
        "repaired": dropped,
        "settled_emergency_engagements": len(run.settled),
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
    return dataclasses.replace(job, time_limit=seconds)


def _hours_key(scenario: Scenario, holding: Holding) -> tuple[float, ...]:
    """The priorities' hours, most pressing first: how rules.md section 3 compares
    plans first."""
    covered = _covered(scenario, holding)
    return tuple(round(covered[p], 6) for p in PRIORITIES)


def _covered(scenario: Scenario, holding: Holding) -> dict[str, float]:
    gaps = {g.id: g for g in scenario.gaps}
    covered: dict[str, float] = dict.fromkeys(PRIORITIES, 0.0)
    for gap_id, _ in holding:
        gap = gaps[gap_id]
        covered[gap.priority] += (gap.end - gap.start).total_seconds() / 3600
    return covered


__all__ = ["Progress", "ProgressHook", "solve"]
