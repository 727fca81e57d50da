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
from flexbank.distributed.jobs import Job, JobResult, Report, solve_job
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
    assert kinds == {"first", "emergency", "region", "boundary", "bound"}
    assert extra["parts"] >= 3


def test_a_task_killed_mid_solve_is_retried_and_the_plan_still_passes(
    local_ray: RayExecutor, week: Scenario, tmp_path: Path
) -> None:
    killed = tmp_path / "killed"
    retried = tmp_path / "retried"

    def dies_once(job: Job, report: Report) -> JobResult:
        # runs in a Ray worker: the first region job to start kills its own process
        # half a second into its solve; Ray runs it again
        if job.kind == "region" and job.name == "region 1":
            if not killed.exists():
                killed.write_text(str(os.getpid()))
                threading.Timer(0.5, os._exit, (1,)).start()
                solve_job(job, report)
                time.sleep(60)  # the timer ends the process before this does
            retried.write_text(str(os.getpid()))
        return solve_job(job, report)

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
