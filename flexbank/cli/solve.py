"""``flexbank solve`` and ``flexbank explain``: the daily allocation and its reasons."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import typer
from rich.live import Live
from rich.table import Table

from flexbank.cli.common import console, err_console, read_plan, read_scenario, write_json
from flexbank.models import PRIORITIES, Plan, Scenario

if TYPE_CHECKING:  # the optimiser is imported when a command runs, not at start-up
    from flexbank.distributed import Progress as PartsProgress
    from flexbank.matching.model import Pair
    from flexbank.matching.problem import Problem
    from flexbank.matching.solver import Progress


#: Where a plan's bound comes from, in plain words.
BOUND_SOURCES = {
    "proof": "proved by the solver",
    "relaxation": "linear relaxation",
    "candidates": "eligible workers per gap",
}


def summary_table(plan: Plan) -> Table:
    table = Table(title=f"Plan for {plan.scenario} ({plan.status})")
    table.add_column("priority")
    table.add_column("covered h", justify="right")
    table.add_column("bound h", justify="right")
    table.add_column("below bound", justify="right")
    table.add_column("bound from")
    table.add_column("phone round h", justify="right")
    metrics = plan.metrics
    baseline = (metrics.model_extra or {}).get("baseline_covered_hours", {})
    sources = (metrics.model_extra or {}).get("bound_source", {})
    for p in PRIORITIES:
        bound = getattr(metrics.upper_bound_hours, p) if metrics.upper_bound_hours else None
        covered = getattr(metrics.covered_hours, p)
        gap = "" if bound is None else f"{(bound - covered) / bound:.1%}" if bound else "0.0%"
        table.add_row(
            p,
            f"{covered:.2f}",
            "" if bound is None else f"{bound:.2f}",
            gap,
            BOUND_SOURCES.get(sources.get(p, ""), ""),
            f"{baseline.get(p, 0):.2f}" if baseline else "",
        )
    extra = metrics.model_extra or {}
    table.caption = (
        f"{len(plan.assignments)} assignments, {extra.get('gaps_filled', '?')}/"
        f"{extra.get('gaps', '?')} gaps filled, continuity {metrics.continuity}, "
        f"travel {metrics.travel_minutes} min, {metrics.solve_seconds:.1f} s"
    )
    from flexbank.matching.phone_comparison import behind_phone_round

    covered = {p: getattr(metrics.covered_hours, p) for p in PRIORITIES}
    for line in behind_phone_round(covered, baseline):
        table.caption += f"\n{line}"
    return table


def unfilled_table(plan: Plan, scenario: Scenario, limit: int = 30) -> Table:
    """Unfilled gaps, most urgent first, in plain words: who provides the gap, when, how
    many workers it is short, why eligible workers were not used, then why the others
    were not eligible (the most common reasons)."""
    from flexbank.compliance import CODES

    gaps = {g.id: g for g in scenario.gaps}
    providers = {p.id: p.name for p in scenario.providers}
    zone = _zone(scenario)
    order = sorted(
        plan.unfilled,
        key=lambda u: (PRIORITIES.index(gaps[u.gap_id].priority), gaps[u.gap_id].start, u.gap_id),
    )
    table = Table(title=f"Unfilled gaps ({len(plan.unfilled)}), most urgent first")
    table.add_column("gap")
    table.add_column("priority")
    table.add_column("when")
    table.add_column("workers short", justify="right")
    table.add_column("why eligible workers were not used")
    table.add_column("why others were not eligible (most common)")
    for item in order[:limit]:
        gap = gaps[item.gap_id]
        plan_side = [r.message for r in item.reasons if r.code not in CODES]
        compliance_side = [r.message for r in item.reasons if r.code in CODES]
        start, end = gap.start.astimezone(zone), gap.end.astimezone(zone)
        table.add_row(
            f"{providers.get(gap.provider_id, gap.provider_id)}: {gap.kind.replace('_', ' ')}",
            gap.priority,
            f"{start:%a %d %H:%M}-{end:%H:%M}",
            str(item.missing),
            "; ".join(plan_side) or "no worker is eligible",
            "; ".join(compliance_side[:3]),
        )
    if len(order) > limit:
        table.caption = f"... and {len(order) - limit} more (see the plan file)"
    return table


def _zone(scenario: Scenario) -> ZoneInfo:
    return ZoneInfo(scenario.timezone)


class _LiveProgress:
    """Shows the running objective and bound of each stage."""

    def __init__(self, live: Live) -> None:
        self.live = live
        self.rows: dict[str, Progress] = {}

    def __call__(self, event: Progress) -> None:
        self.rows[f"{event.phase}/{event.stage}"] = event
        table = Table(title="Solving (objective and bound per stage)")
        for column in ("phase", "stage", "objective", "bound", "gap", "s"):
            table.add_column(column)
        for event in list(self.rows.values())[-12:]:
            gap = abs(event.bound - event.objective) / max(abs(event.bound), 1)
            table.add_row(
                event.phase,
                event.stage,
                f"{event.objective:.0f}",
                f"{event.bound:.0f}",
                f"{gap:.1%}",
                f"{event.elapsed:.1f}",
            )
        self.live.update(table)


class _PartsProgress:
    """Shows a distributed solve: sub-problems done, the plan so far and the bound."""

    def __init__(self, live: Live) -> None:
        self.live = live

    def __call__(self, event: PartsProgress) -> None:
        table = Table(title=f"Solving part by part: {event.phase}")
        for column in ("subproblems done", "priority", "covered h", "bound h", "s"):
            table.add_column(column)
        for k, p in enumerate(PRIORITIES):
            bound = event.bound.get(p)
            table.add_row(
                f"{event.done}/{event.total}" if k == 0 else "",
                p,
                f"{event.covered.get(p, 0.0):.1f}",
                "" if bound is None else f"{bound:.1f}",
                f"{event.elapsed:.1f}" if k == 0 else "",
            )
        self.live.update(table)


def solve(
    scenario_file: Annotated[Path, typer.Argument(help="scenario JSON", metavar="SCENARIO")],
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="plan JSON to write")
    ] = None,
    time_limit: Annotated[float, typer.Option(help="seconds for the optimiser")] = 30.0,
    workers: Annotated[int, typer.Option(help="solver threads (1 = deterministic)")] = 2,
    seed: Annotated[int, typer.Option(help="random seed")] = 0,
    quiet: Annotated[bool, typer.Option(help="no live progress")] = False,
    ray: Annotated[
        str | None,
        typer.Option(
            "--ray",
            help="solve region by region on Ray: 'auto' joins the Ray running here or "
            "starts one, 'local' always starts one, an address joins a cluster "
            "(needs flexbank[ray])",
            metavar="auto|ADDRESS",
        ),
    ] = None,
    region_gaps: Annotated[
        int, typer.Option(min=1, help="with --ray: gaps per region at most")
    ] = 4000,
) -> None:
    """Plan the scenario: fill the most emergency, urgent, then routine hours legally."""
    scenario = read_scenario(scenario_file)
    plan = run_and_show(
        scenario,
        time_limit=time_limit,
        workers=workers,
        seed=seed,
        quiet=quiet,
        ray=ray,
        region_gaps=region_gaps,
    )
    if output is not None:
        write_json(plan.model_dump(mode="json"), output)
        console.print(f"plan written to [bold]{output}[/]")


def run_and_show(
    scenario: Scenario,
    *,
    time_limit: float,
    workers: int,
    seed: int,
    quiet: bool,
    ray: str | None = None,
    region_gaps: int = 4000,
) -> Plan:
    from flexbank.matching.plan import solve as solve_scenario

    if ray is not None:
        plan = _solve_on_ray(scenario, ray, time_limit, workers, seed, quiet, region_gaps)
    elif quiet or not console.is_terminal:
        plan = solve_scenario(scenario, time_limit=time_limit, workers=workers, seed=seed)
    else:
        with Live(console=err_console, refresh_per_second=4, transient=True) as live:
            plan = solve_scenario(
                scenario,
                time_limit=time_limit,
                workers=workers,
                seed=seed,
                progress=_LiveProgress(live),
            )
    console.print(summary_table(plan))
    parts = (plan.metrics.model_extra or {}).get("subproblems")
    if parts:
        console.print(
            f"{len(parts)} subproblems; the longest took {max(p['seconds'] for p in parts):.1f} s, "
            f"all together {sum(p['seconds'] for p in parts):.1f} s"
        )
    if plan.unfilled:
        console.print(unfilled_table(plan, scenario))
    if plan.released:
        console.print(
            "Released pins: "
            + ", ".join(f"{r.gap_id}/{r.worker_id} ({', '.join(r.codes)})" for r in plan.released)
        )
    return plan


def _solve_on_ray(
    scenario: Scenario,
    address: str,
    time_limit: float,
    workers: int,
    seed: int,
    quiet: bool,
    region_gaps: int,
) -> Plan:
    from flexbank.distributed import RayExecutor, solve

    try:
        executor = RayExecutor(address)
    except (RuntimeError, ConnectionError) as error:
        err_console.print(f"[bold red]solve[/]: {error}", highlight=False)
        raise typer.Exit(2) from error
    run = partial(
        solve,
        scenario,
        executor=executor,
        time_limit=time_limit,
        workers=workers,
        seed=seed,
        max_region_gaps=region_gaps,
    )
    try:
        if quiet or not console.is_terminal:
            return run()
        with Live(console=err_console, refresh_per_second=4, transient=True) as live:
            return run(progress=_PartsProgress(live))
    finally:
        executor.close()


def assignment_of(problem: Problem, plan: Plan) -> dict[Pair, int]:
    out: dict[Pair, int] = {}
    for a in plan.assignments:
        worker = problem.worker_by_id[a.worker_id].index
        gap = problem.gap_by_id[a.gap_id].index
        out[(worker, gap)] = problem.minute(a.start)
    return out


def explain(
    scenario_file: Annotated[Path, typer.Argument(help="scenario JSON", metavar="SCENARIO")],
    plan_file: Annotated[Path, typer.Argument(help="plan JSON", metavar="PLAN")],
    gap: Annotated[str, typer.Option(help="the gap to explain")],
    worker: Annotated[str | None, typer.Option(help="only this worker")] = None,
) -> None:
    """Why each worker is or is not on a gap, by the first rule that kept them off it."""
    from flexbank.matching.explain import Explainer
    from flexbank.matching.problem import Problem

    scenario = read_scenario(scenario_file)
    plan = read_plan(plan_file, scenario)
    problem = Problem(scenario)
    if gap not in problem.gap_by_id:
        err_console.print(f"[red]no gap {gap!r} in the scenario[/]")
        raise typer.Exit(2)
    if worker is not None and worker not in problem.worker_by_id:
        err_console.print(f"[red]no worker {worker!r} in the scenario[/]")
        raise typer.Exit(2)
    g = problem.gap_by_id[gap]
    explainer = Explainer(problem, assignment_of(problem, plan))
    chosen = [a for a in plan.assignments if a.gap_id == gap]
    console.print(
        f"[bold]{gap}[/] {g.priority} {g.kind} at {scenario.gaps[g.index].start.isoformat()}, "
        f"needs {g.headcount}; {len(chosen)} assigned, "
        f"{len(problem.by_gap.get(g.index, []))} passed every compliance check."
    )
    table = Table()
    table.add_column("worker")
    table.add_column("outcome")
    table.add_column("why")
    for a in chosen:
        if worker is not None and a.worker_id != worker:
            continue
        w = problem.worker_by_id[a.worker_id]
        candidate = problem.candidate_of.get((w.index, g.index))
        why = []
        if candidate is not None:
            why.append(
                ["no continuity", "knows the provider", "knows the client"][candidate.continuity]
            )
            why.append(f"{candidate.home_minutes} min from home by {w.mode.replace('_', ' ')}")
        table.add_row(a.worker_id, "[green]assigned[/]", "; ".join(why))
    # eligible workers kept off by the plan first: they are the ones a coordinator
    # could move; then those who may not work the gap at all
    from flexbank.compliance import CODES

    reasons = sorted(
        explainer.worker_reasons(g.index), key=lambda r: (r.code in CODES, r.worker_id)
    )
    for reason in reasons:
        if worker is not None and reason.worker_id != worker:
            continue
        table.add_row(reason.worker_id, reason.code, reason.message)
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command()(solve)
    app.command()(explain)
