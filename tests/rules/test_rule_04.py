"""Rule 4, pinned: every pin is kept unless it fails a check of section 1."""

import pytest
from cases import Case, assign, gap, scenario, three_ways, worker

G = gap("G1", "2026-12-01 08:00", "2026-12-01 16:00")
PIN = [{"gap_id": "G1", "worker_id": "W1"}]
TWO = [worker("W1"), worker("W2")]

CASES = [
    Case("pin dropped", 4, scenario([G], TWO, pinned=PIN), (assign(G, "W2"),), False),
    Case("pin kept", 4, scenario([G], TWO, pinned=PIN), (assign(G),), True),
    Case(
        "a failing pin released",
        4,
        scenario([H := gap("G1", "2026-12-01 08:00", "2026-12-01 16:00", skills=["hoist"])],
                 [worker("W1"), worker("W2", skills=[{"name": "hoist"}])], pinned=PIN),
        (assign(H, "W2"),),
        True,
        pinned_released=({"gap_id": "G1", "worker_id": "W1", "codes": ["skill"]},),
    ),
    Case("a failing pin kept", 4,
         scenario([H], [worker("W1"), worker("W2", skills=[{"name": "hoist"}])], pinned=PIN),
         (assign(H, "W2"),), False),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=str)
def test_rule_4(case: Case) -> None:
    three_ways(case)
