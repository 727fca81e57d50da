"""The rules of a worker's week as the independent checker judges them.

The week page shows the verdicts of :func:`flexbank.checker.check_plan` on the worker's
own engagements (bookings and planned gaps as assignments, other work as commitments),
so that it warns exactly where a plan breaks a rule (travel and duty periods included),
and never where it breaks none.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from flexbank import timeline
from flexbank.checker import check_plan
from flexbank.models import Location, Worker
from flexbank.reasons import RULE_NAMES
from flexbank.validation import FormatError, load_plan, load_scenario

#: The rules about one worker's engagements (the others are about gaps and pins).
WEEK_RULES = (5, 7, 8, 9, 10, 11, 12)
_TITLES = {5: "Overlap or travel", 12: "Rest break"}


class EngagementLike(Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def start(self) -> dt.datetime: ...
    @property
    def end(self) -> dt.datetime: ...
    @property
    def location(self) -> Location | None: ...
    @property
    def gap_id(self) -> str | None: ...


@dataclass(frozen=True)
class WeekCheck:
    rule: int
    title: str
    message: str


def week_checks(
    worker: Worker,
    engagements: Sequence[EngagementLike],
    monday: dt.date,
    tz: str,
    as_of: dt.datetime,
) -> list[WeekCheck]:
    """The checker's violations of rules 5 and 7 to 12 that touch the week of ``monday``."""
    work = [e for e in engagements if e.kind != "commitment" and e.gap_id and e.location]
    if not work:
        return []
    week_start, week_end = timeline.week_bounds(monday, tz)
    first = min([timeline.week_start(min(e.start for e in work), tz), week_start])
    last = max(e.start for e in work) + dt.timedelta(minutes=1)
    version = 2 if worker.has_version_2_records else 1
    person = worker if version == 2 else worker.as_version_1()
    gaps: list[dict[str, Any]] = []
    assignments = []
    for number, e in enumerate(work):
        assert e.location is not None
        gap_id = f"{e.gap_id}#{number}"
        gaps.append(
            {
                "id": gap_id,
                "provider_id": "P",
                "kind": "shift",
                "reason": "other",
                "priority": "routine",
                "start": e.start.isoformat(),
                "end": e.end.isoformat(),
                "location": e.location.model_dump(mode="json"),
            }
        )
        assignments.append(
            {
                "gap_id": gap_id,
                "worker_id": worker.id,
                "start": e.start.isoformat(),
                "end": e.end.isoformat(),
            }
        )
    data = {
        "format": f"flexbank.scenario/{version}",
        "name": "week",
        "timezone": tz,
        "as_of": min(as_of, first).isoformat(),
        "horizon": {"start": first.isoformat(), "end": max(last, week_end).isoformat()},
        "providers": [
            {"id": "P", "name": "P", "kind": "other", "location": worker.home.model_dump()}
        ],
        "workers": [person.model_dump(mode="json")],
        "gaps": gaps,
    }
    try:
        scenario = load_scenario(data)
    except FormatError:
        return []  # engagements that overlap each other as pins: nothing to judge here
    plan = load_plan(
        {
            "format": f"flexbank.plan/{version}",
            "scenario": "week",
            "status": "feasible",
            "assignments": assignments,
        },
        scenario,
    )
    in_week = {
        g["id"]
        for g in gaps
        if dt.datetime.fromisoformat(g["start"]) < week_end
        and dt.datetime.fromisoformat(g["end"]) > week_start
    }
    out = []
    for v in check_plan(scenario, plan):
        if v.rule in WEEK_RULES and (v.gap_id is None or v.gap_id in in_week):
            title = _TITLES.get(v.rule, RULE_NAMES[v.rule].replace("_", " ").capitalize())
            out.append(WeekCheck(v.rule, title, _plain(v.message)))
    return out


def _plain(message: str) -> str:
    """Checker messages name our synthetic gap ids; show the engagement's own id."""
    return re.sub(r"gap (\S+?)#\d+", r"\1", message)


__all__ = ["WEEK_RULES", "WeekCheck", "week_checks"]
