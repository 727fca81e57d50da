"""Local calendar conventions of rules.md section 0: dates, ISO weeks, whole minutes.

Durations are real elapsed time; days and weeks are local to the scenario's timezone,
so a week across a clock change is 167 or 169 hours long.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from functools import lru_cache
from zoneinfo import ZoneInfo

MINUTE = dt.timedelta(minutes=1)


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_date(instant: dt.datetime, tz: str) -> dt.date:
    return instant.astimezone(zone(tz)).date()


def first_minute_date(start: dt.datetime, tz: str) -> dt.date:
    """The local date of an engagement's first minute (its start date)."""
    return local_date(start, tz)


def last_minute_date(end: dt.datetime, tz: str) -> dt.date:
    """The local date of an engagement's last minute (its end date)."""
    return local_date(end - MINUTE, tz)


def week_monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def local_midnight(day: dt.date, tz: str) -> dt.datetime:
    """The instant at which local date ``day`` begins, in UTC."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=zone(tz)).astimezone(dt.UTC)


def week_start(instant: dt.datetime, tz: str) -> dt.datetime:
    """Monday 00:00 local of the ISO week holding ``instant``, in UTC."""
    return local_midnight(week_monday(local_date(instant, tz)), tz)


def week_bounds(monday: dt.date, tz: str) -> tuple[dt.datetime, dt.datetime]:
    return local_midnight(monday, tz), local_midnight(monday + dt.timedelta(days=7), tz)


def weeks_between(first_monday: dt.date, monday: dt.date) -> int:
    """Whole weeks from one Monday to another (negative when earlier)."""
    return (monday - first_monday).days // 7


def split_by_week(
    start: dt.datetime, end: dt.datetime, tz: str
) -> Iterator[tuple[dt.date, dt.timedelta]]:
    """The part of ``[start, end)`` in each local week, as (Monday, duration)."""
    cursor = start
    while cursor < end:
        monday = week_monday(local_date(cursor, tz))
        _, week_end = week_bounds(monday, tz)
        piece_end = min(end, week_end)
        yield monday, piece_end - cursor
        cursor = piece_end


def minutes(delta: dt.timedelta) -> int:
    """Whole minutes in a duration (times in the format are whole minutes)."""
    return int(delta.total_seconds() // 60)


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months later; the 31st lands on the last day of a shorter month."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    next_first = dt.date(year + (month // 12), month % 12 + 1, 1)
    last_day = (next_first - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last_day))


def night_minutes(
    start: dt.datetime, end: dt.datetime, tz: str, night_start: str, night_end: str
) -> int:
    """Minutes of ``[start, end)`` inside local night time (rules.md section 0, /2):
    every night from ``night_start`` to the next ``night_end`` (real elapsed time, so a
    night across a clock change is an hour shorter or longer)."""
    zone_ = zone(tz)
    begin, finish = dt.time.fromisoformat(night_start), dt.time.fromisoformat(night_end)
    overnight = finish <= begin
    day = local_date(start, tz) - dt.timedelta(days=1)
    last = local_date(end, tz)
    total = dt.timedelta()
    while day <= last:
        # in UTC: a difference of two times in one ZoneInfo would be wall-clock time
        lo = dt.datetime.combine(day, begin, tzinfo=zone_).astimezone(dt.UTC)
        hi_day = day + dt.timedelta(days=1) if overnight else day
        hi = dt.datetime.combine(hi_day, finish, tzinfo=zone_).astimezone(dt.UTC)
        overlap = min(end, hi) - max(start, lo)
        if overlap > dt.timedelta():
            total += overlap
        day += dt.timedelta(days=1)
    return minutes(total)


def is_night(
    start: dt.datetime, end: dt.datetime, tz: str, policy_night: tuple[str, str, float]
) -> bool:
    """A night engagement: at least ``night_min_hours`` of night time."""
    night_start, night_end, min_hours = policy_night
    return night_minutes(start, end, tz, night_start, night_end) >= round(min_hours * 60)
