"""The published-benchmark evaluator reproduces the published solutions' figures and
catches every broken hard rule."""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

import pytest

from benchmarks.published.evaluate import Evaluation, evaluate
from benchmarks.published.instance import Caregiver, Depot, Instance, Patient, Sync, Task
from benchmarks.published.readers import read_instance, read_iolab_solution
from benchmarks.published.solution import Route, Solution, Visit

DATA = Path(__file__).resolve().parents[2] / "benchmarks" / "published" / "data"
MANKOWSKA = DATA / "mankowska-hhcrsp-2014"
IOLAB = DATA / "iolab-hhcrsp-mankowska-json-small"
EXTENDED = DATA / "iolab-hhcrsp-extended-small" / "validation"


def _costs() -> list[dict[str, str]]:
    with (MANKOWSKA / "iolab_solution_costs.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    return [r for r in rows if (IOLAB / "solutions" / r["solution_file"]).exists()]


COSTS = _costs()


def _bks() -> dict[str, float]:
    with (MANKOWSKA / "bks.csv").open() as handle:
        return {r["instance"]: float(r["bks"]) for r in csv.DictReader(handle)}


def test_every_a_and_b_solution_file_is_covered() -> None:
    assert sorted(r["instance"] for r in COSTS) == sorted(
        [f"A{i}" for i in range(1, 11)] + [f"B{i}" for i in range(1, 11)]
    )


@pytest.mark.parametrize("form", ["txt", "json"])
@pytest.mark.parametrize("row", COSTS, ids=[r["instance"] for r in COSTS])
def test_published_solution_figures_are_reproduced(row: dict[str, str], form: str) -> None:
    stem = f"InstanzCPLEX_HCSRP_{row['nodes']}_{row['idx']}"
    path = MANKOWSKA / f"{stem}.txt" if form == "txt" else IOLAB / f"{stem}.json"
    instance = read_instance(path)
    solution, _ = read_iolab_solution(IOLAB / "solutions" / row["solution_file"])
    result = evaluate(instance, solution)
    assert result.violations == []
    # the table rounds to 0.01; the JSON instances round distances to 0.001
    assert result.travel == pytest.approx(float(row["travel"]), abs=0.011)
    assert result.total_tardiness == pytest.approx(float(row["total_tardiness"]), abs=0.006)
    assert result.max_tardiness == pytest.approx(float(row["max_tardiness"]), abs=0.006)
    assert result.objective == pytest.approx(float(row["iolab_solution_obj"]), abs=0.006)


@pytest.mark.parametrize("row", [r for r in COSTS if r["instance"].startswith("A")])
def test_family_a_solutions_meet_the_published_optimum(row: dict[str, str]) -> None:
    """bks.csv gives A's optimum to one decimal (lower bound = best known but for A3)."""
    stem = f"InstanzCPLEX_HCSRP_{row['nodes']}_{row['idx']}"
    solution, _ = read_iolab_solution(IOLAB / "solutions" / row["solution_file"])
    result = evaluate(read_instance(MANKOWSKA / f"{stem}.txt"), solution)
    assert result.objective == pytest.approx(_bks()[row["instance"]], abs=0.05)


EXTENDED_SOLUTIONS = sorted((EXTENDED / "solutions").glob("sol-*.json*"))


@pytest.mark.parametrize("path", EXTENDED_SOLUTIONS, ids=lambda p: p.name[4:7])
def test_extended_solutions_reproduce_their_cost_components(path: Path) -> None:
    instance_path = next(EXTENDED.glob(path.name[4:8] + "*.json*"))
    solution, published = read_iolab_solution(path)
    result = evaluate(read_instance(instance_path), solution)
    assert result.violations == []
    assert {
        "EHHC_TravelTime": result.travel,
        "EHHC_TotalTardiness": result.total_tardiness,
        "EHHC_HighestTardiness": result.max_tardiness,
        "EHHC_TotalWaitingTime": result.total_waiting,
        "EHHC_TotalExtraTime": result.total_extra_time,
    } == {k: v for k, v in published.items() if k != "EHHC_MaxIdleTime"}


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(
            p,
            marks=pytest.mark.xfail(
                p.name.startswith("sol-009"),
                reason="iolab's p159 file says 330; the longest idle of one route here is 322 "
                "(c17: 314 before its first visit, 8 before its second); definition unknown",
                strict=True,
            ),
        )
        for p in EXTENDED_SOLUTIONS
    ],
    ids=lambda p: p.name[4:7],
)
def test_extended_max_idle_time(path: Path) -> None:
    instance_path = next(EXTENDED.glob(path.name[4:8] + "*.json*"))
    solution, published = read_iolab_solution(path)
    result = evaluate(read_instance(instance_path), solution)
    assert result.max_route_idle == published["EHHC_MaxIdleTime"]


def test_three_extended_solutions_are_checked() -> None:
    assert len(EXTENDED_SOLUTIONS) == 3


# ------------------------------------------------------------------ a hand-made instance


def _tiny() -> Instance:
    """Depot 0, patients at nodes 1..3; p3 is a sequential double service (10..20 min)."""
    travel = (
        (0.0, 10.0, 20.0, 30.0),
        (10.0, 0.0, 5.0, 25.0),
        (20.0, 5.0, 0.0, 15.0),
        (30.0, 25.0, 15.0, 0.0),
    )
    return Instance(
        name="tiny",
        family="mankowska",
        caregivers=(
            Caregiver("c1", frozenset({"s1", "s2"}), 0),
            Caregiver("c2", frozenset({"s2"}), 0),
        ),
        patients=(
            Patient("p1", 1, (0.0, 50.0), (Task("s1", 10.0),)),
            Patient("p2", 2, (40.0, 45.0), (Task("s1", 10.0),)),
            Patient(
                "p3",
                3,
                (0.0, 100.0),
                (Task("s1", 5.0), Task("s2", 5.0)),
                Sync("sequential", 10.0, 20.0),
                incompatible=frozenset({"c3"}),
            ),
        ),
        depots=(Depot("d", 0),),
        travel=travel,
    )


