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

import weakref
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from itertools import pairwise
from types import MappingProxyType

from flexbank.matching.problem import Problem

#: The codes :meth:`Roster.blocking_rule` can give, in the order they are judged.
RULE_CODES: tuple[str, ...] = ("overlap", "rest", "working_time", "visa_hours", "offered_hours")
_CODE_ORDER = {code: i for i, code in enumerate(RULE_CODES)}

#: Slack for comparisons against limits given in (possibly fractional) hours.
EPS = 1e-6

_EMPTY: Mapping[int, int] = MappingProxyType({})


class WeekTable:
    """Local week boundaries in minutes, looked up by bisection (built once per problem)."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        margin = problem.policy.wtd_reference_weeks + 2
        self.lo = -margin
        self.starts: list[int] = []  # starts[k - lo]; the last item is the end of the table
        self._build(self.lo, problem.last_week + margin)

    def _build(self, lo: int, hi: int) -> None:
        self.lo = lo
        self.starts = [self.problem.week(k).start for k in range(lo, hi + 1)]
        self.starts.append(self.problem.week(hi).end)

    @property
    def hi(self) -> int:
        return self.lo + len(self.starts) - 2

    def index(self, minute: int) -> int:
        """The week holding ``minute``."""
        starts = self.starts
        if starts[0] <= minute < starts[-1]:
            return self.lo + bisect_right(starts, minute) - 1
        week = self.problem.week_of(minute)
        self._build(min(self.lo, week - 1), max(self.hi, week + 1))
        return week

    def bounds(self, week: int) -> tuple[int, int]:
        if not self.lo <= week <= self.hi:
            self._build(min(self.lo, week - 1), max(self.hi, week + 1))
        i = week - self.lo
        return self.starts[i], self.starts[i + 1]

    def split(self, start: int, end: int) -> list[tuple[int, int]]:
        """Minutes of ``[start, end)`` in each week, as (week, minutes)."""
        if end <= start:
            return []
        week = self.index(start)
        pieces = []
        cursor = start
        while cursor < end:
            week_end = self.bounds(week)[1]
            piece_end = min(end, week_end)
            pieces.append((week, piece_end - cursor))
            cursor = piece_end
            week += 1
        return pieces


_TABLES: weakref.WeakKeyDictionary[Problem, WeekTable] = weakref.WeakKeyDictionary()


def week_table(problem: Problem) -> WeekTable:
    """The (cached) week table of a problem."""
    table = _TABLES.get(problem)
    if table is None:
        table = _TABLES[problem] = WeekTable(problem)
    return table


def _add(target: dict[int, float], pieces: Iterable[tuple[int, int]], sign: int = 1) -> None:
    for week, amount in pieces:
        target[week] = target.get(week, 0) + sign * amount


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
        policy = problem.policy
        self._rest = round(policy.daily_rest_hours * 60)
        self._span = round(policy.max_duty_span_hours * 60)
        self._weekly_rest = round(policy.weekly_rest_hours * 60)
        self._ref = policy.wtd_reference_weeks
        self._wtd_limit = policy.wtd_limit_minutes
        self._outside_main = self.slot.visa_scope == "outside_main_job"
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
        """None if adding ``gap`` at ``start`` keeps rules 5 and 7-11 for this worker, else
        the first broken code in :data:`RULE_CODES` order.

        Only the engagements, duty period and weeks the new engagement touches are
        examined: the rest of the roster is taken to keep the rules already.
        """
        if gap in self.assigned:
            raise ValueError(f"gap {gap} is already assigned to worker {self.worker}")
        slot_gap = self.problem.gaps[gap]
        s = start
        e = start + slot_gap.length
        loc = slot_gap.location
        S, E, L, pm = self._S, self._E, self._L, self._pm
        n = len(S)
        i = bisect_left(S, s)

        # rule 5: no overlap, with travel
        if (i > 0 and pm[i - 1] > s) or (i < n and S[i] < e):
            return "overlap"
        p = self._lp[i]
        if p >= 0 and s - E[p] < self._travel(L[p], loc):
            return "overlap"
        q = self._nl[i]
        if q < n and S[q] - e < self._travel(loc, L[q]):
            return "overlap"

        # rule 7: the duty period the engagement joins (and may merge with the next)
        rest = self._rest
        if i > 0 and s < pm[i - 1] + rest:
            a = self._P[i - 1]
            first = S[a]
            run = max(pm[i - 1], e)
        else:
            a = i
            first = s
            run = e
        j = i
        while j < n and S[j] < run + rest:
            if E[j] > run:
                run = E[j]
            j += 1
        if run - first > self._span:
            return "rest"

        # rule 8: weekly rest in the weeks the engagement lies in
        split = self._weeks.split
        pieces = split(s, e)
        need = self._weekly_rest
        for week, _ in pieces:
            for fa, fb in self._free(week):
                longest = fb - fa if (fb <= s or fa >= e) else max(s - fa, fb - e)
                if longest >= need:
                    break
            else:
                return "rest"

        slot = self.slot
        check_wtd = not slot.wtd_opt_out
        check_visa = slot.visa_limit_minutes is not None
        if check_wtd or check_visa:
            d_work, d_cover = self._delta(s, e, loc, i, a, j, pieces)
            weeks = {week for week, _ in pieces}
            if check_wtd and self._wtd_broken(d_work, weeks):
                return "working_time"
            if check_visa and self._visa_broken(d_cover, weeks):
                return "visa_hours"

        # rule 11: offered hours
        offered = slot.offered_minutes + EPS
        have = self._assigned_week
        for week, amount in pieces:
            if have.get(week, 0) + amount > offered:
                return "offered_hours"
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

    def _wtd_broken(self, d_work: dict[int, float], new_weeks: set[int]) -> bool:
        """Rule 9 for every binding window that the new engagement changes or binds."""
        ref = self._ref
        limit = self._wtd_limit + EPS
        changes = [(w, d) for w, d in d_work.items() if w >= 0 and d != 0]
        grown = [w for w, d in changes if d > 0] + list(new_weeks)
        if not grown:
            return False
        last = max(self._last_week, *grown)
        lo = min(grown)
        hi = min(max(grown) + ref - 1, last)
        for k in range(lo, hi + 1):
            if not self._wtd_binds(k, new_weeks):
                continue
            total = self._wsum(k - ref + 1, k)
            for w, d in changes:
                if k - ref < w <= k:
                    total += d
            if total > limit:
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
                for p in (E[x] + self._travel(L[x], loc), E[x] + self._rest):
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
            if code is None or _CODE_ORDER[found] > _CODE_ORDER[code]:
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
        """The codes (in :data:`RULE_CODES` order) of the rules the current roster breaks,
        judged from scratch for the duty periods and weeks that hold an assignment."""
        items = self._engagements()
        n = len(items)
        split = self._weeks.split
        broken: set[str] = set()
        is_assigned = [item[3] >= 0 for item in items]
        located = [i for i in range(n) if items[i][2] is not None]

        # rule 5
        for x in range(n):
            for y in range(x + 1, n):
                if not (is_assigned[x] or is_assigned[y]):
                    continue
                if items[y][0] < items[x][1] and items[x][0] < items[y][1]:
                    broken.add("overlap")
        for x, y in pairwise(located):
            if is_assigned[x] or is_assigned[y]:
                gap_minutes = items[y][0] - items[x][1]
                if gap_minutes < self._travel(items[x][2], items[y][2]):
                    broken.add("overlap")

        # rule 7
        periods = self._periods(items)
        period_of = {}
        for number, members in enumerate(periods):
            for i in members:
                period_of[i] = number
            if any(is_assigned[i] for i in members):
                span = max(items[i][1] for i in members) - items[members[0]][0]
                if span > self._span:
                    broken.add("rest")

        # rule 8
        held: set[int] = set()
        for i in range(n):
            if is_assigned[i]:
                held.update(week for week, _ in split(items[i][0], items[i][1]))
        for week in held:
            ws, we = self._weeks.bounds(week)
            busy = sorted((max(s, ws), min(e, we)) for s, e, *_ in items if s < we and e > ws)
            longest = 0
            cursor = ws
            for s, e in busy:
                longest = max(longest, s - cursor)
                cursor = max(cursor, e)
            longest = max(longest, we - cursor)
            if longest < self._weekly_rest:
                broken.add("rest")

        # rules 9-11: weekly working, covered and assigned time
        work: dict[int, float] = {}
        cover: dict[int, float] = {}
        assigned: dict[int, float] = {}
        for i, (s, e, _, _, main) in enumerate(items):
            pieces = split(s, e)
            _add(work, pieces)
            if not (self._outside_main and main):
                _add(cover, pieces)
            if is_assigned[i]:
                _add(assigned, pieces)
        for x, y in pairwise(located):
            if period_of[x] != period_of[y]:
                continue
            t = self._travel(items[x][2], items[y][2])
            if t <= 0:
                continue
            pieces = split(items[y][0] - t, items[y][0])
            _add(work, pieces)
            if not (self._outside_main and items[y][4]):
                _add(cover, pieces)
        slot = self.slot
        if not slot.wtd_opt_out:
            later = range(self._ref) if self.later_windows else range(1)
            windows = {w + d for w in held for d in later}
            for k in windows:
                total = sum(
                    slot.previous_minutes.get(m, 0) if m < 0 else work.get(m, 0)
                    for m in range(k - self._ref + 1, k + 1)
                )
                if total > self._wtd_limit + EPS:
                    broken.add("working_time")
        if slot.visa_limit_minutes is not None:
            for week in held:
                if week not in slot.lifted_weeks and cover.get(week, 0) > (
                    slot.visa_limit_minutes + EPS
                ):
                    broken.add("visa_hours")
        for amount in assigned.values():
            if amount > slot.offered_minutes + EPS:
                broken.add("offered_hours")
        return [code for code in RULE_CODES if code in broken]

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


__all__ = ["EPS", "RULE_CODES", "Roster", "WeekTable", "week_table"]
