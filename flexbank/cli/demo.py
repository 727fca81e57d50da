"""``flexbank demo``: the daily allocation on the built-in Bury sample."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from flexbank.cli.common import console, write_json

DEMO_WORKERS = 60
DEMO_GAPS = 400
DEMO_SEED = 2026


def demo(
    workers: Annotated[int, typer.Option(help="workers in the sample")] = DEMO_WORKERS,
    gaps: Annotated[int, typer.Option(help="gaps in the sample week")] = DEMO_GAPS,
    seed: Annotated[int, typer.Option(help="sample seed")] = DEMO_SEED,
    time_limit: Annotated[float, typer.Option(help="seconds for the optimiser")] = 30.0,
    out: Annotated[Path, typer.Option(help="folder for the scenario and plan files")] = Path("out"),
) -> None:
    """Generate the Bury sample week, show the compliance register, plan the week."""
    from flexbank.cli.compliance import worker_table
    from flexbank.cli.solve import run_and_show
    from flexbank.compliance.register import build_register
    from flexbank.sample import ATTRIBUTION, generate

    scenario = generate(workers, gaps, seed)
    out.mkdir(parents=True, exist_ok=True)
    write_json(scenario.model_dump(mode="json"), out / "demo.scenario.json")
    console.print(
        f"[bold]Bury sample[/]: {len(scenario.workers)} workers, {len(scenario.gaps)} gaps, "
        f"{len(scenario.providers)} providers, week of {scenario.horizon.start.date()} "
        f"(written to {out / 'demo.scenario.json'})"
    )
    register = build_register(scenario)
    console.print(worker_table(register, action_only=True))
    ready = sum(1 for entry in register.entries if entry.status == "ready")
    console.print(f"{ready} more workers are ready (flexbank compliance lists everyone)")
    plan = run_and_show(scenario, time_limit=time_limit, workers=2, seed=0, quiet=False)
    write_json(plan.model_dump(mode="json"), out / "demo.plan.json")
    console.print(
        f"plan written to {out / 'demo.plan.json'}; check it with "
        f"[bold]flexbank check {out / 'demo.scenario.json'} {out / 'demo.plan.json'}[/]"
    )
    console.print(f"[dim]{ATTRIBUTION}[/]")


def register(app: typer.Typer) -> None:
    app.command()(demo)
