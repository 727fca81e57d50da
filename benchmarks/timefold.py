"""Timefold's employee-scheduling demo data as flexbank scenarios (the peer benchmark).

The data (``data/timefold/``, see ``SOURCE.txt``) is the demo of Timefold's Python
employee-scheduling quickstart: employees with skills and unavailable dates, and shifts
with one required skill. Its hard rules, and how the adapter expresses each in flexbank:

- **required skill**: the gap's ``skills`` is ``[shift.skill]``; workers hold their
  Timefold skills (rules.md 1, ``skill``).
- **no overlap**: rules.md 2.5. All places are one site, so travel is 0 and adds nothing.
- **at least 10 h between two shifts**: policy ``daily_rest_hours`` 10 with
  ``max_duty_span_hours`` equal to the longest shift. Two shifts less than 10 h apart
  fall in one duty period (rule 7), which then spans more than the longest shift, so
  they cannot both be assigned; shifts 10 h or more apart open separate duty periods.
- **at most one shift per (start) day**: implied by the 10 h rule when no two shifts
  that start on the same day can be 10 h apart; :func:`same_day_pairs_allowed` checks
  that for the data (it is true for the demo's 06/09/14/22 o'clock 8-hour shifts) and
  :func:`to_scenario` refuses data where it is not, rather than solve a looser problem.
- **not on unavailable dates**: availability periods are the horizon minus those whole
  days, so a shift that touches an unavailable date (its start or end date is one) fits
  no period (rules.md 1, ``availability``).
- **every shift filled if possible**: headcount 1 and one priority (``urgent``), so the
  first criterion that differs is covered hours of all shifts alike.

Everything else is neutralised: workers pass every compliance check (GB care
experience, list A right to work, enhanced DBS on the Update Service, all Regulation 19
flags, all mandatory training, age 30), no weekly rest (``weekly_rest_hours`` 0), opted
out of the 48-hour week, 168 offered hours a week, no visa limit, no previous hours.

:func:`timefold_violations` re-checks a plan against Timefold's own hard rules, written
directly from the quickstart's constraint definitions (not through flexbank).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

from flexbank.checker import check_plan
from flexbank.models import Plan, Scenario
from flexbank.policy import DEFAULT_MANDATORY_TRAINING
from flexbank.validation import load_scenario

DATA_DIR = Path(__file__).resolve().parent / "data" / "timefold"
SIZES = ("SMALL", "LARGE")
#: Timefold's times are local date-times with no zone; read them as UTC days.
TIMEZONE = "UTC"
REST_HOURS = 10
#: One site for every Timefold location (Fairfield General Hospital, Bury).
SITE = {"lat": 53.5922, "lon": -2.2786, "postcode": "BL9 7TD"}
PRIORITY = "urgent"


@dataclass(frozen=True)
class TfEmployee:
    name: str
    skills: tuple[str, ...]
    unavailable: frozenset[dt.date]


@dataclass(frozen=True)
class TfShift:
    id: str
    start: dt.datetime  # naive, as in the data
    end: dt.datetime
    location: str
    skill: str

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600


@dataclass(frozen=True)
class TfData:
    name: str
    employees: tuple[TfEmployee, ...]
    shifts: tuple[TfShift, ...]


def load(size: str, directory: Path = DATA_DIR) -> TfData:
    """The demo data of one size (``SMALL`` or ``LARGE``)."""
    raw = json.loads((directory / f"demo_{size}.json").read_text(encoding="utf-8"))
    return parse(raw, f"timefold-{size.lower()}")


def parse(raw: dict[str, Any], name: str) -> TfData:
    employees = tuple(
        TfEmployee(
            name=e["name"],
            skills=tuple(e["skills"]),
            unavailable=frozenset(dt.date.fromisoformat(d) for d in e.get("unavailable", [])),
        )
        for e in raw["employees"]
    )
    shifts = tuple(
        TfShift(
            id=str(s["id"]),
            start=dt.datetime.fromisoformat(s["start"]),
            end=dt.datetime.fromisoformat(s["end"]),
            location=s["location"],
            skill=s["skill"],
        )
        for s in raw["shifts"]
    )
    return TfData(name, employees, shifts)


# ------------------------------------------------------------------ the adapter


Span = tuple[dt.datetime, dt.datetime]


def same_day_pairs_allowed(
    shifts: Iterable[TfShift], rest_hours: float = REST_HOURS
) -> list[tuple[Span, Span]]:
    """Pairs of shift times (start, end) that start on the same day yet neither overlap
    nor come within ``rest_hours`` of each other: the pairs that the 10-hour rule alone
    would allow although Timefold's one-shift-per-day rule forbids them.

    Empty means "at most one shift per day" is implied by the rest rule for this data.
    """
    rest = dt.timedelta(hours=rest_hours)
    times = sorted({(s.start, s.end) for s in shifts})
    by_day: dict[dt.date, list[Span]] = defaultdict(list)
    for start, end in times:
        by_day[start.date()].append((start, end))
    allowed = []
    for day_times in by_day.values():
        for a, b in combinations(day_times, 2):
            first, second = sorted((a, b))
            if second[0] >= first[1] + rest:
                allowed.append((first, second))
    return allowed


def _iso(moment: dt.datetime) -> str:
    return moment.replace(tzinfo=dt.UTC).isoformat()


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0))


def horizon_of(data: TfData) -> tuple[dt.datetime, dt.datetime]:
    """Midnight of the first shift's start day to midnight after the last start day."""
    first = min(s.start for s in data.shifts).date()
    last = max(s.start for s in data.shifts).date()
    return _day_start(first), _day_start(last + dt.timedelta(days=1))


