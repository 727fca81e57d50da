"""build_scheduler registers the Bank's sweeps with the right triggers (not started)."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from flexbank.scheduling.runner import (
    CATCH_UP,
    COMPLIANCE_SWEEP,
    DAILY_ALLOCATION,
    JOB_IDS,
    NOTIFICATION_DISPATCH,
    OFFER_EXPIRY,
    STALE_RUNS,
    build_scheduler,
    catch_up_daily_allocation,
    recover_stale_runs,
)
from flexbank.settings import Settings

LONDON = ZoneInfo("Europe/London")


class SweepBank:
    def __init__(self) -> None:
        self.daily: list[dt.datetime | None] = []

    def run_daily_allocation(self, now: dt.datetime | None = None) -> None:
        self.daily.append(now)

    def expire_offers(self, now: dt.datetime | None = None) -> int:
        return 0

    def compliance_sweep(self, now: dt.datetime | None = None) -> dict[str, int]:
        return {}

    def dispatch_notifications(self, now: dt.datetime | None = None) -> dict[str, int]:
        return {}


def _any(value: object) -> Any:
    return value


def _fields(trigger: Any) -> dict[str, str]:
    return {f.name: str(f) for f in trigger.fields}


def test_jobs_ids_triggers_and_options(tmp_path: Any) -> None:
    bank: Any = SweepBank()
    settings = Settings(
        data_dir=tmp_path, daily_allocation_time="14:30", compliance_sweep_time="02:15"
    )
    scheduler = build_scheduler(bank, settings)
    assert isinstance(scheduler, BackgroundScheduler)
    assert not scheduler.running
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {
        DAILY_ALLOCATION,
        CATCH_UP,
        OFFER_EXPIRY,
        COMPLIANCE_SWEEP,
        NOTIFICATION_DISPATCH,
        STALE_RUNS,
    }
    assert jobs[STALE_RUNS].func is recover_stale_runs
    assert jobs[STALE_RUNS].trigger.interval == dt.timedelta(minutes=1)
    for job in jobs.values():
        assert job.coalesce is True
        assert job.max_instances == 1

    daily = jobs[DAILY_ALLOCATION]
    assert daily.func == bank.run_daily_allocation
    assert isinstance(daily.trigger, CronTrigger)
    assert daily.trigger.timezone == LONDON
    assert _fields(daily.trigger)["hour"] == "14"
    assert _fields(daily.trigger)["minute"] == "30"
    assert daily.misfire_grace_time >= 3600

    sweep = jobs[COMPLIANCE_SWEEP]
    assert sweep.func == bank.compliance_sweep
    assert isinstance(sweep.trigger, CronTrigger)
    assert sweep.trigger.timezone == LONDON
    assert (_fields(sweep.trigger)["hour"], _fields(sweep.trigger)["minute"]) == ("2", "15")

    expiry = jobs[OFFER_EXPIRY]
    assert expiry.func == bank.expire_offers
    assert isinstance(expiry.trigger, IntervalTrigger)
    assert expiry.trigger.interval == dt.timedelta(minutes=1)

    dispatch = jobs[NOTIFICATION_DISPATCH]
    assert dispatch.func == bank.dispatch_notifications
    assert isinstance(dispatch.trigger, IntervalTrigger)
    assert dispatch.trigger.interval == dt.timedelta(seconds=30)

    catch_up = jobs[CATCH_UP]
    assert catch_up.func is catch_up_daily_allocation
    assert isinstance(catch_up.trigger, DateTrigger)


def test_the_daily_allocation_fires_at_local_time_across_the_clock_change(tmp_path: Any) -> None:
    scheduler = build_scheduler(_any(SweepBank()), Settings(data_dir=tmp_path))
    trigger = next(j for j in scheduler.get_jobs() if j.id == DAILY_ALLOCATION).trigger
    winter = trigger.get_next_fire_time(None, dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC))
    summer = trigger.get_next_fire_time(None, dt.datetime(2026, 7, 1, 9, tzinfo=dt.UTC))
    assert winter.astimezone(dt.UTC).hour == 14  # GMT
    assert summer.astimezone(dt.UTC).hour == 13  # BST: 14:00 local


def test_replacing_jobs_keeps_one_of_each(tmp_path: Any) -> None:
    bank: Any = SweepBank()
    settings = Settings(data_dir=tmp_path)
    scheduler = build_scheduler(bank, settings, BlockingScheduler)
    assert isinstance(scheduler, BlockingScheduler)
    assert len(scheduler.get_jobs()) == len(JOB_IDS)


def test_catch_up_runs_only_after_the_allocation_time(tmp_path: Any) -> None:
    bank: Any = SweepBank()
    settings = Settings(data_dir=tmp_path, daily_allocation_time="14:00")
    before = dt.datetime(2026, 7, 1, 12, 59, tzinfo=dt.UTC)  # 13:59 BST
    after = dt.datetime(2026, 7, 1, 13, 0, tzinfo=dt.UTC)  # 14:00 BST
    assert catch_up_daily_allocation(bank, settings, before) is None
    assert bank.daily == []
    catch_up_daily_allocation(bank, settings, after)
    assert bank.daily == [after]


def test_a_started_scheduler_runs_the_catch_up_once(tmp_path: Any) -> None:
    bank: Any = SweepBank()
    settings = Settings(data_dir=tmp_path, daily_allocation_time="00:00")
    scheduler = build_scheduler(bank, settings)
    scheduler.start()
    try:
        deadline = dt.datetime.now() + dt.timedelta(seconds=5)
        # wait until the one-off job has run and been removed from the job store
        while (not bank.daily or scheduler.get_job(CATCH_UP)) and dt.datetime.now() < deadline:
            time.sleep(0.05)
    finally:
        scheduler.shutdown(wait=True)
    assert len(bank.daily) == 1
