"""Rule 2, headcount: at most ``headcount`` workers per gap, all or none of a
double-handed visit, starting together."""

import pytest
from cases import Case, assign, gap, scenario, three_ways, worker

ONE = gap("G1", "2026-12-01 08:00", "2026-12-01 16:00")
TWO = [worker("W1"), worker("W2")]

CASES = [
    Case("two on a gap for one", 2, scenario([ONE], TWO), (assign(ONE), assign(ONE, "W2")), False),
    Case("one on a gap for one", 2, scenario([ONE], TWO), (assign(ONE),), True),
    Case(
        "half a double-handed call",
        2,
        scenario([D := gap("G1", "2026-12-01 08:00", "2026-12-01 09:00", kind="visit",
                           headcount=2)], TWO),
        (assign(D),),
        False,
    ),
    Case("a whole double-handed call", 2, scenario([D], TWO), (assign(D), assign(D, "W2")), True),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=str)
def test_rule_2(case: Case) -> None:
    three_ways(case)
