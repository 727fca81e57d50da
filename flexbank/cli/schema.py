"""``flexbank schema``: the JSON Schema of the format, or validation of files."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from flexbank.cli.common import console, read_plan, read_scenario
from flexbank.models import Plan, Scenario


class Kind(StrEnum):
    scenario = "scenario"
    plan = "plan"


def schema(
    kind: Annotated[Kind, typer.Argument(help="scenario or plan")],
    files: Annotated[
        list[Path] | None, typer.Argument(help="files to validate; none prints the schema")
    ] = None,
    scenario: Annotated[
        Path | None, typer.Option(help="with plan files: check their ids against this scenario")
    ] = None,
) -> None:
    """Print the JSON Schema of a scenario or plan, or validate files against it.

    A file with problems is reported with every problem and its JSON path; exit code 2.
    """
    model = Scenario if kind is Kind.scenario else Plan
    if not files:
        typer.echo(json.dumps(model.model_json_schema(mode="validation"), indent=1))
        return
    context = read_scenario(scenario) if scenario is not None and kind is Kind.plan else None
    for path in files:
        if kind is Kind.scenario:
            read_scenario(path)
        else:
            read_plan(path, context)
        console.print(f"[green]{path}[/]: valid {kind.value}")


def register(app: typer.Typer) -> None:
    app.command()(schema)
