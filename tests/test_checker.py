"""The independent checker: one small scenario per hard rule of rules.md section 2,
each with exactly one violation and the boundary that is still allowed, then the
quality figures of section 3 on a hand-computed case, then the command line."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from checker_factories import (
    DRIVE_HERE_THERE,
    HERE,
    THERE,
    WALK_HERE_THERE,
    assign,
    commitment,
    gap,
    iso,
    period,
    plan,
    plus_minutes,
    provider,
    scenario,
    worker,
)
from typer.testing import CliRunner

from flexbank.checker import CheckReport, Quality, Violation, check, check_plan, quality
from flexbank.cli import app
from flexbank.models import Plan, Scenario
from flexbank.validation import load_plan, load_scenario

DATA = Path(__file__).parent / "data"


def broken(scenario: Scenario, plan: Plan) -> list[tuple[int, str | None, str | None]]:
    """(rule, worker, gap) of every violation."""
    return [(v.rule, v.worker_id, v.gap_id) for v in check_plan(scenario, plan)]


def assert_valid(scenario: Scenario, plan: Plan) -> None:
    violations = check_plan(scenario, plan)
    assert violations == [], "\n".join(str(v) for v in violations)


def only(scenario: Scenario, plan: Plan) -> Violation:
    """The single violation the plan must have."""
    violations = check_plan(scenario, plan)
    assert len(violations) == 1, "\n".join(str(v) for v in violations)
    return violations[0]


def only_timing(scenario: Scenario, plan: Plan) -> Violation:
    """The single rule 3 violation; compliance also judges an actual start outside the
    allowed starts unavailable (rule 1, code availability), which is all else allowed."""
    violations = check_plan(scenario, plan)
    timing = [v for v in violations if v.rule == 3]
    others = [v for v in violations if v.rule != 3]
    assert len(timing) == 1, "\n".join(str(v) for v in violations)
    assert all(v.rule == 1 and "availability" in v.message for v in others), others
    return timing[0]


# ------------------------------------------------------------------- shared example


def test_shared_example_plan_is_valid() -> None:
    s = load_scenario(DATA / "bury-small.scenario.json")
    p = load_plan(DATA / "bury-small.plan.json", s)
    assert_valid(s, p)
    q = quality(s, p)
    assert q.covered_hours == {"emergency": 0.0, "urgent": 0.5, "routine": 35.0}
    assert q.continuity == p.metrics.continuity == 0
    assert q.travel_minutes == p.metrics.travel_minutes == 366


# --------------------------------------------------------------------- rule 1


def test_rule_1_ineligible_worker() -> None:
    w = worker(reg19={**worker()["reg19"], "health_declaration": False})
    g = gap("G1", "2026-12-01 08:00", "2026-12-01 16:00")
    v = only(scenario(workers=[w], gaps=[g]), plan(assign(g)))
    assert (v.rule, v.name, v.worker_id, v.gap_id) == (1, "eligible", "W1", "G1")
    assert "reg19" in v.message


def test_rule_1_availability_is_judged_at_the_actual_start() -> None:
    w = worker(availability=[period("2026-12-01 08:15", "2026-12-01 17:00")])
    g = gap("G1", "2026-12-01 08:00", "2026-12-01 16:00", start_tolerance_minutes=30)
    s = scenario(workers=[w], gaps=[g])
    assert_valid(s, plan(assign(g, start="2026-12-01 08:15")))
    v = only(s, plan(assign(g)))
    assert (v.rule, v.worker_id) == (1, "W1")
    assert "availability" in v.message


def test_rule_1_unknown_gap_or_worker() -> None:
    g = gap("G1", "2026-12-01 08:00", "2026-12-01 16:00")
    s = scenario(gaps=[g])
    a = assign(g, worker_id="W9")
    assert broken(s, plan(a)) == [(1, "W9", "G1")]
    assert broken(s, plan({**a, "worker_id": "W1", "gap_id": "G9"})) == [(1, "W1", "G9")]


# --------------------------------------------------------------------- rule 2


def test_rule_2_too_many_workers() -> None:
    g = gap("G1", "2026-12-01 08:00", "2026-12-01 16:00")
    s = scenario(workers=[worker("W1"), worker("W2")], gaps=[g])
    v = only(s, plan(assign(g, "W1"), assign(g, "W2")))
    assert (v.rule, v.name, v.gap_id) == (2, "headcount", "G1")


def test_rule_2_a_worker_at_most_once_per_gap() -> None:
    g = gap("G1", "2026-12-01 08:00", "2026-12-01 16:00", headcount=2)
    s = scenario(gaps=[g])
    # (rule 5 sees the worker's two identical engagements overlap too)
    assert (2, "W1", "G1") in broken(s, plan(assign(g), assign(g)))


def test_rule_2_double_handed_visit_all_or_none_and_together() -> None:
    g = gap(
        "G1",
        "2026-12-01 08:00",
        "2026-12-01 08:45",
        kind="visit",
        headcount=2,
        start_tolerance_minutes=30,
    )
    s = scenario(workers=[worker("W1"), worker("W2")], gaps=[g])
    assert_valid(s, plan())
    assert_valid(s, plan(assign(g, "W1", "2026-12-01 08:10"), assign(g, "W2", "2026-12-01 08:10")))
    v = only(s, plan(assign(g, "W1")))
    assert (v.rule, v.gap_id) == (2, "G1")
    assert "1 of its 2" in v.message
    v = only(s, plan(assign(g, "W1"), assign(g, "W2", "2026-12-01 08:05")))
    assert (v.rule, v.gap_id) == (2, "G1")
    assert "different times" in v.message


def test_rule_2_a_shift_with_headcount_two_may_be_half_filled() -> None:
    g = gap("G1", "2026-12-01 08:00", "2026-12-01 16:00", headcount=2)
    assert_valid(scenario(gaps=[g]), plan(assign(g)))


# --------------------------------------------------------------------- rule 3


def test_rule_3_start_within_tolerance() -> None:
    g = gap("G1", "2026-12-01 08:00", "2026-12-01 09:00", start_tolerance_minutes=15)
    s = scenario(gaps=[g])
    assert_valid(s, plan(assign(g, start="2026-12-01 08:15")))
    v = only_timing(s, plan(assign(g, start="2026-12-01 08:16")))
    assert (v.rule, v.name, v.worker_id, v.gap_id) == (3, "timing", "W1", "G1")
    v = only_timing(s, plan(assign(g, start="2026-12-01 07:59")))
    assert v.rule == 3


def test_rule_3_end_is_start_plus_length() -> None:
    g = gap("G1", "2026-12-01 08:00", "2026-12-01 09:00", start_tolerance_minutes=15)
    s = scenario(gaps=[g])
    a = assign(g, start="2026-12-01 08:10")
    v = only_timing(s, plan({**a, "end": iso("2026-12-01 09:00")}))
    assert (v.rule, v.gap_id) == (3, "G1")
    assert "lasts 50 minutes" in v.message


def test_rule_3_whole_minutes() -> None:
    g = gap("G1", "2026-12-01 08:00", "2026-12-01 09:00", start_tolerance_minutes=15)
    a = {**assign(g), "start": "2026-12-01T08:00:30+00:00", "end": "2026-12-01T09:00:30+00:00"}
    v = only_timing(scenario(gaps=[g]), plan(a))
    assert "whole minutes" in v.message


# --------------------------------------------------------------------- rule 4


def pinned_scenario(w: dict[str, Any], pin_start: str | None = None) -> tuple[Scenario, dict]:
    g = gap("G1", "2026-12-01 08:00", "2026-12-01 16:00", start_tolerance_minutes=30)
    pin: dict[str, Any] = {"gap_id": "G1", "worker_id": "W1"}
    if pin_start:
        pin["start"] = iso(pin_start)
    return scenario(workers=[w, worker("W2")], gaps=[g], pinned=[pin]), g


def test_rule_4_pin_kept() -> None:
    s, g = pinned_scenario(worker(), "2026-12-01 08:20")
    assert_valid(s, plan(assign(g, start="2026-12-01 08:20")))
    v = only(s, plan())
    assert (v.rule, v.name, v.worker_id, v.gap_id) == (4, "pinned", "W1", "G1")
    v = only(s, plan(assign(g, start="2026-12-01 08:10")))
    assert (v.rule, v.worker_id) == (4, "W1")
    v = only(s, plan(assign(g, "W2")))
    assert (v.rule, v.worker_id) == (4, "W1")


def test_rule_4_failing_pin_is_released_with_its_codes() -> None:
    lapsed = worker(dbs={**worker()["dbs"], "level": "standard"})
    s, g = pinned_scenario(lapsed)
    release = {"gap_id": "G1", "worker_id": "W1", "codes": ["dbs"]}
    assert_valid(s, plan(released=[release]))
    assert_valid(s, plan(assign(g, "W2"), released=[release]))  # planned afresh
    v = only(s, plan())
    assert (v.rule, v.worker_id, v.gap_id) == (4, "W1", "G1")
    assert "not listed as released" in v.message
    v = only(s, plan(released=[{**release, "codes": ["dbs", "training"]}]))
    assert v.rule == 4


def test_rule_4_a_passing_pin_may_not_be_released() -> None:
    s, g = pinned_scenario(worker())
    release = {"gap_id": "G1", "worker_id": "W1", "codes": ["dbs"]}
    v = only(s, plan(assign(g), released=[release]))
    assert (v.rule, v.worker_id) == (4, "W1")
    assert "passes" in v.message
    v = only(s, plan(assign(g), released=[{**release, "worker_id": "W2"}]))
    assert (v.rule, v.worker_id) == (4, "W2")
    assert "no such pin" in v.message


# --------------------------------------------------------------------- rule 5


def test_rule_5_overlap_with_a_commitment() -> None:
    w = worker(commitments=[commitment("2026-12-01 15:00", "2026-12-01 18:00", label="shop")])
    g = gap("G1", "2026-12-01 08:00", "2026-12-01 15:00")
    s = scenario(workers=[w], gaps=[g])
    assert_valid(s, plan(assign(g)))  # touching is not overlapping
    g2 = gap("G1", "2026-12-01 08:00", "2026-12-01 15:01")
    v = only(scenario(workers=[w], gaps=[g2]), plan(assign(g2)))
    assert (v.rule, v.name, v.worker_id, v.gap_id) == (5, "overlap", "W1", "G1")


def test_rule_5_overlap_between_assignments() -> None:
    a = gap("G1", "2026-12-01 08:00", "2026-12-01 12:00")
    b = gap("G2", "2026-12-01 11:00", "2026-12-01 13:00")
    v = only(scenario(gaps=[a, b]), plan(assign(a), assign(b)))
    assert (v.rule, v.worker_id) == (5, "W1")


def travel_scenario(second_start: str, commitments: list[dict] | None = None) -> tuple:
    here = gap("G1", "2026-12-01 08:00", "2026-12-01 10:00")
    there = gap("G2", second_start, plus_minutes(second_start, 120), location=THERE)
    s = scenario(workers=[worker(commitments=commitments or [])], gaps=[here, there])
    return s, plan(assign(here), assign(there))


def test_rule_5_travel_with_one_minute_of_slack() -> None:
    assert DRIVE_HERE_THERE == 29
    assert_valid(*travel_scenario("2026-12-01 10:29"))
    assert_valid(*travel_scenario("2026-12-01 10:28"))  # one minute short: the slack
    v = only(*travel_scenario("2026-12-01 10:27"))  # two minutes short
    assert (v.rule, v.worker_id, v.gap_id) == (5, "W1", "G2")
    assert "29 minutes" in v.message


def test_rule_5_a_commitment_without_location_is_skipped_for_travel() -> None:
    # The journey is from G1 (HERE) to G2 (THERE); the phone shift in between has no
    # place, so it neither needs travel nor breaks the journey up.
    phone = [commitment("2026-12-01 10:00", "2026-12-01 10:20", label="phone")]
    assert_valid(*travel_scenario("2026-12-01 10:28", phone))
    v = only(*travel_scenario("2026-12-01 10:27", phone))
    assert (v.rule, v.gap_id) == (5, "G2")
    # With a place at THERE the commitment is a stop: 0 minutes from it to G2, but
    # 29 minutes from G1 to it (only 0 available).
    there = [commitment("2026-12-01 10:00", "2026-12-01 10:20", THERE, label="visit")]
    v = only(*travel_scenario("2026-12-01 10:27", there))
    assert (v.rule, v.gap_id) == (5, "G1")


# --------------------------------------------------------------------- rule 6


def test_rule_6_length() -> None:
    twelve = gap("G1", "2026-12-01 08:00", "2026-12-01 20:00")
    assert_valid(scenario(gaps=[twelve]), plan(assign(twelve)))
    longer = gap("G1", "2026-12-01 08:00", "2026-12-01 20:01")
    v = only(scenario(gaps=[longer]), plan(assign(longer)))
    assert (v.rule, v.name, v.worker_id, v.gap_id) == (6, "length", "W1", "G1")


# --------------------------------------------------------------------- rule 7


def test_rule_7_eleven_hours_rest_opens_a_new_duty_period() -> None:
    w = worker(commitments=[commitment("2026-12-01 08:00", "2026-12-01 16:00")])
    exactly = gap("G1", "2026-12-02 03:00", "2026-12-02 07:00")
    assert_valid(scenario(workers=[w], gaps=[exactly]), plan(assign(exactly)))
    short = gap("G1", "2026-12-02 02:59", "2026-12-02 06:59")  # 10 h 59 min of rest
    v = only(scenario(workers=[w], gaps=[short]), plan(assign(short)))
    assert (v.rule, v.name, v.worker_id, v.gap_id) == (7, "daily_rest", "W1", "G1")


def test_rule_7_duty_span_at_most_13_hours() -> None:
    w = worker(commitments=[commitment("2026-12-01 07:00", "2026-12-01 12:00")])
    exactly = gap("G1", "2026-12-01 12:30", "2026-12-01 20:00")
    assert_valid(scenario(workers=[w], gaps=[exactly]), plan(assign(exactly)))
    longer = gap("G1", "2026-12-01 12:30", "2026-12-01 20:01")
    v = only(scenario(workers=[w], gaps=[longer]), plan(assign(longer)))
    assert (v.rule, v.worker_id, v.gap_id) == (7, "W1", "G1")


def test_rule_7_commitments_alone_are_not_the_plans_doing() -> None:
    # The commitments make a 14-hour duty period; the assignment is days later.
    w = worker(
        commitments=[
            commitment("2026-12-01 06:00", "2026-12-01 12:00"),
            commitment("2026-12-01 13:00", "2026-12-01 20:00"),
        ]
    )
    g = gap("G1", "2026-12-04 08:00", "2026-12-04 16:00")
    assert_valid(scenario(workers=[w], gaps=[g]), plan(assign(g)))


# --------------------------------------------------------------------- rule 8


def busy_week(monday: str, last_end_hours: float, offset_hours: int = 0) -> tuple:
    """Commitments of 13 h with 11 h rests from the week's start, then an assignment
    ending ``last_end_hours`` after it; the longest rest is what follows that."""
    start = dt_text(monday, offset_hours)
    commits = [
        commitment(plus_minutes(start, day * 24 * 60), plus_minutes(start, (day * 24 + 13) * 60))
        for day in range(5)
    ]
    commits.append(commitment(plus_minutes(start, 120 * 60), plus_minutes(start, 128 * 60)))
    g = gap("G1", plus_minutes(start, 139 * 60), plus_minutes(start, int(last_end_hours * 60)))
    return commits, g


def dt_text(day: str, offset_hours: int) -> str:
    return plus_minutes(f"{day} 00:00", offset_hours * 60)


def test_rule_8_exactly_24_hours_of_weekly_rest() -> None:
    commits, g = busy_week("2026-11-30", 144)
    assert_valid(scenario(workers=[worker(commitments=commits)], gaps=[g]), plan(assign(g)))
    commits, g = busy_week("2026-11-30", 144 + 1 / 60)  # 23 h 59 min left
    v = only(scenario(workers=[worker(commitments=commits)], gaps=[g]), plan(assign(g)))
    assert (v.rule, v.name, v.worker_id, v.gap_id) == (8, "weekly_rest", "W1", "G1")


def test_rule_8_a_week_across_the_clock_change_lasts_169_hours() -> None:
    # Monday 2026-10-19 00:00 BST is 2026-10-18 23:00 UTC; the clocks go back on
    # Sunday 25 October, so the week ends 169 real hours later, Monday 26 00:00 GMT.
    autumn = {
        "as_of": iso("2026-10-10 12:00"),
        "horizon": period("2026-10-18 23:00", "2026-10-26 00:00"),
    }
    commits, g = busy_week("2026-10-18", 145, offset_hours=23)
    s = scenario(workers=[worker(commitments=commits)], gaps=[g], **autumn)
    assert_valid(s, plan(assign(g)))  # 169 - 145 = 24 h of rest
    commits, g = busy_week("2026-10-18", 145 + 1 / 60, offset_hours=23)
    s = scenario(workers=[worker(commitments=commits)], gaps=[g], **autumn)
    v = only(s, plan(assign(g)))
    assert (v.rule, v.worker_id) == (8, "W1")
    assert "2026-10-19" in v.message


def rest_first_week(first_start_hours: float) -> tuple:
    """A week whose only long rest is at its start: a commitment at HERE ends on
    Monday 00:00, the first assignment (at THERE, 29 minutes' drive) starts
    ``first_start_hours`` later, then 13 h on / 11 h off to the end of the week."""
    start = "2026-11-30 00:00"
    first = int(first_start_hours * 60)
    commits = [commitment("2026-11-29 20:00", start, HERE, label="late shift")]
    for day in range(1, 6):
        on = first + (12 + 11) * 60 + (day - 1) * 24 * 60
        commits.append(commitment(plus_minutes(start, on), plus_minutes(start, on + 13 * 60)))
    g = gap("G1", plus_minutes(start, first), plus_minutes(start, first + 12 * 60))
    return commits, {**g, "location": THERE}


def test_rule_8_travel_does_not_break_rest() -> None:
    # The 29 minutes' drive to G1 lie inside the 24 h rest, which still counts whole.
    commits, g = rest_first_week(24)
    assert_valid(scenario(workers=[worker(commitments=commits)], gaps=[g]), plan(assign(g)))
    commits, g = rest_first_week(24 - 1 / 60)
    v = only(scenario(workers=[worker(commitments=commits)], gaps=[g]), plan(assign(g)))
    assert (v.rule, v.worker_id, v.gap_id) == (8, "W1", "G1")


# --------------------------------------------------------------------- rule 9


def forty_hours() -> list[dict[str, Any]]:
    """Monday to Thursday 08:00-18:00 of the horizon's first week."""
    return [commitment(f"2026-12-0{d} 08:00", f"2026-12-0{d} 18:00") for d in (1, 2, 3)] + [
        commitment("2026-11-30 08:00", "2026-11-30 18:00")
    ]


def test_rule_9_exactly_816_hours_over_17_weeks() -> None:
    w = worker(commitments=forty_hours(), previous_weekly_hours=[48.0] * 16)
    eight = gap("G1", "2026-12-04 08:00", "2026-12-04 16:00")  # 768 + 40 + 8 = 816
    assert_valid(scenario(workers=[w], gaps=[eight]), plan(assign(eight)))
    more = gap("G1", "2026-12-04 08:00", "2026-12-04 16:01")
    v = only(scenario(workers=[w], gaps=[more]), plan(assign(more)))
    assert (v.rule, v.name, v.worker_id, v.gap_id) == (9, "working_time", "W1", "G1")
    opted_out = {**w, "wtd_opt_out": True}
    assert_valid(scenario(workers=[opted_out], gaps=[more]), plan(assign(more)))


def test_rule_9_previous_weeks_are_oldest_first() -> None:
    # 17 previous weeks: the oldest (100 h) is outside the window of the first week.
    w = worker(commitments=forty_hours(), previous_weekly_hours=[100.0] + [45.0] * 16)
    ten = gap("G1", "2026-12-04 08:00", "2026-12-04 18:00")  # 720 + 40 + 10 = 770
    assert_valid(scenario(workers=[w], gaps=[ten]), plan(assign(ten)))
    newest_heavy = {**w, "previous_weekly_hours": [45.0] * 16 + [100.0]}  # 775 + 50
    v = only(scenario(workers=[newest_heavy], gaps=[ten]), plan(assign(ten)))
    assert (v.rule, v.worker_id) == (9, "W1")


def test_rule_9_counts_travel_within_a_duty_period() -> None:
    # 40 h of commitments at HERE, then an assignment at THERE 30 minutes later in the
    # same duty period: 29 minutes of travel are working time (28 with the slack).
    commits = forty_hours()
    commits[-1] = commitment("2026-12-04 06:00", "2026-12-04 10:00", HERE)
    commits.append(commitment("2026-11-30 08:00", "2026-11-30 14:00"))
    w = worker(commitments=commits, previous_weekly_hours=[48.0] * 16)
    # 768 + 40 + 7:32 + 0:28 travel (with slack) = 816
    fits = gap("G1", "2026-12-04 10:30", "2026-12-04 18:02", location=THERE)
    assert_valid(scenario(workers=[w], gaps=[fits]), plan(assign(fits)))
    over = gap("G1", "2026-12-04 10:30", "2026-12-04 18:03", location=THERE)
    v = only(scenario(workers=[w], gaps=[over]), plan(assign(over)))
    assert (v.rule, v.worker_id) == (9, "W1")


# --------------------------------------------------------------------- rule 10


def visa_worker(**rtw: Any) -> dict[str, Any]:
    right_to_work = {
        "check": "online",
        "checked_on": "2026-09-01",
        "permission_expires": "2028-01-31",
        "weekly_hour_limit": 20,
        **rtw,
    }
    return worker(right_to_work=right_to_work)


def three_shifts(last_end: str = "2026-12-03 16:00") -> list[dict[str, Any]]:
    return [
        gap("G1", "2026-12-01 08:00", "2026-12-01 16:00"),
        gap("G2", "2026-12-02 08:00", "2026-12-02 12:00"),
        gap("G3", "2026-12-03 08:00", last_end),
    ]


def test_rule_10_weekly_hour_limit() -> None:
    gaps = three_shifts()  # 8 + 4 + 8 = 20 h
    s = scenario(workers=[visa_worker()], gaps=gaps)
    assert_valid(s, plan(*map(assign, gaps)))
    gaps = three_shifts("2026-12-03 16:01")
    s = scenario(workers=[visa_worker()], gaps=gaps)
    v = only(s, plan(*map(assign, gaps)))
    assert (v.rule, v.name, v.worker_id, v.gap_id) == (10, "visa_hours", "W1", "G1")


def test_rule_10_limit_lifted_only_for_a_whole_week() -> None:
    gaps = three_shifts("2026-12-03 20:00")  # 24 h
    whole = visa_worker(limit_lifted=[{"start": "2026-11-28", "end": "2026-12-06"}])
    assert_valid(scenario(workers=[whole], gaps=gaps), plan(*map(assign, gaps)))
    exact = visa_worker(limit_lifted=[{"start": "2026-11-30", "end": "2026-12-06"}])
    assert_valid(scenario(workers=[exact], gaps=gaps), plan(*map(assign, gaps)))
    part = visa_worker(limit_lifted=[{"start": "2026-12-01", "end": "2026-12-20"}])
    v = only(scenario(workers=[part], gaps=gaps), plan(*map(assign, gaps)))
    assert (v.rule, v.worker_id) == (10, "W1")
    split = visa_worker(
        limit_lifted=[
            {"start": "2026-11-30", "end": "2026-12-02"},
            {"start": "2026-12-03", "end": "2026-12-06"},
        ]
    )
    assert only(scenario(workers=[split], gaps=gaps), plan(*map(assign, gaps))).rule == 10


def test_rule_10_outside_main_job_excludes_the_main_job() -> None:
    main = [
        commitment("2026-12-04 08:00", "2026-12-04 20:00", main_job=True, label="main"),
        commitment("2026-12-05 08:00", "2026-12-05 20:00", main_job=True, label="main"),
    ]
    gaps = three_shifts()  # 20 h of flex work beside 24 h of main job
    supplementary = {**visa_worker(limit_scope="outside_main_job"), "commitments": main}
    assert_valid(scenario(workers=[supplementary], gaps=gaps), plan(*map(assign, gaps)))
    student = {**visa_worker(), "commitments": main}
    v = only(scenario(workers=[student], gaps=gaps), plan(*map(assign, gaps)))
    assert (v.rule, v.worker_id) == (10, "W1")
    other = [{**c, "main_job": False} for c in main]  # other work still counts
    not_main = {**visa_worker(limit_scope="outside_main_job"), "commitments": other}
    assert only(scenario(workers=[not_main], gaps=gaps), plan(*map(assign, gaps))).rule == 10


def test_rule_10_outside_main_job_excludes_travel_to_the_main_job_only() -> None:
    # G1 at HERE ends 12:00; the main job at THERE starts 13:00: 29 minutes of travel
    # leading to the main job do not count; 18 h of flex work + 2 h to go.
    main = [commitment("2026-12-01 13:00", "2026-12-01 17:00", THERE, main_job=True)]
    g1 = gap("G1", "2026-12-01 08:00", "2026-12-01 12:00")
    g2 = gap("G2", "2026-12-02 08:00", "2026-12-02 20:00")
    g3 = gap("G3", "2026-12-03 08:00", "2026-12-03 12:00")
    w = {**visa_worker(limit_scope="outside_main_job"), "commitments": main}
    assert_valid(scenario(workers=[w], gaps=[g1, g2, g3]), plan(*map(assign, [g1, g2, g3])))
    # The other way round (main job first, then flex work at THERE) the travel counts.
    back = [commitment("2026-12-01 06:00", "2026-12-01 07:00", HERE, main_job=True)]
    g1 = gap("G1", "2026-12-01 08:00", "2026-12-01 12:00", location=THERE)
    w = {**visa_worker(limit_scope="outside_main_job"), "commitments": back}
    v = only(scenario(workers=[w], gaps=[g1, g2, g3]), plan(*map(assign, [g1, g2, g3])))
    assert (v.rule, v.worker_id) == (10, "W1")


def test_rules_7_to_10_bind_weeks_after_the_horizon_an_assignment_reaches() -> None:
    # The horizon ends Monday 14 December 00:00; the night shift runs 8 h into that
    # week, where commitments already hold 14 h: 22 h against a limit of 20.
    later = [
        commitment("2026-12-15 08:00", "2026-12-15 15:00"),
        commitment("2026-12-16 08:00", "2026-12-16 15:00"),
    ]
    w = {**visa_worker(), "commitments": later}
    night = gap("G1", "2026-12-13 22:00", "2026-12-14 08:00")
    v = only(scenario(workers=[w], gaps=[night]), plan(assign(night)))
    assert (v.rule, v.worker_id, v.gap_id) == (10, "W1", "G1")
    assert "2026-12-14" in v.message
    # Commitments alone breaking the limit, in a week the plan does not touch, are fine.
    alone = {**w, "commitments": [*later, commitment("2026-12-17 08:00", "2026-12-17 15:00")]}
    day = gap("G1", "2026-12-01 08:00", "2026-12-01 16:00")
    assert_valid(scenario(workers=[alone], gaps=[day]), plan(assign(day)))


# --------------------------------------------------------------------- rule 11


def test_rule_11_offered_hours() -> None:
    w = worker(max_hours_per_week=16.0)
    a = gap("G1", "2026-12-01 08:00", "2026-12-01 16:00")
    b = gap("G2", "2026-12-02 08:00", "2026-12-02 16:00")
    assert_valid(scenario(workers=[w], gaps=[a, b]), plan(assign(a), assign(b)))
    b = gap("G2", "2026-12-02 08:00", "2026-12-02 16:01")
    v = only(scenario(workers=[w], gaps=[a, b]), plan(assign(a), assign(b)))
    assert (v.rule, v.name, v.worker_id, v.gap_id) == (11, "offered_hours", "W1", "G1")


def test_rule_11_night_shift_split_at_the_week_boundary() -> None:
    # Sunday 22:00 to Monday 08:00: 2 h in the first week, 8 h in the second.
    w = worker(max_hours_per_week=10.0)
    saturday = gap("G1", "2026-12-05 08:00", "2026-12-05 16:00")
    night = gap("G2", "2026-12-06 22:00", "2026-12-07 08:00")
    monday = gap("G3", "2026-12-07 20:00", "2026-12-07 22:00")
    s = scenario(workers=[w], gaps=[saturday, night, monday])
    assert_valid(s, plan(assign(saturday), assign(night), assign(monday)))
    monday = gap("G3", "2026-12-07 20:00", "2026-12-07 22:01")
    s = scenario(workers=[w], gaps=[saturday, night, monday])
    v = only(s, plan(assign(saturday), assign(night), assign(monday)))
    assert (v.rule, v.worker_id, v.gap_id) == (11, "W1", "G2")
    assert "2026-12-07" in v.message


# -------------------------------------------------------------------- quality


def quality_case() -> tuple[Scenario, Plan]:
    clients = [
        {"id": "C1", "provider_id": "P2", "location": THERE},
        {"id": "C2", "provider_id": "P2", "location": THERE, "preferred_workers": ["W2"]},
    ]
    w1 = worker(
        "W1",
        max_hours_per_week=20.0,
        availability=[
            period("2026-12-01 08:00", "2026-12-01 16:00"),
            period("2026-12-02 08:00", "2026-12-02 16:00"),
        ],
        history=[{"provider_id": "P2", "client_id": "C1", "engagements": 3}],
    )
    w2 = worker(
        "W2",
        travel_mode="walk",
        max_hours_per_week=5.0,
        availability=[period("2026-12-02 08:00", "2026-12-02 18:00")],
    )
    g1 = gap("G1", "2026-12-01 08:00", "2026-12-01 12:00", kind="visit", client_id="C1")
    g1 |= {"provider_id": "P2", "priority": "emergency"}
    g2 = gap("G2", "2026-12-01 12:30", "2026-12-01 16:00", provider_id="P2", priority="urgent")
    g3 = gap("G3", "2026-12-02 09:00", "2026-12-02 10:00", kind="visit", client_id="C2")
    g3 |= {"provider_id": "P2"}
    s = scenario(
        workers=[w1, w2],
        gaps=[g1, g2, g3],
        clients=clients,
        providers=[provider("P1"), provider("P2", THERE)],
        horizon=period("2026-11-30 00:00", "2026-12-07 00:00"),
    )
    return s, plan(assign(g1, "W1"), assign(g2, "W1"), assign(g3, "W2"))


def test_quality_by_hand() -> None:
    s, p = quality_case()
    assert_valid(s, p)
    q = quality(s, p)
    assert q.covered_hours == {"emergency": 4.0, "urgent": 3.5, "routine": 1.0}
    # G1: W1 knows client C1 (2); G2: W1 knows provider P2 (1); G3: W2 preferred by C2 (2)
    assert q.continuity == 5
    # W1: home -> THERE, G1 -> G2 (same place), THERE -> home; W2 walks there and back
    assert q.travel_minutes == 2 * DRIVE_HERE_THERE + 2 * WALK_HERE_THERE == 444
    # W1: min(20, 16 available) - 7.5 = 8.5; W2: min(5, 10) - 1 = 4
    assert q.fairness == pytest.approx(8.5**2 + 4**2)
    assert q.key() == (4.0, 3.5, 1.0, 5, -444, -88.25)


def test_quality_travel_counts_only_duty_periods_with_an_assignment() -> None:
    s, p = quality_case()
    # W2's own commitment at THERE the day before, far from the assignment: its duty
    # period holds no assignment, so no travel counts for it.
    w2 = s.workers[1].model_copy(
        update={"commitments": [load_commitment("2026-11-30 09:00", "2026-11-30 10:00")]}
    )
    s2 = s.model_copy(update={"workers": [s.workers[0], w2]})
    assert quality(s2, p).travel_minutes == 444


def load_commitment(start: str, end: str) -> Any:
    from flexbank.models import Commitment

    return Commitment.model_validate(
        {"start": iso(start), "end": iso(end), "location": THERE}, strict=False
    )


def test_quality_key_orders_plans() -> None:
    better = Quality({"emergency": 1.0, "urgent": 0.0, "routine": 0.0}, 0, 999, 99.0)
    worse = Quality({"emergency": 0.5, "urgent": 9.0, "routine": 9.0}, 9, 0, 0.0)
    assert better.key() > worse.key()
    near = Quality({"emergency": 1.0, "urgent": 0.0, "routine": 0.0}, 0, 998, 99.0)
    assert near.key() > better.key()
    fairer = Quality({"emergency": 1.0, "urgent": 0.0, "routine": 0.0}, 0, 999, 98.0)
    assert fairer.key() > better.key()


def test_check_report() -> None:
    s, p = quality_case()
    report = check(s, p)
    assert isinstance(report, CheckReport)
    assert report.violations == [] and report.valid
    assert report.quality == quality(s, p)
    assert json.loads(json.dumps(report.to_dict()))["quality"]["continuity"] == 5


# ------------------------------------------------------------------ performance


def test_eight_thousand_assignments_in_a_few_seconds() -> None:
    workers, gaps, assignments = [], [], []
    for w in range(400):
        workers.append(worker(f"W{w:03}", max_hours_per_week=40.0))
        for day in range(10):  # 20 two-hour visits each, two a day, 10 days
            for slot, hour in enumerate((8, 14)):
                g = gap(
                    f"G{w:03}-{day}-{slot}",
                    f"2026-12-{day + 1:02} {hour:02}:00",
                    f"2026-12-{day + 1:02} {hour + 2:02}:00",
                    location=THERE if slot else None,
                )
                gaps.append(g)
                assignments.append(assign(g, f"W{w:03}"))
    s = scenario(workers=workers, gaps=gaps)
    p = plan(*assignments)
    began = time.perf_counter()
    report = check(s, p)
    elapsed = time.perf_counter() - began
    assert len(p.assignments) == 8000
    assert not report.violations
    assert elapsed < 10, f"{elapsed:.1f} s"


# ------------------------------------------------------------------------ CLI


runner = CliRunner()


def test_cli_valid_plan_exits_0() -> None:
    result = runner.invoke(
        app, ["check", str(DATA / "bury-small.scenario.json"), str(DATA / "bury-small.plan.json")]
    )
    assert result.exit_code == 0, result.output
    assert "valid" in result.output
    assert "travel minutes" in result.output


def test_cli_violations_exit_1(tmp_path: Path) -> None:
    shutil.copy(DATA / "bury-small.scenario.json", tmp_path / "s.json")
    data = json.loads((DATA / "bury-small.plan.json").read_text())
    data["assignments"].append(dict(data["assignments"][0]))  # the same worker twice
    (tmp_path / "p.json").write_text(json.dumps(data))
    result = runner.invoke(app, ["check", str(tmp_path / "s.json"), str(tmp_path / "p.json")])
    assert result.exit_code == 1, result.output
    assert "headcount" in result.output
    result = runner.invoke(
        app, ["check", str(tmp_path / "s.json"), str(tmp_path / "p.json"), "--json"]
    )
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["valid"] is False
    assert {v["rule"] for v in report["violations"]} >= {2}


def test_cli_bad_input_exits_2(tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text("{not json")
    scenario_file = str(DATA / "bury-small.scenario.json")
    result = runner.invoke(app, ["check", scenario_file, str(tmp_path / "broken.json")])
    assert result.exit_code == 2
    result = runner.invoke(app, ["check", str(tmp_path / "broken.json"), scenario_file])
    assert result.exit_code == 2
    data = json.loads((DATA / "bury-small.plan.json").read_text())
    data["assignments"][0]["worker_id"] = "nobody"
    (tmp_path / "p.json").write_text(json.dumps(data))
    result = runner.invoke(app, ["check", scenario_file, str(tmp_path / "p.json")])
    assert result.exit_code == 2
