"""Rules 5 and 7-11 of rules.md section 2 for one worker's roster, at their boundaries."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from matching_factories import (
    DAY,
    HOUR,
    PLACES,
    WEEK,
    commitment,
    gap,
    problem,
    visa,
    worker,
)

from flexbank.matching.legality import Roster, week_table
from flexbank.matching.problem import Problem
from flexbank.models import Location

TUE = DAY  # Tuesday 00:00 of week 0
G = 0  # the gap index used by single-gap tests


def roster(
    commitments: list[dict[str, Any]],
    gaps: list[dict[str, Any]],
    assigned: dict[int, int] | None = None,
    policy: dict[str, Any] | None = None,
    **over: Any,
) -> Roster:
    p = problem([worker(commitments=commitments, **over)], gaps, policy=policy)
    return Roster(p, 0, assigned or {})


def travel(r: Roster, a: int, b: int) -> int:
    p = r.problem
    return p.travel(p.workers[0].mode, p.location(_loc(a)), p.location(_loc(b)))


def _loc(i: int) -> Location:
    return Location(lat=PLACES[i][0], lon=PLACES[i][1])


def ok_to_add(r: Roster, g: int, start: int) -> str | None:
    """blocking_rule, cross-checked against the from-scratch violations()."""
    code = r.blocking_rule(g, start)
    after = Roster(r.problem, r.worker, {**r.assigned, g: start})
    after.later_windows = r.later_windows
    found = after.violations()
    assert code == (found[0] if found else None), (code, found)
    return code


# ------------------------------------------------------------------ rule 5


def test_overlap_needs_exact_travel_after_a_commitment() -> None:
    r = roster([commitment(TUE + 8 * HOUR, TUE + 10 * HOUR, where=0)], [gap("G", 0, 2 * HOUR, 3)])
    t = travel(r, 0, 3)
    assert t > 5
    assert ok_to_add(r, G, TUE + 10 * HOUR + t) is None
    assert ok_to_add(r, G, TUE + 10 * HOUR + t - 1) == "overlap"
    assert ok_to_add(r, G, TUE + 9 * HOUR) == "overlap"  # plain overlap


def test_overlap_needs_exact_travel_before_a_commitment() -> None:
    r = roster([commitment(TUE + 14 * HOUR, TUE + 16 * HOUR, where=0)], [gap("G", 0, 2 * HOUR, 3)])
    t = travel(r, 3, 0)
    assert ok_to_add(r, G, TUE + 12 * HOUR - t) is None
    assert ok_to_add(r, G, TUE + 12 * HOUR - t + 1) == "overlap"


def test_location_less_commitment_is_skipped_when_pairing() -> None:
    # no travel is needed from an engagement without a location ...
    r = roster([commitment(TUE + 8 * HOUR, TUE + 10 * HOUR, where=None)], [gap("G", 0, HOUR, 3)])
    assert ok_to_add(r, G, TUE + 10 * HOUR) is None
    # ... but the located engagement before it still needs the travel time
    r = roster(
        [
            commitment(TUE + 8 * HOUR, TUE + 9 * HOUR, where=0),
            commitment(TUE + 9 * HOUR, TUE + 9 * HOUR + 5, where=None),
        ],
        [gap("G", 0, HOUR, 3)],
    )
    t = travel(r, 0, 3)
    assert t > 5
    assert ok_to_add(r, G, TUE + 9 * HOUR + 5) == "overlap"
    assert ok_to_add(r, G, TUE + 9 * HOUR + t) is None


def test_overlap_with_another_assignment() -> None:
    r = roster([], [gap("A", 0, 2 * HOUR, 0), gap("B", 0, 2 * HOUR, 0)], {0: TUE + 8 * HOUR})
    assert ok_to_add(r, 1, TUE + 9 * HOUR) == "overlap"
    assert ok_to_add(r, 1, TUE + 10 * HOUR) is None  # same place: no travel


# ------------------------------------------------------------------ rule 7


def test_daily_rest_exactly_11_hours_passes() -> None:
    r = roster([commitment(TUE + 8 * HOUR, TUE + 16 * HOUR)], [gap("G", 0, 8 * HOUR)])
    assert ok_to_add(r, G, TUE + 27 * HOUR) is None  # 11 h later: a new duty period
    assert ok_to_add(r, G, TUE + 27 * HOUR - 1) == "rest"  # 10 h 59: one 19 h duty


def test_duty_span_13_hours() -> None:
    r = roster([commitment(TUE + 6 * HOUR, TUE + 10 * HOUR)], [gap("G", 0, 7 * HOUR)])
    assert ok_to_add(r, G, TUE + 12 * HOUR) is None  # 06:00-19:00
    assert ok_to_add(r, G, TUE + 12 * HOUR + 1) == "rest"


def test_duty_period_merged_by_a_bridge() -> None:
    # two commitments 12 h apart are separate duties; a gap between them joins them
    r = roster(
        [commitment(TUE + 6 * HOUR, TUE + 8 * HOUR), commitment(TUE + 20 * HOUR, TUE + 21 * HOUR)],
        [gap("G", 0, HOUR)],
    )
    assert ok_to_add(r, G, TUE + 12 * HOUR) == "rest"  # 06:00-21:00 is 15 h
    assert ok_to_add(r, G, TUE + 8 * HOUR) is None  # 06:00-09:00, then 20:00 is 11 h later
    assert ok_to_add(r, G, TUE + 8 * HOUR + 1) == "rest"


def test_rest_broken_by_commitments_alone_binds_only_with_an_assignment() -> None:
    long_duty = [
        commitment(TUE + 6 * HOUR, TUE + 12 * HOUR),
        commitment(TUE + 13 * HOUR, TUE + 20 * HOUR),
    ]
    r = roster(long_duty, [gap("G", 0, HOUR)])
    assert r.violations() == []
    assert ok_to_add(r, G, TUE + 12 * HOUR) == "rest"  # joins the 14 h duty
    assert ok_to_add(r, G, TUE + 31 * HOUR) is None  # 11 h after: its own duty


# ------------------------------------------------------------------ rule 8


def _six_days() -> list[dict[str, Any]]:
    """Monday to Saturday 08:00-20:00: the week's longest rest is Sat 20:00 -> Mon 00:00."""
    return [commitment(d * DAY + 8 * HOUR, d * DAY + 20 * HOUR) for d in range(6)]


