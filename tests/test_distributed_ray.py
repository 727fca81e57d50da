"""The distributed solve on a local Ray (2 CPUs): the same plan as in this process for a
seed in deterministic mode, and a worker process killed mid-solve is retried."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from flexbank.checker import check_plan, quality
from flexbank.distributed import InProcess, RayExecutor, solve
from flexbank.distributed.jobs import Job, JobResult, solve_job
from flexbank.models import Scenario
from flexbank.sample.region import generate_region

ray = pytest.importorskip("ray")
pytestmark = pytest.mark.slow

#: a small two-borough week cut into four regions, so there are boundary rounds
REGION_GAPS = 90


@pytest.fixture(scope="module")
def local_ray() -> Iterator[RayExecutor]:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield RayExecutor()
    finally:
        ray.shutdown()


@pytest.fixture(scope="module")
def week() -> Scenario:
    return generate_region(2, 50, 300, seed=4)


def test_ray_plan_passes_the_checker_and_equals_the_in_process_plan(
    local_ray: RayExecutor, week: Scenario
) -> None:
    on_ray = solve(
        week, executor=local_ray, time_limit=3, workers=1, seed=2, max_region_gaps=REGION_GAPS
    )
    here = solve(
        week, executor=InProcess(), time_limit=3, workers=1, seed=2, max_region_gaps=REGION_GAPS
    )
    assert check_plan(week, on_ray) == []
    assert quality(week, on_ray).key() == quality(week, here).key()
    assert on_ray.assignments == here.assignments
    extra = on_ray.metrics.model_extra or {}
    kinds = {s["kind"] for s in extra["subproblems"]}
    assert kinds == {"first", "phone", "emergency", "region", "boundary", "bound"}
    assert extra["parts"] >= 3


def test_a_task_killed_mid_solve_is_retried_and_the_plan_still_passes(
    local_ray: RayExecutor, week: Scenario, tmp_path: Path
) -> None:
    killed = tmp_path / "killed"
    retried = tmp_path / "retried"

    def dies_once(job: Job) -> JobResult:
        # runs in a Ray worker: the first region job to start kills its own process
        # half a second into its solve; Ray runs it again
        if job.kind == "region" and job.name == "region 1":
            if not killed.exists():
                killed.write_text(str(os.getpid()))
                threading.Timer(0.5, os._exit, (1,)).start()
                solve_job(job)
                time.sleep(60)  # the timer ends the process before this does
            retried.write_text(str(os.getpid()))
        return solve_job(job)

    plan = solve(
        week,
        executor=local_ray,
        time_limit=3,
        workers=1,
        seed=2,
        max_region_gaps=REGION_GAPS,
        task=dies_once,
    )
    assert killed.exists() and retried.exists()
    assert killed.read_text() != retried.read_text()  # another worker process
    assert check_plan(week, plan) == []
    assert plan.assignments


def test_bounds_run_at_the_lowest_priority_beside_the_solve(
    local_ray: RayExecutor, week: Scenario, tmp_path: Path
) -> None:
    def notes_priority(job: Job) -> JobResult:
        # runs in a Ray worker: which job ran at which niceness
        (tmp_path / f"{job.kind}-{job.name}").write_text(str(os.nice(0)))
        return solve_job(job)

    plan = solve(
        week,
        executor=local_ray,
        time_limit=2,
        workers=1,
        seed=2,
        max_region_gaps=REGION_GAPS,
        task=notes_priority,
    )
    assert check_plan(week, plan) == []
    seen = {p.name: p.read_text() for p in tmp_path.iterdir()}
    bounds = {name: note for name, note in seen.items() if name.startswith("bound-")}
    others = {name: note for name, note in seen.items() if not name.startswith("bound-")}
    assert bounds and others
    assert {int(nice) for nice in bounds.values()} == {19}
    # a bound's worker process ends with it, so no solve after it runs at its priority
    assert all(int(nice) < 19 for nice in others.values())
