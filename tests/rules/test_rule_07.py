"""Rule 7, daily rest: duty periods (engagements under 11 h apart) span at most 13 h."""

import pytest
from cases import Case, assign, gap, scenario, three_ways

EARLY = gap("G1", "2026-12-01 07:00", "2026-12-01 13:00")
LATE = gap("G2", "2026-12-01 16:00", "2026-12-01 21:00")
LATER = gap("G2", "2026-12-01 16:00", "2026-12-01 20:00")

CASES = [
    Case("a 14-hour duty period", 7, scenario([EARLY, LATE]), (assign(EARLY), assign(LATE)),
         False),
    Case("a 13-hour duty period", 7, scenario([EARLY, LATER]), (assign(EARLY), assign(LATER)),
         True),
    Case("the same in /1", 7, scenario([EARLY, LATE], version=1), (assign(EARLY), assign(LATE)),
         False),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=str)
def test_rule_7(case: Case) -> None:
    three_ways(case)
