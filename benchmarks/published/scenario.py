"""Convert a published instance into a flexbank scenario (format ``flexbank.scenario/2.1``),
and a flexbank plan (or routing schedule) back into a published solution.

The scenario uses the /2.1 fields (``travel_matrices``, ``place``, ``after``,
``late_minutes_allowed``; docs/spec/problem-format.md, "Version 2.1") and loads with
:func:`flexbank.validation.load_scenario`. ``downgrade`` drops them, giving a
``flexbank.scenario/1`` (without the travel matrix, the dependencies and the lateness, so
it is *not* the same problem); the tests use it to show that the rest is version 1 input.

Mapping (spec section 7): caregivers become workers with every compliance record valid,
``skills`` = their services, at home at their depot or departing point; minute 0 of the
instance is 00:00 UTC on ``DAY``. Each service a patient needs becomes one ``visit`` gap
(window open = ``start``, window length = ``start_tolerance_minutes``, lateness allowed to
the end of the day); a double service's second gap is ``after`` the first (0/0 for
simultaneous, the published min/max for sequential, ``other_worker`` true). A caregiver
leaves home no earlier than minute 0 (Mankowska, Kummer) or the start of its shift
(extended): a one-minute commitment at home ending then makes rule 5 demand the journey.
The UK working-time rules that the published problems do not have are relaxed by policy.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from benchmarks.published.instance import Instance, Patient
from benchmarks.published.solution import Route, Solution, Visit

FORMAT = "flexbank.scenario/2.1"
DAY = dt.datetime(2026, 11, 24, tzinfo=dt.UTC)
DAY_MINUTES = 24 * 60
#: A grid for coordinates that are not lat/lon (Mankowska's x, y in 0..100).
ORIGIN = (53.55, -2.35)
GRID_DEGREES = 0.001
POLICY: dict[str, Any] = {
    "short_visit_minutes": 0,  # published visits are often 10-20 minutes, by anyone
    "max_duty_span_hours": 48,  # Kummer's days run past midnight; no published duty limit
    "break_after_hours": 48,
    "max_engagement_hours": 24,
}
#: Fields of the 2.1 proposal and of version 2, for ``downgrade``.
_V21_GAP = ("after", "late_minutes_allowed")
_V2_POLICY = ("break_after_hours",)


def _when(minutes: float) -> str:
    return (DAY + dt.timedelta(minutes=minutes)).isoformat()


def _whole(value: float, what: str) -> int:
    if abs(value - round(value)) > 1e-9:
        raise ValueError(f"{what}: {value} is not a whole number of minutes")
    return round(value)


def _places(instance: Instance) -> list[dict[str, Any]]:
    by_node: dict[int, tuple[str, tuple[float, float] | None]] = {
        d.node: (d.id, d.location) for d in instance.depots
    }
    by_node.update({p.node: (p.id, p.location) for p in instance.patients})
    places = []
    for node in range(len(instance.travel)):
        pid, point = by_node[node]
        if point is None:
            lat, lon = ORIGIN[0] + node * GRID_DEGREES, ORIGIN[1]
        elif instance.coordinates == "latlon":
            lat, lon = point
        elif instance.coordinates == "lonlat":
            lon, lat = point
        else:
            lat = ORIGIN[0] + point[1] * GRID_DEGREES
            lon = ORIGIN[1] + point[0] * GRID_DEGREES
        places.append({"id": pid, "lat": round(lat, 6), "lon": round(lon, 6)})
    return places


def _location(place: dict[str, Any]) -> dict[str, Any]:
    return {"lat": place["lat"], "lon": place["lon"], "place": place["id"]}


def gap_id(patient: str, service: str) -> str:
    return f"{patient}-{service}"


def _worker(cid: str, skills: list[str], home: dict[str, Any], leave: float) -> dict[str, Any]:
    valid_from = (DAY - dt.timedelta(days=30)).date().isoformat()
    far = (DAY + dt.timedelta(days=700)).date().isoformat()
    courses = (
        "safeguarding_adults",
        "moving_handling",
        "infection_prevention",
        "basic_life_support",
        "fire_safety",
        "health_safety",
    )
    return {
        "id": cid,
        "name": f"Caregiver {cid}",
        "gender": "other",
        "date_of_birth": "1980-01-01",
        "home": home,
        "travel_mode": "drive",
        "max_travel_km": 10000.0,
        "skills": [{"name": s, "expires": None} for s in skills],
        "training": [{"course": c, "completed": valid_from, "expires": far} for c in courses],
        "experience": [
            {
                "role": "care_worker",
                "sector": "adult_social_care",
                "country": "GB",
                "start": "2020-01-01",
                "end": None,
            }
        ],
        "right_to_work": {"check": "list_a", "checked_on": valid_from},
        "dbs": {
            "level": "enhanced",
            "adults_barred_list": True,
            "issued": valid_from,
            "update_service": False,
        },
        "reg19": {
            "photo_id_verified": True,
            "conduct_evidence": True,
            "reasons_for_leaving_verified": True,
            "employment_history_complete": True,
            "health_declaration": True,
            "qualifications_verified": True,
        },
        "availability": [{"start": _when(leave), "end": _when(2 * DAY_MINUTES)}],
        "commitments": [
            {
                "start": _when(leave - 1),
                "end": _when(leave),
                "location": home,
                "label": "leaves the depot",
            }
        ],
        "max_hours_per_week": 168,
        "wtd_opt_out": True,
        "previous_weekly_hours": [],
        "history": [],
    }


def _gaps(patient: Patient, location: dict[str, Any]) -> list[dict[str, Any]]:
    opens, closes = patient.window
    gaps = []
    for index, task in enumerate(patient.tasks):
        where = f"{patient.id} {task.service}"
        start = _whole(opens, f"{where} window")
        tolerance = _whole(closes - opens, f"{where} window")
        gap: dict[str, Any] = {
            "id": gap_id(patient.id, task.service),
            "provider_id": "published",
            "client_id": patient.id,
            "kind": "visit",
            "reason": "other",
            "priority": "routine",
            "start": _when(start),
            "end": _when(start + _whole(task.duration, f"{where} duration")),
            "start_tolerance_minutes": tolerance,
            "late_minutes_allowed": max(0, DAY_MINUTES - start - tolerance),
            "location": location,
            "skills": [task.service],
            "headcount": 1,
            "carer_gender": None,
            "excluded_workers": [],
            "after": [],
        }
        if index == 1 and patient.sync is not None:
            gap["after"] = [
                {
                    "gap_id": gap_id(patient.id, patient.tasks[0].service),
                    "min_minutes": _whole(patient.sync.min_gap, f"{where} min gap"),
                    "max_minutes": _whole(patient.sync.max_gap, f"{where} max gap"),
                    "other_worker": True,
                }
            ]
        gaps.append(gap)
    return gaps


def to_scenario(instance: Instance) -> dict[str, Any]:
    """The instance as a ``flexbank.scenario/2.1`` dict."""
    places = _places(instance)
    at = {place["id"]: _location(place) for place in places}
    node_place = {node: places[node]["id"] for node in range(len(places))}
    workers = [
        _worker(
            c.id,
            sorted(c.skills),
            at[node_place[c.home]],
            c.shift[0] if c.shift else 0.0,
        )
        for c in instance.caregivers
    ]
    clients = [
        {
            "id": p.id,
            "provider_id": "published",
            "location": at[p.id],
            "carer_gender": None,
            "excluded_workers": sorted(p.incompatible),
            "preferred_workers": [],
        }
        for p in instance.patients
    ]
    gaps = [gap for p in instance.patients for gap in _gaps(p, at[p.id])]
    return {
        "format": FORMAT,
        "name": instance.name,
        "timezone": "Europe/London",
        "as_of": _when(-DAY_MINUTES),
        "horizon": {"start": _when(0), "end": _when(DAY_MINUTES)},
        "policy": dict(POLICY),
        "providers": [
            {
                "id": "published",
                "name": f"{instance.family} benchmark {instance.name}",
                "kind": "home_care",
                "location": at[instance.depots[0].id],
            }
        ],
        "clients": clients,
        "workers": workers,
        "gaps": gaps,
        "pinned": [],
        "travel_matrices": [
            {
                "source": f"published {instance.family} instance {instance.name}",
                "modes": ["drive"],
                "places": places,
                "minutes": [list(row) for row in instance.travel],
            }
        ],
    }


def downgrade(scenario: dict[str, Any]) -> dict[str, Any]:
    """The scenario without the 2.1 and version 2 fields, as ``flexbank.scenario/1``."""

    def bare(location: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in location.items() if k != "place"}

    out = {k: v for k, v in scenario.items() if k != "travel_matrices"}
    out["format"] = "flexbank.scenario/1"
    out["policy"] = {k: v for k, v in scenario["policy"].items() if k not in _V2_POLICY}
    out["providers"] = [{**p, "location": bare(p["location"])} for p in scenario["providers"]]
    out["clients"] = [{**c, "location": bare(c["location"])} for c in scenario["clients"]]
    out["gaps"] = [
        {
            **{k: v for k, v in g.items() if k not in _V21_GAP},
            "location": bare(g["location"]),
        }
        for g in scenario["gaps"]
    ]
    out["workers"] = [
        {
            **w,
            "home": bare(w["home"]),
            "reg19": {k: v for k, v in w["reg19"].items() if k != "qualifications_verified"},
            "commitments": [{**c, "location": bare(c["location"])} for c in w["commitments"]],
        }
        for w in scenario["workers"]
    ]
    return out


def solution_from_plan(instance: Instance, plan: dict[str, Any]) -> Solution:
    """A flexbank plan's assignments for a converted instance, as a published solution:
    each worker's visits in order of start, starts in minutes after ``DAY``."""
    service_of = {
        gap_id(p.id, t.service): (p.id, t.service) for p in instance.patients for t in p.tasks
    }
    visits: dict[str, list[Visit]] = {c.id: [] for c in instance.caregivers}
    for a in plan["assignments"]:
        patient, service = service_of[a["gap_id"]]
        start = (dt.datetime.fromisoformat(a["start"]) - DAY).total_seconds() / 60
        end = (dt.datetime.fromisoformat(a["end"]) - DAY).total_seconds() / 60
        visits[a["worker_id"]].append(Visit(patient, service, start, end))
    return Solution(
        tuple(Route(cid, tuple(sorted(vs, key=lambda v: v.start))) for cid, vs in visits.items())
    )


def solution_from_routes(
    instance: Instance, routes: dict[str, list[str]], starts: dict[str, float]
) -> Solution:
    """Routes (worker id -> gap ids in order) and their starts (minutes after ``DAY``, by
    gap id), as a published solution."""
    service_of = {
        gap_id(p.id, t.service): (p.id, t.service) for p in instance.patients for t in p.tasks
    }
    return Solution(
        tuple(
            Route(
                c.id,
                tuple(Visit(*service_of[g], starts[g]) for g in routes.get(c.id, [])),
            )
            for c in instance.caregivers
        )
    )
