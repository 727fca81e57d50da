"""Rule 13 (/2.1): dependencies between gaps, from the text of rules.md alone.

For every gap G and every entry (H, min, max, other_worker) of G's ``after``:

- if G has any assignment, H has all its ``headcount`` workers assigned;
- ``min <= start(G) - start(H)``, and ``<= max`` when max is given (real elapsed minutes,
  planned starts; a gap of several workers has one common start, rule 2, and every pair of
  starts is compared here);
- with ``other_worker``, no worker is assigned to both G and H.

A dependency binds only through the plan: an unfilled G asks nothing of H.
"""

from __future__ import annotations

from collections import defaultdict

from flexbank.checker.calendar import MINUTE, seconds
from flexbank.checker.context import Context
from flexbank.checker.violations import Violation, violation


def _minutes(value: int) -> str:
    hours, minutes = divmod(abs(value) // MINUTE, 60)
    sign = "-" if value < 0 else ""
    return f"{sign}{hours} h {minutes:02d} min" if hours else f"{sign}{minutes} minutes"


def rule_13_dependency(ctx: Context) -> list[Violation]:
    starts: defaultdict[str, set[int]] = defaultdict(set)
    workers: defaultdict[str, set[str]] = defaultdict(set)
    for a in ctx.assignments:
        starts[a.gap_id].add(seconds(a.start))
        workers[a.gap_id].add(a.worker_id)
    out: list[Violation] = []
    for gap in ctx.scenario.gaps:
        if not gap.after or gap.id not in starts:
            continue
        for entry in gap.after:
            other = ctx.index.gaps.get(entry.gap_id)
            if other is None:
                continue  # a dangling reference is invalid input, reported when read
            if len(workers[other.id]) < other.headcount:
                out.append(
                    violation(
                        13,
                        f"gap {gap.id} is filled but gap {other.id}, which it depends on, has "
                        f"{len(workers[other.id])} of its {other.headcount} worker(s)",
                        gap_id=gap.id,
                    )
                )
                continue
            for mine in sorted(starts[gap.id]):
                for theirs in sorted(starts[other.id]):
                    apart = mine - theirs
                    low = entry.min_minutes * MINUTE
                    high = None if entry.max_minutes is None else entry.max_minutes * MINUTE
                    if apart < low or (high is not None and apart > high):
                        limit = (
                            f"{_minutes(low)} to {_minutes(high)}"
                            if high is not None
                            else f"at least {_minutes(low)}"
                        )
                        out.append(
                            violation(
                                13,
                                f"gap {gap.id} starts {_minutes(apart)} after gap {other.id}; "
                                f"it must start {limit} after it",
                                gap_id=gap.id,
                            )
                        )
            if entry.other_worker:
                for worker_id in sorted(workers[gap.id] & workers[other.id]):
                    out.append(
                        violation(
                            13,
                            f"works both gap {gap.id} and gap {other.id}, which need "
                            "different workers",
                            gap_id=gap.id,
                            worker_id=worker_id,
                        )
                    )
    return out
