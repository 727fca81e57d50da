"""A worker's engagements (assignments plus commitments), duty periods and working time.

Everything here follows rules.md sections 0 and 2 literally:

- A worker's engagements are their assignments plus their commitments.
- Duty periods (rule 7): walk the engagements in order of start; one joins the
  current duty period if it starts less than ``daily_rest_hours`` after the latest
  end so far, otherwise it opens a new one.
- Travel is needed only between consecutive engagements that both have a location
  (an engagement without one is skipped when pairing), and it lies immediately
  before the engagement it leads to.
- Working time (rule 9) is engagement time plus the travel between consecutive
  engagements of the same duty period. Each travel leg is the interval
  ``[next.start - travel, next.start)``; it counts in the week in which it lies and
  is split at a week boundary like an engagement.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import pairwise

from flexbank.checker.calendar import HOUR, MINUTE, seconds
from flexbank.checker.travel import Travel
from flexbank.models import Assignment, Commitment, Location, Worker


@dataclass(frozen=True)
class Engagement:
    """One stretch of work: an assignment (``gap_id`` set) or a commitment."""

    start: int  # epoch seconds
    end: int
    location: Location | None
    gap_id: str | None = None
    main_job: bool = False
    label: str = ""

    @property
    def is_assignment(self) -> bool:
        return self.gap_id is not None

    def describe(self) -> str:
        if self.gap_id is not None:
            return f"gap {self.gap_id}"
        return f"commitment {self.label!r}" if self.label else "a commitment"


@dataclass(frozen=True)
class Interval:
    """A stretch of working time: an engagement, or the travel leading to one."""

    start: int
    end: int
    main_job: bool  # it is a main-job commitment, or the travel leading to one


@dataclass
class DutyPeriod:
    engagements: list[Engagement] = field(default_factory=list)

    @property
    def start(self) -> int:
        return self.engagements[0].start

    @property
    def end(self) -> int:
        return max(e.end for e in self.engagements)

    @property
    def assignments(self) -> list[Engagement]:
        return [e for e in self.engagements if e.is_assignment]

    def located(self) -> list[Engagement]:
        """Its engagements that have a location, in order of start."""
        return [e for e in self.engagements if e.location is not None]


def from_assignment(assignment: Assignment, location: Location) -> Engagement:
    return Engagement(
        seconds(assignment.start), seconds(assignment.end), location, gap_id=assignment.gap_id
    )


def from_commitment(commitment: Commitment) -> Engagement:
    return Engagement(
        seconds(commitment.start),
        seconds(commitment.end),
        commitment.location,
        main_job=commitment.main_job,
        label=commitment.label or "",
    )


def in_order(engagements: list[Engagement]) -> list[Engagement]:
    return sorted(engagements, key=lambda e: (e.start, e.end))


def duty_periods(engagements: list[Engagement], daily_rest_hours: float) -> list[DutyPeriod]:
    """Rule 7's duty periods of one worker's engagements."""
    rest = daily_rest_hours * HOUR
    periods: list[DutyPeriod] = []
    latest_end = 0
    for engagement in in_order(engagements):
        if periods and engagement.start < latest_end + rest:
            periods[-1].engagements.append(engagement)
            latest_end = max(latest_end, engagement.end)
        else:
            periods.append(DutyPeriod([engagement]))
            latest_end = engagement.end
    return periods


def located_pairs(engagements: list[Engagement]) -> Iterator[tuple[Engagement, Engagement]]:
    """Consecutive engagements (in order of start) that both have a location."""
    located = [e for e in in_order(engagements) if e.location is not None]
    yield from pairwise(located)


def leg_minutes(travel: Travel, worker: Worker, a: Engagement, b: Engagement) -> float:
    """Travel minutes from ``a`` to ``b`` (fractional only for a /2.1 matrix entry)."""
    assert a.location is not None and b.location is not None
    return travel.minutes(a.location, b.location, worker.travel_mode)


def leg_slack(travel: Travel, worker: Worker, a: Engagement, b: Engagement) -> int:
    """The checker's slack on that leg: one minute on an estimate, none on a matrix entry."""
    assert a.location is not None and b.location is not None
    return travel.slack(a.location, b.location, worker.travel_mode)


def working_intervals(
    worker: Worker,
    periods: list[DutyPeriod],
    travel: Travel,
    slack_minutes: int = 0,
) -> list[Interval]:
    """Engagements plus the travel legs inside each duty period (rule 9).

    ``slack_minutes`` shortens every estimated travel leg (never below zero): the
    checker judges working-time limits with the one-minute travel slack of section 0. A
    /2.1 matrix entry is exact: no slack, its seconds rounded to the nearest second.
    """
    intervals: list[Interval] = []
    for period in periods:
        for engagement in period.engagements:
            intervals.append(Interval(engagement.start, engagement.end, engagement.main_job))
        for a, b in located_pairs(period.engagements):
            slack = min(slack_minutes, leg_slack(travel, worker, a, b))
            minutes = max(0, leg_minutes(travel, worker, a, b) - slack)
            if minutes:
                intervals.append(Interval(b.start - round(minutes * MINUTE), b.start, b.main_job))
    return intervals
