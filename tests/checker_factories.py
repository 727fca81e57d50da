"""Small dict builders for checker tests: a fully compliant worker, a gap, a scenario.

Places are on the equator so that travel times can be worked out by hand: 0.1 degree
of longitude there is 11.132 km on the WGS-84 ellipsoid, so a drive (30 km/h, detour
1.3) takes ceil(28.94) = 29 minutes and a walk (4.5 km/h) ceil(192.96) = 193 minutes.
Times are written as "2026-12-01 08:00" and read as UTC (GMT in winter London).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from factories import compliant_records

from flexbank.models import Plan, Scenario
from flexbank.validation import load_plan, load_scenario

HERE = {"lat": 0.0, "lon": 0.0}
THERE = {"lat": 0.0, "lon": 0.1}  # 29 minutes' drive from HERE, 193 minutes' walk
DRIVE_HERE_THERE = 29
WALK_HERE_THERE = 193


def iso(text: str) -> str:
    """ "2026-12-01 08:00" (UTC) as an ISO datetime with an explicit offset."""
    moment = dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)
    return moment.isoformat()


def plus_minutes(text: str, minutes: int) -> str:
    moment = dt.datetime.fromisoformat(text) + dt.timedelta(minutes=minutes)
    return moment.strftime("%Y-%m-%d %H:%M")


def worker(worker_id: str = "W1", **fields: Any) -> dict[str, Any]:
    """A worker who passes every compliance check for gaps in autumn/winter 2026."""
    base: dict[str, Any] = {
        "id": worker_id,
        "name": f"Worker {worker_id}",
        "gender": "female",
        "date_of_birth": "1990-01-01",
        "home": HERE,
        "travel_mode": "drive",
        "max_travel_km": 50.0,
        "skills": [],
        **compliant_records(
            checked_on="2026-01-05", dbs_issued="2026-02-01", trained_on="2026-06-01"
        ),
        "availability": [
            {"start": iso("2026-09-01 00:00"), "end": iso("2027-03-01 00:00")},
        ],
        "commitments": [],
        "max_hours_per_week": 168.0,
        "wtd_opt_out": False,
        "previous_weekly_hours": [],
        "history": [],
    }
    base.update(fields)
    return base


def commitment(
    start: str, end: str, location: dict[str, float] | None = None, **fields: Any
) -> dict[str, Any]:
    return {"start": iso(start), "end": iso(end), "location": location, **fields}


def period(start: str, end: str) -> dict[str, str]:
    return {"start": iso(start), "end": iso(end)}


def gap(gap_id: str, start: str, end: str, **fields: Any) -> dict[str, Any]:
    """A routine shift at provider P1 (at HERE) unless told otherwise."""
    return {
        "id": gap_id,
        "provider_id": "P1",
        "kind": "shift",
        "reason": "sickness",
        "priority": "routine",
        "start": iso(start),
        "end": iso(end),
        **fields,
    }


def provider(provider_id: str = "P1", location: dict[str, float] = HERE) -> dict[str, Any]:
    return {"id": provider_id, "name": provider_id, "kind": "care_home", "location": location}


def scenario(
    *,
    workers: list[dict[str, Any]] | None = None,
    gaps: list[dict[str, Any]] | None = None,
    **fields: Any,
) -> Scenario:
    """A scenario over the two weeks from Monday 2026-11-30 (London, GMT)."""
    data: dict[str, Any] = {
        "format": "flexbank.scenario/1",
        "name": "test",
        "timezone": "Europe/London",
        "as_of": iso("2026-11-29 12:00"),
        "horizon": period("2026-11-30 00:00", "2026-12-14 00:00"),
        "providers": [provider()],
        "workers": workers if workers is not None else [worker()],
        "gaps": gaps or [],
    }
    data.update(fields)
    return load_scenario(data)


def assign(
    the_gap: dict[str, Any], worker_id: str = "W1", start: str | None = None
) -> dict[str, str]:
    """An assignment of ``the_gap`` to the worker, at its start or ``start`` (UTC text)."""
    gap_start = dt.datetime.fromisoformat(the_gap["start"])
    length = dt.datetime.fromisoformat(the_gap["end"]) - gap_start
    begin = dt.datetime.fromisoformat(iso(start)) if start else gap_start
    return {
        "gap_id": the_gap["id"],
        "worker_id": worker_id,
        "start": begin.isoformat(),
        "end": (begin + length).isoformat(),
    }


def plan(*assignments: dict[str, str], released: list[dict[str, Any]] | None = None) -> Plan:
    return load_plan(
        {
            "format": "flexbank.plan/1",
            "scenario": "test",
            "status": "feasible",
            "assignments": list(assignments),
            "released": released or [],
        }
    )
