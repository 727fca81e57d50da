"""Time for the checker: instants as whole epoch seconds, local ISO weeks.

Written independently of :mod:`flexbank.timeline` (the solver's helper) on purpose.
Every duration is real elapsed time, so all arithmetic is on epoch seconds (never on
local wall-clock datetimes); the local timezone is used only to find where a local
ISO week (Monday 00:00 to the next Monday 00:00) begins and ends. A week across a
clock change is therefore 167 or 169 hours long.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

HOUR = 3600
MINUTE = 60
WEEK = dt.timedelta(days=7)


def seconds(instant: dt.datetime) -> int:
    """An aware datetime as whole seconds since the epoch (sub-seconds dropped)."""
    return int(instant.timestamp())


class Calendar:
    """Local weeks of one timezone; a week is named by the date of its Monday."""

    def __init__(self, timezone: str) -> None:
        self.tz = ZoneInfo(timezone)
        self._starts: dict[dt.date, int] = {}

    def local(self, t: int) -> dt.datetime:
        return dt.datetime.fromtimestamp(t, self.tz)

    def show(self, t: int) -> str:
        """An instant for people: local date and time with the zone's abbreviation."""
        return self.local(t).strftime("%Y-%m-%d %H:%M %Z")

    def monday_of(self, t: int) -> dt.date:
        day = self.local(t).date()
        return day - dt.timedelta(days=day.weekday())

    def week_start(self, monday: dt.date) -> int:
        """The instant of local Monday 00:00."""
        if monday not in self._starts:
            midnight = dt.datetime.combine(monday, dt.time(0), tzinfo=self.tz)
            self._starts[monday] = seconds(midnight)
        return self._starts[monday]

    def week_bounds(self, monday: dt.date) -> tuple[int, int]:
        """``[start, end)`` of the week beginning on ``monday``, in epoch seconds."""
        return self.week_start(monday), self.week_start(monday + WEEK)

    def split(self, start: int, end: int) -> list[tuple[dt.date, int]]:
        """The seconds of ``[start, end)`` in each local week it touches, in order."""
        pieces: list[tuple[dt.date, int]] = []
        monday = self.monday_of(start)
        while True:
            week_start, week_end = self.week_bounds(monday)
            if week_start >= end:
                break
            inside = min(end, week_end) - max(start, week_start)
            if inside > 0:
                pieces.append((monday, inside))
            monday += WEEK
        return pieces

    def weeks_touched(self, start: int, end: int) -> list[dt.date]:
        """The weeks that ``[start, end)`` has at least one second in."""
        return [monday for monday, _ in self.split(start, end)]


def _clock(text: str) -> dt.time:
    hours, minutes = text.split(":")
    return dt.time(int(hours), int(minutes))


def night_seconds(
    calendar: Calendar, start: int, end: int, night_start: str, night_end: str
) -> int:
    """Seconds of ``[start, end)`` in local night time: each local night from
    ``night_start`` to ``night_end`` the next morning (rules.md section 0, version 2)."""
    begin, finish = _clock(night_start), _clock(night_end)
    total = 0
    day = calendar.local(start).date() - dt.timedelta(days=1)
    while True:
        night_from = seconds(dt.datetime.combine(day, begin, tzinfo=calendar.tz))
        if night_from >= end:
            break
        morning = day + dt.timedelta(days=1) if finish <= begin else day
        night_to = seconds(dt.datetime.combine(morning, finish, tzinfo=calendar.tz))
        total += max(0, min(end, night_to) - max(start, night_from))
        day += dt.timedelta(days=1)
    return total