def test_weekly_rest_exactly_24_hours() -> None:
    r = roster(_six_days(), [gap("G", 0, 4 * HOUR)])
    sunday = 6 * DAY
    assert ok_to_add(r, G, sunday + 20 * HOUR) is None  # Sat 20:00 -> Sun 20:00 is 24 h
    assert ok_to_add(r, G, sunday + 20 * HOUR - 1) == "rest"
    assert ok_to_add(r, G, sunday) == "rest"


def test_weekly_rest_within_the_week_only() -> None:
    # Sunday 08:00 -> Monday 00:00 is only 16 h of week 0, though the rest goes on
    r = roster(_six_days(), [gap("G", 0, 4 * HOUR)])
    assert ok_to_add(r, G, 6 * DAY + 4 * HOUR) == "rest"
    # a night shift into week 1 binds both weeks: Sat 20:00 -> Sun 22:00 is 26 h
    r = roster(_six_days(), [gap("G", 0, 4 * HOUR)], policy={"weekly_rest_hours": 26})
    assert ok_to_add(r, G, 6 * DAY + 22 * HOUR) is None
    assert ok_to_add(r, G, 6 * DAY + 22 * HOUR - 1) == "rest"
    # a week with no assignment does not bind (week 0 has only 28 h here)
    r = roster(_six_days(), [gap("G", 0, 4 * HOUR)], policy={"weekly_rest_hours": 29})
    assert ok_to_add(r, G, WEEK + 8 * HOUR) is None


# ------------------------------------------------------------------ rule 9


def _wtd(opt_out: bool = False) -> Roster:
    """16 previous weeks of 48 h and 40 h of commitments in week 0: 808 h."""
    days = [commitment(d * DAY + 8 * HOUR, d * DAY + 16 * HOUR) for d in range(5)]
    return roster(
        days,
        [gap("G", 0, 8 * HOUR), gap("H", 0, 8 * HOUR + 1)],
        previous_weekly_hours=[48.0] * 16,
        wtd_opt_out=opt_out,
    )


def test_working_time_exactly_816_hours_passes() -> None:
    r = _wtd()
    saturday = 5 * DAY + 8 * HOUR
    assert ok_to_add(r, 0, saturday) is None  # 768 + 48 = 816 h
    assert ok_to_add(r, 1, saturday) == "working_time"  # one minute more


