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
import time

from flexbank.distributed.executor import Executor, InProcess, Task
from flexbank.distributed.jobs import Job, JobResult, solve_job
from flexbank.distributed.run import (
    BOUND_PRIORITIES,
    BOUNDARY_BUILDS,
    Progress,
    ProgressHook,
    Run,
    covered_hours,
)
from flexbank.matching import boundary, region_stages, regions
from flexbank.matching.merge import (
    covered_minutes,
    holding_of,
    in_minutes,
    lost_pins,
    merged_plan,
    recheck,
)
from flexbank.matching.problem import Problem
from flexbank.models import PRIORITIES, Plan, Scenario

#: Shares of the time after the first plans: emergency hours across the week, the
#: regions, the boundary rounds together, and what is kept for the re-check and merge.
EMERGENCY_SHARE = 0.35
REGION_SHARE = 0.15
BOUNDARY_SHARE = 0.5
RECHECK_SHARE = 0.05


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
    run = Run(scenario, executor or InProcess(), time_limit, workers, seed, task, progress)
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
    run.first_covered = covered_hours(scenario, run.holding)
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
    run: Run, parts: regions.Split, boundary_share: float, bound_jobs: list[Job]
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


def _finish(run: Run, parts: regions.Split, solved: list[JobResult]) -> Plan:
    """The re-check and the merged plan (step 6)."""
    scenario = run.scenario
    run.tell("re-check", 0, 1)
    checking = time.monotonic()
    problem = Problem(scenario)
    assignment = in_minutes(problem, run.holding)
    dropped = recheck(problem, assignment)
    if run.phone is not None:
        # never worse than the coordinator's own, as re-checked
        phone = in_minutes(problem, run.phone)
        if covered_minutes(problem, phone) > covered_minutes(problem, assignment):
            assignment, dropped = phone, recheck(problem, phone)
            run.holding = dict(run.phone)
            run.phases.append(
                {"phase": "the whole week's phone round kept", "seconds": 0.0, "jobs": 0}
            )
    plans = [r.plan for r in run.results if r.plan is not None]
    released = [item for p in plans for item in p.released]
    lost = lost_pins(problem, assignment, released)
    if lost:
        raise RuntimeError(f"pins lost by the distributed solve: {', '.join(lost)}")
    run.phases.append(
        {"phase": "re-check", "seconds": round(time.monotonic() - checking, 3), "jobs": 0}
    )
    # the whole week's phone round (the regions' own when it did not come in)
    baseline = covered_hours(scenario, run.phone) if run.phone is not None else run.first_covered
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


__all__ = ["Progress", "ProgressHook", "solve"]
