"""The one registry of reason codes: every code a plan, an explanation or a ranking
gives is in it, in rules.md section 4 order for its version, and explain and rank name
the version 2 codes (``daily_rest``, ``weekly_rest``, ``break``) where /1 says ``rest``."""

from __future__ import annotations

import pytest
from cases import assign, gap, scenario, worker

from flexbank import reasons
from flexbank.checker import RULE_NAMES
from flexbank.matching import solve
from flexbank.matching.rank import rank
from flexbank.validation import load_plan

A = gap("G1", "2026-12-01 12:00", "2026-12-01 15:00", kind="visit", priority="urgent")
B = gap("G2", "2026-12-01 15:00", "2026-12-01 18:30", kind="visit")
LONG = gap("G0", "2026-12-01 07:00", "2026-12-01 15:00", priority="urgent")


def test_section_4_order_per_version() -> None:
    assert reasons.plan_codes(1) == (
        "length", "overlap", "rest", "working_time", "visa_hours", "offered_hours",
        "double_up", "outcompeted",
    )  # fmt: skip
    assert reasons.plan_codes(2) == (
        "length", "overlap", "daily_rest", "weekly_rest", "break", "working_time",
        "visa_hours", "offered_hours", "double_up", "outcompeted",
    )  # fmt: skip
    assert reasons.section_4_order(2).index("night_assessment") < reasons.section_4_order(2).index(
        "age"
    )
    assert RULE_NAMES[12] == "break"
    for reason in reasons.REASONS:  # texts for people never show a code or rule number
        for text in (reason.many, reason.one):
            assert "_" not in text and "rule" not in text.lower()


def _plan(s: object, *assignments: dict[str, str]) -> object:
    return load_plan(
        {
            "format": f"flexbank.plan/{s.version}",
            "scenario": s.name,  # type: ignore[attr-defined]
            "status": "feasible",
            "assignments": list(assignments),
        }
    )


@pytest.mark.parametrize(("version", "other", "code"), [(2, B, "break"), (1, B, None)])
def test_rank_and_explain_name_the_break(version: int, other: dict, code: str | None) -> None:
    s = scenario([A, other], [worker(version=version)], version=version)
    ranking = rank(s, _plan(s, assign(A)), "G2")  # type: ignore[arg-type]
    if code is None:
        assert [r.worker_id for r in ranking.best] == ["W1"]
        return
    [ruled] = ranking.ruled_out
    assert ruled.code == code and "without a 20-minute break" in ruled.message
    plan = solve(s, time_limit=5, workers=1)
    [unfilled] = plan.unfilled
    assert [(r.code, r.workers) for r in unfilled.reasons] == [("break", 1)]
    assert "without a rest break" in unfilled.reasons[0].message


@pytest.mark.parametrize(("version", "code"), [(2, "daily_rest"), (1, "rest")])
def test_daily_rest_is_named_by_version(version: int, code: str) -> None:
    late = gap("G2", "2026-12-01 19:00", "2026-12-01 23:00")  # 07:00-23:00: 16 hours
    s = scenario([LONG, late], [worker(version=version)], version=version)
    [ruled] = rank(s, _plan(s, assign(LONG)), "G2").ruled_out  # type: ignore[arg-type]
    assert ruled.code == code
    plan = solve(s, time_limit=5, workers=1)
    assert [r.code for u in plan.unfilled for r in u.reasons] == [code]
