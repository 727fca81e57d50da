"""The CP-SAT model of rules.md section 2: variables, one method per rule family.

Layout after PyJobShop: the problem data (:mod:`flexbank.matching.problem`) is turned
into variables (:meth:`MatchModel.timing`), each hard rule family adds its
constraints in a method named after it, and :meth:`MatchModel.objective_terms` exposes
the section 3 criteria for the staged solve in :mod:`flexbank.matching.solver`.

A model covers a *scope*: the candidate pairs it may change. Everything else of the
current plan is fixed and enters as constant engagements, so the same model serves the
whole problem and the small neighbourhoods of a large-neighbourhood search.

Per worker, engagements (optional assignments and fixed commitments) are kept in one
order, by earliest start. A worker's engagements never overlap, so the "latest end so
far" of rule 7 is the end of the previous engagement, and duty periods are chains of
successor arcs ``y[i, j]`` ("j follows i in the same duty period") opened by a
``first`` literal and closed by a ``last`` one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from flexbank.matching.dependencies import add_dependencies
from flexbank.matching.problem import Candidate, Problem, WorkerSlot
from flexbank.models import PRIORITIES

Literal = Any  # a cp_model literal (IntVar) or the constant True/False
Start = Any  # a cp_model IntVar or a constant start minute
Pair = tuple[int, int]  # (worker, gap)


@dataclass
class Node:
    """One engagement of a worker in the model: optional (a candidate) or fixed."""

    present: Literal
    start: Start
    earliest: int
    latest: int
    length: int
    location: int | None
    main_job: bool = False
    night: bool = False  # /2: a night engagement at some possible start (rule 9b)
    candidate: Candidate | None = None
    assigned: bool = False  # an assignment (free or fixed), not a commitment
    week_minutes: dict[int, int] = field(default_factory=dict)

    @property
    def fixed(self) -> bool:
        return self.present is True

    @property
    def earliest_end(self) -> int:
        return self.earliest + self.length

    @property
    def latest_end(self) -> int:
        return self.latest + self.length

    def end(self) -> Any:
        return self.start + self.length


def _lits(*literals: Literal) -> list[cp_model.IntVar] | None:
    """The non-constant literals, or None when one of them is constant false."""
    out = []
    for literal in literals:
        if literal is False:
            return None
        if literal is not True:
            out.append(literal)
    return out


def _within(a: Node, b: Node, minutes: int) -> bool:
    """Whether two engagements can come within ``minutes`` of each other."""
    return b.earliest < a.latest_end + minutes and a.earliest < b.latest_end + minutes


class MatchModel:
    """CP-SAT variables and constraints for the candidates in scope."""

    def __init__(
        self,
        problem: Problem,
        current: Mapping[Pair, int],
        scope_gaps: Iterable[int] | None = None,
        scope_workers: Iterable[int] | None = None,
    ) -> None:
        self.problem = problem
        self.policy = problem.policy
        self.limits = problem.limits
        self.model = cp_model.CpModel()
        self.free: list[Candidate] = self.eligible(scope_gaps, scope_workers)
        free_pairs = {(c.worker, c.gap) for c in self.free}
        self.fixed_assignments = {p: s for p, s in current.items() if p not in free_pairs}
        self.current = dict(current)
        self.rest = self.limits.daily_rest
        self.span = self.limits.duty_span
        self.weekly_rest = self.limits.weekly_rest
        self.x: dict[Pair, cp_model.IntVar] = {}
        self.start: dict[Pair, Start] = {}
        self.nodes: dict[int, list[Node]] = {}
        self.arcs: dict[int, dict[tuple[int, int], cp_model.IntVar]] = defaultdict(dict)
        self.apart: dict[int, set[tuple[int, int]]] = defaultdict(set)  # never both worked
        self.first: dict[int, dict[int, cp_model.IntVar]] = defaultdict(dict)
        self.last: dict[int, dict[int, cp_model.IntVar]] = defaultdict(dict)
        self.duty_start: dict[int, dict[int, cp_model.IntVar]] = defaultdict(dict)
        self.rest_windows: dict[tuple[int, int], dict[int, cp_model.IntVar]] = {}
        self.week_used: dict[tuple[int, int], cp_model.IntVar] = {}
        self.shortfall: dict[tuple[int, int], cp_model.IntVar] = {}
        self.shortfall_sq: dict[tuple[int, int], cp_model.IntVar] = {}
        self.stretch_start: dict[int, dict[int, cp_model.IntVar]] = defaultdict(dict)
        self.timing()
        self.length()
        self._workers = sorted({c.worker for c in self.free})
        for w in self._workers:
            self.nodes[w] = self._worker_nodes(w)
        self.headcount()
        self.double_handed_calls()
        for w in self._workers:
            self.no_overlap_with_travel(w)
            self.duty_periods(w)
            self.weekly_rest_rule(w)
            if problem.version >= 2:
                self.rest_break(w)
            self.working_time(w)
            self.visa_hours(w)
            self.offered_hours(w)
        add_dependencies(self)  # rule 13 (/2.1): nothing without ``after``

    # ------------------------------------------------- rules 1, 3, 4, 6: the pairs

    def eligible(
        self, scope_gaps: Iterable[int] | None, scope_workers: Iterable[int] | None
    ) -> list[Candidate]:
        """Rule 1: only candidates (pairs that pass every check of section 1, judged by
        :mod:`flexbank.compliance` when the problem is built) get a variable."""
        gaps = set(scope_gaps) if scope_gaps is not None else None
        workers = set(scope_workers) if scope_workers is not None else None
        return [
            c
            for c in self.problem.candidates
            if (gaps is None or c.gap in gaps) and (workers is None or c.worker in workers)
        ]

    def length(self) -> None:
        """Rule 6: no assignment longer than ``max_engagement_hours`` (such gaps have no
        candidates; this keeps any that a caller adds out of the plan)."""
        for (_, g), var in self.x.items():
            if self.problem.gaps[g].length > self.limits.max_engagement:
                self.model.add(var == 0)

    def pinned(self, kept: Mapping[Pair, int], fixed_starts: Iterable[Pair]) -> None:
        """Rule 4: kept pins stay assigned (at their start where the pin gives one)."""
        exact = set(fixed_starts)
        for pair, start in kept.items():
            var = self.x.get(pair)
            if var is None:
                continue
            self.model.add(var == 1)
            s = self.start[pair]
            if pair in exact and not isinstance(s, int):
                self.model.add(s == start)

    # ------------------------------------------------------------------ variables

    def timing(self) -> None:
        """Rule 3: one literal per free candidate, and its start inside the gap's allowed
        starts (a constant when there is one); the end is start plus the gap's length."""
        gap_starts: dict[int, cp_model.IntVar] = {}
        for c in self.free:
            gap = self.problem.gaps[c.gap]
            pair = (c.worker, c.gap)
            self.x[pair] = self.model.new_bool_var(f"x[{c.worker},{c.gap}]")
            if len(c.starts) == 1 and c.starts[0][0] == c.starts[0][1]:
                self.start[pair] = c.starts[0][0]
            else:
                domain = cp_model.Domain.from_intervals([list(r) for r in c.starts])
                self.start[pair] = self.model.new_int_var_from_domain(
                    domain, f"s[{c.worker},{c.gap}]"
                )
            if gap.together:
                shared = gap_starts.get(c.gap)
                if shared is None:
                    shared = gap_starts[c.gap] = self.model.new_int_var(
                        gap.start, gap.latest_start, f"S[{c.gap}]"
                    )
                # rule 2: the workers of a double-handed call all start at one time
                self.model.add(self.start[pair] == shared).only_enforce_if(self.x[pair])
        self.gap_start = gap_starts

    def _worker_nodes(self, w: int) -> list[Node]:
        problem = self.problem
        nodes: list[Node] = []
        for f in problem.workers[w].fixed:
            nodes.append(
                Node(True, f.start, f.start, f.start, f.end - f.start, f.location, f.main_job)
            )
        for (worker, g), s in self.fixed_assignments.items():
            if worker == w:
                gap = problem.gaps[g]
                nodes.append(Node(True, s, s, s, gap.length, gap.location, assigned=True))
        for c in problem.by_worker.get(w, []):
            pair = (w, c.gap)
            if pair not in self.x:
                continue
            gap = problem.gaps[c.gap]
            nodes.append(
                Node(
                    self.x[pair],
                    self.start[pair],
                    c.earliest,
                    c.latest,
                    gap.length,
                    gap.location,
                    candidate=c,
                    assigned=True,
                )
            )
        nodes.sort(key=lambda n: (n.earliest, n.latest, 0 if n.fixed else 1))
        for node in nodes:
            node.week_minutes = self._week_minutes(node)
            node.night = self._night(node)
        return nodes

    def _night(self, node: Node) -> bool:
        """A night engagement at some possible start (tried every 15 minutes)."""
        problem = self.problem
        if problem.version < 2:
            return False
        starts = {*range(node.earliest, node.latest, 15), node.latest}
        return any(problem.night(s, s + node.length) for s in starts)

    def _week_minutes(self, node: Node) -> dict[int, int]:
        """Minutes of a node in each week, the most over its possible starts."""
        most: dict[int, int] = defaultdict(int)
        for start in {node.earliest, node.latest}:
            for week, mins in self.problem.split_by_week(start, start + node.length):
                most[week] = max(most[week], mins)
        return dict(most)

    def _forbid(self, *literals: Literal) -> None:
        """Not all of these together."""
        lits = _lits(*literals)
        if lits is None:
            return
        if not lits:
            raise ValueError("fixed engagements conflict")  # pragma: no cover
        self.model.add_bool_or([lit.negated() for lit in lits])

    def _enforce(self, constraint: Any, *literals: Literal) -> None:
        """``constraint`` whenever all ``literals`` hold (a constant one is decided here)."""
        lits = _lits(*literals)
        if lits is None:
            return
        if isinstance(constraint, bool | np.bool_):
            if not constraint:
                self._forbid(*literals)
            return
        self.model.add(constraint).only_enforce_if(lits)

    # -------------------------------------------------------- rule 2: headcount

    def headcount(self) -> None:
        """Rule 2: at most ``headcount`` workers per gap (one literal per worker)."""
        by_gap: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        for (_, g), var in self.x.items():
            by_gap[g].append(var)
        taken: dict[int, int] = defaultdict(int)
        for _, g in self.fixed_assignments:
            taken[g] += 1
        for g, literals in by_gap.items():
            room = self.problem.gaps[g].headcount - taken[g]
            self.model.add(sum(literals) <= max(room, 0))

    def double_handed_calls(self) -> None:
        """Rule 2: a double-handed visit has all of its workers or none."""
        by_gap: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        for (_, g), var in self.x.items():
            if self.problem.gaps[g].together:
                by_gap[g].append(var)
        for g, literals in by_gap.items():
            gap = self.problem.gaps[g]
            kept = [(w, s) for (w, gg), s in self.fixed_assignments.items() if gg == g]
            filled = self.model.new_bool_var(f"filled[{g}]")
            self.model.add(sum(literals) == (gap.headcount - len(kept)) * filled)
            if kept:
                self.model.add(filled == 1)
                self.model.add(self.gap_start[g] == kept[0][1])

    # ------------------------------------------------ rule 5: no overlap, travel

    def _travel(self, w: WorkerSlot, a: Node, b: Node) -> int:
        return self.problem.travel(w.mode, a.location, b.location)

    def _pairs(
        self, w: int, reach: int, *, both_fixed: bool = False
    ) -> Iterable[tuple[int, int, Node, Node]]:
        """Ordered node pairs whose earliest start gap is within ``reach`` minutes.

        Pairs of two fixed engagements are left out unless ``both_fixed``: nothing
        decides their order, but they still link duty periods together.
        """
        nodes = self.nodes[w]
        for i, a in enumerate(nodes):
            for j in range(i + 1, len(nodes)):
                b = nodes[j]
                if b.earliest >= a.latest_end + reach:
                    break
                if a.fixed and b.fixed and not both_fixed:
                    continue
                yield i, j, a, b

    def no_overlap_with_travel(self, w: int) -> None:
        """Rule 5: engagements in order, with travel between located ones."""
        worker = self.problem.workers[w]
        reach = max(self.span, self.rest)
        for i, j, a, b in self._pairs(w, reach):
            gap = self._travel(worker, a, b)
            if a.latest_end + gap <= b.earliest:
                continue
            if a.earliest_end + gap > b.latest:
                self._forbid(a.present, b.present)
                self.apart[w].add((i, j))
            else:
                self._enforce(b.start - a.start >= a.length + gap, a.present, b.present)

    # ----------------------------------------------- rule 7: daily rest, duty span

    def duty_periods(self, w: int) -> None:
        """Rule 7: duty periods as chains of successor arcs; each spans at most 13 h."""
        nodes = self.nodes[w]
        if all(n.fixed for n in nodes):
            return
        model, rest, span = self.model, self.rest, self.span
        exempt = self._broken_fixed_periods(w)
        for i in exempt:
            # commitments alone break the span: nothing may join that duty period
            for node in nodes:
                if not node.fixed and _within(nodes[i], node, rest):
                    self._forbid(node.present)
        first, last, duty = self.first[w], self.last[w], self.duty_start[w]
        arcs = self.arcs[w]
        incoming: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        outgoing: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        for i, node in enumerate(nodes):
            if i in exempt:
                continue
            first[i] = model.new_bool_var(f"first[{w},{i}]")
            last[i] = model.new_bool_var(f"last[{w},{i}]")
            duty[i] = model.new_int_var(node.earliest - span, node.latest, f"D[{w},{i}]")
            self._enforce(duty[i] == node.start, first[i])
            self._enforce(node.end() - duty[i] <= span, node.present)
            model.add(duty[i] <= node.start)
        fixed_before = [0]
        for node in nodes:
            fixed_before.append(fixed_before[-1] + (1 if node.fixed else 0))
        apart = self.apart[w]
        for i, j, a, b in self._pairs(w, rest, both_fixed=True):
            if i in exempt or j in exempt or (i, j) in apart:
                continue
            # j may start less than `rest` after i ends: same duty period, or i closes
            # its duty period and j starts at least `rest` later. (The mirror image,
            # "j opens a duty period", follows from this and the flow: two chains
            # cannot interleave, since the one that closes first would need the other's
            # later engagement to start `rest` after it.)
            if b.latest - a.earliest_end >= rest:
                self._enforce(b.start - a.end() >= rest, last[i], b.present)
            else:
                self._forbid(last[i], b.present)
            fixed_between = fixed_before[j] - fixed_before[i + 1] > 0
            if b.earliest_end - a.latest <= span and not fixed_between:
                arc = model.new_bool_var(f"y[{w},{i},{j}]")
                arcs[(i, j)] = arc
                incoming[j].append(arc)
                outgoing[i].append(arc)
                model.add(b.start - a.end() <= rest - 1).only_enforce_if(arc)
                model.add(duty[j] == duty[i]).only_enforce_if(arc)
        for i, node in enumerate(nodes):
            if i in exempt:
                continue
            present = 1 if node.fixed else node.present
            model.add(first[i] + sum(incoming[i]) == present)
            model.add(last[i] + sum(outgoing[i]) == present)

    def _broken_fixed_periods(self, w: int) -> set[int]:
        """Fixed nodes in duty periods that the fixed engagements alone make too long."""
        broken: set[int] = set()
        period: list[int] = []
        latest_end = None
        first_start = 0
        nodes = self.nodes[w]

        def close() -> None:
            if not period or latest_end is None:
                return
            too_long = latest_end - first_start > self.span
            if too_long or (self.problem.version >= 2 and self._fixed_break_broken(w, period)):
                broken.update(period)

        for i, node in enumerate(nodes):
            if not node.fixed:
                continue
            if latest_end is None or node.earliest - latest_end >= self.rest:
                close()
                period, first_start, latest_end = [], node.earliest, node.latest_end
            period.append(i)
            latest_end = max(latest_end, node.latest_end)
        close()
        return broken

    # ------------------------------------------------------- rule 12: rest break

    def rest_break(self, w: int) -> None:
        """Rule 12 (/2): along each duty period's chain of arcs, an engagement joins the
        stretch of the one before it when its idle time (less the travel leading to it)
        is under ``break_minutes``; a stretch of two or more spans at most
        ``break_after_hours``. ``T[j]`` is the start of the stretch that j ends."""
        nodes, arcs = self.nodes[w], self.arcs[w]
        if not arcs:
            return
        idle, after = self.limits.break_idle, self.limits.break_after
        model = self.model
        joined_in: dict[int, list[tuple[int, cp_model.IntVar]]] = defaultdict(list)
        for (i, j), arc in arcs.items():
            a, b = nodes[i], nodes[j]
            lead = self._lead_travel(w, i, j)
            if b.earliest - a.latest_end - lead >= idle:
                continue  # always a break between them
            if b.latest - a.earliest_end - lead < idle:
                joined = arc  # never a break between them
            else:
                joined = model.new_bool_var(f"joined[{w},{i},{j}]")
                model.add_implication(joined, arc)
                model.add(b.start - a.end() >= lead + idle).only_enforce_if([arc, joined.negated()])
            joined_in[j].append((i, joined))
        stretch = self.stretch_start[w]
        for j in sorted({k for pair in arcs for k in pair}):
            node = nodes[j]
            stretch[j] = model.new_int_var(node.earliest - after, node.latest, f"T[{w},{j}]")
        for j, var in stretch.items():
            node = nodes[j]
            incoming = joined_in.get(j, [])
            if not incoming:
                model.add(var == node.start)
                continue
            model.add(var == node.start).only_enforce_if([lit.negated() for _, lit in incoming])
            for i, lit in incoming:
                model.add(var == stretch[i]).only_enforce_if(lit)
                model.add(node.end() - var <= after).only_enforce_if(lit)

    def _lead_travel(self, w: int, i: int, j: int) -> int:
        """Travel leading to node j after node i in one duty period: from i, or (i has no
        location) at most the longest from an earlier located node that can be in j's
        duty period (one that starts no more than a duty span before j ends: taking
        every earlier one of the week ruled out valid plans, such as a visit half an
        hour after a twelve-hour main job, with a visit far away the day before)."""
        nodes = self.nodes[w]
        b = nodes[j]
        if b.location is None:
            return 0
        worker = self.problem.workers[w]
        if nodes[i].location is not None:
            return self._travel(worker, nodes[i], b)
        reach = b.earliest_end - self.span
        earlier = [
            self._travel(worker, n, b)
            for n in nodes[:i]
            if n.location is not None and n.latest >= reach
        ]
        return max(earlier, default=0)

    def _fixed_break_broken(self, w: int, period: list[int]) -> bool:
        """Rule 12 among fixed engagements alone (then nothing may join their period)."""
        nodes = self.nodes[w]
        worker = self.problem.workers[w]
        begin, size, latest = 0, 0, 0
        previous: Node | None = None
        for i in period:
            node = nodes[i]
            lead = 0
            if previous is not None and node.location is not None:
                lead = self._travel(worker, previous, node)
            if size and node.earliest - latest - lead < self.limits.break_idle:
                size += 1
            else:
                begin, size = node.earliest, 1
            latest = max(latest, node.latest_end) if size > 1 else node.latest_end
            if size > 1 and latest - begin > self.limits.break_after:
                return True
            if node.location is not None:
                previous = node
        return False

    # -------------------------------------------------------- rule 8: weekly rest

    def weekly_rest_rule(self, w: int) -> None:
        """Rule 8: each week holding an assignment has an unbroken free stretch.

        An unbroken stretch starts at the week's start or at the end of an engagement;
        ``r`` literals choose one such stretch per week.
        """
        nodes = self.nodes[w]
        need = self.weekly_rest
        for week in self._weeks_with_candidates(w):
            bounds = self.problem.week(week)
            ws, we = bounds.start, bounds.end
            windows: list[cp_model.IntVar] = []
            r0: cp_model.IntVar | None = self._rest_window(w, week, -1)
            for node in nodes:
                if node.latest_end <= ws or node.earliest >= ws + need:
                    continue
                if node.fixed:
                    r0 = None
                    break
                self._forbid(r0, node.present)
            if r0 is not None:
                windows.append(r0)
            for i, e in enumerate(nodes):
                if e.latest_end <= ws or e.earliest_end > we - need:
                    continue
                r = self._rest_window(w, week, i)
                windows.append(r)
                if not e.fixed:
                    self.model.add_implication(r, e.present)
                self._enforce(e.end() >= ws, r)
                self._enforce(e.end() <= we - need, r)
                for n in nodes[i + 1 :]:
                    if n.earliest >= e.latest_end + need:
                        break
                    if n.latest < e.earliest_end + need:
                        self._forbid(r, n.present)
                    else:
                        self._enforce(n.start >= e.end() + need, r, n.present)
            for node in nodes:
                if node.fixed or week not in node.week_minutes:
                    continue
                self.model.add_bool_or([*windows, node.present.negated()])

    def _rest_window(self, w: int, week: int, i: int) -> cp_model.IntVar:
        var = self.model.new_bool_var(f"r[{w},{week},{i}]")
        self.rest_windows.setdefault((w, week), {})[i] = var
        return var

    def _weeks_with_candidates(self, w: int) -> list[int]:
        weeks = {wk for n in self.nodes[w] if not n.fixed for wk in n.week_minutes}
        return sorted(weeks)

    # --------------------------------------------------- weeks used, working time

    def _week_used(self, w: int, week: int) -> cp_model.IntVar | bool:
        """Whether a week holds at least one assignment (rules 7-10 bind only then)."""
        key = (w, week)
        if key in self.week_used:
            return self.week_used[key]
        nodes = [n for n in self.nodes[w] if n.assigned and week in n.week_minutes]
        if any(n.fixed for n in nodes):
            return True
        used = self.model.new_bool_var(f"used[{w},{week}]")
        for n in nodes:
            self.model.add_implication(n.present, used)
        self.model.add_bool_or([n.present for n in nodes] + [used.negated()])
        self.week_used[key] = used
        return used

    def _working_terms(
        self, w: int, *, skip_main_job: bool = False
    ) -> dict[int, tuple[int, list[cp_model.LinearExprT]]]:
        """Working minutes per week: week -> (constant part, variable terms), for the
        weeks with any (a week missing has none).

        Engagement minutes (split at week boundaries) plus travel between consecutive
        engagements of one duty period (an arc), counted in the week(s) it can lie in.
        Worked out in one pass over the worker's engagements and arcs (measured on the
        60 x 400 sample week: a pass per week made the whole model take 5.9 s to build,
        one pass 2.3 s).
        """
        constant: dict[int, int] = defaultdict(int)
        terms: dict[int, list[cp_model.LinearExprT]] = defaultdict(list)
        nodes = self.nodes[w]
        for node in nodes:
            if skip_main_job and node.main_job:
                continue
            for week, mins in node.week_minutes.items():
                if not mins:
                    continue
                if node.fixed:
                    constant[week] += mins
                else:
                    terms[week].append(mins * node.present)
        week_of = self.problem.week_of
        for (i, j), arc in self.arcs[w].items():
            a, b = nodes[i], nodes[j]
            if skip_main_job and b.main_job:
                continue
            gap = self._travel(self.problem.workers[w], a, b)
            if not gap:
                continue
            for week in {week_of(b.earliest - gap), week_of(b.latest - 1)}:
                terms[week].append(gap * arc)
        # fixed engagements of this worker that are not nodes (far from any candidate)
        return {wk: (constant.get(wk, 0), terms.get(wk, [])) for wk in {*constant, *terms}}

    def working_time(self, w: int) -> None:
        """Rule 9: 48-hour average over 17 weeks, across all providers.

        Version 1: the window ending at each week that holds an assignment. Version 2:
        every window that contains such a week (also those ending up to 16 weeks after
        it), a new starter's windows cut at the week of ``employment_start``, and (9b) a
        night worker's windows bind despite ``wtd_opt_out``.
        """
        worker = self.problem.workers[w]
        v2 = self.problem.version >= 2
        nodes = self.nodes[w]
        night_nodes = [n for n in nodes if n.night] if v2 else []
        if worker.wtd_opt_out and not night_nodes:
            return
        reference = self.limits.reference_weeks
        weeks = self._weeks_with_candidates(w)
        if not weeks:
            return
        ends = sorted({k + d for k in weeks for d in range(reference)}) if v2 else weeks
        working = self._working_terms(w)
        per_week = {wk: working.get(wk, (0, [])) for wk in range(0, ends[-1] + 1)}
        for week in ends:
            first, limit = self.problem.window(worker, week)
            window = range(first, week + 1)
            constant = sum(worker.previous_minutes.get(v, 0.0) for v in window if v < 0)
            constant += sum(per_week[v][0] for v in window if v >= 0)
            terms = [t for v in window if v >= 0 for t in per_week[v][1]]
            room = int(limit - constant + 1e-6)
            bound = sum(self.problem.week(v).end - self.problem.week(v).start for v in window)
            if constant + bound <= limit:
                continue
            full = range(week - reference + 1, week + 1)
            used = self._any_week_used(w, list(full)) if v2 else self._week_used(w, week)
            conditions = [used]
            if worker.wtd_opt_out:
                night = self._night_in(w, night_nodes, full)
                if night is False:
                    continue
                conditions.append(night)
            self._enforce(sum(terms) <= room, *conditions)

    def _any_week_used(self, w: int, weeks: list[int]) -> Literal:
        """Whether any of ``weeks`` holds an assignment (a literal, or a constant)."""
        used = [self._week_used(w, k) for k in weeks if self._has_assigned(w, k)]
        if any(u is True for u in used):
            return True
        if not used:
            return False
        if len(used) == 1:
            return used[0]
        any_used = self.model.new_bool_var(f"window_used[{w},{weeks[-1]}]")
        self.model.add_max_equality(any_used, used)
        return any_used

    def _has_assigned(self, w: int, week: int) -> bool:
        return any(n.assigned and week in n.week_minutes for n in self.nodes[w])

    def _night_in(self, w: int, night_nodes: list[Node], window: range) -> Literal:
        """Rule 9b: a night engagement has time in the window (a literal, or a constant)."""
        inside = [n for n in night_nodes if any(k in window for k in n.week_minutes)]
        if any(n.fixed for n in inside):
            return True
        if not inside:
            return False
        if len(inside) == 1:
            return inside[0].present
        night = self.model.new_bool_var(f"night[{w},{window[-1]}]")
        self.model.add_max_equality(night, [n.present for n in inside])
        return night

    def visa_hours(self, w: int) -> None:
        """Rule 10: a visa's weekly hour limit, by scope, outside lifted weeks."""
        worker = self.problem.workers[w]
        if worker.visa_limit_minutes is None:
            return
        skip_main = worker.visa_scope == "outside_main_job"
        working = self._working_terms(w, skip_main_job=skip_main)
        for week in self._weeks_with_candidates(w):
            if week in worker.lifted_weeks:
                continue
            constant, terms = working.get(week, (0, []))
            room = int(worker.visa_limit_minutes - constant + 1e-6)
            self._enforce(sum(terms) <= room, self._week_used(w, week))

    def offered_hours(self, w: int) -> None:
        """Rule 11: assigned engagement minutes per week within the offered hours."""
        worker = self.problem.workers[w]
        for week in self._weeks_with_candidates(w):
            constant = 0
            terms = []
            for node in self.nodes[w]:
                mins = node.week_minutes.get(week, 0)
                if not node.assigned or not mins:
                    continue
                if node.fixed:
                    constant += mins
                else:
                    terms.append(mins * node.present)
            self.model.add(sum(terms) <= int(worker.offered_minutes - constant + 1e-6))

    # ------------------------------------------------------------------ objective

    def covered_minutes(self, priority: str) -> cp_model.LinearExprT:
        """Criteria 1-3: covered minutes of one priority (free part only)."""
        return sum(
            self.problem.gaps[g].length * var
            for (_, g), var in self.x.items()
            if self.problem.gaps[g].priority == priority
        )

    def continuity(self) -> cp_model.LinearExprT:
        """Criterion 4: continuity points of the free assignments."""
        return sum(
            self.problem.candidate_of[pair].continuity * var
            for pair, var in self.x.items()
            if self.problem.candidate_of[pair].continuity
        )

    def travel(self) -> cp_model.LinearExprT:
        """Criterion 5: home to first, between consecutive, last to home, per duty period."""
        terms: list[cp_model.LinearExprT] = []
        for w in self._workers:
            worker = self.problem.workers[w]
            nodes = self.nodes[w]
            for (i, j), arc in self.arcs[w].items():
                gap = self._travel(worker, nodes[i], nodes[j])
                if gap:
                    terms.append(gap * arc)
            for i, node in enumerate(nodes):
                if node.location is None or i not in self.first[w]:
                    continue
                home = self.problem.travel(worker.mode, worker.home, node.location)
                if home:
                    terms.append(home * self.first[w][i])
                    terms.append(home * self.last[w][i])
        return sum(terms)

    def unfairness(self) -> cp_model.LinearExprT:
        """Criterion 6: squared weekly shortfall below the worker's fair target."""
        terms: list[cp_model.LinearExprT] = []
        for w in self._workers:
            for week in self._weeks_with_candidates(w):
                target = self.problem.fair_target(w, week)
                if target <= 0:
                    continue
                assigned: list[cp_model.LinearExprT] = []
                constant = 0
                for node in self.nodes[w]:
                    mins = node.week_minutes.get(week, 0)
                    if node.assigned and mins:
                        if node.fixed:
                            constant += mins
                        else:
                            assigned.append(mins * node.present)
                short = self.model.new_int_var(0, target, f"short[{w},{week}]")
                self.model.add(short >= target - constant - sum(assigned))
                square = self.model.new_int_var(0, target * target, f"sq[{w},{week}]")
                self.model.add_multiplication_equality(square, [short, short])
                self.shortfall[(w, week)] = short
                self.shortfall_sq[(w, week)] = square
                terms.append(square)
        return sum(terms)

    def objective_terms(self) -> dict[str, cp_model.LinearExprT]:
        terms: dict[str, cp_model.LinearExprT] = {p: self.covered_minutes(p) for p in PRIORITIES}
        terms["continuity"] = self.continuity()
        terms["travel"] = self.travel()
        terms["unfairness"] = self.unfairness()
        return terms
