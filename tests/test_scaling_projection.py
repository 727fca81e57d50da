"""The scaling benchmark: its projection to N CPUs from measured parts, and its baseline."""

from __future__ import annotations

from benchmarks.scaling import _whole_week_phone_round, phase_costs, projection
from flexbank.matching.plan import baseline_plan
from flexbank.models import PRIORITIES
from flexbank.sample.region import generate_region


def run_of(phases: dict[str, list[float]], driver: float) -> dict[str, object]:
    subproblems = [
        {"phase": phase, "seconds": t, "name": f"{phase} {i}"}
        for phase, times in phases.items()
        for i, t in enumerate(times)
    ]
    walls = [{"phase": p, "seconds": sum(t), "jobs": len(t)} for p, t in phases.items()]
    walls.append({"phase": "re-check", "seconds": 2.0, "jobs": 0})
    wall = sum(w["seconds"] for w in walls) + driver  # type: ignore[misc]
    return {"phases": walls, "subproblems": subproblems, "wall_seconds": wall}


def test_one_cpu_is_the_sum_and_many_cpus_the_critical_path() -> None:
    run = run_of({"regions": [10.0, 30.0, 20.0], "boundary round 1 of 1": [5.0, 1.0]}, 3.0)
    assert projection(run, 1) == 60 + 6 + 2 + 3
    assert projection(run, 1000) == 30 + 5 + 2 + 3
    assert projection(run, 2) == 30 + 5 + 2 + 3  # max(30, 60/2) + max(5, 6/2)
    costs = {c["phase"]: c for c in phase_costs(run)}
    assert costs["regions"]["largest"] == 30.0 and costs["regions"]["sum"] == 60.0
    assert [projection(run, n) for n in (1, 2, 4)] == sorted(
        (projection(run, n) for n in (1, 2, 4)), reverse=True
    )


def test_the_whole_week_phone_round_counts_the_hours_its_plan_reports() -> None:
    """The benchmark's baseline skips the unfilled gaps' explanations (most of its time
    on a region week), so its hours are checked against the plan it stands for."""
    week = generate_region(2, 120, 700, 1)
    reported = baseline_plan(week).metrics.covered_hours
    hours = _whole_week_phone_round(week)
    assert hours == {p: float(getattr(reported, p)) for p in PRIORITIES}
    assert hours["urgent"] > 0


def test_a_week_not_tuned_on_is_judged_against_its_own_phone_round() -> None:
    from benchmarks.region_unseen import render

    week = {
        "covered": {"emergency": 99.0, "urgent": 210.0, "routine": 300.0},
        "phone_round": {"emergency": 98.0, "urgent": 200.0, "routine": 320.0},
        "bound": {"emergency": 100.0, "urgent": 250.0, "routine": 900.0},
        "first_valid_seconds": 41.0,
        "wall_seconds": 590.0,
        "time_limit": 600.0,
        "violations": 0,
        "peak_driver_gb": 0.9,
        "command": "python -m benchmarks.region_unseen --seeds 7",
    }
    row = next(line for line in render({"7": week}).splitlines() if line.startswith("| 7 |"))
    assert "| 1.010 | 1.050 | 0.938 | 1.00% |" in row
    assert "phone round missed on routine" in row and "first plan met" in row