def test_working_time_opt_out() -> None:
    r = _wtd(opt_out=True)
    assert ok_to_add(r, 1, 5 * DAY + 8 * HOUR) is None


def test_working_time_counts_travel_within_a_duty_period() -> None:
    # 40 h on Monday-Friday, then Saturday 06:00-08:00 at place 0 and the gap at place 3
    days = [commitment(d * DAY + 8 * HOUR, d * DAY + 16 * HOUR, where=0) for d in range(5)]
    days.append(commitment(5 * DAY + 6 * HOUR, 5 * DAY + 8 * HOUR, where=0))
    previous = [48.0] * 16
    probe = roster(days, [gap("G", 0, HOUR, 3)], previous_weekly_hours=previous)
    t = travel(probe, 0, 3)
    start = 5 * DAY + 8 * HOUR + t
    fits = roster(days, [gap("G", 0, 6 * HOUR - t, 3)], previous_weekly_hours=previous)
    assert ok_to_add(fits, G, start) is None  # 42 h + travel + (6 h - travel) = 48 h
    over = roster(days, [gap("G", 0, 6 * HOUR - t + 1, 3)], previous_weekly_hours=previous)
    assert ok_to_add(over, G, start) == "working_time"
    # travel from home is not working time: alone on Sunday the same gap fits
    assert ok_to_add(over, G, 6 * DAY + 8 * HOUR) is None


def test_working_time_later_windows() -> None:
    # week 1's window (weeks -15..1) is over the limit by commitments alone
    previous = [0.0] + [50.0] * 15
    heavy = [commitment(WEEK + d * DAY + 8 * HOUR, WEEK + d * DAY + 20 * HOUR) for d in range(6)]
    r = roster(heavy, [gap("G", 0, 8 * HOUR)], previous_weekly_hours=previous)
    assert r.violations() == []
    # rules.md: rule 9 binds the weeks holding an assignment: week 0 is at 758 h
    assert ok_to_add(r, G, TUE + 8 * HOUR) is None
    # the stricter reading also binds week 1, whose window includes the assignment
    r.later_windows = True
    assert ok_to_add(r, G, TUE + 8 * HOUR) == "working_time"
    r = roster(heavy[:4], [gap("G", 0, 8 * HOUR)], previous_weekly_hours=previous)
    r.later_windows = True
    assert ok_to_add(r, G, TUE + 8 * HOUR) is None  # 750 + 8 + 48 = 806 h


# ------------------------------------------------------------------ rule 10


def _main_job() -> list[dict[str, Any]]:
    """16 h of main job on Monday and Wednesday."""
    return [
        commitment(8 * HOUR, 16 * HOUR, main_job=True),
        commitment(2 * DAY + 8 * HOUR, 2 * DAY + 16 * HOUR, main_job=True),
    ]


def test_visa_hours_all_work() -> None:
    r = roster(
        _main_job(), [gap("G", 0, 4 * HOUR), gap("H", 0, 4 * HOUR + 1)], right_to_work=visa(20)
    )
    assert ok_to_add(r, 0, 4 * DAY + 8 * HOUR) is None  # 16 + 4 = 20 h
    assert ok_to_add(r, 1, 4 * DAY + 8 * HOUR) == "visa_hours"


def test_visa_hours_outside_main_job() -> None:
    gaps = [gap("G", 0, 8 * HOUR), gap("H", 0, 12 * HOUR), gap("I", 0, 1)]
    r = roster(_main_job(), gaps, {0: TUE + 8 * HOUR}, right_to_work=visa(20, "outside_main_job"))
    assert r.violations() == []
    assert ok_to_add(r, 1, 4 * DAY + 8 * HOUR) is None  # 8 + 12 = 20 h outside the main job
    r = roster(
        _main_job(),
        gaps,
        {0: TUE + 8 * HOUR, 1: 4 * DAY + 8 * HOUR},
        right_to_work=visa(20, "outside_main_job"),
    )
    assert ok_to_add(r, 2, 5 * DAY + 8 * HOUR) == "visa_hours"


