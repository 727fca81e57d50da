"""One worker's roster and the plan rules of rules.md section 2 that bind it (5, 7-11).

A :class:`Roster` holds a worker's engagements (fixed commitments plus assigned gaps) in
whole minutes, sorted by start, with everything a "may I add this gap here?" question
needs precomputed: prefix maxima of ends, duty periods, the located neighbours of every
position, and per-week totals of working time, visa-covered time and assigned time.
:meth:`Roster.blocking_rule` answers that question by looking only at the part of the
roster the new engagement touches (its duty period, its weeks and their 17-week
windows), so the phone round and the ranker can ask it millions of times.
:meth:`Roster.violations` recomputes everything from scratch, independently, and is the
reference the incremental answer is tested against.

Conventions (rules.md):

* Rule 5 binds every pair of engagements of which at least one is an assignment
  (commitments clashing with each other are not the plan's doing).
* Rules 7 and 8 bind the duty periods and weeks that hold an assignment (a week holds
  an assignment when the assignment's engagement has at least one minute in it).
* Rules 9 and 10: working time is engagement time plus the travel between consecutive
  located engagements of the same duty period; that travel lies immediately before the
  engagement it leads to. Both bind the weeks that hold an assignment (rule 10 only
  those not lifted), as rules.md says and as the CP-SAT model does. With
  :attr:`Roster.later_windows` set, rule 9 also binds the 16 weeks after each such
  week (their 17-week windows include the assignment too): a stricter reading, off by
  default. Weeks before the horizon's first week count ``previous_minutes`` for rule 9
  (missing weeks 0) and nothing from engagements, which ``previous_weekly_hours``
  already include.
* Rule 11 binds the weeks of the assigned engagements.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from types import MappingProxyType

from flexbank import reasons
from flexbank.matching.problem import Problem, WeekTable

#: The codes :meth:`Roster.blocking_rule` gives for a version 1 problem, in the order
#: they are judged (a version 2 problem gives :data:`flexbank.reasons.ROSTER_CODES`).
RULE_CODES: tuple[str, ...] = tuple(
    dict.fromkeys(reasons.in_version(c, 1) for c in reasons.ROSTER_CODES)
)

#: Slack for comparisons against limits given in (possibly fractional) hours.
EPS = 1e-6

_EMPTY: Mapping[int, int] = MappingProxyType({})


def week_table(problem: Problem) -> WeekTable:
    """The problem's week table (one splitter shared with the model)."""
    return problem.weeks


def _add(target: dict[int, float], pieces: Iterable[tuple[int, int]], sign: int = 1) -> None:
    for week, amount in pieces:
        target[week] = target.get(week, 0) + sign * amount


@dataclass
class Insertion:
    """A gap a worker would take at ``s``: where it falls, and the duty period (old
    positions ``a..j-1``, from ``first`` to ``run``) it would join."""

    gap: int
    s: int
    e: int
    loc: int
    i: int
    a: int
    j: int
    first: int
    run: int
    pieces: list[tuple[int, int]]
    deltas: tuple[dict[int, float], dict[int, float]] | None = None


class WholeRoster:
    """A roster's engagements with their duty periods and weekly totals, recomputed from
    scratch (the reference :meth:`Roster.violations` judges)."""

    def __init__(self, roster: Roster, items: list[tuple[int, int, int | None, int, bool]]) -> None:
        self.items = items
        n = len(items)
        split = roster._weeks.split
        self.is_assigned = [item[3] >= 0 for item in items]
        self.located = [i for i in range(n) if items[i][2] is not None]
        self.periods = roster._periods(items)
        period_of = {i: k for k, members in enumerate(self.periods) for i in members}
        self.held: set[int] = set()
        for i in range(n):
            if self.is_assigned[i]:
                self.held.update(week for week, _ in split(items[i][0], items[i][1]))
        outside = roster._outside_main
        self.work: dict[int, float] = {}
        self.cover: dict[int, float] = {}
        self.assigned_week: dict[int, float] = {}
        for i, (s, e, _, _, main) in enumerate(items):
            pieces = split(s, e)
            _add(self.work, pieces)
            if not (outside and main):
                _add(self.cover, pieces)
            if self.is_assigned[i]:
                _add(self.assigned_week, pieces)
        for x, y in pairwise(self.located):
            if period_of[x] != period_of[y]:
                continue
            t = roster._travel(items[x][2], items[y][2])
            if t > 0:
                pieces = split(items[y][0] - t, items[y][0])
                _add(self.work, pieces)
                if not (outside and items[y][4]):
                    _add(self.cover, pieces)


