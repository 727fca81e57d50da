"""Rule 1, eligible: every assignment passes every check of section 1."""

import pytest
from cases import Case, assign, gap, scenario, three_ways, worker

HOIST = gap("G1", "2026-12-01 08:00", "2026-12-01 16:00", skills=["hoist"])

CASES = [
    Case("lacks the skill", 1, scenario([HOIST]), (assign(HOIST),), holds=False),
    Case(
        "has the skill",
        1,
        scenario([HOIST], [worker(skills=[{"name": "hoist"}])]),
        (assign(HOIST),),
        holds=True,
    ),
    Case(
        "no night assessment for a night gap (/2)",
        1,
        scenario(
            [N := gap("G1", "2026-12-01 21:00", "2026-12-02 07:00")],
            [worker(night_health_assessment=None)],
        ),
        (assign(N),),
        holds=False,
    ),
    Case(
        "the same night gap in /1 needs none",
        1,
        scenario([N], [worker(version=1)], version=1),
        (assign(N),),
        holds=True,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_rule_1(case: Case) -> None:
    three_ways(case)
