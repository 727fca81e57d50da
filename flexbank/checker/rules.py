"""The hard rules of a plan (rules.md section 2), one function each, from the text.

Each function reads a :class:`Context` and returns the violations of its rule.
Choices where the text leaves room (each also noted at its function):

- Rules 5, 7 to 10 are about a worker's engagements (assignments plus commitments);
  a break among commitments alone is not the plan's doing, so it is reported only
  when the pair / duty period / week involved holds at least one assignment.
- Section 0's one minute of travel slack is applied wherever travel time is compared
  with something: the gap before an engagement (rule 5), and the travel legs that
  count as working time (rules 9 and 10 are judged with every leg one minute
  shorter).
- Travel lies immediately before the engagement it leads to, ``[next.start - travel,
  next.start)``, and counts as working time in the week in which it lies, split at a
  week boundary like an engagement.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable

from flexbank.checker.calendar import HOUR, MINUTE, night_seconds, seconds
from flexbank.checker.context import Context
from flexbank.checker.dependencies import rule_13_dependency
from flexbank.checker.engagements import (
    Engagement,
    Interval,
    in_order,
    leg_minutes,
    leg_slack,
    located_pairs,
    working_intervals,
)
from flexbank.checker.violations import Violation, violation

#: Floating-point allowance when hours given as decimals are compared with a limit.
EPSILON_HOURS = 1e-9
#: rules.md section 0: "checkers allow one minute of slack on travel time".
TRAVEL_SLACK_MINUTES = 1


def _hours(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") + " h"


# ------------------------------------------------------------------ rule 1: eligible


def rule_1_eligible(ctx: Context) -> list[Violation]:
    """Every assignment passes every check of section 1, judged at its actual start.

    An assignment naming a gap or worker the scenario does not have is reported here.
    """
    out = []
    for a in ctx.plan.assignments:
        if a.gap_id not in ctx.index.gaps or a.worker_id not in ctx.index.workers:
            missing = [
                f"no {kind} {value!r} in the scenario"
                for kind, value, known in (
                    ("gap", a.gap_id, ctx.index.gaps),
                    ("worker", a.worker_id, ctx.index.workers),
                )
                if value not in known
            ]
            out.append(violation(1, "; ".join(missing), gap_id=a.gap_id, worker_id=a.worker_id))
            continue
        verdict = ctx.compliance.check_pair(a.worker_id, a.gap_id, start=a.start)
        if not verdict.ok:
            reasons = "; ".join(f"{f.code}: {f.message}" for f in verdict.failures)
            out.append(
                violation(
                    1,
                    f"not ready to work this gap from {ctx.calendar.show(seconds(a.start))} "
                    f"({reasons})",
                    gap_id=a.gap_id,
                    worker_id=a.worker_id,
                )
            )
    return out


# ----------------------------------------------------------------- rule 2: headcount


def rule_2_headcount(ctx: Context) -> list[Violation]:
    """At most ``headcount`` per gap, a worker at most once per gap; a double-handed
    visit (headcount >= 2) has all or none of its workers, all starting together."""
    out = []
    by_gap = defaultdict(list)
    for a in ctx.assignments:
        by_gap[a.gap_id].append(a)
    for gap in ctx.scenario.gaps:
        assigned = by_gap.get(gap.id, [])
        if not assigned:
            continue
        if len(assigned) > gap.headcount:
            out.append(
                violation(
                    2,
                    f"{len(assigned)} assignments but a headcount of {gap.headcount}",
                    gap_id=gap.id,
                )
            )
        for worker_id, count in Counter(a.worker_id for a in assigned).items():
            if count > 1:
                out.append(
                    violation(
                        2,
                        f"the worker is assigned {count} times to one gap",
                        gap_id=gap.id,
                        worker_id=worker_id,
                    )
                )
        if gap.kind == "visit" and gap.headcount >= 2:
            if len(assigned) < gap.headcount:
                out.append(
                    violation(
                        2,
                        f"double-handed visit has {len(assigned)} of its {gap.headcount} "
                        "workers (all or none)",
                        gap_id=gap.id,
                    )
                )
            starts = {seconds(a.start) for a in assigned}
            if len(starts) > 1:
                shown = ", ".join(ctx.calendar.show(s) for s in sorted(starts))
                out.append(
                    violation(
                        2,
                        f"double-handed visit's workers start at different times ({shown})",
                        gap_id=gap.id,
                    )
                )
    return out


# -------------------------------------------------------------------- rule 3: timing


def rule_3_timing(ctx: Context) -> list[Violation]:
    """Start in ``[gap.start, gap.start + start_tolerance_minutes]`` (/2.1: plus
    ``late_minutes_allowed``), end = start plus the gap's length (real elapsed time), both
    in whole minutes."""
    out = []
    for a in ctx.assignments:
        gap = ctx.index.gaps[a.gap_id]

        def report(message: str, a_gap: str = gap.id, a_worker: str = a.worker_id) -> None:
            out.append(violation(3, message, gap_id=a_gap, worker_id=a_worker))

        start, end = seconds(a.start), seconds(a.end)
        earliest = seconds(gap.start)
        late = gap.late_minutes_allowed or 0
        latest = earliest + (gap.start_tolerance_minutes + late) * MINUTE
        length = seconds(gap.end) - seconds(gap.start)
        if a.start.timestamp() % 60 or a.end.timestamp() % 60:
            report("start and end must be whole minutes")
        if not earliest <= start <= latest:
            report(
                f"starts at {ctx.calendar.show(start)}, outside the allowed starts "
                f"{ctx.calendar.show(earliest)} to {ctx.calendar.show(latest)}"
            )
        if end - start != length:
            report(
                f"lasts {(end - start) / MINUTE:g} minutes but the gap lasts "
                f"{length / MINUTE:g} minutes"
            )
    return out


# -------------------------------------------------------------------- rule 4: pinned


def rule_4_pinned(ctx: Context) -> list[Violation]:
    """Every pin is assigned (with its start, where given), unless it fails a check of
    section 1 at ``as_of``; then it is in ``released`` with exactly those codes.

    A pin is judged with its own start when it gives one, else over the gap's allowed
    starts. Codes are compared as sets (their order is not part of the contract). A
    ``released`` entry for a pin that passes every check, or for no pin at all, is a
    violation.
    """
    out = []
    released = {(r.gap_id, r.worker_id): r for r in ctx.plan.released}
    pins = {(p.gap_id, p.worker_id): p for p in ctx.scenario.pinned}
    starts: defaultdict[tuple[str, str], set[int]] = defaultdict(set)
    for a in ctx.assignments:
        starts[(a.gap_id, a.worker_id)].add(seconds(a.start))
    for key, entry in released.items():
        if key not in pins:
            out.append(
                violation(
                    4,
                    "listed as released but there is no such pin",
                    gap_id=entry.gap_id,
                    worker_id=entry.worker_id,
                )
            )
    for (gap_id, worker_id), pin in pins.items():
        verdict = ctx.compliance.check_pair(worker_id, gap_id, start=pin.start)
        listed = released.get((gap_id, worker_id))
        if verdict.ok:
            if listed is not None:
                out.append(
                    violation(
                        4,
                        "released although the pin passes every compliance check",
                        gap_id=gap_id,
                        worker_id=worker_id,
                    )
                )
            assigned_starts = starts.get((gap_id, worker_id), set())
            kept = seconds(pin.start) in assigned_starts if pin.start else bool(assigned_starts)
            if not kept:
                where = f" starting {ctx.calendar.show(seconds(pin.start))}" if pin.start else ""
                out.append(
                    violation(
                        4, f"pinned pair not assigned{where}", gap_id=gap_id, worker_id=worker_id
                    )
                )
        elif listed is None:
            out.append(
                violation(
                    4,
                    f"pin fails {', '.join(verdict.codes)} but is not listed as released",
                    gap_id=gap_id,
                    worker_id=worker_id,
                )
            )
        elif set(listed.codes) != set(verdict.codes):
            out.append(
                violation(
                    4,
                    f"released with codes {sorted(listed.codes)} but the pin fails "
                    f"{list(verdict.codes)}",
                    gap_id=gap_id,
                    worker_id=worker_id,
                )
            )
    return out


# ----------------------------------------------------------- rule 5: no overlap, travel


def rule_5_overlap(ctx: Context) -> list[Violation]:
    """A worker's engagements do not overlap, and between consecutive engagements
    with locations (location-less ones are skipped when pairing) there is at least
    the travel time, less one minute of slack. Only pairs with an assignment count."""
    out = []
    for worker_id in ctx.assigned:
        worker = ctx.worker(worker_id)
        engagements = in_order(ctx.engagements(worker_id))
        for i, a in enumerate(engagements):
            for b in engagements[i + 1 :]:
                if b.start >= a.end:
                    break
                if a.is_assignment or b.is_assignment:
                    out.append(
                        violation(
                            5,
                            f"{a.describe()} ({ctx.calendar.show(a.start)} to "
                            f"{ctx.calendar.show(a.end)}) overlaps {b.describe()} "
                            f"({ctx.calendar.show(b.start)} to {ctx.calendar.show(b.end)})",
                            gap_id=a.gap_id or b.gap_id,
                            worker_id=worker_id,
                        )
                    )
        for a, b in located_pairs(engagements):
            if not (a.is_assignment or b.is_assignment) or b.start < a.end:
                continue  # commitments only, or an overlap reported above
            needed = leg_minutes(ctx.travel, worker, a, b)
            free = (b.start - a.end) / MINUTE
            if free < needed - leg_slack(ctx.travel, worker, a, b):
                out.append(
                    violation(
                        5,
                        f"{free:g} minutes between {a.describe()} and {b.describe()} but "
                        f"the journey takes {needed} minutes by {worker.travel_mode}",
                        gap_id=b.gap_id or a.gap_id,
                        worker_id=worker_id,
                    )
                )
    return out


# -------------------------------------------------------------------- rule 6: length


def rule_6_length(ctx: Context) -> list[Violation]:
    """No assignment is longer than ``max_engagement_hours``."""
    limit = ctx.policy.max_engagement_hours
    out = []
    for a in ctx.assignments:
        hours = (seconds(a.end) - seconds(a.start)) / HOUR
        if hours > limit:
            out.append(
                violation(
                    6,
                    f"assignment lasts {_hours(hours)}, over the {_hours(limit)} limit",
                    gap_id=a.gap_id,
                    worker_id=a.worker_id,
                )
            )
    return out


# ---------------------------------------------------------------- rule 7: daily rest


def rule_7_daily_rest(ctx: Context) -> list[Violation]:
    """Each duty period holding an assignment spans at most ``max_duty_span_hours``
    from its first start to its latest end (travel before it is outside it)."""
    limit = ctx.policy.max_duty_span_hours
    out = []
    for worker_id in ctx.assigned:
        for period in ctx.periods(worker_id):
            assignments = period.assignments
            span = (period.end - period.start) / HOUR
            if assignments and span > limit:
                out.append(
                    violation(
                        7,
                        f"duty period {ctx.calendar.show(period.start)} to "
                        f"{ctx.calendar.show(period.end)} spans {_hours(span)} (limit "
                        f"{_hours(limit)}; engagements less than "
                        f"{_hours(ctx.policy.daily_rest_hours)} apart share a duty period)",
                        gap_id=assignments[0].gap_id,
                        worker_id=worker_id,
                    )
                )
    return out


# --------------------------------------------------------------- rule 8: weekly rest


def longest_free_stretch(busy: list[tuple[int, int]], start: int, end: int) -> int:
    """The longest time in ``[start, end)`` covered by none of ``busy``, in seconds."""
    longest = 0
    free_from = start
    for b_start, b_end in sorted(busy):
        if b_end <= start or b_start >= end:
            continue
        longest = max(longest, b_start - free_from)
        free_from = max(free_from, b_end)
    return max(longest, end - free_from)


def rule_8_weekly_rest(ctx: Context) -> list[Violation]:
    """In every week that an assignment reaches, the time inside the week not taken by
    engagements (travel does not break rest) has an unbroken ``weekly_rest_hours``.
    Rest is looked for inside the week only (Monday 00:00 to the next Monday 00:00)."""
    needed = ctx.policy.weekly_rest_hours
    out = []
    for worker_id in ctx.assigned:
        busy = [(e.start, e.end) for e in ctx.engagements(worker_id)]
        for monday in ctx.assignment_weeks(worker_id):
            week_start, week_end = ctx.calendar.week_bounds(monday)
            longest = longest_free_stretch(busy, week_start, week_end) / HOUR
            if longest < needed:
                out.append(
                    violation(
                        8,
                        f"week of {monday}: longest rest is {_hours(longest)}, "
                        f"needs {_hours(needed)}",
                        gap_id=_first_gap_in_week(ctx, worker_id, week_start, week_end),
                        worker_id=worker_id,
                    )
                )
    return out


def _first_gap_in_week(ctx: Context, worker_id: str, week_start: int, week_end: int) -> str | None:
    for e in in_order(ctx.engagements(worker_id)):
        if e.is_assignment and e.start < week_end and e.end > week_start:
            return e.gap_id
    return None


# ------------------------------------------------------- working time (rules 9, 10)


def weekly_seconds(
    ctx: Context, intervals: list[Interval], keep: Callable[[Interval], bool]
) -> dict[dt.date, int]:
    """Seconds of the kept intervals in each local week (split at week boundaries)."""
    weeks: defaultdict[dt.date, int] = defaultdict(int)
    for interval in intervals:
        if keep(interval):
            for monday, inside in ctx.calendar.split(interval.start, interval.end):
                weeks[monday] += inside
    return weeks


def _slack_intervals(ctx: Context, worker_id: str) -> list[Interval]:
    """Working time with each travel leg one minute shorter (section 0's slack)."""
    return working_intervals(
        ctx.worker(worker_id), ctx.periods(worker_id), ctx.travel, TRAVEL_SLACK_MINUTES
    )


def _week_hours(
    ctx: Context, monday: dt.date, from_plan: dict[dt.date, int], previous: list[float]
) -> float:
    """A week's working hours: from the plan from the horizon's first week on, else
    from ``previous_weekly_hours`` (its last entry is the week just before)."""
    if monday >= ctx.first_monday:
        return from_plan.get(monday, 0) / HOUR
    weeks_before = (ctx.first_monday - monday).days // 7
    return previous[-weeks_before] if weeks_before <= len(previous) else 0.0


def rule_9_working_time(ctx: Context) -> list[Violation]:
    """Unless ``wtd_opt_out``, for each week an assignment reaches: that week's working
    time plus the ``wtd_reference_weeks - 1`` weeks before it is at most
    ``wtd_average_hours * wtd_reference_weeks`` hours.

    Weeks before the horizon's first local ISO week come from
    ``previous_weekly_hours`` (oldest first, the last entry being the week just before;
    missing weeks count 0) and commitments there are not counted again; the horizon's
    first week and later ones come from the plan (engagements plus travel within duty
    periods, with one minute of travel slack per leg).

    Version 2: every window of ``wtd_reference_weeks`` weeks that contains a week an
    assignment reaches binds; a window holding the week of ``employment_start`` keeps
    only the weeks from that week on, at ``wtd_average_hours`` times the weeks kept; and
    (9b) a window in which a night engagement has time binds despite ``wtd_opt_out``.
    """
    if ctx.scenario.version >= 2:
        return _rule_9_version_2(ctx)
    policy = ctx.policy
    limit = policy.wtd_average_hours * policy.wtd_reference_weeks
    out = []
    for worker_id in ctx.assigned:
        worker = ctx.worker(worker_id)
        if worker.wtd_opt_out:
            continue
        from_plan = weekly_seconds(ctx, _slack_intervals(ctx, worker_id), lambda _: True)
        previous = worker.previous_weekly_hours

        for monday in ctx.assignment_weeks(worker_id):
            window = [monday - dt.timedelta(weeks=k) for k in range(policy.wtd_reference_weeks)]
            total = sum(_week_hours(ctx, week, from_plan, previous) for week in window)
            if total > limit + EPSILON_HOURS:
                week_start, week_end = ctx.calendar.week_bounds(monday)
                out.append(
                    violation(
                        9,
                        f"{policy.wtd_reference_weeks} weeks to the week of {monday} hold "
                        f"{_hours(total)} of working time (limit {_hours(limit)}; this "
                        f"week {_hours(_week_hours(ctx, monday, from_plan, previous))})",
                        gap_id=_first_gap_in_week(ctx, worker_id, week_start, week_end),
                        worker_id=worker_id,
                    )
                )
    return out


def _night_weeks(ctx: Context, worker_id: str) -> set[dt.date]:
    """The weeks in which one of the worker's night engagements has time (9b)."""
    policy = ctx.policy
    weeks: set[dt.date] = set()
    for e in ctx.engagements(worker_id):
        night = night_seconds(ctx.calendar, e.start, e.end, policy.night_start, policy.night_end)
        if night >= policy.night_min_hours * HOUR:
            weeks.update(ctx.calendar.weeks_touched(e.start, e.end))
    return weeks


def _rule_9_version_2(ctx: Context) -> list[Violation]:
    policy = ctx.policy
    size = policy.wtd_reference_weeks
    out = []
    for worker_id in ctx.assigned:
        worker = ctx.worker(worker_id)
        night = _night_weeks(ctx, worker_id)
        if worker.wtd_opt_out and not night:
            continue
        from_plan = weekly_seconds(ctx, _slack_intervals(ctx, worker_id), lambda _: True)
        previous = worker.previous_weekly_hours
        starter = worker.employment_start
        starter_week = starter - dt.timedelta(days=starter.weekday()) if starter else None
        held = ctx.assignment_weeks(worker_id)
        last_weeks = sorted({week + dt.timedelta(weeks=k) for week in held for k in range(size)})
        for last in last_weeks:
            window = [last - dt.timedelta(weeks=k) for k in range(size)]
            opted_out_night = worker.wtd_opt_out
            if opted_out_night and not night.intersection(window):
                continue
            kept = window
            if starter_week is not None and starter_week in window:
                kept = [week for week in window if week >= starter_week]
            limit = policy.wtd_average_hours * len(kept)
            total = sum(_week_hours(ctx, week, from_plan, previous) for week in kept)
            if total > limit + EPSILON_HOURS:
                first = min(w for w in window if w in held)
                week_start, week_end = ctx.calendar.week_bounds(first)
                why = " (a night worker: no opt-out)" if opted_out_night else ""
                starts = f", from the starting week of {starter_week}" if kept != window else ""
                out.append(
                    violation(
                        9,
                        f"the {len(kept)} weeks to the week of {last}{starts} hold "
                        f"{_hours(total)} of working time (limit {_hours(limit)}){why}",
                        gap_id=_first_gap_in_week(ctx, worker_id, week_start, week_end),
                        worker_id=worker_id,
                    )
                )
    return out


def week_is_lifted(monday: dt.date, lifted: list[tuple[dt.date, dt.date]]) -> bool:
    """All seven local days of the week lie in one ``limit_lifted`` range."""
    sunday = monday + dt.timedelta(days=6)
    return any(start <= monday and sunday <= end for start, end in lifted)


def rule_10_visa_hours(ctx: Context) -> list[Violation]:
    """Where ``weekly_hour_limit`` is set, each week an assignment reaches, unless all
    its seven days lie in one ``limit_lifted`` range, holds at most that many hours of
    covered working time: all of it (``all_work``), or all but ``main_job``
    commitments and the travel leading to them (``outside_main_job``)."""
    out = []
    for worker_id in ctx.assigned:
        rtw = ctx.worker(worker_id).right_to_work
        if rtw.weekly_hour_limit is None:
            continue
        lifted = [(r.start, r.end) for r in rtw.limit_lifted]
        if rtw.limit_scope == "outside_main_job":

            def keep(interval: Interval) -> bool:
                return not interval.main_job
        else:

            def keep(interval: Interval) -> bool:
                return True

        covered = weekly_seconds(ctx, _slack_intervals(ctx, worker_id), keep)
        for monday in ctx.assignment_weeks(worker_id):
            if week_is_lifted(monday, lifted):
                continue
            hours = covered.get(monday, 0) / HOUR
            if hours > rtw.weekly_hour_limit + EPSILON_HOURS:
                week_start, week_end = ctx.calendar.week_bounds(monday)
                out.append(
                    violation(
                        10,
                        f"week of {monday}: {_hours(hours)} of working time under the visa "
                        f"limit of {_hours(rtw.weekly_hour_limit)} ({rtw.limit_scope})",
                        gap_id=_first_gap_in_week(ctx, worker_id, week_start, week_end),
                        worker_id=worker_id,
                    )
                )
    return out


# ------------------------------------------------------------- rule 11: offered hours


def assigned_weekly_seconds(ctx: Context, worker_id: str) -> dict[dt.date, int]:
    """Seconds of the worker's assignments in each local week (split at boundaries)."""
    weeks: defaultdict[dt.date, int] = defaultdict(int)
    for e in ctx.engagements(worker_id):
        if e.is_assignment:
            for monday, inside in ctx.calendar.split(e.start, e.end):
                weeks[monday] += inside
    return weeks


def rule_11_offered_hours(ctx: Context) -> list[Violation]:
    """A worker's assigned engagement hours in each week are at most
    ``max_hours_per_week``."""
    out = []
    for worker_id in ctx.assigned:
        limit = ctx.worker(worker_id).max_hours_per_week
        for monday, secs in sorted(assigned_weekly_seconds(ctx, worker_id).items()):
            hours = secs / HOUR
            if hours > limit + EPSILON_HOURS:
                week_start, week_end = ctx.calendar.week_bounds(monday)
                out.append(
                    violation(
                        11,
                        f"week of {monday}: {_hours(hours)} assigned, more than the "
                        f"{_hours(limit)} offered",
                        gap_id=_first_gap_in_week(ctx, worker_id, week_start, week_end),
                        worker_id=worker_id,
                    )
                )
    return out


# ----------------------------------------------------------- rule 12: rest break (/2)


def rule_12_break(ctx: Context) -> list[Violation]:
    """Version 2: in each duty period holding an assignment, walk the engagements in
    order of start; one joins the stretch of the one before it when its idle time (its
    start, minus that one's end, minus the travel leading to it from the period's
    previous located engagement, one minute of slack off the travel) is under
    ``break_minutes``. A stretch of two or more spans at most ``break_after_hours``."""
    if ctx.scenario.version < 2:
        return []
    policy = ctx.policy
    idle_needed = policy.break_minutes * MINUTE
    longest = policy.break_after_hours * HOUR
    out: list[Violation] = []
    for worker_id in ctx.assigned:
        worker = ctx.worker(worker_id)
        for period in ctx.periods(worker_id):
            if not period.assignments:
                continue
            stretch: list[Engagement] = []
            previous_located: Engagement | None = None
            before: Engagement | None = None
            for e in in_order(period.engagements):
                lead = 0
                if e.location is not None and previous_located is not None:
                    needed = leg_minutes(ctx.travel, worker, previous_located, e)
                    slack = leg_slack(ctx.travel, worker, previous_located, e)
                    lead = round(max(0, needed - slack) * MINUTE)
                if before is not None and e.start - before.end - lead < idle_needed:
                    stretch.append(e)
                else:
                    _report_stretch(ctx, out, worker_id, stretch, longest)
                    stretch = [e]
                before = e
                if e.location is not None:
                    previous_located = e
            _report_stretch(ctx, out, worker_id, stretch, longest)
    return out


def _report_stretch(
    ctx: Context, out: list[Violation], worker_id: str, stretch: list[Engagement], longest: float
) -> None:
    if len(stretch) < 2:
        return
    start, end = stretch[0].start, max(e.end for e in stretch)
    if end - start > longest:
        gap = next((e.gap_id for e in stretch if e.is_assignment), None)
        out.append(
            violation(
                12,
                f"{len(stretch)} engagements back to back from {ctx.calendar.show(start)} to "
                f"{ctx.calendar.show(end)}: {_hours((end - start) / HOUR)} without a break of "
                f"{ctx.policy.break_minutes} minutes "
                f"(limit {_hours(ctx.policy.break_after_hours)})",
                gap_id=gap,
                worker_id=worker_id,
            )
        )


RULES: tuple[Callable[[Context], list[Violation]], ...] = (
    rule_1_eligible,
    rule_2_headcount,
    rule_3_timing,
    rule_4_pinned,
    rule_5_overlap,
    rule_6_length,
    rule_7_daily_rest,
    rule_8_weekly_rest,
    rule_9_working_time,
    rule_10_visa_hours,
    rule_11_offered_hours,
    rule_12_break,
    rule_13_dependency,
)
