"""Rule 3, timing: a start within the gap's tolerance, and the gap's length."""

import pytest
from cases import Case, assign, gap, scenario, three_ways

STRICT = gap("G1", "2026-12-01 08:00", "2026-12-01 16:00")
LOOSE = gap("G1", "2026-12-01 08:00", "2026-12-01 16:00", start_tolerance_minutes=30)

CASES = [
    Case("late start, no tolerance", 3, scenario([STRICT]),
         (assign(STRICT, start="2026-12-01 08:30"),), False),
    Case("late start within tolerance", 3, scenario([LOOSE]),
         (assign(LOOSE, start="2026-12-01 08:30"),), True),
    Case("past the tolerance", 3, scenario([LOOSE]),
         (assign(LOOSE, start="2026-12-01 08:31"),), False),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=str)
def test_rule_3(case: Case) -> None:
    three_ways(case)
