"""Allocation runs hold a lease renewed by a heartbeat; a run whose process died is
failed (saying why) and the daily run is run again, once (issue 9, point 2)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from service_support import COORD
from sqlalchemy import func, select

from flexbank.adapters.orm import AuditRow, OfferRow, RunRow
from flexbank.cli.service import sample_start
from flexbank.sample import generate
from flexbank.scheduling import guard
from flexbank.services import allocation
from flexbank.services.bank import SqlBank
from flexbank.settings import Settings


def run_row(bank: SqlBank, key: str) -> RunRow:
    with bank.ctx.uow() as uow:
        row = uow.session.scalars(select(RunRow).where(RunRow.key == key)).one()
        return row


def claim_and_die(bank: SqlBank, now: dt.datetime) -> str:
    """What a process killed right after claiming the daily run leaves behind."""
    day = guard.local_day(now, bank.settings.timezone)
    start, end = allocation.horizon(bank.ctx, now, day + dt.timedelta(days=1), 7)
    with bank.ctx.uow() as uow:
        row = guard.claim(
            uow,
            guard.daily_key(day),
            now=now,
            horizon_start=start,
            horizon_end=end,
            lease_until=allocation.lease(bank.ctx, now),
        )
        assert row is not None
        uow.commit()
        return row.key


def test_a_lapsed_lease_fails_the_run_and_the_daily_run_runs_again_once(loaded, clock):
    now = clock()
    key = claim_and_die(loaded, now)
    # while the lease holds, nothing is recovered and the day counts as taken
    assert loaded.recover_stale_runs(now) == []
    assert loaded.run_daily_allocation(now) is None
    later = clock.advance(seconds=loaded.settings.run_lease_seconds + 1)
    run = loaded.catch_up(later)
    assert run is not None and run.key == key and run.status == "published"
    row = run_row(loaded, key)
    assert row.attempts == 2
    with loaded.ctx.uow() as uow:
        why = list(
            uow.session.scalars(
                select(AuditRow.detail).where(
                    AuditRow.entity == "run", AuditRow.entity_id == str(row.id)
                )
            )
        )
    assert {"why": "lease lapsed"} in why
    # a second death is recorded, and not run a third time
    with loaded.ctx.uow() as uow:
        stored = uow.session.get(RunRow, row.id)
        assert stored is not None
        stored.status, stored.lease_expires_at = "running", later
        uow.commit()
    much_later = clock.advance(seconds=loaded.settings.run_lease_seconds + 1)
    assert [r.id for r in loaded.recover_stale_runs(much_later)] == [row.id]
    assert "lease lapsed" in (run_row(loaded, key).error or "")
    assert loaded.catch_up(much_later) is None and loaded.due_daily_runs(much_later) == []


def test_the_heartbeat_keeps_a_long_run_alive(loaded, scenario, settings):
    fast = settings.model_copy(update={"run_lease_seconds": 0.6})
    bank = SqlBank(fast)  # the wall clock: the run's heartbeat renews a 0.6 s lease
    other = SqlBank(fast)  # another process's recovery, while the run solves
    seen: list[int] = []

    def progress(_event: object) -> None:
        if not seen:
            time.sleep(2.0)  # a long solve: three leases go by
            seen.extend(r.id for r in other.recover_stale_runs())
            seen.append(-1)

    run = bank.run_allocation(
        COORD, start=scenario.horizon.start.date(), days=7, time_limit=2, progress=progress
    )
    assert seen == [-1], "the solver reported progress, and no run was recovered"
    assert run.status == "succeeded"


def test_a_failure_is_recorded_even_for_a_base_exception(loaded, scenario, monkeypatch):
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(allocation.matching, "solve", interrupted)
    with pytest.raises(KeyboardInterrupt):
        loaded.run_allocation(COORD, start=scenario.horizon.start.date(), days=7)
    with loaded.ctx.uow() as uow:
        statuses = list(uow.session.scalars(select(RunRow.status)))
    assert statuses == ["failed"]


# ------------------------------------------------------------------ kill -9


def _scheduler(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "flexbank"), "scheduler"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait_for(predicate, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.slow
def test_kill_9_mid_allocation_then_restart_recovers(database_url: str, tmp_path: Path):
    """The repro: SIGKILL of `flexbank scheduler` during the daily run, then a restart:
    the run used to stay `running` for ever and the day had no offers."""
    settings = Settings(data_dir=tmp_path, database_url=database_url, secret_key="k")
    bank = SqlBank(settings)
    now = dt.datetime.now(dt.UTC)
    week = sample_start(now, ZoneInfo(settings.timezone))
    bank.import_scenario(COORD, generate(30, 90, 5, start=week))
    key = guard.daily_key(guard.local_day(now, settings.timezone))
    env = {
        **os.environ,
        "FLEXBANK_DATABASE_URL": database_url,
        "FLEXBANK_DATA_DIR": str(tmp_path),
        "FLEXBANK_SECRET_KEY": "k",
        "FLEXBANK_DAILY_ALLOCATION_TIME": "00:00",
        "FLEXBANK_SOLVER_WORKERS": "1",
        "FLEXBANK_RUN_LEASE_SECONDS": "2",
        "FLEXBANK_CHANNELS": '["log"]',
    }

    def status() -> str | None:
        with bank.ctx.uow() as uow:
            return uow.session.scalars(select(RunRow.status).where(RunRow.key == key)).first()

    first = _scheduler({**env, "FLEXBANK_SOLVER_TIME_LIMIT": "300"})
    try:
        _wait_for(lambda: status() == "running", 120, "the daily run to start")
        time.sleep(0.5)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    assert status() == "running"  # killed mid-run

    time.sleep(2.5)  # the dead process's lease lapses
    second = _scheduler({**env, "FLEXBANK_SOLVER_TIME_LIMIT": "3"})
    try:
        _wait_for(lambda: status() == "published", 120, "the daily run to be run again")
    finally:
        second.send_signal(signal.SIGTERM)
        try:
            second.wait(timeout=30)
        except subprocess.TimeoutExpired:
            second.send_signal(signal.SIGKILL)
            second.wait(timeout=30)
    row = run_row(bank, key)
    assert row.attempts == 2
    with bank.ctx.uow() as uow:
        offers = uow.session.scalar(
            select(func.count(OfferRow.id)).where(OfferRow.run_id == row.id)
        )
        failures = list(
            uow.session.scalars(
                select(AuditRow.detail).where(
                    AuditRow.entity == "run",
                    AuditRow.entity_id == str(row.id),
                    AuditRow.action == "failed",
                )
            )
        )
    assert offers and failures == [{"why": "lease lapsed"}]


def test_database_lost_mid_run_leaves_a_lease_that_lapses_into_failed(
    loaded, scenario, clock, monkeypatch
):
    """The repro with PostgreSQL stopped mid-run: neither the outcome nor the failure
    can be written; the error is raised (503 over HTTP) and the lapsed lease lets the
    recovery record the failure instead of a run `running` for ever."""
    from sqlalchemy.exc import OperationalError

    def lost(*args: object, **kwargs: object) -> None:
        raise OperationalError("SELECT 1", {}, ConnectionError("server closed the connection"))

    monkeypatch.setattr(allocation.matching, "solve", lost)
    monkeypatch.setattr(allocation, "_record_failure", lost)
    with pytest.raises(OperationalError):
        loaded.run_allocation(COORD, start=scenario.horizon.start.date(), days=7)
    with loaded.ctx.uow() as uow:
        assert list(uow.session.scalars(select(RunRow.status))) == ["running"]
    later = clock.advance(seconds=loaded.settings.run_lease_seconds + 1)
    recovered = loaded.recover_stale_runs(later)
    assert [r.status for r in recovered] == ["failed"]
    assert "lease lapsed" in (recovered[0].error or "")