def availability_of(employee: TfEmployee, first: dt.date, last: dt.date) -> list[dict[str, str]]:
    """Periods of whole days from ``first`` to ``last`` inclusive, without unavailable days."""
    periods = []
    day = first
    run_start: dt.date | None = None
    while day <= last + dt.timedelta(days=1):
        free = day <= last and day not in employee.unavailable
        if free and run_start is None:
            run_start = day
        elif not free and run_start is not None:
            periods.append({"start": _iso(_day_start(run_start)), "end": _iso(_day_start(day))})
            run_start = None
        day += dt.timedelta(days=1)
    return periods


def worker_id(index: int) -> str:
    return f"E{index + 1:03d}"


def provider_ids(data: TfData) -> dict[str, str]:
    locations = sorted({s.location for s in data.shifts})
    return {loc: f"P{i + 1:02d}" for i, loc in enumerate(locations)}


def to_scenario_dict(data: TfData) -> dict[str, Any]:
    """The flexbank scenario (as JSON-ready dict) of the Timefold data; see the module doc."""
    loose = same_day_pairs_allowed(data.shifts)
    if loose:
        raise ValueError(
            "the 10-hour rule does not imply one shift per day for these shift times "
            f"({len(loose)} same-day pairs are 10 h apart); flexbank has no rule to express it"
        )
    start, end = horizon_of(data)
    as_of = start - dt.timedelta(hours=12)
    longest = max(s.hours for s in data.shifts)
    last_day = max(s.end for s in data.shifts).date()
    ready = as_of.date()
    providers = provider_ids(data)
    workers = []
    for i, e in enumerate(data.employees):
        workers.append(
            {
                "id": worker_id(i),
                "name": e.name,
                "gender": "other",
                "date_of_birth": ready.replace(year=ready.year - 30).isoformat(),
                "home": SITE,
                "travel_mode": "drive",
                "max_travel_km": 1000.0,
                "skills": [{"name": s} for s in e.skills],
                "training": [
                    {"course": c, "completed": (ready - dt.timedelta(days=30)).isoformat()}
                    for c in DEFAULT_MANDATORY_TRAINING
                ],
                "experience": [
                    {
                        "role": "clinician",
                        "sector": "health",
                        "country": "GB",
                        "start": (ready - dt.timedelta(days=5 * 365)).isoformat(),
                        "end": None,
                    }
                ],
                "right_to_work": {
                    "check": "list_a",
                    "checked_on": (ready - dt.timedelta(days=365)).isoformat(),
                },
                "dbs": {
                    "level": "enhanced",
                    "adults_barred_list": True,
                    "issued": (ready - dt.timedelta(days=400)).isoformat(),
                    "update_service": True,
                    "last_status_check": (ready - dt.timedelta(days=1)).isoformat(),
                },
                "reg19": {
                    "photo_id_verified": True,
                    "conduct_evidence": True,
                    "reasons_for_leaving_verified": True,
                    "employment_history_complete": True,
                    "health_declaration": True,
                },
                "availability": availability_of(e, start.date(), last_day),
                "commitments": [],
                "max_hours_per_week": 168.0,
                "wtd_opt_out": True,
                "previous_weekly_hours": [],
                "history": [],
            }
        )
    gaps = [
        {
            "id": s.id,
            "provider_id": providers[s.location],
            "client_id": None,
            "kind": "shift",
            "reason": "vacancy",
            "priority": PRIORITY,
            "start": _iso(s.start),
            "end": _iso(s.end),
            "skills": [s.skill],
            "headcount": 1,
        }
        for s in data.shifts
    ]
    return {
        "format": "flexbank.scenario/1",
        "name": data.name,
        "timezone": TIMEZONE,
        "as_of": _iso(as_of),
        "horizon": {"start": _iso(start), "end": _iso(end)},
        "policy": {
            "daily_rest_hours": REST_HOURS,
            "max_duty_span_hours": longest,
            "max_engagement_hours": max(12.0, longest),
            "weekly_rest_hours": 0,
        },
        "providers": [
            {"id": pid, "name": loc, "kind": "other", "location": SITE}
            for loc, pid in sorted(providers.items(), key=lambda item: item[1])
        ],
        "clients": [],
        "workers": workers,
        "gaps": gaps,
        "pinned": [],
    }


