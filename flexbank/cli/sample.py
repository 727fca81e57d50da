"""``flexbank sample``: a seeded, realistic scenario of Bury's flex bank."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from flexbank.cli.common import EXIT_BAD_INPUT, err_console, write_json
from flexbank.sample import ATTRIBUTION, DEFAULT_START, generate
from flexbank.sample.region import generate_region

_DEFAULT_START = dt.datetime.combine(DEFAULT_START, dt.time())


def sample(
    workers: Annotated[int, typer.Option(min=0, help="number of workers")] = 60,
    gaps: Annotated[int, typer.Option(min=0, help="number of gaps")] = 400,
    seed: Annotated[int, typer.Option(help="random seed; same arguments, same file")] = 1,
    start: Annotated[
        dt.datetime,
        typer.Option(
            formats=["%Y-%m-%d"],
            show_default=DEFAULT_START.isoformat(),
            help="first day of the horizon (a Monday)",
        ),
    ] = _DEFAULT_START,
    days: Annotated[int, typer.Option(min=1, help="days in the horizon")] = 7,
    boroughs: Annotated[
        int,
        typer.Option(
            min=1,
            help="Bury-like boroughs side by side (synthetic geography beyond Bury); "
            "the workers and gaps are shared among them",
        ),
    ] = 1,
    format_version: Annotated[
        int,
        typer.Option(
            "--format-version", min=1, max=2, help="1: flexbank.scenario/1, 2: /2 (the default)"
        ),
    ] = 2,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="file to write; default standard output")
    ] = None,
) -> None:
    """Write a sample scenario on real Bury places (care homes and postcodes).

    With --boroughs N, a region of N Bury-like boroughs side by side on the map (a
    Greater-Manchester-sized week: --boroughs 10 --workers 5000 --gaps 40000); the
    boroughs beyond the first are Bury's places moved, a synthetic geography.

    Workers, clients and home-care agencies are invented. The places are open data:
    """
    try:
        if boroughs > 1:
            scenario = generate_region(
                boroughs, workers, gaps, seed, start=start.date(), days=days, version=format_version
            )
        else:
            scenario = generate(
                workers, gaps, seed, start=start.date(), days=days, version=format_version
            )
    except ValueError as error:
        err_console.print(f"[bold red]sample[/]: {error}", highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT) from error
    write_json(scenario.model_dump(mode="json"), output)


sample.__doc__ = f"{sample.__doc__}{ATTRIBUTION}\n"


def register(app: typer.Typer) -> None:
    app.command()(sample)
