"""The daily-allocation guard: at most one run per local day, across replicas.

A run row with the UNIQUE key ``daily:<local date>`` is claimed inside a transaction
that first takes ``pg_try_advisory_xact_lock`` on PostgreSQL (SQLite serialises writers
with BEGIN IMMEDIATE). A concurrent second trigger gets no lock or finds the key taken;
a sequential second trigger finds the key taken; both are no-ops. A failed run is
claimed again once (``MAX_ATTEMPTS``): its failure stays in the audit trail, and a
run that failed twice is left failed for the coordinator.

A claimed run holds a lease (``lease_expires_at``) that the process running it renews
with a heartbeat; :func:`flexbank.services.allocation.recover_stale_runs` fails a run
whose lease lapsed (the process was killed or lost the database), so it can be run
again instead of staying ``running`` for ever.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from flexbank.adapters.orm import RunRow
from flexbank.adapters.uow import UnitOfWork

MAX_ATTEMPTS = 2  # the first run and one re-run


def daily_key(day: dt.date) -> str:
    return f"daily:{day.isoformat()}"


def local_day(now: dt.datetime, timezone: str) -> dt.date:
    return now.astimezone(ZoneInfo(timezone)).date()


def claim(
    uow: UnitOfWork,
    key: str,
    *,
    now: dt.datetime,
    horizon_start: dt.datetime,
    horizon_end: dt.datetime,
    lease_until: dt.datetime,
    actor: str = "system",
) -> RunRow | None:
    """Claim ``key`` in the caller's (open, not yet committed) unit of work; None when
    another process holds or has held it. The caller commits."""
    if not uow.try_advisory_lock(f"flexbank:{key}"):
        return None
    session = uow.session
    existing = session.scalars(select(RunRow).where(RunRow.key == key).with_for_update()).first()
    if existing is not None:
        if existing.status != "failed" or existing.attempts >= MAX_ATTEMPTS:
            return None
        existing.attempts += 1
        existing.lease_expires_at, existing.heartbeat_at = lease_until, now
        existing.published_at = None
        existing.status = "running"
        existing.error = None
        existing.started_at = now
        existing.finished_at = None
        existing.plan = None
        existing.metrics = None
        existing.horizon_start, existing.horizon_end = horizon_start, horizon_end
        return existing
    row = RunRow(
        key=key,
        status="running",
        horizon_start=horizon_start,
        horizon_end=horizon_end,
        started_at=now,
        actor=actor,
        attempts=1,
        lease_expires_at=lease_until,
        heartbeat_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        return None
    return row


def is_done(uow: UnitOfWork, key: str) -> bool:
    """A run for ``key`` exists and has not failed, or failed on its last attempt."""
    row = uow.session.execute(
        select(RunRow.status, RunRow.attempts).where(RunRow.key == key)
    ).first()
    if row is None:
        return False
    status, attempts = row
    return status != "failed" or attempts >= MAX_ATTEMPTS


def parse_time(text: str) -> dt.time:
    hours, minutes = text.split(":")
    return dt.time(int(hours), int(minutes))


def due_days(uow: UnitOfWork, now: dt.datetime, timezone: str, at: str) -> list[dt.date]:
    """The local days whose daily allocation is due at ``now`` and has not run: today's
    once its time has passed. Earlier missed days are not replayed (their horizon has
    moved on); a missed allocation therefore runs once, today."""
    local = now.astimezone(ZoneInfo(timezone))
    if local.time() < parse_time(at):
        return []
    day = local.date()
    return [] if is_done(uow, daily_key(day)) else [day]
