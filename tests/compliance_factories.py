"""Plain-dict factories for compliance tests, validated through ``load_scenario``.

Defaults describe a fully compliant worker near the provider, available all of the
horizon, and a day shift she can work. Every factory takes overrides as keywords.
as_of is 2026-11-29 (winter, so London local time equals UTC unless a test moves it).
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from factories import compliant_records

from flexbank.compliance import Compliance
from flexbank.models import Scenario
from flexbank.validation import load_scenario

AS_OF = "2026-11-29T14:00:00+00:00"
AS_OF_DATE = dt.date(2026, 11, 29)
HORIZON = {"start": "2026-11-30T00:00:00+00:00", "end": "2027-12-31T00:00:00+00:00"}
HOME_LAT, HOME_LON = 53.5933, -2.2966  # Bury
COURSES = ("safeguarding_adults", "moving_handling", "infection_prevention", "basic_life_support")


def iso(day: dt.date, time: str = "00:00") -> str:
    """An ISO instant at UTC on ``day``."""
    return f"{day.isoformat()}T{time}:00+00:00"


def location(lat: float = HOME_LAT, lon: float = HOME_LON) -> dict[str, Any]:
    return {"lat": lat, "lon": lon}


def provider(id: str = "P1", **over: Any) -> dict[str, Any]:
    base = {"id": id, "name": f"Provider {id}", "kind": "care_home", "location": location()}
    return {**base, **over}


def client(id: str = "C1", provider_id: str = "P1", **over: Any) -> dict[str, Any]:
    base = {"id": id, "provider_id": provider_id, "location": location()}
    return {**base, **over}


def training(**expires: str | None) -> list[dict[str, Any]]:
    """All mandatory courses completed 2026-01-01; ``course=date`` sets an expiry."""
    return [{"course": c, "completed": "2026-01-01", "expires": expires.get(c)} for c in COURSES]


def worker(id: str = "W1", **over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": id,
        "name": f"Worker {id}",
        "gender": "female",
        "date_of_birth": "1990-01-01",
        "home": location(),
        "travel_mode": "drive",
        "max_travel_km": 10.0,
        "skills": [],
        **compliant_records(),
        "training": training(),
        "availability": [{"start": HORIZON["start"], "end": HORIZON["end"]}],
        "max_hours_per_week": 40,
    }
    return {**copy.deepcopy(base), **over}


def gap(id: str = "G1", **over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": id,
        "provider_id": "P1",
        "client_id": None,
        "kind": "shift",
        "reason": "sickness",
        "priority": "urgent",
        "start": "2026-12-01T08:00:00+00:00",
        "end": "2026-12-01T16:00:00+00:00",
    }
    return {**base, **over}


def scenario(
    workers: list[dict[str, Any]] | None = None,
    gaps: list[dict[str, Any]] | None = None,
    *,
    clients: list[dict[str, Any]] | None = None,
    providers: list[dict[str, Any]] | None = None,
    policy: dict[str, Any] | None = None,
    **over: Any,
) -> dict[str, Any]:
    base: dict[str, Any] = {
        "format": "flexbank.scenario/1",
        "name": "test",
        "timezone": "Europe/London",
        "as_of": AS_OF,
        "horizon": dict(HORIZON),
        "policy": policy or {},
        "providers": providers if providers is not None else [provider()],
        "clients": clients or [],
        "workers": workers if workers is not None else [worker()],
        "gaps": gaps if gaps is not None else [gap()],
    }
    return {**base, **over}


def load(*args: Any, **kwargs: Any) -> Scenario:
    return load_scenario(scenario(*args, **kwargs))


def judge(
    w: dict[str, Any] | None = None, g: dict[str, Any] | None = None, **kwargs: Any
) -> tuple[Compliance, str, str]:
    """Load a one-worker one-gap scenario and return (Compliance, worker_id, gap_id)."""
    w = w or worker()
    g = g or gap()
    loaded = load([w], [g], **kwargs)
    return Compliance(loaded), w["id"], g["id"]


def codes(
    w: dict[str, Any] | None = None, g: dict[str, Any] | None = None, **kwargs: Any
) -> list[str]:
    compliance, worker_id, gap_id = judge(w, g, **kwargs)
    return compliance.check_pair(worker_id, gap_id).codes
