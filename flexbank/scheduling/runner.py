"""APScheduler 3.x wiring, and nothing else: the jobs are the Bank's sweeps.

Every job is an idempotent sweep over database state (see the Bank's docstrings), so a
doubled or missed trigger does no harm; the daily allocation is guarded by its run key
(``daily:<local date>``), so two schedulers, or a restart and a catch-up, run it once.

- ``daily-allocation``: cron at ``settings.daily_allocation_time`` (Europe/London by
  default), a grace of 6 hours for a late trigger, coalesced, one instance at a time;
- ``daily-allocation-catch-up``: once, at start: after downtime over the allocation
  time, today's allocation runs now (the guard makes it a no-op if it already ran);
- ``offer-expiry``: every minute;
- ``compliance-sweep``: cron at ``settings.compliance_sweep_time``;
- ``notification-dispatch``: every 30 seconds;
- ``stale-run-recovery``: at start and every minute: a run whose lease lapsed (its
  process was killed) is marked failed, and a failed daily run is caught up once.

Keep APScheduler confined to this module: moving to 4.x is then a one-file change.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from flexbank.services.contract import Bank, RunOut
from flexbank.settings import Settings

log = logging.getLogger("flexbank.scheduler")

DAILY_ALLOCATION = "daily-allocation"
CATCH_UP = "daily-allocation-catch-up"
OFFER_EXPIRY = "offer-expiry"
COMPLIANCE_SWEEP = "compliance-sweep"
NOTIFICATION_DISPATCH = "notification-dispatch"
STALE_RUNS = "stale-run-recovery"
JOB_IDS = (
    DAILY_ALLOCATION,
    CATCH_UP,
    OFFER_EXPIRY,
    COMPLIANCE_SWEEP,
    NOTIFICATION_DISPATCH,
    STALE_RUNS,
)

DAILY_GRACE_SECONDS = 6 * 3600
SWEEP_GRACE_SECONDS = 30


def clock_time(text: str) -> tuple[int, int]:
    """``"14:00"`` -> (14, 0); raises ValueError on anything else."""
    try:
        moment = dt.time.fromisoformat(text.strip())
    except ValueError as exc:
        raise ValueError(f"not a time of day (HH:MM): {text!r}") from exc
    return moment.hour, moment.minute


def catch_up_daily_allocation(
    bank: Bank, settings: Settings, now: dt.datetime | None = None
) -> RunOut | None:
    """Run today's allocation if its time has passed (the run key makes it run once)."""
    zone = ZoneInfo(settings.timezone)
    now = now or dt.datetime.now(dt.UTC)
    local = now.astimezone(zone)
    hour, minute = clock_time(settings.daily_allocation_time)
    due = dt.datetime.combine(local.date(), dt.time(hour, minute), tzinfo=zone)
    if local < due:
        return None
    run = bank.run_daily_allocation(now)
    if run is not None:
        log.info("caught up the missed daily allocation: run %s (%s)", run.id, run.key)
    return run


def recover_stale_runs(
    bank: Bank, settings: Settings, now: dt.datetime | None = None
) -> RunOut | None:
    """Fail runs whose lease lapsed; if a daily run was among them, catch it up."""
    stale = bank.recover_stale_runs(now)
    for run in stale:
        log.warning("run %s (%s) had stopped; marked failed", run.id, run.key)
    if any(run.key.startswith("daily:") for run in stale):
        return catch_up_daily_allocation(bank, settings, now)
    return None


def build_scheduler(
    bank: Bank, settings: Settings, scheduler_cls: type[BaseScheduler] = BackgroundScheduler
) -> BaseScheduler:
    """A scheduler with the bank's jobs registered (not started)."""
    zone = ZoneInfo(settings.timezone)
    scheduler = scheduler_cls(
        timezone=zone,
        job_defaults={"coalesce": True, "max_instances": 1},
    )
    common: dict[str, Any] = {"replace_existing": True, "coalesce": True, "max_instances": 1}

    hour, minute = clock_time(settings.daily_allocation_time)
    scheduler.add_job(
        bank.run_daily_allocation,
        CronTrigger(hour=hour, minute=minute, timezone=zone),
        id=DAILY_ALLOCATION,
        name="daily allocation (plan the next days and publish)",
        misfire_grace_time=DAILY_GRACE_SECONDS,
        **common,
    )
    scheduler.add_job(
        recover_stale_runs,
        IntervalTrigger(minutes=1, timezone=zone),
        args=(bank, settings),
        id=STALE_RUNS,
        name="fail allocation runs whose process stopped; catch up the daily one",
        misfire_grace_time=SWEEP_GRACE_SECONDS,
        **common,
    )
    scheduler.add_job(
        catch_up_daily_allocation,
        DateTrigger(timezone=zone),
        args=(bank, settings),
        id=CATCH_UP,
        name="catch up a daily allocation missed while down",
        misfire_grace_time=DAILY_GRACE_SECONDS,
        **common,
    )
    scheduler.add_job(
        bank.expire_offers,
        IntervalTrigger(minutes=1, timezone=zone),
        id=OFFER_EXPIRY,
        name="expire offers and cascade",
        misfire_grace_time=SWEEP_GRACE_SECONDS,
        **common,
    )
    hour, minute = clock_time(settings.compliance_sweep_time)
    scheduler.add_job(
        bank.compliance_sweep,
        CronTrigger(hour=hour, minute=minute, timezone=zone),
        id=COMPLIANCE_SWEEP,
        name="nightly compliance sweep",
        misfire_grace_time=DAILY_GRACE_SECONDS,
        **common,
    )
    scheduler.add_job(
        bank.dispatch_notifications,
        IntervalTrigger(seconds=30, timezone=zone),
        id=NOTIFICATION_DISPATCH,
        name="send due notifications",
        misfire_grace_time=SWEEP_GRACE_SECONDS,
        **common,
    )
    return scheduler