def test_visa_hours_lifted_week() -> None:
    lifted = [{"start": "2026-11-30", "end": "2026-12-06"}]
    gaps = [gap("G", 0, 8 * HOUR)]
    r = roster(_main_job(), gaps, right_to_work=visa(20, lifted=lifted))
    assert ok_to_add(r, G, 4 * DAY + 8 * HOUR) is None
    # a range one day short lifts nothing
    short = [{"start": "2026-11-30", "end": "2026-12-05"}]
    r = roster(_main_job(), gaps, right_to_work=visa(20, lifted=short))
    assert ok_to_add(r, G, 4 * DAY + 8 * HOUR) == "visa_hours"


# ------------------------------------------------------------------ rule 11


def test_offered_hours() -> None:
    gaps = [gap("A", 0, 4 * HOUR), gap("B", 0, 4 * HOUR), gap("C", 0, 4 * HOUR + 1)]
    r = roster([], gaps, {0: TUE + 8 * HOUR}, max_hours_per_week=8)
    assert ok_to_add(r, 1, 3 * DAY + 8 * HOUR) is None
    assert ok_to_add(r, 2, 3 * DAY + 8 * HOUR) == "offered_hours"
    # another week has its own allowance
    assert ok_to_add(r, 2, WEEK + 3 * DAY + 8 * HOUR) is None


def test_night_shift_split_at_the_week_boundary() -> None:
    night = gap("N", 0, 12 * HOUR)
    start = 6 * DAY + 20 * HOUR  # Sunday 20:00 -> Monday 08:00
    r = roster([], [night, gap("X", 0, HOUR)], max_hours_per_week=8)
    assert ok_to_add(r, 0, start) is None  # 4 h in week 0, 8 h in week 1
    r.add(0, start)
    assert r.week_minutes(0) == 4 * HOUR
    assert r.week_minutes(1) == 8 * HOUR
    assert r.violations() == []
    assert ok_to_add(r, 1, WEEK + 3 * DAY) == "offered_hours"
    assert ok_to_add(r, 1, 3 * DAY) is None
    r.remove(0)
    assert r.week_minutes(1) == 0


# ---------------------------------------------------------- other queries


def test_first_legal_start_tries_end_plus_travel() -> None:
    r = roster([commitment(TUE + 8 * HOUR, TUE + 10 * HOUR, where=0)], [gap("G", 0, HOUR, 3)])
    t = travel(r, 0, 3)
    start, code = r.first_legal_start(G, [(TUE + 9 * HOUR, TUE + 11 * HOUR)])
    assert (start, code) == (TUE + 10 * HOUR + t, None)
    start, code = r.first_legal_start(G, [(TUE + 9 * HOUR, TUE + 10 * HOUR)])
    assert (start, code) == (None, "overlap")
    assert r.first_legal_start(G, []) == (None, None)


def test_first_legal_start_reports_the_furthest_rule() -> None:
    r = roster([commitment(TUE + 6 * HOUR, TUE + 10 * HOUR)], [gap("G", 0, 10 * HOUR)])
    # at 09:00 busy; from 10:00 free but the duty would be over 13 h
    assert r.first_legal_start(G, [(TUE + 9 * HOUR, TUE + 11 * HOUR)]) == (None, "rest")


def test_travel_minutes_of_duty_periods_with_an_assignment() -> None:
    r = roster(
        [
            commitment(TUE + 8 * HOUR, TUE + 10 * HOUR, where=2),
            commitment(3 * DAY, 3 * DAY + HOUR, 4),
        ],
        [gap("G", 0, HOUR, 3)],
        {0: TUE + 12 * HOUR},
    )
    expected = travel(r, 0, 2) + travel(r, 2, 3) + travel(r, 3, 0)
    assert r.travel_minutes() == expected
    assert r.lead_in(0, TUE + 12 * HOUR) == (travel(r, 2, 3), True)
    assert r.lead_in(0, TUE + 36 * HOUR) == (travel(r, 0, 3), False)


def test_week_table_across_a_clock_change() -> None:
    p = problem([worker()], [gap("G", 0, HOUR)])
    table = week_table(p)
    # the week of Monday 2027-03-22 holds the spring clock change: 167 hours
    week = 16
    assert p.week(week).monday.isoformat() == "2027-03-22"
    lo, hi = table.bounds(week)
    assert hi - lo == 167 * HOUR
    assert table.index(lo) == week and table.index(lo - 1) == week - 1
    assert table.split(hi - 30, hi + 30) == [(week, 30), (week + 1, 30)]


