"""Views of the bank's records that several pages need: a scenario for the compliance
checks (the register, a worker's documents) and the local week of an instant."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from flexbank import timeline
from flexbank.compliance.assess import Compliance
from flexbank.compliance.register import Register, build_register
from flexbank.models import SCENARIO_FORMATS, Period, Provider, Scenario, Worker


def compliance_scenario(
    workers: Sequence[Worker],
    now: dt.datetime,
    tz: str,
    providers: Sequence[Provider] = (),
    days: int = 7,
) -> Scenario:
    """The bank's workers as a scenario judged from today (no gaps: worker-only checks)."""
    today = timeline.local_date(now, tz)
    start = timeline.local_midnight(today, tz)
    end = timeline.local_midnight(today + dt.timedelta(days=max(days, 1)), tz)
    # contract version 2 once every worker has its records (else version 1, as before)
    version = 2 if workers and all(w.has_version_2_records for w in workers) else 1
    if version == 1:
        workers = [w.as_version_1() for w in workers]
    return Scenario(
        format=SCENARIO_FORMATS[version],
        name="bank",
        timezone=tz,
        as_of=now,
        horizon=Period(start=start, end=end),
        providers=list(providers),
        workers=list(workers),
    )


def register_of(workers: Sequence[Worker], now: dt.datetime, tz: str, days: int) -> Register:
    return build_register(compliance_scenario(workers, now, tz), days=days)


def worker_compliance(worker: Worker, now: dt.datetime, tz: str) -> Compliance:
    return Compliance(compliance_scenario([worker], now, tz))
