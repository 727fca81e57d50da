"""The scheduled jobs, as plain functions over a bank (no APScheduler here).

Each job is a sweep over database state, so a doubled or missed trigger does no harm:

- :func:`expire_offers` (every minute): expire offers past their expiry, cascade;
- :func:`daily_allocation` (``daily_allocation_time``, local): the guarded daily run
  (``daily:<local date>``; at most once per day across replicas), published when
  ``daily_allocation_publish``;
- :func:`compliance_sweep` (nightly): lapse warnings, flag and re-match bookings;
- :func:`dispatch_notifications` (every minute): the outbox, with retries;
- :func:`catch_up` (at scheduler start): run today's daily allocation once if its
  time has passed and it has not run (after downtime).

The runner (:mod:`flexbank.scheduling.runner`) wires these to triggers. Logs carry ids
and counts only.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Protocol

from flexbank.services.contract import RunOut

log = logging.getLogger("flexbank.jobs")


class JobBank(Protocol):
    """What the jobs need of a bank (:class:`flexbank.services.bank.SqlBank`)."""

    def expire_offers(self, now: dt.datetime | None = None) -> int: ...
    def run_daily_allocation(self, now: dt.datetime | None = None) -> RunOut | None: ...
    def compliance_sweep(self, now: dt.datetime | None = None) -> dict[str, int]: ...
    def dispatch_notifications(self, now: dt.datetime | None = None) -> dict[str, int]: ...
    def due_daily_runs(self, now: dt.datetime | None = None) -> list[dt.date]: ...


def expire_offers(bank: JobBank, now: dt.datetime | None = None) -> int:
    n = bank.expire_offers(now)
    if n:
        log.info("expired %d offer(s)", n)
    return n


def daily_allocation(bank: JobBank, now: dt.datetime | None = None) -> RunOut | None:
    run = bank.run_daily_allocation(now)
    if run is None:
        log.info("daily allocation already claimed; nothing to do")
    else:
        log.info("daily allocation run %s (%s): %s", run.id, run.key, run.status)
    return run


def compliance_sweep(bank: JobBank, now: dt.datetime | None = None) -> dict[str, int]:
    counts = bank.compliance_sweep(now)
    log.info("compliance sweep: %s", counts)
    return counts


def dispatch_notifications(bank: JobBank, now: dt.datetime | None = None) -> dict[str, int]:
    counts = bank.dispatch_notifications(now)
    if any(counts.values()):
        log.info("notifications: %s", counts)
    return counts


def due_daily_runs(bank: JobBank, now: dt.datetime | None = None) -> list[dt.date]:
    return bank.due_daily_runs(now)


def catch_up(bank: JobBank, now: dt.datetime | None = None) -> RunOut | None:
    """Run a missed daily allocation once (None when nothing is due)."""
    if not bank.due_daily_runs(now):
        return None
    log.info("catching up a missed daily allocation")
    return daily_allocation(bank, now)


JOBS = {
    "expire_offers": expire_offers,
    "daily_allocation": daily_allocation,
    "compliance_sweep": compliance_sweep,
    "dispatch_notifications": dispatch_notifications,
}
