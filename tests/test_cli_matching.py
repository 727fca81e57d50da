"""The command line of the matching core: solve, explain, demo."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console
from typer.testing import CliRunner

from flexbank.checker import check_plan
from flexbank.cli import app
from flexbank.cli.solve import unfilled_table
from flexbank.validation import load_plan, load_scenario

DATA = Path(__file__).parent / "data"
EXAMPLE = DATA / "bury-small.scenario.json"
runner = CliRunner()


def test_solve_writes_a_plan_that_check_accepts(tmp_path: Path) -> None:
    plan_file = tmp_path / "plan.json"
    result = runner.invoke(
        app,
        ["solve", str(EXAMPLE), "-o", str(plan_file), "--time-limit", "3", "--workers", "1"],
    )
    assert result.exit_code == 0, result.output
    assert "Plan for bury-example-small" in result.output
    scenario = load_scenario(EXAMPLE)
    plan = load_plan(plan_file, scenario)
    assert check_plan(scenario, plan) == []
    checked = runner.invoke(app, ["check", str(EXAMPLE), str(plan_file)])
    assert checked.exit_code == 0, checked.output


def test_solve_rejects_a_bad_scenario_with_exit_2(tmp_path: Path) -> None:
    raw = json.loads(EXAMPLE.read_text())
    raw["gaps"][0]["headcont"] = 1
    raw["workers"][0]["home"]["lat"] = 123
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(raw))
    result = runner.invoke(app, ["solve", str(bad), "-o", str(tmp_path / "p.json")])
    assert result.exit_code == 2
    assert "$.gaps[0].headcont" in result.output
    assert "$.workers[0].home.lat" in result.output
    assert not (tmp_path / "p.json").exists()


def test_explain_names_every_worker_with_a_reason(tmp_path: Path) -> None:
    plan_file = tmp_path / "plan.json"
    runner.invoke(
        app, ["solve", str(EXAMPLE), "-o", str(plan_file), "--time-limit", "3", "--workers", "1"]
    )
    plan = json.loads(plan_file.read_text())
    unfilled = plan["unfilled"][0]["gap_id"]
    result = runner.invoke(app, ["explain", str(EXAMPLE), str(plan_file), "--gap", unfilled])
    assert result.exit_code == 0, result.output
    scenario = load_scenario(EXAMPLE)
    for worker in scenario.workers:
        assert worker.id in result.output
    filled = plan["assignments"][0]
    result = runner.invoke(
        app,
        [
            "explain",
            str(EXAMPLE),
            str(plan_file),
            "--gap",
            filled["gap_id"],
            "--worker",
            filled["worker_id"],
        ],
    )
    assert result.exit_code == 0
    assert "assigned" in result.output
    missing = runner.invoke(app, ["explain", str(EXAMPLE), str(plan_file), "--gap", "NOPE"])
    assert missing.exit_code == 2


def test_demo_runs_end_to_end_on_a_small_sample(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["demo", "--workers", "12", "--gaps", "40", "--time-limit", "3", "--out", str(tmp_path)],
    )
    assert result.exit_code == 0, result.output
    assert "Compliance register" in result.output
    assert "Contains OS data" in result.output
    scenario = load_scenario(tmp_path / "demo.scenario.json")
    plan = load_plan(tmp_path / "demo.plan.json", scenario)
    assert check_plan(scenario, plan) == []


def test_the_unfilled_table_speaks_plain_words(tmp_path: Path) -> None:
    """Unfilled gaps are named by their provider, kind and time, with the reasons' plain
    sentences; no gap id or reason code reaches the coordinator."""
    plan_file = tmp_path / "plan.json"
    runner.invoke(
        app, ["solve", str(EXAMPLE), "-o", str(plan_file), "--time-limit", "3", "--workers", "1"]
    )
    scenario = load_scenario(EXAMPLE)
    plan = load_plan(plan_file, scenario)
    assert plan.unfilled
    console = Console(width=400, record=True)
    console.print(unfilled_table(plan, scenario))
    shown = console.export_text()
    providers = {p.id: p.name for p in scenario.providers}
    gaps = {g.id: g for g in scenario.gaps}
    for item in plan.unfilled:
        assert providers[gaps[item.gap_id].provider_id] in shown
        assert item.gap_id not in shown
        for reason in item.reasons[:1]:
            assert reason.message in shown
            assert f"{reason.code} {reason.workers}" not in shown
