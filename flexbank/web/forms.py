"""Reading the pages' forms: dates in three boxes, times as HH:MM, with GOV.UK error
messages (each keyed by the id of the field it belongs to)."""

from __future__ import annotations

import datetime as dt
import re

from starlette.datastructures import FormData

from flexbank import timeline

_TIME = re.compile(r"^\s*(\d{1,2})(?:[:.](\d{2}))?\s*$")


def text(form: FormData, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def date_parts(form: FormData, prefix: str) -> dict[str, str]:
    return {part: text(form, f"{prefix}-{part}") for part in ("day", "month", "year")}


def parse_date(
    parts: dict[str, str], label: str, errors: dict[str, str], key: str
) -> dt.date | None:
    """A date from day, month and year boxes; an error under ``key`` when wrong."""
    missing = [name for name in ("day", "month", "year") if not parts.get(name)]
    if len(missing) == 3:
        errors[key] = f"Enter the {label}"
        return None
    if missing:
        errors[key] = f"The {label} must include a {missing[0]}"
        return None
    try:
        year = int(parts["year"])
        if year < 1000:
            raise ValueError
        return dt.date(year, int(parts["month"]), int(parts["day"]))
    except ValueError:
        errors[key] = f"The {label} must be a real date, like 30 11 2026"
        return None


def parse_time(value: str, label: str, errors: dict[str, str], key: str) -> dt.time | None:
    """A time of day written 07:00, 7:00, 7.30 or 19."""
    if not value:
        errors[key] = f"Enter the {label}"
        return None
    match = _TIME.match(value)
    if match:
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        if hour < 24 and minute < 60:
            return dt.time(hour, minute)
    errors[key] = f"Enter the {label} as a 24-hour time, like 07:00 or 19:30"
    return None


def local_instant(day: dt.date, time: dt.time, tz: str) -> dt.datetime:
    """The instant of a local wall-clock time (in the service's timezone)."""
    return dt.datetime.combine(day, time, tzinfo=timeline.zone(tz)).astimezone(dt.UTC)


def period_from(
    day: dt.date, start: dt.time, end: dt.time, tz: str
) -> tuple[dt.datetime, dt.datetime]:
    """Start and end instants; an end not after the start is on the next day."""
    first = local_instant(day, start, tz)
    end_day = day if end > start else day + dt.timedelta(days=1)
    return first, local_instant(end_day, end, tz)