# ------------------------------------------------------------ property test

PLACE = st.sampled_from([0, 1, 2, 3, None])
SPAN = 3 * WEEK


@st.composite
def worlds(draw: st.DrawFn, version: int = 1) -> tuple[Problem, list[tuple[int, int]], bool]:
    commitments = []
    cursor = draw(st.integers(0, 2 * DAY))
    for _ in range(draw(st.integers(0, 8))):
        length = draw(st.integers(30, 12 * HOUR))
        if cursor + length > SPAN:
            break
        where = draw(PLACE)
        commitments.append(commitment(cursor, cursor + length, where, draw(st.booleans())))
        cursor += length + draw(st.integers(0, 30 * HOUR))
    gaps = []
    starts = []
    for i in range(draw(st.integers(1, 8))):
        length = draw(st.integers(30, 12 * HOUR))
        gaps.append(gap(f"G{i}", 0, length, draw(st.sampled_from([0, 1, 2, 3]))))
        starts.append(draw(st.integers(0, SPAN)))
    extra: dict[str, Any] = {
        "max_hours_per_week": draw(st.sampled_from([8, 16, 30, 48])),
        "wtd_opt_out": draw(st.booleans()),
        "previous_weekly_hours": draw(
            st.one_of(
                st.lists(st.sampled_from([0.0, 48.5, 60.0]), max_size=4),
                st.lists(st.sampled_from([46.0, 48.0, 50.0, 52.0]), min_size=16, max_size=16),
            )
        ),
    }
    if draw(st.booleans()):
        extra["right_to_work"] = visa(
            draw(st.sampled_from([10, 20, 30])),
            draw(st.sampled_from(["all_work", "outside_main_job"])),
            draw(st.sampled_from([[], [{"start": "2026-12-07", "end": "2026-12-20"}]])),
        )
    policy: dict[str, Any] = {
        "daily_rest_hours": draw(st.sampled_from([8, 11])),
        "weekly_rest_hours": draw(st.sampled_from([24, 24, 60])),
        "max_duty_span_hours": draw(st.sampled_from([10, 13])),
    }
    if version >= 2:  # rule 12, new starters, 9b night workers
        policy["break_after_hours"] = draw(st.sampled_from([3, 6]))
        policy["break_minutes"] = draw(st.sampled_from([20, 60]))
        extra["employment_start"] = draw(st.sampled_from([None, "2026-11-23", "2026-10-05"]))
    p = problem([worker(commitments=commitments, **extra)], gaps, policy=policy, version=version)
    ends = [p.minute(c.end) for c in p.scenario.workers[0].commitments]
    moves = []
    for g in range(len(gaps)):
        near_an_end = draw(st.booleans())
        if ends and near_an_end:
            start = draw(st.sampled_from(ends)) + draw(st.integers(0, 40))
        else:
            start = starts[g] + draw(st.integers(-DAY, DAY))
        moves.append((g, start))
    return p, moves, draw(st.booleans())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_blocking_rule_agrees_with_violations(
    world: tuple[Problem, list[tuple[int, int]], bool],
) -> None:
    p, moves, later_windows = world
    r = Roster(p, 0)
    r.later_windows = later_windows
    assert r.violations() == []
    for g, start in moves:
        first, _ = r.first_legal_start(g, [(start - 2 * HOUR, start + 2 * HOUR)])
        if first is not None:
            assert ok_to_add(r, g, first) is None
        if ok_to_add(r, g, start) is None:
            r.add(g, start)
            assert r.violations() == []


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds(version=2))
def test_blocking_rule_agrees_with_violations_in_version_2(
    world: tuple[Problem, list[tuple[int, int]], bool],
) -> None:
    """The same in version 2 (rule 12, windows ending later, new starters, night
    workers): the incremental answer is the from-scratch one."""
    p, moves, _ = world
    r = Roster(p, 0)
    assert r.violations() == []
    for g, start in moves:
        first, _ = r.first_legal_start(g, [(start - 2 * HOUR, start + 2 * HOUR)])
        if first is not None:
            assert ok_to_add(r, g, first) is None
        if ok_to_add(r, g, start) is None:
            r.add(g, start)
            assert r.violations() == []
