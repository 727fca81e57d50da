"""A plan against the phone round, in words a coordinator reads.

The optimiser never ends a priority below the phone round's hours unless keeping it
there would cost emergency hours (rules.md section 3 puts emergency hours first; see
``floors.py``). When that happens the coordinator sees fewer hours than the phone round
on some line of the table, so the plan says why, in hours.
"""

from __future__ import annotations

from collections.abc import Mapping

from flexbank.models import PRIORITIES

#: Differences below this many hours (a few seconds) are rounding, not a trade.
TOLERANCE = 0.01


def _hours(h: float) -> str:
    minutes = round(h * 60)
    whole, rest = divmod(minutes, 60)
    if not whole:
        return f"{rest} minutes"
    unit = "hour" if whole == 1 else "hours"
    return f"{whole} {unit} {rest:02d}" if rest else f"{whole} {unit}"


def behind_phone_round(covered: Mapping[str, float], phone: Mapping[str, float]) -> list[str]:
    """A sentence per priority on which the plan covers fewer hours than the phone
    round, saying what was covered instead; empty when no priority is behind."""
    if not phone:
        return []
    gained = [
        (p, covered.get(p, 0.0) - phone.get(p, 0.0))
        for p in PRIORITIES
        if covered.get(p, 0.0) - phone.get(p, 0.0) > TOLERANCE
    ]
    sentences = []
    for i, priority in enumerate(PRIORITIES):
        lost = phone.get(priority, 0.0) - covered.get(priority, 0.0)
        if lost <= TOLERANCE:
            continue
        text = f"{priority.capitalize()}: {_hours(lost)} fewer than a phone round would cover"
        above = [f"{_hours(h)} more {p} work" for p, h in gained if PRIORITIES.index(p) < i]
        if above:
            text += ", because the same workers cover " + " and ".join(above)
        sentences.append(text + ".")
    return sentences


__all__ = ["behind_phone_round"]
