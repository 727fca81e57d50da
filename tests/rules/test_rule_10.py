"""Rule 10, visa hours: a weekly hour limit on working time."""

import pytest
from cases import Case, assign, gap, scenario, three_ways, worker

STUDENT = worker(
    right_to_work={
        "check": "list_b_group1",
        "checked_on": "2026-01-05",
        "permission_expires": "2027-09-30",
        "weekly_hour_limit": 20,
    }
)
THREE = [gap(f"G{d}", f"2026-12-0{d} 08:00", f"2026-12-0{d} 16:00") for d in range(1, 4)]
SHORT = [*THREE[:2], gap("G3", "2026-12-03 08:00", "2026-12-03 12:00")]

CASES = [
    Case("24 hours on a 20-hour visa", 10, scenario(THREE, [STUDENT]),
         tuple(assign(g) for g in THREE), False),
    Case("20 hours on a 20-hour visa", 10, scenario(SHORT, [STUDENT]),
         tuple(assign(g) for g in SHORT), True),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=str)
def test_rule_10(case: Case) -> None:
    three_ways(case)
