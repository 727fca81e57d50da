"""Everything the rules and the quality figures read, built once per plan."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from functools import cached_property
from typing import TYPE_CHECKING

from flexbank.checker.calendar import Calendar, seconds
from flexbank.checker.engagements import (
    DutyPeriod,
    Engagement,
    duty_periods,
    from_assignment,
    from_commitment,
)
from flexbank.checker.travel import Travel
from flexbank.index import ScenarioIndex
from flexbank.models import Assignment, Plan, Scenario, Worker

if TYPE_CHECKING:
    from flexbank.compliance import Compliance


class Context:
    """A scenario and a plan, seen per worker.

    Only assignments whose gap and worker exist take part in rules 2 to 11 and in the
    quality figures; the others are reported once, under rule 1.
    """

    def __init__(self, scenario: Scenario, plan: Plan) -> None:
        self.scenario = scenario
        self.plan = plan
        self.index = ScenarioIndex(scenario)
        self.policy = self.index.policy
        self.calendar = Calendar(scenario.timezone)
        self.travel = Travel(self.policy, scenario.travel_matrices)
        self.assignments: list[Assignment] = [
            a
            for a in plan.assignments
            if a.gap_id in self.index.gaps and a.worker_id in self.index.workers
        ]
        by_worker: defaultdict[str, list[Assignment]] = defaultdict(list)
        for a in self.assignments:
            by_worker[a.worker_id].append(a)
        #: assigned workers only, in the scenario's order
        self.assigned: dict[str, list[Assignment]] = {
            w.id: by_worker[w.id] for w in scenario.workers if w.id in by_worker
        }
        self._engagements: dict[str, list[Engagement]] = {}
        self._periods: dict[str, list[DutyPeriod]] = {}

    @cached_property
    def compliance(self) -> Compliance:
        from flexbank.compliance import Compliance

        return Compliance(self.scenario)

    def worker(self, worker_id: str) -> Worker:
        return self.index.workers[worker_id]

    def engagements(self, worker_id: str) -> list[Engagement]:
        """The worker's assignments plus commitments."""
        if worker_id not in self._engagements:
            worker = self.worker(worker_id)
            items = [
                from_assignment(a, self.index.location_of(self.index.gaps[a.gap_id]))
                for a in self.assigned.get(worker_id, [])
            ]
            items += [from_commitment(c) for c in worker.commitments]
            self._engagements[worker_id] = items
        return self._engagements[worker_id]

    def periods(self, worker_id: str) -> list[DutyPeriod]:
        """The worker's duty periods over all their engagements (rule 7)."""
        if worker_id not in self._periods:
            self._periods[worker_id] = duty_periods(
                self.engagements(worker_id), self.policy.daily_rest_hours
            )
        return self._periods[worker_id]

    def assignment_weeks(self, worker_id: str) -> list[dt.date]:
        """The weeks (by Monday) that at least one of the worker's assignments reaches."""
        weeks: set[dt.date] = set()
        for e in self.engagements(worker_id):
            if e.is_assignment:
                weeks.update(self.calendar.weeks_touched(e.start, e.end))
        return sorted(weeks)

    @cached_property
    def first_monday(self) -> dt.date:
        """The Monday of the horizon's first local ISO week."""
        return self.calendar.monday_of(seconds(self.scenario.horizon.start))
