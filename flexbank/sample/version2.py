"""The version 2 records of a sample week, added over its version 1 records.

A separate random stream (from the seed) adds what ``flexbank.scenario/2`` knows, so the
same arguments give the same week in both versions, differing only by these records
(the benchmarks compare the two readings): the sixth Schedule 3 flag (a few not yet
verified), fire safety and health and safety training (some records without an expiry
date, read by ``training_validity_months``), DBS results (some with disclosed
information, most of those risk-assessed), Update Service status results (a few with new
information), night health assessments for workers who offer nights (some out of date,
some missing), and returners whose 17-week windows start with their return (their
``previous_weekly_hours`` show the break). Opted-out workers keep their opt-out, which
version 2 ignores for night workers.
"""

from __future__ import annotations

import copy
import datetime as dt
import random
from typing import Any
from zoneinfo import ZoneInfo

from flexbank.models import SCENARIO_FORMAT, SCENARIO_FORMAT_2, V2_FIELDS, Dbs, Reg19, Worker
from flexbank.timeline import add_months, night_minutes

#: Courses version 2 adds to the defaults, with how long a record usually lasts (months).
NEW_COURSES = (("fire_safety", 12), ("health_safety", 36))


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _offers_nights(worker: dict[str, Any], tz: str) -> bool:
    for period in worker["availability"]:
        start = dt.datetime.fromisoformat(period["start"])
        end = dt.datetime.fromisoformat(period["end"])
        if night_minutes(start, end, tz, "23:00", "06:00") >= 180:
            return True
    return False


def add_version_2(data: dict[str, Any], seed: int) -> dict[str, Any]:
    """The version 2 reading of a version 1 sample dict (a new dict)."""
    out = copy.deepcopy(data)
    out["format"] = SCENARIO_FORMAT_2
    tz = out.get("timezone", "Europe/London")
    today = dt.datetime.fromisoformat(out["as_of"]).astimezone(ZoneInfo(tz)).date()
    rng = random.Random(f"flexbank-sample-v2-{seed}")

    def days_ago(low: int, high: int) -> dt.date:
        return today - dt.timedelta(days=rng.randint(low, high))

    for worker in out["workers"]:
        worker["reg19"]["qualifications_verified"] = rng.random() >= 0.015
        for course, months in NEW_COURSES:
            completed = days_ago(20, months * 30 - 20)
            record: dict[str, Any] = {"course": course, "completed": completed.isoformat()}
            record["expires"] = (
                None if rng.random() < 0.35 else add_months(completed, months).isoformat()
            )
            worker["training"].append(record)
        dbs = worker["dbs"]
        roll = rng.random()
        if roll < 0.03:
            dbs["result"] = "information_disclosed"
            issued = _date(dbs["issued"])
            assessed = issued + dt.timedelta(days=rng.randint(3, 40))
            dbs["risk_assessed_on"] = assessed.isoformat() if assessed <= today else None
        elif roll < 0.045:
            dbs["result"] = "information_disclosed"
            dbs["risk_assessed_on"] = None
        else:
            dbs["result"] = "clear"
        if dbs.get("update_service") and dbs.get("last_status_check"):
            dbs["last_status_result"] = "new_information" if rng.random() < 0.02 else "no_change"
        if _offers_nights(worker, tz):
            roll = rng.random()
            if roll < 0.75:
                worker["night_health_assessment"] = days_ago(10, 330).isoformat()
            elif roll < 0.87:
                worker["night_health_assessment"] = days_ago(380, 700).isoformat()
        if rng.random() < 0.03:
            back = rng.randint(1, 15)  # weeks since the return
            monday = today - dt.timedelta(days=today.weekday())
            start = monday - dt.timedelta(weeks=back - 1) + dt.timedelta(days=rng.randint(0, 4))
            worker["employment_start"] = min(start, today).isoformat()
            hours = worker["previous_weekly_hours"]
            before = max(0, len(hours) - back)
            worker["previous_weekly_hours"] = [0.0] * before + hours[before:]
    return out


def as_version_1(data: dict[str, Any]) -> dict[str, Any]:
    """A version 2 sample dict read as version 1: its version 2 records left out."""
    out = copy.deepcopy(data)
    out["format"] = SCENARIO_FORMAT
    for worker in out["workers"]:
        for name in V2_FIELDS[Worker]:
            worker.pop(name, None)
        for name in V2_FIELDS[Dbs]:
            worker["dbs"].pop(name, None)
        for name in V2_FIELDS[Reg19]:
            worker["reg19"].pop(name, None)
        worker["training"] = [t for t in worker["training"] if t["course"] not in dict(NEW_COURSES)]
    return out


__all__ = ["NEW_COURSES", "add_version_2", "as_version_1"]
