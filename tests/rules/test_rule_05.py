"""Rule 5, no overlap, with travel between located engagements."""

import pytest
from cases import THERE, Case, assign, gap, scenario, three_ways

A = gap("G1", "2026-12-01 08:00", "2026-12-01 11:00")
B_SOON = gap("G2", "2026-12-01 11:10", "2026-12-01 13:00", location=THERE)
B_LATER = gap("G2", "2026-12-01 11:40", "2026-12-01 13:00", location=THERE)
B_CLASH = gap("G2", "2026-12-01 10:00", "2026-12-01 12:00")

CASES = [
    Case("overlap", 5, scenario([A, B_CLASH]), (assign(A), assign(B_CLASH)), False),
    Case("no time to drive 29 minutes", 5, scenario([A, B_SOON]), (assign(A), assign(B_SOON)),
         False),
    Case("time to drive", 5, scenario([A, B_LATER]), (assign(A), assign(B_LATER)), True),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=str)
def test_rule_5(case: Case) -> None:
    three_ways(case)
