"""The service's commands: ``db upgrade``, ``db load-sample``, ``token create``,
``serve`` and ``scheduler``. Settings come from ``FLEXBANK_*`` environment variables."""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Literal, cast
from zoneinfo import ZoneInfo

import typer

from flexbank.cli.common import EXIT_BAD_INPUT, err_console
from flexbank.models import Gap, Plan, Scenario
from flexbank.services.contract import Actor, GapIn, Role
from flexbank.settings import Settings

if TYPE_CHECKING:
    from flexbank.services.contract import Bank

db_app = typer.Typer(help="The service's database.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)

DEMO_GAP_FILE = "demo-gap.json"


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _upgrade(settings: Settings) -> str:
    from flexbank.adapters.database import upgrade

    url = settings.resolved_database_url()
    upgrade(url)
    return _safe_url(url)


def _configure_logging() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database to the latest schema."""
    url = _upgrade(Settings())
    typer.echo(f"database is up to date: {url}")


# ----------------------------------------------------------------- load-sample


@dataclass(frozen=True)
class DemoGap:
    provider_id: str
    worker_id: str
    gap: GapIn
    #: the next best worker for the visit, if any (a decline passes to them)
    next_worker_id: str | None = None


def sample_start(now: dt.datetime, zone: ZoneInfo) -> dt.date:
    """The Monday of the week holding tomorrow (local): the week then covers the next day."""
    tomorrow = now.astimezone(zone).date() + dt.timedelta(days=1)
    return tomorrow - dt.timedelta(days=tomorrow.weekday())


def _available(scenario: Scenario, start: dt.datetime, end: dt.datetime) -> int:
    return sum(
        any(p.start <= start and end <= p.end for p in w.availability) for w in scenario.workers
    )


def find_demo_gap(
    scenario: Scenario, now: dt.datetime, settings: Settings, minutes: int = 60
) -> DemoGap | None:
    """An urgent visit for a home-care client that some worker can take, and that worker.

    It starts on the hour between 1 hour and the urgent window from ``now`` (daytime
    first, when most workers are available), inside the scenario's horizon; the worker is
    the best by :func:`flexbank.rank` (the same ranking the service offers by). A visit
    that a second worker can take too is preferred, so that a decline has someone to
    pass to (which visits those are depends on the time of day ``now`` gives).
    """
    from flexbank.matching.rank import rank

    zone = ZoneInfo(settings.timezone)
    first = (now + dt.timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    first += dt.timedelta(hours=1)
    last = now + dt.timedelta(hours=settings.urgent_within_hours) - dt.timedelta(minutes=minutes)
    windows = []
    start = first
    while start <= last:
        end = start + dt.timedelta(minutes=minutes)
        if scenario.horizon.start <= start and end <= scenario.horizon.end:
            local_hour = start.astimezone(zone).hour
            daytime = 7 <= local_hour <= 19
            windows.append((not daytime, -_available(scenario, start, end), start))
        start += dt.timedelta(hours=1)
    windows.sort()
    home_care = {p.id for p in scenario.providers if p.kind == "home_care"}
    clients = [c for c in scenario.clients if c.provider_id in home_care]
    plan = Plan(format="flexbank.plan/1", scenario=scenario.name, status="feasible")
    only_one: DemoGap | None = None
    for _, _, start in windows[:6]:
        end = start + dt.timedelta(minutes=minutes)
        for client in clients[:12]:
            gap = GapIn(
                client_id=client.id,
                kind="visit",
                reason="sickness",
                priority="urgent",
                start=start,
                end=end,
            )
            fields = gap.model_dump(mode="json", exclude={"location"})
            trial = Gap.model_validate_json(
                json.dumps({**fields, "id": "DEMO-GAP", "provider_id": client.provider_id})
            )
            with_gap = scenario.model_copy(update={"gaps": [*scenario.gaps, trial]})
            best = rank(with_gap, plan, trial.id, k=2).best
            if len(best) >= 2:
                return DemoGap(client.provider_id, best[0].worker_id, gap, best[1].worker_id)
            if best and only_one is None:
                only_one = DemoGap(client.provider_id, best[0].worker_id, gap)
    return only_one


@db_app.command("load-sample")
def db_load_sample(
    workers: Annotated[int, typer.Option(min=1, help="number of workers")] = 60,
    gaps: Annotated[int, typer.Option(min=0, help="number of gaps")] = 400,
    seed: Annotated[int, typer.Option(help="random seed")] = 2026,
) -> None:
    """Load the Bury sample (the week holding tomorrow) and print demo tokens.

    The output is shell: ``eval "$(flexbank db load-sample)"`` sets COORDINATOR_TOKEN,
    PROVIDER_TOKEN, WORKER_TOKEN and DEMO_DATE; an urgent visit the provider can post
    is written to ``<data dir>/demo-gap.json``.
    """
    from flexbank.sample import generate
    from flexbank.service import bootstrap

    settings = Settings()
    url = _upgrade(settings)
    zone = ZoneInfo(settings.timezone)
    now = dt.datetime.now(dt.UTC)
    start = sample_start(now, zone)
    scenario = generate(workers, gaps, seed, start=start, version=2)  # contract version 2
    bank = bootstrap(settings)
    summary = bank.import_scenario(Actor.system(), scenario)
    ctx = getattr(bank, "ctx", None)
    if ctx is not None:  # made-up names, addresses and phones for the pages
        from flexbank.services.directory import sample_details

        sample_details(ctx, seed)
    demo = find_demo_gap(scenario, now, settings)
    if demo is None:
        err_console.print("[red]no worker of this sample can take an urgent visit now[/]")
        raise typer.Exit(EXIT_BAD_INPUT)
    provider = next(p for p in scenario.providers if p.id == demo.provider_id)
    tokens = {
        "COORDINATOR_TOKEN": bank.create_token("coordinator", None, "demo coordinator"),
        "PROVIDER_TOKEN": bank.create_token("provider", provider.id, "demo provider"),
        "WORKER_TOKEN": bank.create_token("worker", demo.worker_id, "demo worker"),
    }
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    gap_file = settings.data_dir / DEMO_GAP_FILE
    gap_json = demo.gap.model_dump(mode="json", exclude_defaults=True)
    gap_file.write_text(json.dumps(gap_json, indent=1) + "\n", encoding="utf-8")
    local_start = demo.gap.start.astimezone(zone)
    local_end = demo.gap.end.astimezone(zone)
    lines = [
        f"# Loaded the Bury sample (seed {seed}, week of {start}) into {url}:",
        f"#   {summary.providers} providers, {summary.clients} clients, "
        f"{summary.workers} workers, {summary.gaps} gaps, {summary.bookings} bookings",
        "# Demo tokens (shown once; only their hashes are stored):",
        f"export COORDINATOR_TOKEN={tokens['COORDINATOR_TOKEN']}",
        f"export PROVIDER_TOKEN={tokens['PROVIDER_TOKEN']}  # provider {provider.id}, home care",
        f"export WORKER_TOKEN={tokens['WORKER_TOKEN']}  # worker {demo.worker_id}",
        f"export DEMO_DATE={local_start.date().isoformat()}",
        f"# An urgent visit for {provider.id} to post is in {gap_file}:",
        f"#   client {demo.gap.client_id}, {local_start:%a %d %b %H:%M}-{local_end:%H:%M} "
        f"({settings.timezone}); {demo.worker_id} is the best worker for it.",
    ]
    typer.echo("\n".join(lines))


# ----------------------------------------------------------------------- tokens


@token_app.command("create")
def token_create(
    role: Annotated[str, typer.Option(help="coordinator, provider or worker")],
    subject: Annotated[
        str | None, typer.Option(help="the provider id or worker id (not for a coordinator)")
    ] = None,
    name: Annotated[str, typer.Option(help="a label for whom the token is for")] = "",
) -> None:
    """Create an API token and print it (it is shown once; only its hash is stored)."""
    from flexbank.service import bootstrap

    if role not in ("coordinator", "provider", "worker"):
        err_console.print(f"[red]--role must be coordinator, provider or worker, not {role!r}[/]")
        raise typer.Exit(EXIT_BAD_INPUT)
    if (role == "coordinator") != (subject is None):
        err_console.print("[red]--subject is needed for a provider or worker, not otherwise[/]")
        raise typer.Exit(EXIT_BAD_INPUT)
    bank = bootstrap(Settings())
    if subject is not None:
        _check_subject(bank, cast(Role, role), subject)
    typer.echo(bank.create_token(cast(Role, role), subject, name))


def _check_subject(
    bank: Bank, role: Literal["coordinator", "provider", "worker"], subject: str
) -> None:
    from flexbank.services.contract import NotFound

    try:
        if role == "provider":
            bank.get_provider(Actor.system(), subject)
        elif role == "worker":
            bank.get_worker(Actor.system(), subject)
    except NotFound:
        err_console.print(f"[red]no {role} with id {subject!r}[/]")
        raise typer.Exit(EXIT_BAD_INPUT) from None


# ------------------------------------------------------------ serve, scheduler


def _recover(bank: Bank) -> None:
    """At startup: fail allocation runs left ``running`` by a process that died."""
    try:
        for run in bank.recover_stale_runs():
            logging.getLogger("flexbank.cli").warning(
                "allocation run %s (%s) had stopped; marked failed", run.id, run.key
            )
    except Exception as e:  # the scheduler's job tries again every minute
        logging.getLogger("flexbank.cli").error("stale-run recovery failed (%s)", type(e).__name__)


def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    with_scheduler: Annotated[
        bool, typer.Option("--with-scheduler", help="also run the scheduled jobs (one node)")
    ] = False,
    dispatch: Annotated[
        bool,
        typer.Option(
            "--dispatch/--no-dispatch", help="send the outbox every few seconds (default: yes)"
        ),
    ] = True,
) -> None:
    """Serve the REST API (OpenAPI at /docs) and the web pages (/app) with uvicorn.

    Links in messages use FLEXBANK_BASE_URL, or this address when it is not set."""
    import os

    import uvicorn

    from flexbank.scheduling.runner import build_scheduler
    from flexbank.service import bootstrap, build_app
    from flexbank.services.outbox_pump import OutboxPump

    _configure_logging()
    settings = Settings()
    if not os.environ.get("FLEXBANK_BASE_URL"):
        shown = f"[{host}]" if ":" in host else host
        settings = settings.model_copy(update={"base_url": f"http://{shown}:{port}"})
    bank = bootstrap(settings)
    _recover(bank)
    app = build_app(bank, settings)
    scheduler = build_scheduler(bank, settings) if with_scheduler else None
    pump = OutboxPump(bank) if dispatch and scheduler is None else None
    if scheduler is not None:
        scheduler.start()
    if pump is not None:
        pump.start()
    try:
        uvicorn.run(app, host=host, port=port)
    finally:
        if pump is not None:
            pump.stop()
        if scheduler is not None:
            scheduler.shutdown(wait=False)


def scheduler() -> None:
    """Run the scheduled jobs in this process (run exactly one per install)."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    from flexbank.scheduling.runner import build_scheduler
    from flexbank.service import bootstrap

    _configure_logging()
    settings = Settings()
    bank = bootstrap(settings)
    _recover(bank)
    jobs = build_scheduler(bank, settings, BlockingScheduler)
    try:
        jobs.start()
    except (KeyboardInterrupt, SystemExit):
        jobs.shutdown(wait=False)


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
    app.add_typer(token_app, name="token")
    app.command()(serve)
    app.command()(scheduler)
