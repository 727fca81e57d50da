"""Rule 6, length: no assignment over ``max_engagement_hours``."""

import pytest
from cases import Case, assign, gap, scenario, three_ways

LONG = gap("G1", "2026-12-01 07:00", "2026-12-01 20:00")
TWELVE = gap("G1", "2026-12-01 07:00", "2026-12-01 19:00")

CASES = [
    Case("13 hours", 6, scenario([LONG]), (assign(LONG),), False),
    Case("12 hours", 6, scenario([TWELVE]), (assign(TWELVE),), True),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_rule_6(case: Case) -> None:
    three_ways(case)
