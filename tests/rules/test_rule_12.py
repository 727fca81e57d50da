"""Rule 12 (/2), rest break: back-to-back engagements (idle under 20 minutes after
travel) span at most 6 hours; a single engagement's own breaks are not checked."""

import pytest
from cases import THERE, Case, assign, gap, scenario, three_ways, worker

A = gap("G1", "2026-12-01 12:00", "2026-12-01 15:00", kind="visit")
B0 = gap("G2", "2026-12-01 15:00", "2026-12-01 18:30", kind="visit")
B20 = gap("G2", "2026-12-01 15:20", "2026-12-01 18:30", kind="visit")
# 29 minutes' drive: 15:40 leaves 11 idle minutes, 15:49 leaves 20
FAR_SOON = gap("G2", "2026-12-01 15:40", "2026-12-01 18:30", kind="visit", location=THERE)
FAR_LATER = gap("G2", "2026-12-01 15:49", "2026-12-01 18:30", kind="visit", location=THERE)
LONG = gap("G1", "2026-12-01 08:00", "2026-12-01 18:00")

CASES = [
    Case("6.5 hours back to back", 12, scenario([A, B0]), (assign(A), assign(B0)), False),
    Case("a 20-minute break", 12, scenario([A, B20]), (assign(A), assign(B20)), True),
    Case("11 idle minutes after a 29-minute drive", 12, scenario([A, FAR_SOON]),
         (assign(A), assign(FAR_SOON)), False),
    Case("20 idle minutes after the drive", 12, scenario([A, FAR_LATER]),
         (assign(A), assign(FAR_LATER)), True),
    Case("one 10-hour shift is its provider's to break", 12, scenario([LONG]), (assign(LONG),),
         True),
    Case("/1 has no rule 12", 12, scenario([A, B0], [worker(version=1)], version=1),
         (assign(A), assign(B0)), True),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=str)
def test_rule_12(case: Case) -> None:
    three_ways(case)
