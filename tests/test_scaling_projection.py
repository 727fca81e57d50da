"""The scaling benchmark's projection to N CPUs, from measured parts."""

from __future__ import annotations

from benchmarks.scaling import phase_costs, projection


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
