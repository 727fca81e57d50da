"""Tiny cases for one hard rule each, judged three ways (after PyJobShop's "every test
against every solver"): the independent checker, the roster rules of
:mod:`flexbank.matching.legality` (or, for rules 1 and 6, the candidate filter), and
``solve()``, which must never produce a plan breaking the rule and must find a plan
covering as much as the holding one.

A case is a scenario (version 2 unless told), the assignments under judgement and
whether they keep the rule. Times are UTC text on the equator (GMT in London in
winter, so local time reads the same): 0.1 degree of longitude is 29 minutes' drive.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from flexbank.checker import check_plan
from flexbank.matching import solve
from flexbank.matching.legality import Roster
from flexbank.matching.problem import Problem
from flexbank.models import PRIORITIES, Plan, Scenario
from flexbank.reasons import RULE_NAMES, in_version
from flexbank.validation import load_plan, load_scenario

HERE = {"lat": 0.0, "lon": 0.0}
THERE = {"lat": 0.0, "lon": 0.1}  # 29 minutes' drive from HERE
COURSES = (
    "safeguarding_adults",
    "moving_handling",
    "infection_prevention",
    "basic_life_support",
    "fire_safety",
    "health_safety",
)
#: Rules judged by the roster rules (the others by the candidate filter or not at all).
ROSTER_RULES = {5: "overlap", 7: "daily_rest", 8: "weekly_rest", 9: "working_time",
                10: "visa_hours", 11: "offered_hours", 12: "break"}  # fmt: skip


def iso(text: str) -> str:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC).isoformat()


def worker(worker_id: str = "W1", version: int = 2, **fields: Any) -> dict[str, Any]:
    """A worker who passes every check of rules.md section 1 in winter 2026."""
    data: dict[str, Any] = {
        "id": worker_id,
        "name": f"Worker {worker_id}",
        "gender": "female",
        "date_of_birth": "1990-01-01",
        "home": HERE,
        "travel_mode": "drive",
        "max_travel_km": 50.0,
        "skills": [],
        "training": [
            {"course": c, "completed": "2026-06-01", "expires": "2027-06-01"} for c in COURSES
        ],
        "experience": [
            {"role": "carer", "sector": "adult_social_care", "country": "GB",
             "start": "2020-01-01", "end": None}
        ],
        "right_to_work": {"check": "list_a", "checked_on": "2026-01-05"},
        "dbs": {"level": "enhanced", "adults_barred_list": True, "issued": "2026-02-01",
                "update_service": False},
        "reg19": dict.fromkeys(
            ("photo_id_verified", "conduct_evidence", "reasons_for_leaving_verified",
             "employment_history_complete", "health_declaration"), True),
        "availability": [{"start": iso("2026-09-01 00:00"), "end": iso("2027-03-01 00:00")}],
        "commitments": [],
        "max_hours_per_week": 168.0,
        "wtd_opt_out": False,
        "previous_weekly_hours": [],
        "history": [],
    }  # fmt: skip
    if version >= 2:
        data["reg19"]["qualifications_verified"] = True
        data["night_health_assessment"] = "2026-10-01"
    data.update(fields)
    return data


def gap(gap_id: str, start: str, end: str, **fields: Any) -> dict[str, Any]:
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


def scenario(
    gaps: list[dict[str, Any]],
    workers: list[dict[str, Any]] | None = None,
    version: int = 2,
    **fields: Any,
) -> Scenario:
    """Three weeks from Monday 2026-11-30."""
    data: dict[str, Any] = {
        "format": f"flexbank.scenario/{version}",
        "name": "rule case",
        "as_of": iso("2026-11-29 12:00"),
        "horizon": {"start": iso("2026-11-30 00:00"), "end": iso("2026-12-21 00:00")},
        "providers": [{"id": "P1", "name": "Home", "kind": "care_home", "location": HERE}],
        "workers": workers if workers is not None else [worker(version=version)],
        "gaps": gaps,
        **fields,
    }
    return load_scenario(data)


def assign(the_gap: dict[str, Any], worker_id: str = "W1", start: str | None = None) -> dict:
    begin = dt.datetime.fromisoformat(iso(start) if start else the_gap["start"])
    length = dt.datetime.fromisoformat(the_gap["end"]) - dt.datetime.fromisoformat(the_gap["start"])
    return {"gap_id": the_gap["id"], "worker_id": worker_id, "start": begin.isoformat(),
            "end": (begin + length).isoformat()}  # fmt: skip


@dataclass(frozen=True)
class Case:
    name: str
    rule: int
    scenario: Scenario
    assignments: tuple[dict[str, str], ...]
    holds: bool
    pinned_released: tuple[dict[str, Any], ...] = ()

    @property
    def plan(self) -> Plan:
        return load_plan(
            {
                "format": self.scenario.plan_format,
                "scenario": self.scenario.name,
                "status": "feasible",
                "assignments": list(self.assignments),
                "released": list(self.pinned_released),
            },
            self.scenario,
        )

    def __str__(self) -> str:
        return self.name


def checker_holds(case: Case) -> bool:
    """The independent checker's verdict on the case's rule."""
    return case.rule not in {v.rule for v in check_plan(case.scenario, case.plan)}


def roster_holds(case: Case) -> bool | None:
    """The roster rules' verdict (rules 5, 7-12), or the candidate filter's (rules 1 and
    6); None for rules 2-4, which bind gaps and pins rather than one worker's roster."""
    problem = Problem(case.scenario)
    plan = case.plan
    if case.rule in (1, 6):
        return all(
            problem.first_failure(
                problem.worker_by_id[a.worker_id].index, problem.gap_by_id[a.gap_id].index
            )
            is None
            for a in plan.assignments
        )
    code = ROSTER_RULES.get(case.rule)
    if code is None:
        return None
    code = in_version(code, problem.version)
    by_worker: dict[int, dict[int, int]] = defaultdict(dict)
    for a in plan.assignments:
        w = problem.worker_by_id[a.worker_id].index
        by_worker[w][problem.gap_by_id[a.gap_id].index] = problem.minute(a.start)
    return all(code not in Roster(problem, w, mine).violations() for w, mine in by_worker.items())


def covered(scenario: Scenario, plan: Plan) -> tuple[float, ...]:
    gaps = {g.id: g for g in scenario.gaps}
    hours = dict.fromkeys(PRIORITIES, 0.0)
    for a in plan.assignments:
        hours[gaps[a.gap_id].priority] += (a.end - a.start).total_seconds() / 3600
    return tuple(hours[p] for p in PRIORITIES)


def three_ways(case: Case) -> None:
    """The checker and the roster rules give the expected verdict; ``solve()`` breaks
    no rule, and finds at least the holding plan's covered hours."""
    assert checker_holds(case) is case.holds, f"checker on {case.name}"
    verdict = roster_holds(case)
    if verdict is not None:
        assert verdict is case.holds, f"roster rules on {case.name}"
    solved = solve(case.scenario, time_limit=10, workers=1)
    assert solved.format == case.scenario.plan_format
    broken = check_plan(case.scenario, solved)
    assert broken == [], f"solve() on {case.name} breaks {broken}"
    if case.holds:
        assert covered(case.scenario, solved) >= covered(case.scenario, case.plan)


__all__ = [
    "HERE",
    "RULE_NAMES",
    "THERE",
    "Case",
    "assign",
    "gap",
    "scenario",
    "three_ways",
    "worker",
]
