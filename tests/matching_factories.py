"""Plain-dict scenario builders for the legality, baseline and ranking tests.

Times are given in minutes from the horizon start, Monday 2026-11-30 00:00 UTC (winter:
London local time equals UTC, so week 0 is minutes [0, 10080)). Defaults describe a
fully compliant worker available over the whole horizon and a shift she can work.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from factories import compliant_records

from flexbank.matching.problem import Problem
from flexbank.models import Scenario
from flexbank.validation import load_scenario

ORIGIN = dt.datetime(2026, 11, 30, tzinfo=dt.UTC)
HORIZON_END = dt.datetime(2027, 1, 31, tzinfo=dt.UTC)
HOUR = 60
DAY = 24 * HOUR
WEEK = 7 * DAY
COURSES = ("safeguarding_adults", "moving_handling", "infection_prevention", "basic_life_support")

#: A few places in and around Bury (about 1-6 km apart).
PLACES = [
    (53.5933, -2.2966),  # Bury centre
    (53.6000, -2.3000),
    (53.5600, -2.3300),  # Radcliffe
    (53.6450, -2.3100),  # Ramsbottom
    (53.5300, -2.2800),  # Prestwich
]


def at(minute: int) -> str:
    """The ISO instant ``minute`` minutes after the horizon start."""
    return (ORIGIN + dt.timedelta(minutes=minute)).isoformat()


def place(i: int = 0) -> dict[str, Any]:
    lat, lon = PLACES[i]
    return {"lat": lat, "lon": lon}


def commitment(
    start: int, end: int, where: int | None = 0, main_job: bool = False
) -> dict[str, Any]:
    found: dict[str, Any] = {"start": at(start), "end": at(end), "main_job": main_job}
    if where is not None:
        found["location"] = place(where)
    return found


def worker(id: str = "W1", **over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": id,
        "name": f"Worker {id}",
        "gender": "female",
        "date_of_birth": "1990-01-01",
        "home": place(0),
        "travel_mode": "drive",
        "max_travel_km": 30.0,
        "skills": [],
        **compliant_records(),
        "availability": [{"start": at(0), "end": HORIZON_END.isoformat()}],
        "max_hours_per_week": 48,
    }
    return {**copy.deepcopy(base), **over}


def visa(limit: float, scope: str = "all_work", lifted: list[Any] | None = None) -> dict[str, Any]:
    return {
        "check": "list_b_group1",
        "checked_on": "2026-01-01",
        "permission_expires": "2028-01-01",
        "weekly_hour_limit": limit,
        "limit_scope": scope,
        "limit_lifted": lifted or [],
    }


def gap(id: str, start: int, length: int, where: int = 0, **over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": id,
        "provider_id": "P1",
        "kind": "shift",
        "reason": "sickness",
        "priority": "urgent",
        "start": at(start),
        "end": at(start + length),
        "location": place(where),
    }
    return {**base, **over}


def scenario(
    workers: list[dict[str, Any]],
    gaps: list[dict[str, Any]],
    *,
    policy: dict[str, Any] | None = None,
    clients: list[dict[str, Any]] | None = None,
    pinned: list[dict[str, Any]] | None = None,
    version: int = 1,
    minor: int = 0,
) -> Scenario:
    if version >= 2:  # the sixth Schedule 3 flag a /2 file must give
        workers = [{**w, "reg19": {"qualifications_verified": True, **w["reg19"]}} for w in workers]
    return load_scenario(
        {
            "format": f"flexbank.scenario/{version}" + (f".{minor}" if minor else ""),
            "name": "matching-test",
            "timezone": "Europe/London",
            "as_of": "2026-11-29T14:00:00+00:00",
            "horizon": {"start": at(0), "end": HORIZON_END.isoformat()},
            "policy": policy or {},
            "providers": [
                {"id": "P1", "name": "Provider 1", "kind": "care_home", "location": place(0)},
                {"id": "P2", "name": "Provider 2", "kind": "home_care", "location": place(2)},
            ],
            "clients": clients or [],
            "workers": workers,
            "gaps": gaps,
            "pinned": pinned or [],
        }
    )


def problem(workers: list[dict[str, Any]], gaps: list[dict[str, Any]], **kwargs: Any) -> Problem:
    return Problem(scenario(workers, gaps, **kwargs))
