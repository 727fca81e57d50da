"""Rule 13 (/2.1), dependency: a gap ``after`` another starts ``min`` to ``max`` minutes
after it, only when it is fully assigned, and (``other_worker``) by someone else."""

from typing import Any

import pytest
from cases import Case, assign, gap, scenario, three_ways, worker

V21 = "flexbank.scenario/2.1"


def visit(gap_id: str, start: str, end: str, **fields: Any) -> dict[str, Any]:
    return gap(gap_id, start, end, kind="visit", **fields)


FIRST = visit("H1", "2026-12-01 08:00", "2026-12-01 08:30")


def second(low: int, high: int | None, other: bool = False) -> dict[str, Any]:
    """A dose 4 to 6 hours after the first (tolerance two hours)."""
    return visit(
        "G1", "2026-12-01 12:00", "2026-12-01 12:30", start_tolerance_minutes=120,
        after=[{"gap_id": "H1", "min_minutes": low, "max_minutes": high, "other_worker": other}],
    )  # fmt: skip


TWO = [worker("W1"), worker("W2")]
DOSE = second(240, 360)
APART = second(0, 0, other=True)
TOGETHER = visit("G1", "2026-12-01 08:00", "2026-12-01 08:45", after=APART["after"])

CASES = [
    Case("second dose 4 h 30 after the first", 13, scenario([FIRST, DOSE], TWO, format=V21),
         (assign(FIRST), assign(DOSE, start="2026-12-01 12:30")), True),
    Case("second dose exactly 4 h after", 13, scenario([FIRST, DOSE], TWO, format=V21),
         (assign(FIRST), assign(DOSE)), True),
    Case("second dose 5 h 30 after, at most 5 h", 13,
         scenario([FIRST, early := second(240, 300)], TWO, format=V21),
         (assign(FIRST), assign(early, start="2026-12-01 13:30")), False),
    Case("second dose without the first", 13, scenario([FIRST, DOSE], TWO, format=V21),
         (assign(DOSE),), False),
    Case("the first dose alone", 13, scenario([FIRST, DOSE], TWO, format=V21),
         (assign(FIRST),), True),
    Case("a hoist call by two different carers, together", 13,
         scenario([FIRST, TOGETHER], TWO, format=V21),
         (assign(FIRST), assign(TOGETHER, "W2")), True),
    Case("a hoist call started 15 minutes late", 13,
         scenario([FIRST, late := visit("G1", "2026-12-01 08:00", "2026-12-01 08:45",
                                         start_tolerance_minutes=30, after=APART["after"])],
                  TWO, format=V21),
         (assign(FIRST), assign(late, "W2", start="2026-12-01 08:15")), False),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=str)
def test_rule_13(case: Case) -> None:
    three_ways(case)


def test_one_carer_cannot_take_both_halves_of_a_double_service() -> None:
    from flexbank.checker import check_plan
    from flexbank.validation import load_plan

    sc = scenario(
        [FIRST, visit("G1", "2026-12-01 09:00", "2026-12-01 09:30",
                      after=[{"gap_id": "H1", "min_minutes": 60, "max_minutes": 60,
                              "other_worker": True}])],
        TWO, format=V21,
    )  # fmt: skip
    plan = load_plan(
        {
            "format": sc.plan_format,
            "scenario": sc.name,
            "status": "feasible",
            "assignments": [assign(FIRST), assign(sc.gaps[1].model_dump(mode="json"))],
        },
        sc,
    )
    found = [v for v in check_plan(sc, plan) if v.rule == 13]
    assert (
        len(found) == 1 and found[0].worker_id == "W1" and "different workers" in found[0].message
    )


def test_an_unfilled_dose_is_explained_by_its_dependency() -> None:
    """The first dose needs a skill nobody has: the second, which anyone could take, is
    left unfilled with the reason ``dependency`` in plain words."""
    from flexbank.matching import solve

    first = visit("H1", "2026-12-01 08:00", "2026-12-01 08:30", skills=["peg_feeding"])
    sc = scenario([first, DOSE], TWO, format=V21)
    plan = solve(sc, time_limit=5, workers=1)
    assert plan.format == "flexbank.plan/2.1" and plan.assignments == []
    second = next(u for u in plan.unfilled if u.gap_id == "G1")
    (reason,) = second.reasons
    assert reason.code == "dependency" and reason.workers == 2
    assert "depends on is not filled" in reason.message and "13" not in reason.message
