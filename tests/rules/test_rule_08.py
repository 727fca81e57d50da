"""Rule 8, weekly rest: every week holding an assignment has 24 h of unbroken rest."""

import pytest
from cases import Case, assign, gap, scenario, three_ways

DAYS = [gap(f"G{d}", f"2026-12-0{d} 08:00", f"2026-12-0{d} 20:00") for d in range(1, 7)]
SEVEN = [gap("G0", "2026-11-30 08:00", "2026-11-30 20:00"), *DAYS]  # Monday to Sunday 6 Dec

CASES = [
    Case("seven days of 12 hours", 8, scenario(SEVEN), tuple(assign(g) for g in SEVEN), False),
    Case("six days of 12 hours", 8, scenario(DAYS), tuple(assign(g) for g in DAYS), True),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_rule_8(case: Case) -> None:
    three_ways(case)
