"""``flexbank sample --boroughs`` and ``flexbank solve --ray``."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from flexbank.checker import check_plan
from flexbank.cli import app
from flexbank.validation import load_plan, load_scenario

runner = CliRunner()


def test_sample_boroughs_writes_a_region_week(tmp_path: Path) -> None:
    out = tmp_path / "region.json"
    result = runner.invoke(
        app, ["sample", "--boroughs", "3", "--workers", "45", "--gaps", "150", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    week = load_scenario(out)
    assert "geography beyond Bury is synthetic" in week.name
    assert len(week.workers) == 45 and len(week.gaps) == 150
    assert {g.id[:3] for g in week.gaps} == {"B01", "B02", "B03"}


@pytest.mark.slow
def test_solve_on_a_local_ray_writes_a_plan_that_check_accepts(tmp_path: Path) -> None:
    pytest.importorskip("ray")
    week = tmp_path / "region.json"
    plan_file = tmp_path / "plan.json"
    runner.invoke(
        app, ["sample", "--boroughs", "2", "--workers", "40", "--gaps", "200", "-o", str(week)]
    )
    result = runner.invoke(
        app,
        [
            "solve",
            str(week),
            "--ray",
            "local",
            "--workers",
            "1",
            "--time-limit",
            "3",
            "--region-gaps",
            "70",
            "--quiet",
            "-o",
            str(plan_file),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "subproblems; the longest took" in result.output
    scenario = load_scenario(week)
    plan = load_plan(plan_file, scenario)
    assert check_plan(scenario, plan) == []
    assert (plan.metrics.model_extra or {})["mode"] == "distributed"


def test_flexbank_and_the_in_process_solve_never_import_ray() -> None:
    import subprocess
    import sys

    code = (
        "import sys, flexbank, flexbank.distributed, flexbank.cli;"
        "from flexbank.distributed import InProcess;"
        "assert 'ray' not in sys.modules, 'ray imported'"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
