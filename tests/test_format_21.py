"""Format /2.1: travel matrices, places, dependencies and allowed lateness, as read from a
file (docs/spec/problem-format.md, "Version 2.1"), and what a matrix changes."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from flexbank.checker import check_plan
from flexbank.matching.problem import Problem
from flexbank.models import Plan
from flexbank.validation import FormatError, load_plan, load_scenario

DATA = Path(__file__).parent / "data"
V2 = DATA / "bury-small-v2.scenario.json"


def v2() -> dict[str, Any]:
    return json.loads(V2.read_text())


def v21(**top: Any) -> dict[str, Any]:
    data = v2()
    data["format"] = "flexbank.scenario/2.1"
    data.update(top)
    return data


def problems_of(data: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(FormatError) as caught:
        load_scenario(data)
    return {p.path: p.message for p in caught.value.problems}


def matrix(data: dict[str, Any], mode: str = "drive") -> dict[str, Any]:
    """A matrix over every worker's home and every client, with made-up road minutes."""
    places: list[dict[str, Any]] = []
    for w in data["workers"]:
        places.append({"id": f"home-{w['id']}", "lat": w["home"]["lat"], "lon": w["home"]["lon"]})
    for c in data["clients"]:
        places.append({"id": f"client-{c['id']}", **{k: c["location"][k] for k in ("lat", "lon")}})
    n = len(places)
    minutes = [[0 if i == j else 7.25 + (i * 3 + j) % 11 for j in range(n)] for i in range(n)]
    return {"source": "test roads", "modes": [mode], "places": places, "minutes": minutes}


# ------------------------------------------------------------------ versions


def test_a_version_2_file_is_unchanged_and_gains_no_field() -> None:
    scenario = load_scenario(V2)
    dumped = json.loads(scenario.model_dump_json())
    assert "travel_matrices" not in dumped
    assert all("after" not in g and "late_minutes_allowed" not in g for g in dumped["gaps"])
    assert all("place" not in w["home"] for w in dumped["workers"])
    assert load_scenario(dumped) == scenario
    assert scenario.plan_format == "flexbank.plan/2" and scenario.minor == 0


def test_version_2_1_fields_are_unknown_in_a_version_2_file() -> None:
    data = v2()
    data["gaps"][0]["late_minutes_allowed"] = 30
    data["workers"][0]["home"]["place"] = "home-x"
    data["travel_matrices"] = []
    message = problems_of(data)["$"]
    for path in ("gaps[0].late_minutes_allowed", "workers[0].home.place", "travel_matrices"):
        assert f"{path}: unknown field in flexbank.scenario/2" in message


def test_a_version_2_1_file_round_trips_with_its_matrix_and_dependencies() -> None:
    data = v21()
    data["travel_matrices"] = [matrix(data)]
    first, later = sorted(data["gaps"][:2], key=lambda g: g["start"])
    later["after"] = [{"gap_id": first["id"], "min_minutes": 0}]
    scenario = load_scenario(data)
    assert scenario.version == 2 and scenario.minor == 1
    assert scenario.plan_format == "flexbank.plan/2.1"
    assert load_scenario(json.loads(scenario.model_dump_json())) == scenario


# ------------------------------------------------------------------ validation


def test_matrix_problems_name_the_field() -> None:
    data = v21()
    bad = matrix(data)
    bad["minutes"][0][0] = 3
    bad["minutes"][1] = bad["minutes"][1][:-1]
    bad["places"][2]["id"] = bad["places"][1]["id"]
    second = copy.deepcopy(matrix(data))
    data["travel_matrices"] = [bad, second]
    data["workers"][0]["home"]["place"] = "nowhere"
    found = problems_of(data)
    assert "must be 0 or null" in found["$.travel_matrices[0].minutes[0][0]"]
    assert "entries for" in found["$.travel_matrices[0].minutes[1]"]
    assert "duplicate place id" in found["$.travel_matrices[0].places[2].id"]
    assert found["$.travel_matrices[1].modes"] == "drive is already covered by travel_matrices[0]"
    assert "no travel matrix has a place 'nowhere'" in found["$.workers[0].home.place"]


