"""Reading scenario and plan files: strict, every problem at once, with its JSON path."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from flexbank.cli import app
from flexbank.models import Plan, Scenario
from flexbank.validation import FormatError, load_plan, load_scenario

DATA = Path(__file__).parent / "data"
SCENARIO = DATA / "bury-small.scenario.json"
PLAN = DATA / "bury-small.plan.json"
runner = CliRunner()


def raw() -> dict[str, Any]:
    return json.loads(SCENARIO.read_text())


def problems_of(data: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(FormatError) as caught:
        load_scenario(data)
    return {p.path: p.message for p in caught.value.problems}


def test_both_examples_load_and_round_trip_unchanged_in_meaning() -> None:
    scenario = load_scenario(SCENARIO)
    again = load_scenario(json.loads(scenario.model_dump_json()))
    assert again == scenario
    assert json.loads(scenario.model_dump_json())["as_of"] == raw()["as_of"]
    plan = load_plan(PLAN, scenario)
    assert load_plan(plan.model_dump_json(), scenario) == plan


def _set(path: list[Any], value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return edit


def _remove_expiry(data: dict[str, Any]) -> None:
    data["workers"][0]["right_to_work"].pop("permission_expires")


def _group1_without_expiry(data: dict[str, Any]) -> None:
    data["workers"][2]["right_to_work"] = {"check": "list_b_group1", "checked_on": "2026-01-01"}


BAD_INPUTS: list[tuple[str, Callable[[dict[str, Any]], None], str, str]] = [
    ("unknown field", _set(["workers", 0, "gendr"], "f"), "$.workers[0].gendr", "unknown field"),
    (
        "naive datetime",
        _set(["gaps", 0, "start"], "2026-12-03T08:45:00"),
        "$.gaps[0].start",
        "explicit UTC offset",
    ),
    (
        "latitude out of range",
        _set(["workers", 1, "home", "lat"], 91),
        "$.workers[1].home.lat",
        "90",
    ),
    (
        "longitude out of range",
        _set(["providers", 0, "location", "lon"], -181),
        "$.providers[0].location.lon",
        "-180",
    ),
    (
        "end not after start",
        _set(["gaps", 2, "end"], "2026-12-02T20:00:00+00:00"),
        "$.gaps[2]",
        "end must be after start",
    ),
    ("duplicate id", _set(["workers", 3, "id"], "W0000"), "$.workers[3].id", "duplicate id"),
    (
        "gap to unknown provider",
        _set(["gaps", 4, "provider_id"], "CH99"),
        "$.gaps[4].provider_id",
        "no provider with id 'CH99'",
    ),
    (
        "gap to unknown client",
        _set(["gaps", 0, "client_id"], "C9999"),
        "$.gaps[0].client_id",
        "no client",
    ),
    (
        "pin to unknown gap",
        _set(["pinned"], [{"gap_id": "G99", "worker_id": "W0000"}]),
        "$.pinned[0].gap_id",
        "no gap",
    ),
    (
        "pin to unknown worker",
        _set(["pinned"], [{"gap_id": "G00002", "worker_id": "W99"}]),
        "$.pinned[0].worker_id",
        "no worker",
    ),
    (
        "gap outside the horizon",
        _set(["gaps", 5, "start"], "2026-12-07T00:00:00+00:00"),
        "$.gaps[5].start",
        "outside the horizon",
    ),
    ("headcount below one", _set(["gaps", 6, "headcount"], 0), "$.gaps[6].headcount", "1"),
    (
        "weekly hour limit without expiry",
        _remove_expiry,
        "$.workers[0].right_to_work",
        "weekly_hour_limit needs permission_expires",
    ),
    (
        "list B group 1 without expiry",
        _group1_without_expiry,
        "$.workers[2].right_to_work",
        "list_b_group1 check needs permission_expires",
    ),
    ("wrong type", _set(["gaps", 7, "headcount"], "2"), "$.gaps[7].headcount", "integer"),
    (
        "unknown enum value",
        _set(["workers", 4, "travel_mode"], "bus"),
        "$.workers[4].travel_mode",
        "'walk'",
    ),
    (
        "unknown policy name",
        _set(["policy"], {"dbs_max_age_dayz": 1000}),
        "$.policy.dbs_max_age_dayz",
        "unknown field",
    ),
    ("unknown timezone", _set(["timezone"], "Europe/Bury"), "$.timezone", "unknown IANA timezone"),
    (
        "pinned start outside tolerance",
        _set(
            ["pinned"],
            [{"gap_id": "G00002", "worker_id": "W0000", "start": "2026-12-02T21:00:00+00:00"}],
        ),
        "$.pinned[0].start",
        "outside the gap's allowed starts",
    ),
]


@pytest.mark.parametrize(
    ("what", "edit", "path", "words"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS]
)
def test_bad_input_names_the_field_and_the_problem(
    what: str, edit: Callable[[dict[str, Any]], None], path: str, words: str
) -> None:
    data = raw()
    edit(data)
    problems = problems_of(data)
    assert path in problems, (what, problems)
    assert words in problems[path]


def test_every_problem_is_reported_at_once() -> None:
    # every edit that touches a different place (the pin edits replace one another)
    combined = [b for b in BAD_INPUTS if not b[2].startswith("$.pinned")]
    data = raw()
    for _, edit, _, _ in combined:
        edit(data)
    problems = problems_of(copy.deepcopy(data))
    for _, _, path, _ in combined:
        assert path in problems


def test_overlapping_pins_of_one_worker_are_invalid() -> None:
    data = raw()
    # G00004 (14:00-20:00) and G00008 (13:00-13:30) do not overlap; G00004 and
    # G00017 (13:00-14:00, 15 min tolerance) overlap when the pin starts at 13:15.
    data["pinned"] = [
        {"gap_id": "G00004", "worker_id": "W0004"},
        {"gap_id": "G00017", "worker_id": "W0004", "start": "2026-12-01T13:15:00+00:00"},
    ]
    problems = problems_of(data)
    assert any(
        path.startswith("$.pinned[") and "overlapping gaps" in message
        for path, message in problems.items()
    )


def test_unknown_history_providers_are_accepted() -> None:
    # the shared example's histories name providers outside the scenario
    scenario = load_scenario(SCENARIO)
    providers = {p.id for p in scenario.providers}
    assert any(h.provider_id not in providers for w in scenario.workers for h in w.history)


def test_not_json_is_one_clear_problem() -> None:
    with pytest.raises(FormatError) as caught:
        load_scenario("{not json")
    assert caught.value.problems[0].path == "$"
    assert "not valid JSON" in caught.value.problems[0].message


def test_plan_with_dangling_ids_is_rejected() -> None:
    scenario = load_scenario(SCENARIO)
    data = json.loads(PLAN.read_text())
    data["assignments"][0]["worker_id"] = "W404"
    with pytest.raises(FormatError) as caught:
        load_plan(data, scenario)
    assert caught.value.problems[0].path == "$.assignments[0].worker_id"


def test_schema_command_prints_schemas_and_validates_files(tmp_path: Path) -> None:
    for kind, model in (("scenario", Scenario), ("plan", Plan)):
        result = runner.invoke(app, ["schema", kind])
        assert result.exit_code == 0
        assert json.loads(result.output)["title"] == model.__name__
    ok = runner.invoke(app, ["schema", "scenario", str(SCENARIO)])
    assert ok.exit_code == 0 and "valid scenario" in ok.output
    ok = runner.invoke(app, ["schema", "plan", str(PLAN), "--scenario", str(SCENARIO)])
    assert ok.exit_code == 0
    data = raw()
    data["gaps"][0]["headcont"] = 2
    data["workers"][0]["home"]["lat"] = 100
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    result = runner.invoke(app, ["schema", "scenario", str(bad)])
    assert result.exit_code == 2
    assert "$.gaps[0].headcont" in result.output and "$.workers[0].home.lat" in result.output
