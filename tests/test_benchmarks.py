"""The benchmark harness: the Timefold adapter, the tier definitions, the report.

Fast (a few seconds); no wall-clock assertions.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from benchmarks import timefold
from benchmarks.report import render, targets
from benchmarks.run import jobs, slim
from benchmarks.tiers import TIER_BY_KEY, TIERS, gap_percent, proven_at, ratio
from flexbank.checker import check_plan
from flexbank.matching import solve
from flexbank.policy import policy_from

# ------------------------------------------------------------------ Timefold adapter


@pytest.fixture(scope="module")
def small() -> timefold.TfData:
    return timefold.load("SMALL")


def test_small_becomes_a_valid_scenario(small: timefold.TfData) -> None:
    scenario = timefold.to_scenario(small)  # load_scenario: raises unless valid
    assert len(scenario.workers) == 15
    assert len(scenario.gaps) == 139
    assert {g.headcount for g in scenario.gaps} == {1}
    assert {g.priority for g in scenario.gaps} == {"urgent"}
    assert all(len(g.skills) == 1 for g in scenario.gaps)
    policy = policy_from(scenario.policy)
    assert policy.daily_rest_hours == 10
    assert policy.max_duty_span_hours == 8  # the longest shift
    assert policy.weekly_rest_hours == 0
    for gap in scenario.gaps:
        assert scenario.horizon.start <= gap.start < scenario.horizon.end
    # the demo's horizon is two weeks: longer than the sample's one week
    assert scenario.horizon.end - scenario.horizon.start == dt.timedelta(days=14)


def test_large_becomes_a_valid_scenario() -> None:
    scenario = timefold.to_scenario(timefold.load("LARGE"))
    assert (len(scenario.workers), len(scenario.gaps)) == (50, 935)


def test_one_shift_per_day_is_implied_for_the_demo_shift_times(small: timefold.TfData) -> None:
    assert timefold.same_day_pairs_allowed(small.shifts) == []


def _shift(sid: str, start: str, end: str, skill: str = "Nurse") -> timefold.TfShift:
    return timefold.TfShift(
        sid, dt.datetime.fromisoformat(start), dt.datetime.fromisoformat(end), "Ward", skill
    )


def test_adapter_refuses_data_where_rest_does_not_imply_one_shift_per_day() -> None:
    shifts = (
        _shift("a", "2026-11-23T00:00", "2026-11-23T04:00"),
        _shift("b", "2026-11-23T16:00", "2026-11-23T20:00"),
    )
    data = timefold.TfData("loose", (timefold.TfEmployee("Ann", ("Nurse",), frozenset()),), shifts)
    assert len(timefold.same_day_pairs_allowed(shifts)) == 1
    with pytest.raises(ValueError, match="one shift per day"):
        timefold.to_scenario_dict(data)


def test_availability_leaves_out_unavailable_days() -> None:
    off = {dt.date(2026, 11, 25), dt.date(2026, 11, 26), dt.date(2026, 11, 29)}
    employee = timefold.TfEmployee("Ann", ("Nurse",), frozenset(off))
    periods = timefold.availability_of(employee, dt.date(2026, 11, 23), dt.date(2026, 11, 30))
    spans = [(p["start"][:10], p["end"][:10]) for p in periods]
    assert spans == [
        ("2026-11-23", "2026-11-25"),
        ("2026-11-27", "2026-11-29"),
        ("2026-11-30", "2026-12-01"),
    ]


def test_timefold_rule_check_catches_each_hard_rule() -> None:
    ann = timefold.TfEmployee("Ann", ("Nurse",), frozenset({dt.date(2026, 11, 27)}))
    shifts = (
        _shift("early", "2026-11-23T06:00", "2026-11-23T14:00"),
        _shift("mid", "2026-11-23T09:00", "2026-11-23T17:00"),  # overlaps early
        _shift("late", "2026-11-23T14:00", "2026-11-23T22:00"),  # same day, 0 h rest
        _shift("night", "2026-11-24T22:00", "2026-11-25T06:00"),
        _shift("doc", "2026-11-25T14:00", "2026-11-25T22:00", skill="Doctor"),  # 8 h rest
        _shift("off", "2026-11-26T22:00", "2026-11-27T06:00"),  # ends on an unavailable day
    )
    data = timefold.TfData("t", (ann,), shifts)
    found = timefold.timefold_violations(data, [(s.id, "Ann") for s in shifts])
    text = "\n".join(found)
    assert "overlap: Ann on shifts early and mid" in text
    assert "one shift per day: Ann on shifts early and late" in text
    assert "10 h between shifts: Ann on shifts night and doc" in text
    assert "required skill: Ann lacks Doctor for shift doc" in text
    assert "unavailable: Ann on 2026-11-27 (shift off)" in text
    assert timefold.timefold_violations(data, [("early", "Ann"), ("night", "Ann")]) == []
    assert timefold.timefold_violations(data, [("early", "Ann"), ("early", "Ann")])


def test_solving_small_gives_a_plan_clean_for_both_checkers(small: timefold.TfData) -> None:
    scenario = timefold.to_scenario(small)
    plan = solve(scenario, time_limit=2.0, workers=2)
    assert check_plan(scenario, plan) == []
    assert timefold.timefold_violations(small, timefold.plan_pairs(scenario, plan)) == []
    assert plan.assignments  # fills shifts


# ----------------------------------------------------------------------- tiers


def test_tier_definitions() -> None:
    sizes = {t.key: (t.workers, t.gaps, t.limits) for t in TIERS}
    assert sizes["borough"] == (60, 400, (30.0,))
    assert sizes["large_borough"] == (120, 900, (60.0,))
    assert sizes["city"] == (400, 3000, (120.0,))
    assert sizes["city_region"] == (1000, 8000, (300.0,))
    assert TIER_BY_KEY["city_region"].rank_gaps >= 200
    assert len({t.seed for t in TIERS}) == len(TIERS)
    # the unseen weeks repeat the sizes that must be proven, on other seeds
    unseen = [t for t in TIERS if t.unseen]
    assert {(t.workers, t.gaps) for t in unseen} == {(60, 400), (120, 900)}


def test_job_lists() -> None:
    full = [(j.kind, j.name, j.limit) for j in jobs(quick=False)]
    assert full == [
        ("tier", "borough", 30.0),
        ("tier", "large_borough", 60.0),
        ("tier", "city", 120.0),
        ("tier", "city_region", 300.0),
        ("tier", "borough_unseen", 30.0),
        ("tier", "large_borough_unseen", 60.0),
        ("timefold", "SMALL", 30.0),
        ("timefold", "LARGE", 60.0),
    ]
    assert [j.rank for j in jobs(quick=False)] == [
        False,
        False,
        False,
        True,
        False,
        False,
        False,
        False,
    ]
    assert [(j.kind, j.name) for j in jobs(quick=True)] == [
        ("tier", "borough"),
        ("timefold", "SMALL"),
    ]


def test_small_helpers() -> None:
    assert gap_percent(90.0, 100.0) == 10.0
    assert gap_percent(0.0, 0.0) == 0.0
    assert gap_percent(5.0, None) is None
    assert ratio(3.0, 2.0) == 1.5
    assert ratio(0.0, 0.0) == 1.0
    events = [
        [1.0, "solve", "emergency", 10, 20],
        [2.0, "solve", "emergency", 20, 20],
        [3.0, "solve", "urgent", 5, 5],
        [4.0, "solve", "routine", 7, 9],
    ]
    assert proven_at(events) is None
    assert proven_at([*events, [5.0, "solve", "routine", 9, 9]]) == 5.0


# ---------------------------------------------------------------------- report


def _plan_result(hours: dict[str, float], violations: int = 0) -> dict[str, Any]:
    return {
        "covered_hours": hours,
        "checker_covered_hours": dict(hours),
        "violations": violations,
        "gaps_filled": 3,
        "wall_seconds": 0.1,
    }


def fake_results() -> dict[str, Any]:
    solver = _plan_result({"emergency": 4.0, "urgent": 6.0, "routine": 1.0})
    solver.update(
        status="feasible",
        mode="monolithic",
        candidates=12,
        upper_bound_hours={"emergency": 4.0, "urgent": 8.0, "routine": 3.0},
        stages_proven={"emergency": True, "urgent": False},
        bound_source={"emergency": "proof", "urgent": "relaxation", "routine": "candidates"},
        proof_seconds={"emergency": 0.2},
        key=[4.0, 6.0, 1.0, 0, -10, -5],
        first_feasible_wall_seconds=0.05,
        proven_hours_at=None,
        wall_seconds=2.0,
    )
    tier = {
        "tier": "borough",
        "title": "Borough",
        "workers": 3,
        "gaps": 4,
        "seed": 1,
        "time_limit": 30.0,
        "solver": solver,
        "baseline": _plan_result({"emergency": 4.0, "urgent": 5.0, "routine": 2.0}),
        "as_version_1": {
            "covered_hours": {"emergency": 4.0, "urgent": 7.0, "routine": 1.0},
            "violations_v1": 0,
            "violations_v2": 2,
        },
        "reference": {
            "covered_hours": {"emergency": 4.0, "urgent": 5.5, "routine": 3.0},
            "key": [4.0, 5.5, 3.0, 0, -10, -5],
            "violations": 0,
        },
        "events": [
            [0.1, "solve", "emergency", 240, 300],
            [0.2, "solve", "emergency", 240, 240],
            [0.3, "solve", "urgent", 360, 480],
        ],
    }
    tf = {
        "size": "SMALL",
        "time_limit": 30.0,
        "employees": 2,
        "shifts": 3,
        "days": 1,
        "filled": 3,
        "covered_hours": 24.0,
        "bound_hours": 24.0,
        "bound_shifts": 3.0,
        "status": "optimal",
        "mode": "monolithic",
        "first_feasible_seconds": 0.01,
        "wall_seconds": 1.0,
        "checker_violations": [],
        "timefold_violations": [],
        "events": [],
    }
    return {
        "command": "python -m benchmarks.run --quick",
        "mode": "quick",
        "total_seconds": 60.0,
        "machine": {"cpu": "Test CPU", "cores": 2, "usable_cores": 2, "ram_gb": 4.0},
        "runs": [
            {
                "job": {"kind": "tier", "name": "borough", "limit": 30.0, "rank": False},
                "max_rss_mb": 512.0,
                "result": tier,
            },
            {
                "job": {"kind": "timefold", "name": "SMALL", "limit": 30.0, "rank": False},
                "max_rss_mb": 100.0,
                "result": tf,
            },
            {
                "job": {"kind": "tier", "name": "city_region", "limit": 300.0, "rank": False},
                "max_rss_mb": 0.0,
                "result": None,
                "error": "exit code 1",
            },
        ],
    }


def test_render_on_a_tiny_fake_result() -> None:
    results = fake_results()
    text = render(results)
    assert text.startswith("# flexbank benchmarks")
    assert "`python -m benchmarks.run --quick`" in text
    assert "Test CPU" in text
    assert (
        "| Borough (30 s) | urgent | 5.0 | 6.0 | 1.200 | 5.5 | 1.091 | 8.0 | LP relaxation "
        "| 25.00% | – | – |" in text
    )
    assert (
        "| Borough (30 s) | emergency | 4.0 | 4.0 | 1.000 | 4.0 | 1.000 | 4.0 | CP-SAT proof"
        in text
    )
    assert "| Borough (30 s) | routine | 2.0 | 1.0 | 0.500 |" in text
    assert "| Borough (30 s) | urgent | 7.0 | 6.0 | -1.00 | 0.857 | 0 / 2 |" in text
    assert "SMALL (30 s)" in text
    assert "![objective and bound per stage](objective.png)" in text
    assert "- City region (300 s): exit code 1" in text
    verdicts = {target: verdict for target, _, verdict in targets(results)}
    assert verdicts["Every tier at least the phone round on every priority"] == "missed"
    borough = next(v for t, v in verdicts.items() if t.startswith("Borough"))
    assert borough == "missed"  # urgent not proven
    staged = next(v for t, v in verdicts.items() if "staged CP-SAT" in t)
    assert staged == "met"  # ahead on urgent, the first difference
    assert verdicts["Timefold SMALL: fills all that can be filled, and proves it"] == "met"


def test_slim_keeps_events_only_for_plotted_runs() -> None:
    results = slim(fake_results(), {"borough"})
    tier, tf = results["runs"][0]["result"], results["runs"][1]["result"]
    assert len(tier["events"]) == 3 and tier["event_count"] == 3
    assert "events" not in tf and tf["event_count"] == 0


def test_plot_writes_a_png(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from benchmarks.plot import plot_objective

    tier = fake_results()["runs"][0]["result"]
    path = tmp_path / "objective.png"
    plot_objective([("Borough", tier)], path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_an_unseen_week_line_compares_with_the_phone_round_and_the_staged_cp_sat(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from benchmarks import unseen

    result = unseen.week(12, 30, 5, 1.0, reference=True)
    assert result["violations"] == 0
    # lists compare in order, as section 3 does: never behind the phone round
    assert result["optimiser"] >= result["phone"]
    assert result["level_or_ahead"] is True
    assert unseen.main(["12", "30", "1", "5"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("seed 5: phone ") and "violations 0" in printed
