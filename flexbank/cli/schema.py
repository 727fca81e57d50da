"""``flexbank schema``: the JSON Schema of the format, or validation of files."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from flexbank.cli.common import (
    EXIT_BAD_INPUT,
    console,
    err_console,
    read_plan,
    read_scenario,
    write_json,
)
from flexbank.models import Plan, Scenario
from flexbank.upgrade import upgrade_scenario


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


def upgrade_format(
    old: Annotated[Path, typer.Argument(help="a flexbank.scenario/1 file")],
    new: Annotated[Path, typer.Argument(help="where to write the flexbank.scenario/2 file")],
) -> None:
    """Write a version 1 scenario as version 2, with the version 1 defaults made explicit.

    Prints what version 2 judges differently, for review. Exit code 2 on bad input.
    """
    scenario = read_scenario(old)
    try:
        upgraded = upgrade_scenario(scenario)
    except ValueError as exc:
        err_console.print(f"[bold red]{old}[/]: {exc}")
        raise typer.Exit(EXIT_BAD_INPUT) from exc
    write_json(upgraded.scenario.model_dump(mode="json"), new)
    console.print(f"[green]{new}[/]: written as {upgraded.scenario.format}")
    for note in upgraded.notes:
        console.print(f"  - {note}", highlight=False)


def register(app: typer.Typer) -> None:
    app.command()(schema)
    app.command("upgrade-format")(upgrade_format)
