"""The converter from published instances to (proposed format 2.1) flexbank scenarios."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from benchmarks.published.evaluate import evaluate
from benchmarks.published.readers import read_instance, read_iolab_solution
from benchmarks.published.scenario import (
    DAY,
    FORMAT,
    downgrade,
    gap_id,
    solution_from_plan,
    to_scenario,
)
from flexbank.validation import load_scenario

DATA = Path(__file__).resolve().parents[2] / "benchmarks" / "published" / "data"
A2 = DATA / "mankowska-hhcrsp-2014" / "InstanzCPLEX_HCSRP_10_2.txt"
KUMMER = DATA / "kummer-hhcrsp-2021" / "json-iolab" / "HHCRSP_10_3_88_1.6_R_C.json"
EXTENDED = (
    DATA / "iolab-hhcrsp-extended-small" / "000-cesena-p20-d4-i0.25-pt0.74-0.07-0.19-c5-6-4-5.json"
)
SAMPLES = [A2, KUMMER, EXTENDED]


def _minutes(stamp: str) -> float:
    return (dt.datetime.fromisoformat(stamp) - DAY).total_seconds() / 60


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name[:12])
def test_every_service_becomes_one_visit_with_its_window(path: Path) -> None:
    inst = read_instance(path)
    sc = to_scenario(inst)
    assert sc["format"] == FORMAT
    gaps = {g["id"]: g for g in sc["gaps"]}
    assert len(gaps) == inst.task_count
    for p in inst.patients:
        for task in p.tasks:
            g = gaps[gap_id(p.id, task.service)]
            assert g["kind"] == "visit" and g["skills"] == [task.service]
            assert _minutes(g["start"]) == p.window[0]
            assert _minutes(g["start"]) + g["start_tolerance_minutes"] == p.window[1]
            assert _minutes(g["end"]) - _minutes(g["start"]) == task.duration
            assert g["location"]["place"] == p.id


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name[:12])
def test_double_services_become_dependencies(path: Path) -> None:
    inst = read_instance(path)
    gaps = {g["id"]: g for g in to_scenario(inst)["gaps"]}
    doubles = [p for p in inst.patients if p.sync is not None]
    assert doubles
    for p in doubles:
        assert p.sync is not None
        first, second = (gaps[gap_id(p.id, t.service)] for t in p.tasks)
        assert first["after"] == []
        (dep,) = second["after"]
        assert dep["gap_id"] == first["id"] and dep["other_worker"] is True
        assert (dep["min_minutes"], dep["max_minutes"]) == (p.sync.min_gap, p.sync.max_gap)
        if p.sync.kind == "simultaneous":
            assert (dep["min_minutes"], dep["max_minutes"]) == (0, 0)
    singles = sum(not p.is_double for p in inst.patients)
    assert sum(not g["after"] for g in gaps.values()) == singles + len(doubles)


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name[:12])
def test_the_travel_matrix_covers_every_location(path: Path) -> None:
    inst = read_instance(path)
    sc = to_scenario(inst)
    (matrix,) = sc["travel_matrices"]
    places = {p["id"]: p for p in matrix["places"]}
    assert len(matrix["minutes"]) == len(places) == len(inst.travel)
    locations: list[dict[str, Any]] = [w["home"] for w in sc["workers"]]
    locations += [c["location"] for c in sc["clients"]] + [g["location"] for g in sc["gaps"]]
    for loc in locations:
        place = places[loc["place"]]
        assert (loc["lat"], loc["lon"]) == (place["lat"], place["lon"])
    index = {p["id"]: i for i, p in enumerate(matrix["places"])}
    a, b = inst.patients[0], inst.patients[1]
    assert matrix["minutes"][index[a.id]][index[b.id]] == inst.travel[a.node][b.node]


def test_extended_caregivers_keep_homes_shifts_and_incompatibilities() -> None:
    inst = read_instance(EXTENDED)
    sc = to_scenario(inst)
    c0 = next(w for w in sc["workers"] if w["id"] == "c0")
    assert c0["home"]["place"] == "d1"
    assert _minutes(c0["availability"][0]["start"]) == 390
    assert _minutes(c0["commitments"][0]["end"]) == 390  # leaves home at its shift start
    p1 = next(c for c in sc["clients"] if c["id"] == "p1")
    assert p1["excluded_workers"] == ["c6"]


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name[:12])
def test_flexbank_loads_the_2_1_scenario_with_its_matrix_and_dependencies(path: Path) -> None:
    inst = read_instance(path)
    scenario = load_scenario(to_scenario(inst))
    assert scenario.format == FORMAT and len(scenario.travel_matrices) == 1
    assert sum(len(g.after) for g in scenario.gaps) == sum(
        p.sync is not None for p in inst.patients
    )


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name[:12])
def test_without_the_2_1_fields_flexbank_loads_it_as_version_1(path: Path) -> None:
    scenario = load_scenario(downgrade(to_scenario(read_instance(path))))
    inst = read_instance(path)
    assert len(scenario.gaps) == inst.task_count
    assert len(scenario.workers) == len(inst.caregivers)


def test_a_plan_converts_back_to_the_same_solution() -> None:
    inst = read_instance(A2)
    published, _ = read_iolab_solution(
        DATA
        / "iolab-hhcrsp-mankowska-json-small"
        / "solutions"
        / "sol-InstanzCPLEX_HCSRP_10_2-2371472358.json"
    )
    plan = {
        "assignments": [
            {
                "gap_id": gap_id(v.patient, v.service),
                "worker_id": route.caregiver,
                "start": (DAY + dt.timedelta(minutes=v.start)).isoformat(),
                "end": (DAY + dt.timedelta(minutes=v.start + 11)).isoformat(),
            }
            for route in published.routes
            for v in route.visits
        ]
    }
    back = solution_from_plan(inst, plan)
    before, after = evaluate(inst, published), evaluate(inst, back)
    assert after.violations == []
    assert after.objective == pytest.approx(before.objective, abs=1e-6)
