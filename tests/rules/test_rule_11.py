"""Rule 11, offered hours: assigned hours per week within ``max_hours_per_week``."""

import pytest
from cases import Case, assign, gap, scenario, three_ways, worker

TEN = worker(max_hours_per_week=10)
TWELVE = [
    gap("G1", "2026-12-01 08:00", "2026-12-01 16:00"),
    gap("G2", "2026-12-02 08:00", "2026-12-02 12:00"),
]
EIGHT = TWELVE[:1]

CASES = [
    Case("12 of 10 hours", 11, scenario(TWELVE, [TEN]), tuple(assign(g) for g in TWELVE), False),
    Case("8 of 10 hours", 11, scenario(EIGHT, [TEN]), tuple(assign(g) for g in EIGHT), True),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=str)
def test_rule_11(case: Case) -> None:
    three_ways(case)
