"""``flexbank check``: is a plan valid for a scenario, and how good is it?"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from flexbank.checker import CheckReport, check
from flexbank.cli.common import console, read_plan, read_scenario
from flexbank.models import PRIORITIES, Plan

EXIT_VALID = 0
EXIT_VIOLATIONS = 1


def check_command(
    scenario: Annotated[Path, typer.Argument(help="the scenario file (flexbank.scenario/1 or /2)")],
    plan: Annotated[Path, typer.Argument(help="the plan file (flexbank.plan/1 or /2)")],
    as_json: Annotated[
        bool, typer.Option("--json", help="print the report as JSON instead of tables")
    ] = False,
) -> None:
    """Check a plan against every hard rule of rules.md and print its quality figures.

    Exit codes: 0 valid, 1 breaks a rule, 2 unreadable or invalid input.
    """
    the_scenario = read_scenario(scenario)
    the_plan = read_plan(plan, the_scenario)
    report = check(the_scenario, the_plan)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=1, ensure_ascii=False))
    else:
        _print_report(report, the_plan)
    raise typer.Exit(EXIT_VALID if report.valid else EXIT_VIOLATIONS)


def _print_report(report: CheckReport, plan: Plan) -> None:
    if report.violations:
        table = Table(title=f"{len(report.violations)} violation(s)", title_justify="left")
        for column in ("rule", "name", "worker", "gap", "message"):
            table.add_column(column, overflow="fold")
        for v in report.violations:
            table.add_row(str(v.rule), v.name, v.worker_id or "", v.gap_id or "", v.message)
        console.print(table)
    else:
        console.print("[bold green]valid[/]: the plan breaks no hard rule")

    q = report.quality
    claimed = plan.metrics
    figures = Table(title="quality (rules.md section 3)", title_justify="left")
    figures.add_column("figure")
    figures.add_column("checked", justify="right")
    figures.add_column("plan's metrics", justify="right")
    for priority in PRIORITIES:
        figures.add_row(
            f"covered hours, {priority}",
            f"{q.covered_hours[priority]:g}",
            f"{getattr(claimed.covered_hours, priority):g}",
        )
    figures.add_row("continuity", str(q.continuity), str(claimed.continuity))
    figures.add_row("travel minutes", str(q.travel_minutes), str(claimed.travel_minutes))
    figures.add_row("fairness (sum of squared shortfall, h²)", f"{q.fairness:g}", "")
    console.print(figures)


def register(app: typer.Typer) -> None:
    app.command("check")(check_command)