def to_scenario(data: TfData) -> Scenario:
    """The validated flexbank scenario of the Timefold data."""
    return load_scenario(to_scenario_dict(data))


# ------------------------------------------------- Timefold's own hard rules


def timefold_violations(data: TfData, pairs: Iterable[tuple[str, str]]) -> list[str]:
    """Breaks of Timefold's hard rules by ``(shift id, employee name)`` assignments.

    Written from the quickstart's constraints, independently of flexbank: required
    skill; no overlapping shifts; at least 10 h between two shifts (floor of the hours
    between them below 10); at most one shift per start date; no shift whose start or
    end date is unavailable; at most one employee per shift. Unfilled shifts are not
    counted here (Timefold assigns every shift; flexbank leaves the rest unfilled).
    """
    shifts = {s.id: s for s in data.shifts}
    employees = {e.name: e for e in data.employees}
    problems: list[str] = []
    per_shift: dict[str, list[str]] = defaultdict(list)
    per_employee: dict[str, list[TfShift]] = defaultdict(list)
    for shift_id, name in pairs:
        shift, employee = shifts.get(shift_id), employees.get(name)
        if shift is None or employee is None:
            problems.append(f"unknown shift {shift_id!r} or employee {name!r}")
            continue
        per_shift[shift_id].append(name)
        per_employee[name].append(shift)
        if shift.skill not in employee.skills:
            problems.append(f"required skill: {name} lacks {shift.skill} for shift {shift_id}")
        for day in {shift.start.date(), shift.end.date()}:
            if day in employee.unavailable:
                problems.append(f"unavailable: {name} on {day} (shift {shift_id})")
    for shift_id, names in per_shift.items():
        if len(names) > 1:
            problems.append(f"shift {shift_id} has {len(names)} employees")
    for name, mine in per_employee.items():
        for a, b in combinations(sorted(mine, key=lambda s: (s.start, s.end)), 2):
            if a.start < b.end and b.start < a.end:
                problems.append(f"overlap: {name} on shifts {a.id} and {b.id}")
            elif a.end <= b.start and (b.start - a.end).total_seconds() // 3600 < REST_HOURS:
                problems.append(f"10 h between shifts: {name} on shifts {a.id} and {b.id}")
            if a.start.date() == b.start.date():
                problems.append(f"one shift per day: {name} on shifts {a.id} and {b.id}")
    return problems


