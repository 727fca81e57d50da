"""``flexbank compliance``: the compliance register of a scenario (rules.md section 1)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from flexbank.cli.common import console, read_scenario, write_json
from flexbank.compliance import Compliance, build_register
from flexbank.compliance.register import DEFAULT_DAYS, Register

_STYLES = {"not_ready": "bold red", "lapsing": "yellow", "ready": "green"}
_LABELS = {"not_ready": "not ready", "lapsing": "lapsing", "ready": "ready"}


def worker_table(register: Register, *, action_only: bool = False) -> Table:
    table = Table(
        title=(
            f"Compliance register: {register.scenario} (as of {register.as_of_date}, "
            f"for work on {register.judged_on}; lapsing within {register.days} days)"
        ),
        show_lines=True,
    )
    table.add_column("worker")
    table.add_column("name")
    table.add_column("status")
    table.add_column("reasons / lapses")
    table.add_column("next review")
    for entry in register.entries:
        if action_only and entry.status == "ready":
            continue
        if entry.status == "not_ready":
            details = "\n".join(f"[b]{f.code}[/]: {f.message}" for f in entry.verdict.failures)
        elif entry.status == "lapsing":
            details = "\n".join(
                f"[b]{lapse.code}[/] lapses {lapse.on}: {lapse.message}" for lapse in entry.lapsing
            )
        else:
            details = ""
        review = entry.verdict.next_review
        style = _STYLES[entry.status]
        table.add_row(
            entry.worker_id,
            entry.name,
            f"[{style}]{_LABELS[entry.status]}[/]",
            details,
            str(review) if review is not None else "-",
        )
    return table


def pairs_table(register: Register) -> Table:
    table = Table(title="Who may work each gap (rules.md section 1)")
    table.add_column("gap")
    table.add_column("allowed workers")
    table.add_column("ruled out (first reason)")
    by_gap: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for pair in register.pairs or ():
        by_gap.setdefault(pair.gap_id, []).append((pair.worker_id, pair.codes))
    for gap_id, rows in by_gap.items():
        allowed = [worker for worker, codes in rows if not codes]
        out = [f"{worker}: {codes[0]}" for worker, codes in rows if codes]
        table.add_row(gap_id, ", ".join(allowed) or "[red]none[/]", ", ".join(out))
    return table


def compliance(
    scenario: Annotated[Path, typer.Argument(help="scenario file (flexbank.scenario/1 or /2)")],
    json_output: Annotated[bool, typer.Option("--json", help="print the register as JSON")] = False,
    days: Annotated[
        int, typer.Option(min=0, help="a check lapsing within this many days of as_of is flagged")
    ] = DEFAULT_DAYS,
    pairs: Annotated[
        bool, typer.Option("--pairs", help="also judge every worker against every gap")
    ] = False,
) -> None:
    """List every worker as ready, not ready (with every reason) or lapsing soon.

    Readiness is judged at the scenario's as_of for work on the horizon's first day;
    action items come first. Exit code 2 when the scenario is not valid.
    """
    loaded = read_scenario(scenario)
    register = build_register(loaded, days=days, pairs=pairs, compliance=Compliance(loaded))
    if json_output:
        write_json(register.to_json(), None)
        return
    console.print(worker_table(register))
    counts = register.counts()
    console.print(
        f"{counts['not_ready']} not ready, {counts['lapsing']} lapsing, {counts['ready']} ready",
        highlight=False,
    )
    if pairs:
        console.print(pairs_table(register))


def register(app: typer.Typer) -> None:
    app.command()(compliance)