def test_negative_minutes_are_rejected() -> None:
    data = v21()
    m = matrix(data)
    m["minutes"][0][1] = -2
    data["travel_matrices"] = [m]
    assert "greater than or equal to 0" in problems_of(data)["$.travel_matrices[0].minutes[0][1]"]


def test_a_location_far_from_its_place_is_a_stale_export() -> None:
    data = v21()
    m = matrix(data)
    data["travel_matrices"] = [m]
    far = next(
        p
        for p in m["places"]
        if (p["lat"], p["lon"])
        != (data["workers"][0]["home"]["lat"], data["workers"][0]["home"]["lon"])
    )
    data["workers"][0]["home"]["place"] = far["id"]
    assert "m from place" in problems_of(data)["$.workers[0].home.place"]


def test_pins_that_break_a_dependency_together_are_refused() -> None:
    # the morning visit must start at least 770 minutes after the night shift: its
    # allowed starts can (765 to 780), but not the start it is pinned at
    data = v21()
    data["gaps"][0]["after"] = [{"gap_id": "G00002", "min_minutes": 770}]
    data["pinned"] = [
        {"gap_id": "G00000", "worker_id": "W0000", "start": "2026-12-03T08:45:00+00:00"},
        {"gap_id": "G00002", "worker_id": "W0001", "start": "2026-12-02T20:00:00+00:00"},
    ]
    found = problems_of(data)
    assert found == {
        "$.pinned[0]": "with the pin on gap G00002 (pinned[1]), gap G00000 starts 765 "
        "minutes after it; the dependency asks at least 770"
    }
    # pinned later, or without a start, the visit can meet it
    data["pinned"][0]["start"] = "2026-12-03T08:55:00+00:00"
    assert load_scenario(copy.deepcopy(data)).pinned
    del data["pinned"][0]["start"]
    assert load_scenario(copy.deepcopy(data)).pinned
    # one worker pinned to both where the dependency asks for another worker
    data["gaps"][0]["after"] = [{"gap_id": "G00002", "min_minutes": 0, "other_worker": True}]
    data["pinned"][1]["worker_id"] = "W0000"
    assert problems_of(data) == {
        "$.pinned[0].worker_id": "W0000 is pinned to gaps G00000 and G00002 (pinned[1]), "
        "which need different workers"
    }


def test_dependency_problems_name_the_field() -> None:
    data = v21()
    g0, g1, g2 = (g["id"] for g in data["gaps"][:3])
    data["gaps"][0]["after"] = [{"gap_id": g0, "min_minutes": 0}]
    data["gaps"][1]["after"] = [{"gap_id": "G-none", "min_minutes": 0}]
    data["gaps"][3]["after"] = [{"gap_id": g2, "min_minutes": 60 * 24 * 30}]
    found = problems_of(data)
    assert found["$.gaps[0].after[0].gap_id"] == "a gap cannot depend on itself"
    assert found["$.gaps[1].after[0].gap_id"] == "no gap 'G-none'"
    assert "no allowed starts meet it" in found["$.gaps[3].after[0]"]
    data["gaps"][1]["after"] = [{"gap_id": g1, "min_minutes": 10, "max_minutes": 5}]
    assert "below min_minutes" in problems_of(data)["$.gaps[1].after[0]"]


def test_a_cycle_of_dependencies_is_rejected() -> None:
    data = v21()
    a, b = data["gaps"][0], data["gaps"][1]
    a["after"] = [{"gap_id": b["id"], "min_minutes": 0}]
    b["after"] = [{"gap_id": a["id"], "min_minutes": 0}]
    found = problems_of(data)
    assert "is a cycle of dependencies" in found["$.gaps"]


# ------------------------------------------------------------------ travel