def _good() -> Solution:
    return Solution(
        (
            Route("c1", (Visit("p1", "s1", 10), Visit("p2", "s1", 50), Visit("p3", "s1", 75))),
            Route("c2", (Visit("p3", "s2", 90),)),
        )
    )


def _with(solution: Solution, route: int, visit: int, **changes: object) -> Solution:
    routes = list(solution.routes)
    visits = list(routes[route].visits)
    visits[visit] = dataclasses.replace(visits[visit], **changes)  # type: ignore[arg-type]
    routes[route] = Route(routes[route].caregiver, tuple(visits))
    return Solution(tuple(routes))


def test_hand_computed_costs() -> None:
    result = evaluate(_tiny(), _good())
    assert result.violations == []
    # c1: 0->1 10, 1->2 5, 2->3 15, 3->0 30; c2: 0->3 30, 3->0 30
    assert result.travel == 120
    assert result.total_tardiness == 5  # p2 starts at 50, its window closes at 45
    assert result.max_tardiness == 5
    assert result.objective == pytest.approx((120 + 5 + 5) / 3)
    # c1 leaves p1 at 20, arrives at p2 at 25 and waits until 50; arrives at p3 at 75
    assert result.total_waiting == 25


def _problems(solution: Solution) -> list[str]:
    result: Evaluation = evaluate(_tiny(), solution)
    return result.violations


def test_an_unserved_service_is_a_violation() -> None:
    broken = Solution((_good().routes[0],))
    assert _problems(broken) == ["p3 s2: not served"]


def test_a_service_served_twice_is_a_violation() -> None:
    good = _good()
    extra = Route("c2", (Visit("p3", "s2", 90), Visit("p3", "s2", 120)))
    problems = _problems(Solution((good.routes[0], extra)))
    assert any("served 2 times" in p for p in problems)


def test_an_unqualified_caregiver_is_a_violation() -> None:
    broken = Solution(
        (
            Route("c1", (Visit("p1", "s1", 10), Visit("p3", "s1", 75))),
            Route("c2", (Visit("p2", "s1", 50), Visit("p3", "s2", 90))),
        )
    )
    assert any("c2" in p and "not qualified for s1" in p for p in _problems(broken))


def test_an_incompatible_caregiver_is_a_violation() -> None:
    instance = _tiny()
    c3 = Caregiver("c3", frozenset({"s2"}), 0)
    instance = dataclasses.replace(instance, caregivers=(*instance.caregivers, c3))
    good = _good()
    broken = Solution((good.routes[0], Route("c3", good.routes[1].visits)))
    assert any("incompatible" in p for p in evaluate(instance, broken).violations)


def test_starting_before_the_window_opens_is_a_violation() -> None:
    broken = _with(_good(), 0, 1, start=35)  # p2 opens at 40 (arrival 25 is fine)
    problems = _problems(broken)
    assert any("before the window opens" in p for p in problems)


def test_arriving_too_early_for_the_travel_is_a_violation() -> None:
    broken = _with(_good(), 0, 0, start=9)  # the depot is 10 minutes from p1
    assert any("cannot arrive before 10" in p for p in _problems(broken))


def test_an_end_shorter_than_the_duration_is_a_violation() -> None:
    broken = _with(_good(), 0, 0, end=15)
    assert any("before its 10 minutes" in p for p in _problems(broken))


def test_a_longer_given_end_delays_the_next_visit() -> None:
    broken = _with(_good(), 0, 1, end=70)  # leaves p2 at 70, p3 is 15 away, starts at 75
    assert any("cannot arrive before 85" in p for p in _problems(broken))


@pytest.mark.parametrize(("start", "ok"), [(84, False), (85, True), (95, True), (96, False)])
def test_sequential_gap_bounds(start: float, ok: bool) -> None:
    solution = _with(_good(), 1, 0, start=start)  # the first service starts at 75
    problems = _problems(solution)
    assert (not any("not within 10..20" in p for p in problems)) is ok


def test_both_services_by_one_caregiver_is_a_violation() -> None:
    broken = Solution(
        (
            Route(
                "c1",
                (
                    Visit("p1", "s1", 10),
                    Visit("p2", "s1", 50),
                    Visit("p3", "s1", 75),
                    Visit("p3", "s2", 90),
                ),
            ),
        )
    )
    assert any("same caregiver" in p for p in _problems(broken))


def test_simultaneous_services_must_start_together() -> None:
    instance = _tiny()
    p3 = dataclasses.replace(instance.patients[2], sync=Sync("simultaneous"))
    instance = dataclasses.replace(instance, patients=(*instance.patients[:2], p3))
    together = _with(_good(), 1, 0, start=75)
    apart = _with(_good(), 1, 0, start=76)
    assert evaluate(instance, together).violations == []
    assert any("simultaneous" in p for p in evaluate(instance, apart).violations)


def test_an_empty_route_costs_nothing() -> None:
    good = _good()
    with_empty = Solution((*good.routes, Route("c3", ())))
    # an unknown caregiver is reported even when its route is empty
    assert _problems(with_empty) == ["route of unknown caregiver c3"]
    assert evaluate(_tiny(), Solution((*good.routes,))).travel == 120
