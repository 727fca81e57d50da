"""The distributed solve's wall clock: a phase that cannot fit is skipped, and a job
whose build took its time keeps what its workers hold instead of running over."""

from __future__ import annotations

from test_regions import region_phone_rounds, two_borough_week

from flexbank.checker import check_plan
from flexbank.distributed.executor import InProcess
from flexbank.distributed.jobs import Job, solve_job
from flexbank.distributed.run import MIN_ROUND_BUILDS, Run, take
from flexbank.matching import boundary, regions


def _neighbourhood() -> tuple[boundary.Neighbourhood, dict]:
    week = two_borough_week()
    parts = regions.split(week, max_gaps=90)
    holding = region_phone_rounds(week, parts)
    found = boundary.neighbourhood(week, parts, boundary.seam_rounds(parts)[0][0], holding)
    assert found is not None and found.current
    return found, holding


def test_a_boundary_job_out_of_time_once_built_keeps_what_its_workers_hold() -> None:
    found, holding = _neighbourhood()
    job = Job("boundary", "b", found.scenario, 0.01, workers=2, current=found.current)
    result = solve_job(job)
    assert result.kept_current and result.plan is None
    assert result.build_seconds > 0 and result.candidates > 0
    # taking it changes nothing in the plan so far
    run = Run(found.scenario, InProcess(), 60.0, 2, 0, solve_job, None)
    run.holding = dict(holding)
    take(run, job, result)
    assert run.holding == holding


def test_a_boundary_job_with_time_solves_to_a_valid_plan() -> None:
    found, _ = _neighbourhood()
    job = Job("boundary", "b", found.scenario, 5.0, workers=1, current=found.current)
    result = solve_job(job)
    assert result.plan is not None
    assert check_plan(found.scenario, result.plan) == []


def test_a_round_needs_its_share_of_the_time_left_to_hold_its_builds() -> None:
    found, _ = _neighbourhood()
    run = Run(found.scenario, InProcess(), 100.0, 2, 0, solve_job, None)
    # half the time left (about 50 of 100 s) is this round's; in this process its jobs
    # run one after another, so each of four gets a quarter of that
    assert run.room(0.1, 0.1)
    assert run.room(0.1, 0.1, jobs=1, build=40.0 / MIN_ROUND_BUILDS)
    assert not run.room(0.1, 0.1, jobs=1, build=60.0 / MIN_ROUND_BUILDS)
    assert run.room(0.1, 0.1, jobs=4, build=12.0 / MIN_ROUND_BUILDS)
    assert not run.room(0.1, 0.1, jobs=4, build=14.0 / MIN_ROUND_BUILDS)
    # in deterministic mode the clock decides nothing
    run.workers = 1
    assert run.room(0.1, 0.1, jobs=4, build=1e6)