def plan_pairs(scenario: Scenario, plan: Plan) -> list[tuple[str, str]]:
    """A plan's assignments as (shift id, employee name)."""
    names = {w.id: w.name for w in scenario.workers}
    return [(a.gap_id, names[a.worker_id]) for a in plan.assignments]


# ---------------------------------------------------------------- the benchmark


def run(
    size: str,
    time_limit: float,
    solve: Callable[..., Plan] | None = None,
    workers: int = 2,
) -> dict[str, Any]:
    """Adapt, solve and check one size; the figures of the results table."""
    if solve is None:
        from flexbank.matching import solve as solve_
    else:
        solve_ = solve
    data = load(size)
    clock = time.monotonic()
    scenario = to_scenario(data)
    adapt_seconds = time.monotonic() - clock
    events: list[list[Any]] = []

    def progress(event: Any) -> None:
        events.append(
            [round(event.elapsed, 3), event.phase, event.stage, event.objective, event.bound]
        )

    clock = time.monotonic()
    plan = solve_(scenario, time_limit=time_limit, workers=workers, progress=progress)
    wall = time.monotonic() - clock
    metrics = plan.metrics
    extras = metrics.model_extra or {}
    total_hours = sum(s.hours for s in data.shifts)
    bound = metrics.upper_bound_hours
    bound_hours = getattr(bound, PRIORITY) if bound is not None else None
    covered = getattr(metrics.covered_hours, PRIORITY)
    filled = {a.gap_id for a in plan.assignments}
    lengths = {s.hours for s in data.shifts}
    shift_hours = lengths.pop() if len(lengths) == 1 else None
    return {
        "size": size,
        "employees": len(data.employees),
        "shifts": len(data.shifts),
        "days": (horizon_of(data)[1] - horizon_of(data)[0]).days,
        "time_limit": time_limit,
        "adapt_seconds": round(adapt_seconds, 3),
        "one_per_day_implied": not same_day_pairs_allowed(data.shifts),
        "shift_hours_total": total_hours,
        "filled": len(filled),
        "covered_hours": covered,
        "bound_hours": bound_hours,
        "bound_shifts": (
            round(bound_hours / shift_hours, 3) if bound_hours is not None and shift_hours else None
        ),
        "status": plan.status,
        "stages_proven": extras.get("stages_proven"),
        "mode": extras.get("mode"),
        "candidates": extras.get("candidates"),
        "first_feasible_seconds": extras.get("first_feasible_seconds"),
        "solve_seconds": metrics.solve_seconds,
        "wall_seconds": round(wall, 3),
        "baseline_covered_hours": (extras.get("baseline_covered_hours") or {}).get(PRIORITY),
        "checker_violations": [str(v) for v in check_plan(scenario, plan)],
        "timefold_violations": timefold_violations(data, plan_pairs(scenario, plan)),
        "events": events,
    }


__all__ = [
    "DATA_DIR",
    "SIZES",
    "TfData",
    "TfEmployee",
    "TfShift",
    "availability_of",
    "horizon_of",
    "load",
    "parse",
    "plan_pairs",
    "run",
    "same_day_pairs_allowed",
    "timefold_violations",
    "to_scenario",
    "to_scenario_dict",
]