def test_the_solver_reads_matrix_entries_rounded_up_and_one_way() -> None:
    data = v21()
    data["travel_matrices"] = [matrix(data)]
    with_roads = Problem(load_scenario(data))
    estimate = Problem(load_scenario(v2()))
    entries = data["travel_matrices"][0]["minutes"]
    home = with_roads.workers[0].home
    client = data["clients"][0]["location"]
    there = with_roads._location_ids[(client["lat"], client["lon"])]
    n = len(data["workers"])
    assert with_roads.travel("drive", home, there) == int(entries[0][n] + 0.75)  # 7.25 + k
    assert with_roads.travel("drive", there, home) == int(entries[n][0] + 0.75)
    assert estimate.travel("drive", home, there) != with_roads.travel("drive", home, there)
    # a mode the matrix does not cover keeps the estimate
    assert with_roads.travel("walk", home, there) == estimate.travel("walk", home, there)


def _one_visit_plan(data: dict[str, Any], gap_start: str, arrive_gap: float) -> Plan:
    """Worker W on a commitment at home ending ``arrive_gap`` minutes before the visit."""
    scenario = load_scenario(data)
    gap = scenario.gaps[0]
    start = dt.datetime.fromisoformat(gap_start)
    return load_plan(
        {
            "format": scenario.plan_format,
            "scenario": scenario.name,
            "status": "feasible",
            "assignments": [
                {
                    "gap_id": gap.id,
                    "worker_id": scenario.workers[0].id,
                    "start": start.isoformat(),
                    "end": (start + (gap.end - gap.start)).isoformat(),
                }
            ],
        },
        scenario,
    )


def test_the_checker_allows_no_slack_on_a_matrix_entry() -> None:
    data = v21()
    m = matrix(data)
    w = data["workers"][0]
    gap = data["gaps"][0]
    w["travel_mode"] = "drive"
    w["max_travel_km"] = 1000.0
    client = next(c for c in data["clients"] if c["id"] == gap["client_id"])
    row = next(i for i, p in enumerate(m["places"]) if p["id"] == f"home-{w['id']}")
    col = next(i for i, p in enumerate(m["places"]) if p["id"] == f"client-{client['id']}")
    m["minutes"][row][col] = 20.5
    data["travel_matrices"] = [m]
    start = dt.datetime.fromisoformat(gap["start"])

    def with_commitment_ending(minutes_before: float) -> list[str]:
        trial = copy.deepcopy(data)
        end = start - dt.timedelta(minutes=minutes_before)
        trial["workers"][0]["commitments"] = [
            {"start": (end - dt.timedelta(hours=1)).isoformat(), "end": end.isoformat(),
             "location": w["home"], "label": "at home"}
        ]  # fmt: skip
        trial["workers"][0]["availability"] = [
            {"start": (start - dt.timedelta(days=1)).isoformat(),
             "end": (start + dt.timedelta(days=1)).isoformat()}
        ]  # fmt: skip
        plan = _one_visit_plan(trial, gap["start"], minutes_before)
        return [str(v) for v in check_plan(load_scenario(trial), plan) if v.rule == 5]

    assert with_commitment_ending(21) == []
    assert with_commitment_ending(20) != []  # 20 < 20.5; an estimate would have 1 min slack


def test_max_travel_minutes_uses_the_road_time() -> None:
    from flexbank.compliance import Compliance

    data = v21()
    m = matrix(data)
    data["travel_matrices"] = [m]
    w = data["workers"][0]
    gap = data["gaps"][0]
    client = next(c for c in data["clients"] if c["id"] == gap["client_id"])
    row = next(i for i, p in enumerate(m["places"]) if p["id"] == f"home-{w['id']}")
    col = next(i for i, p in enumerate(m["places"]) if p["id"] == f"client-{client['id']}")
    m["minutes"][row][col] = 42.0
    w["max_travel_km"] = 1000.0
    w["travel_mode"] = "drive"
    for most, ok in ((45.0, True), (30.0, False)):
        w["max_travel_minutes"] = most
        verdict = Compliance(load_scenario(data)).check_pair(w["id"], gap["id"])
        assert ("distance" not in verdict.codes) is ok
        if not ok:
            message = next(f.message for f in verdict.failures if f.code == "distance")
            assert (
                message
                == "42 minutes by road from home (test roads), more than the 30 the worker set"
            )