class Roster:
    """A worker's engagements: fixed commitments plus assigned gaps (gap index -> start minute).

    ``assigned`` must not be changed directly; use :meth:`add` and :meth:`remove`.
    """

    #: Rule 9 also binds the 16 weeks after a week that holds an assignment.
    later_windows: bool = False

    def __init__(self, problem: Problem, worker: int, assigned: Mapping[int, int] = _EMPTY) -> None:
        self.problem = problem
        self.worker = worker
        self.slot = problem.workers[worker]
        self._weeks = week_table(problem)
        limits = problem.limits
        self._rest = limits.daily_rest
        self._span = limits.duty_span
        self._weekly_rest = limits.weekly_rest
        self._ref = limits.reference_weeks
        self._wtd_limit = limits.wtd_window
        self._v2 = problem.version >= 2
        self._break_idle = limits.break_idle
        self._break_after = limits.break_after
        self._outside_main = self.slot.visa_scope == "outside_main_job"
        version = problem.version
        self._codes = {c: reasons.in_version(c, version) for c in reasons.ROSTER_CODES}
        self._order = {self._codes[c]: k for k, c in enumerate(reasons.ROSTER_CODES)}
        #: rules 5, 7, 8, (12), 9, 10, 11 in the order of rules.md section 4
        self._rules = [
            self.rule_5_overlap,
            self.rule_7_daily_rest,
            self.rule_8_weekly_rest,
            *([self.rule_12_break] if self._v2 else []),
            self.rule_9_working_time,
            self.rule_10_visa_hours,
            self.rule_11_offered_hours,
        ]
        if self._v2:
            self.later_windows = True  # rules.md /2 rule 9: windows ending after it bind too
        self.assigned: dict[int, int] = dict(assigned)
        self._rebuild()

    # ----------------------------------------------------------------- state

    def _travel(self, a: int | None, b: int | None) -> int:
        return self.problem.travel(self.slot.mode, a, b)

    def _engagements(self) -> list[tuple[int, int, int | None, int, bool]]:
        """(start, end, location, gap or -1, main_job), sorted by start."""
        items = [(f.start, f.end, f.location, -1, f.main_job) for f in self.slot.fixed]
        gaps = self.problem.gaps
        for g, s in self.assigned.items():
            items.append((s, s + gaps[g].length, gaps[g].location, g, False))
        items.sort(key=lambda e: (e[0], e[1], e[3]))
        return items

    def _rebuild(self) -> None:
        items = self._engagements()
        n = len(items)
        self._S = S = [e[0] for e in items]
        self._E = E = [e[1] for e in items]
        self._L = L = [e[2] for e in items]
        self._G = [e[3] for e in items]
        self._M = M = [e[4] for e in items]
        self._maxlen = max((e - s for s, e in zip(S, E, strict=True)), default=0)
        # prefix maxima of ends ("latest end so far") and duty periods (rule 7)
        self._pm: list[int] = []
        self._P: list[int] = []
        pm, P = self._pm, self._P
        run = 0
        for i in range(n):
            if i == 0 or S[i] >= run + self._rest:
                P.append(i)
                run = E[i]
            else:
                P.append(P[i - 1])
                run = max(run, E[i])
            pm.append(run)
        # located neighbours of each insertion position 0..n
        self._lp = lp = [-1] * (n + 1)
        for i in range(n):
            lp[i + 1] = i if L[i] is not None else lp[i]
        self._nl = nl = [n] * (n + 1)
        for i in range(n - 1, -1, -1):
            nl[i] = i if L[i] is not None else nl[i + 1]
        # weekly totals
        split = self._weeks.split
        self._work: dict[int, float] = {}
        self._cover: dict[int, float] = {}
        self._assigned_week: dict[int, float] = {}
        for i in range(n):
            pieces = split(S[i], E[i])
            _add(self._work, pieces)
            if not (self._outside_main and M[i]):
                _add(self._cover, pieces)
            if self._G[i] >= 0:
                _add(self._assigned_week, pieces)
        prev = -1
        for i in range(n):
            if L[i] is None:
                continue
            if prev >= 0 and P[prev] == P[i]:
                t = self._travel(L[prev], L[i])
                if t > 0:
                    pieces = split(S[i] - t, S[i])
                    _add(self._work, pieces)
                    if not (self._outside_main and M[i]):
                        _add(self._cover, pieces)
            prev = i
        # rule 9: prefix sums of weekly working time (previous weeks for k < 0)
        previous = self.slot.previous_minutes
        self._last_week = max((k for k, v in self._work.items() if k >= 0 and v > 0), default=-1)
        self._plo = min(min(previous, default=0), -self._ref)
        self._pref = pref = [0.0]
        for k in range(self._plo, max(self._last_week, 0) + 1):
            pref.append(pref[-1] + self._wtd_week(k))
        self._free_cache: dict[int, list[tuple[int, int]]] = {}
        # rule 9b (/2): the weeks a night engagement reaches
        self._night_weeks: set[int] = set()
        if self._v2:
            for i in range(n):
                if self.problem.night(S[i], E[i]):
                    self._night_weeks.update(week for week, _ in split(S[i], E[i]))

    def _wtd_week(self, week: int) -> float:
        if week < 0:
            return self.slot.previous_minutes.get(week, 0)
        return self._work.get(week, 0)

    def _wsum(self, a: int, b: int) -> float:
        """Rule 9 working minutes of weeks ``a..b`` of the current roster."""
        top = len(self._pref) - 1 + self._plo - 1  # last week in the prefix table
        b = min(b, top)
        a = max(a, self._plo)
        if b < a:
            return 0.0
        return self._pref[b - self._plo + 1] - self._pref[a - self._plo]

    def _free(self, week: int) -> list[tuple[int, int]]:
        """Stretches of ``week`` not covered by any engagement (cached)."""
        found = self._free_cache.get(week)
        if found is not None:
            return found
        ws, we = self._weeks.bounds(week)
        S, E = self._S, self._E
        lo = bisect_left(S, ws - self._maxlen)
        hi = bisect_left(S, we)
        found = []
        cursor = ws
        for i in range(lo, hi):
            if E[i] <= cursor:
                continue
            if S[i] > cursor:
                found.append((cursor, S[i]))
            cursor = E[i]
            if cursor >= we:
                break
        if cursor < we:
            found.append((cursor, we))
        self._free_cache[week] = found
        return found

    # -------------------------------------------------------------- queries

    def blocking_rule(self, gap: int, start: int) -> str | None:
        """None if adding ``gap`` at ``start`` keeps rules 5, 7-11 (and 12 in /2) for this
        worker, else the first broken code in rules.md section 4 order.

        Only the engagements, duty period and weeks the new engagement touches are
        examined: the rest of the roster is taken to keep the rules already.
        """
        if gap in self.assigned:
            raise ValueError(f"gap {gap} is already assigned to worker {self.worker}")
        new = self._insertion(gap, start)
        for rule in self._rules:
            code = rule(new)
            if code is not None:
                return code
        return None

    def _insertion(self, gap: int, start: int) -> Insertion:
        """The new engagement and the duty period it would join (rule 7's walk)."""
        slot_gap = self.problem.gaps[gap]
        s, e = start, start + slot_gap.length
        S, E, pm = self._S, self._E, self._pm
        n = len(S)
        i = bisect_left(S, s)
        rest = self._rest
        if i > 0 and s < pm[i - 1] + rest:
            a, first, run = self._P[i - 1], S[self._P[i - 1]], max(pm[i - 1], e)
        else:
            a, first, run = i, s, e
        j = i
        while j < n and S[j] < run + rest:
            if E[j] > run:
                run = E[j]
            j += 1
        pieces = self._weeks.split(s, e)
        return Insertion(gap, s, e, slot_gap.location, i, a, j, first, run, pieces)

    # One method per rule: each returns its code when the new engagement breaks it.

    def rule_5_overlap(self, new: Insertion) -> str | None:
        """Rule 5: no overlap, and travel between consecutive located engagements."""
        S, E, L, pm = self._S, self._E, self._L, self._pm
        n, i, s, e = len(S), new.i, new.s, new.e
        if (i > 0 and pm[i - 1] > s) or (i < n and S[i] < e):
            return self._codes["overlap"]
        p = self._lp[i]
        if p >= 0 and s - E[p] < self._travel(L[p], new.loc):
            return self._codes["overlap"]
        q = self._nl[i]
        if q < n and S[q] - e < self._travel(new.loc, L[q]):
            return self._codes["overlap"]
        return None

    def rule_7_daily_rest(self, new: Insertion) -> str | None:
        """Rule 7: the duty period the engagement joins (and may merge) spans at most 13 h."""
        return self._codes["daily_rest"] if new.run - new.first > self._span else None

    def rule_8_weekly_rest(self, new: Insertion) -> str | None:
        """Rule 8: each week the engagement lies in keeps an unbroken weekly rest."""
        s, e = new.s, new.e
        for week, _ in new.pieces:
            for fa, fb in self._free(week):
                longest = fb - fa if (fb <= s or fa >= e) else max(s - fa, fb - e)
                if longest >= self._weekly_rest:
                    break
            else:
                return self._codes["weekly_rest"]
        return None

    def rule_12_break(self, new: Insertion) -> str | None:
        """Rule 12 (/2): in the duty period the engagement joins, no stretch of two or
        more engagements with idle times under ``break_minutes`` spans over 6 hours."""
        S, E, L = self._S, self._E, self._L
        items = [(S[x], E[x], L[x]) for x in range(new.a, new.i)]
        items.append((new.s, new.e, new.loc))
        items += [(S[x], E[x], L[x]) for x in range(new.i, new.j)]
        return self._codes["break"] if self._break_broken(items) else None

    def _break_broken(self, period: Sequence[tuple[int, int, int | None]]) -> bool:
        """Whether one duty period's engagements (by start) break rule 12."""
        stretch_start, stretch_size, latest = 0, 0, 0
        previous_place: int | None = None
        for start, end, place in period:
            lead = self._travel(previous_place, place) if place is not None else 0
            if stretch_size and start - latest - lead < self._break_idle:
                stretch_size += 1
            else:
                stretch_start, stretch_size = start, 1
            latest = max(latest, end) if stretch_size > 1 else end
            if stretch_size > 1 and latest - stretch_start > self._break_after:
                return True
            if place is not None:
                previous_place = place
        return False

    def _deltas(self, new: Insertion) -> tuple[dict[int, float], dict[int, float]]:
        if new.deltas is None:
            new.deltas = self._delta(new.s, new.e, new.loc, new.i, new.a, new.j, new.pieces)
        return new.deltas

    def rule_9_working_time(self, new: Insertion) -> str | None:
        """Rule 9 (and 9b in /2): the 48-hour average over the binding windows."""
        night = self._v2 and (bool(self._night_weeks) or self.problem.night(new.s, new.e))
        if self.slot.wtd_opt_out and not night:
            return None
        d_work, _ = self._deltas(new)
        new_night = self._v2 and self.problem.night(new.s, new.e)
        broken = self._wtd_broken(d_work, {w for w, _ in new.pieces}, new_night)
        return self._codes["working_time"] if broken else None

    def rule_10_visa_hours(self, new: Insertion) -> str | None:
        """Rule 10: a visa's weekly hour limit, by scope, outside lifted weeks."""
        if self.slot.visa_limit_minutes is None:
            return None
        _, d_cover = self._deltas(new)
        broken = self._visa_broken(d_cover, {w for w, _ in new.pieces})
        return self._codes["visa_hours"] if broken else None

    def rule_11_offered_hours(self, new: Insertion) -> str | None:
        """Rule 11: assigned engagement minutes per week within the offered hours."""
        offered = self.slot.offered_minutes + EPS
        have = self._assigned_week
        for week, amount in new.pieces:
            if have.get(week, 0) + amount > offered:
                return self._codes["offered_hours"]
        return None

    def _delta(
        self,
        s: int,
        e: int,
        loc: int,
        i: int,
        a: int,
        j: int,
        pieces: list[tuple[int, int]],
    ) -> tuple[dict[int, float], dict[int, float]]:
        """Changes of weekly working and covered time when the engagement ``[s, e)`` is
        inserted at position ``i``, joining one duty period with old positions ``a..j-1``."""
        S, L, M, P = self._S, self._L, self._M, self._P
        split = self._weeks.split
        outside = self._outside_main
        d_work: dict[int, float] = {}
        d_cover: dict[int, float] = {}
        _add(d_work, pieces)
        _add(d_cover, pieces)
        # travel of the old pairs in a..j-1 that counted (same duty period) goes ...
        prev = -1
        for x in range(a, j):
            if L[x] is None:
                continue
            if prev >= 0 and P[prev] == P[x]:
                t = self._travel(L[prev], L[x])
                if t > 0:
                    moved = split(S[x] - t, S[x])
                    _add(d_work, moved, -1)
                    if not (outside and M[x]):
                        _add(d_cover, moved, -1)
            prev = x
        # ... and every consecutive located pair of the new, single, duty period counts
        prev_loc: int | None = None
        prev_idx = -2  # -2: none yet, -1: the new engagement
        for x in [*range(a, i), -1, *range(i, j)]:
            here = loc if x == -1 else L[x]
            if here is None:
                continue
            if prev_idx != -2:
                t = self._travel(prev_loc, here)
                if t > 0:
                    begin = s if x == -1 else S[x]
                    moved = split(begin - t, begin)
                    _add(d_work, moved)
                    if not (outside and x >= 0 and M[x]):
                        _add(d_cover, moved)
            prev_loc, prev_idx = here, x
        return d_work, d_cover

    def _holds(self, week: int, new_weeks: set[int]) -> bool:
        """Whether ``week`` holds an assignment once the new engagement is in."""
        return week in new_weeks or self._assigned_week.get(week, 0) > 0

    def _wtd_binds(self, week: int, new_weeks: set[int]) -> bool:
        if not self.later_windows:
            return self._holds(week, new_weeks)
        return any(self._holds(k, new_weeks) for k in range(week - self._ref + 1, week + 1))

    def _night_in(self, week: int, new_weeks: set[int], new_night: bool) -> bool:
        """Rule 9b: a night engagement has time in the window ending at ``week``."""
        window = range(week - self._ref + 1, week + 1)
        return any(k in self._night_weeks or (new_night and k in new_weeks) for k in window)

    def _wtd_broken(
        self, d_work: dict[int, float], new_weeks: set[int], new_night: bool = False
    ) -> bool:
        """Rule 9 for every binding window that the new engagement changes or binds."""
        ref = self._ref
        changes = [(w, d) for w, d in d_work.items() if w >= 0 and d != 0]
        grown = [w for w, d in changes if d > 0] + list(new_weeks)
        if not grown:
            return False
        lo = min(grown)
        hi = (
            max(grown) + ref - 1
            if self._v2
            else min(max(grown) + ref - 1, max(self._last_week, *grown))
        )
        opted_out = self.slot.wtd_opt_out
        for k in range(lo, hi + 1):
            if not self._wtd_binds(k, new_weeks):
                continue
            if opted_out and not self._night_in(k, new_weeks, new_night):
                continue
            first, limit = self.problem.window(self.slot, k)
            total = self._wsum(first, k)
            for w, d in changes:
                if first <= w <= k:
                    total += d
            if total > limit + EPS:
                return True
        return False

    def _visa_broken(self, d_cover: dict[int, float], new_weeks: set[int]) -> bool:
        """Rule 10 for every binding week that the new engagement changes or binds."""
        slot = self.slot
        assert slot.visa_limit_minutes is not None
        limit = slot.visa_limit_minutes + EPS
        weeks = new_weeks.union(w for w, d in d_cover.items() if d > 0)
        for week in weeks:
            if week in slot.lifted_weeks or not self._holds(week, new_weeks):
                continue
            if self._cover.get(week, 0) + d_cover.get(week, 0) > limit:
                return True
        return False

    def candidate_starts(self, gap: int, ranges: Sequence[tuple[int, int]]) -> list[int]:
        """The starts worth trying within closed ranges, ascending: each range's lower
        end, and the points inside a range where a preceding engagement's end plus travel
        (or plus daily rest), or a week's start plus weekly rest, lands."""
        slot_gap = self.problem.gaps[gap]
        loc = slot_gap.location
        S, E, L = self._S, self._E, self._L
        points: set[int] = set()
        for lo, hi in ranges:
            if hi < lo:
                continue
            points.add(lo)
            if hi == lo:
                continue
            first = bisect_left(S, lo - self._maxlen - self._rest - 24 * 60)
            last = bisect_right(S, hi)
            for x in range(first, last):
                lead = E[x] + self._travel(L[x], loc)
                for p in (lead, E[x] + self._rest, lead + self._break_idle):
                    if lo < p <= hi:
                        points.add(p)
            week = self._weeks.index(lo)
            p = self._weeks.bounds(week)[0] + self._weekly_rest
            if lo < p <= hi:
                points.add(p)
        return sorted(points)

    def first_legal_start(
        self, gap: int, ranges: Sequence[tuple[int, int]]
    ) -> tuple[int | None, str | None]:
        """The earliest start worth trying (see :meth:`candidate_starts`) within the
        allowed ``ranges`` that keeps every rule -> ``(start, None)``.

        Otherwise ``(None, code)`` where ``code`` is the rule that still blocks when the
        worker is placed as well as possible: the *latest* code in :data:`RULE_CODES`
        order among the tried starts (so "overlap" means busy at every start; "rest"
        means there is a start where they are free but rest would be broken).
        ``(None, None)`` when ``ranges`` is empty.
        """
        code: str | None = None
        for start in self.candidate_starts(gap, ranges):
            found = self.blocking_rule(gap, start)
            if found is None:
                return start, None
            if code is None or self._order[found] > self._order[code]:
                code = found
        return None, code

    def add(self, gap: int, start: int) -> None:
        """Assign ``gap`` at ``start`` (without checking the rules)."""
        if gap in self.assigned:
            raise ValueError(f"gap {gap} is already assigned to worker {self.worker}")
        self.assigned[gap] = start
        self._rebuild()

    def remove(self, gap: int) -> None:
        del self.assigned[gap]
        self._rebuild()

    def week_minutes(self, week: int) -> int:
        """Assigned engagement minutes in a week (rule 11)."""
        return round(self._assigned_week.get(week, 0))

    def lead_in(self, gap: int, start: int) -> tuple[int, bool]:
        """Travel minutes to ``gap`` at ``start``, and whether they are from the previous
        located engagement (when it is in the same duty period) rather than from home."""
        slot_gap = self.problem.gaps[gap]
        i = bisect_left(self._S, start)
        if i > 0 and start < self._pm[i - 1] + self._rest:
            p = self._lp[i]
            if p >= 0 and self._P[p] == self._P[i - 1]:
                return self._travel(self._L[p], slot_gap.location), True
        return self._travel(self.slot.home, slot_gap.location), False

    # ----------------------------------------------------- reference checks

    def _periods(self, items: list[tuple[int, int, int | None, int, bool]]) -> list[list[int]]:
        periods: list[list[int]] = []
        run = 0
        for i, (s, e, _, _, _) in enumerate(items):
            if not periods or s >= run + self._rest:
                periods.append([i])
                run = e
            else:
                periods[-1].append(i)
                run = max(run, e)
        return periods

    def violations(self) -> list[str]:
        """The codes (in section 4 order) of the rules the current roster breaks, judged
        from scratch, one method per rule, for the duty periods, weeks and windows that
        hold an assignment."""
        whole = WholeRoster(self, self._engagements())
        checks = [
            ("overlap", self.all_5_overlap),
            ("daily_rest", self.all_7_daily_rest),
            ("weekly_rest", self.all_8_weekly_rest),
            *([("break", self.all_12_break)] if self._v2 else []),
            ("working_time", self.all_9_working_time),
            ("visa_hours", self.all_10_visa_hours),
            ("offered_hours", self.all_11_offered_hours),
        ]
        return list(dict.fromkeys(self._codes[code] for code, check in checks if check(whole)))

    def all_5_overlap(self, r: WholeRoster) -> bool:
        items, assigned = r.items, r.is_assigned
        for x in range(len(items)):
            for y in range(x + 1, len(items)):
                if (
                    (assigned[x] or assigned[y])
                    and items[y][0] < items[x][1]
                    and (items[x][0] < items[y][1])
                ):
                    return True
        for x, y in pairwise(r.located):
            if (assigned[x] or assigned[y]) and items[y][0] - items[x][1] < self._travel(
                items[x][2], items[y][2]
            ):
                return True
        return False

    def all_7_daily_rest(self, r: WholeRoster) -> bool:
        items = r.items
        for members in r.periods:
            span = max(items[i][1] for i in members) - items[members[0]][0]
            if span > self._span and any(r.is_assigned[i] for i in members):
                return True
        return False

    def all_8_weekly_rest(self, r: WholeRoster) -> bool:
        for week in r.held:
            ws, we = self._weeks.bounds(week)
            busy = sorted((max(s, ws), min(e, we)) for s, e, *_ in r.items if s < we and e > ws)
            longest = 0
            cursor = ws
            for s, e in busy:
                longest = max(longest, s - cursor)
                cursor = max(cursor, e)
            if max(longest, we - cursor) < self._weekly_rest:
                return True
        return False

    def all_12_break(self, r: WholeRoster) -> bool:
        for members in r.periods:
            if any(r.is_assigned[i] for i in members) and self._break_broken(
                [r.items[i][:3] for i in members]
            ):
                return True
        return False

    def all_9_working_time(self, r: WholeRoster) -> bool:
        slot = self.slot
        night: set[int] = set()
        if self._v2:
            for s, e, *_ in r.items:
                if self.problem.night(s, e):
                    night.update(week for week, _ in self._weeks.split(s, e))
        if slot.wtd_opt_out and not night:
            return False
        later = range(self._ref) if self.later_windows else range(1)
        for k in {w + d for w in r.held for d in later}:
            window = range(k - self._ref + 1, k + 1)
            if slot.wtd_opt_out and not night.intersection(window):
                continue
            first, limit = self.problem.window(slot, k)
            total = sum(
                slot.previous_minutes.get(m, 0) if m < 0 else r.work.get(m, 0)
                for m in range(first, k + 1)
            )
            if total > limit + EPS:
                return True
        return False

    def all_10_visa_hours(self, r: WholeRoster) -> bool:
        slot = self.slot
        if slot.visa_limit_minutes is None:
            return False
        return any(
            week not in slot.lifted_weeks and r.cover.get(week, 0) > slot.visa_limit_minutes + EPS
            for week in r.held
        )

    def all_11_offered_hours(self, r: WholeRoster) -> bool:
        return any(v > self.slot.offered_minutes + EPS for v in r.assigned_week.values())

    def travel_minutes(self) -> int:
        """rules.md 3.5 travel of this worker: for each duty period that holds an
        assignment, home to its first located engagement, between consecutive located
        engagements, and from its last located engagement home."""
        items = self._engagements()
        home = self.slot.home
        total = 0
        for members in self._periods(items):
            if not any(items[i][3] >= 0 for i in members):
                continue
            places = [items[i][2] for i in members if items[i][2] is not None]
            if not places:
                continue
            total += self._travel(home, places[0]) + self._travel(places[-1], home)
            total += sum(self._travel(x, y) for x, y in pairwise(places))
        return total


__all__ = ["EPS", "RULE_CODES", "Insertion", "Roster", "WeekTable", "WholeRoster", "week_table"]
