"""Why a gap is unfilled, and why the chosen workers were chosen (rules.md section 4).

For every worker, the first reason that rules them out counts, in the order of
section 4: the compliance codes, then ``length``, then the plan-dependent codes judged
against the final plan (``overlap``; ``rest`` in /1, ``daily_rest``, ``weekly_rest``
and ``break`` in /2; ``working_time``, ``visa_hours``, ``offered_hours``),
then ``double_up`` and ``outcompeted``. The codes and their texts come from
:mod:`flexbank.reasons`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flexbank import reasons
from flexbank.compliance import CODES
from flexbank.matching.dependencies import blocks
from flexbank.matching.legality import Roster
from flexbank.matching.model import Pair
from flexbank.matching.problem import Problem


def section_4_order(problem: Problem) -> tuple[str, ...]:
    """The codes of the problem's format version, in rules.md section 4 order."""
    return reasons.section_4_order(problem.version, problem.scenario.minor)


@dataclass(frozen=True)
class WorkerReason:
    worker_id: str
    code: str
    message: str


def _roster(problem: Problem, by_worker: Mapping[int, dict[int, int]], w: int) -> Roster:
    return Roster(problem, w, by_worker.get(w, {}))


class Explainer:
    """Reasons against one final plan; rosters are built once and reused."""

    def __init__(self, problem: Problem, assignment: Mapping[Pair, int]) -> None:
        self.problem = problem
        self.assignment = assignment
        self.by_worker: dict[int, dict[int, int]] = defaultdict(dict)
        self.by_gap: dict[int, list[int]] = defaultdict(list)
        for (w, g), start in assignment.items():
            self.by_worker[w][g] = start
            self.by_gap[g].append(w)
        self._rosters: dict[int, Roster] = {}

    def roster(self, w: int) -> Roster:
        found = self._rosters.get(w)
        if found is None:
            found = self._rosters[w] = _roster(self.problem, self.by_worker, w)
        return found

    def first_code(self, w: int, g: int) -> str:
        """The first section 4 code that keeps worker ``w`` off gap ``g``."""
        code = self.problem.first_failure(w, g)
        if code is not None:
            return code
        candidate = self.problem.candidate_of.get((w, g)) or self.problem.candidate(w, g)
        if candidate is None:
            return "availability"
        start, blocking = self.roster(w).first_legal_start(g, candidate.starts)
        if start is None:
            return blocking or "overlap"
        if self.problem.gaps[g].together:
            return "double_up"
        if blocks(self.problem, self.assignment, w, g):
            return "dependency"
        return "outcompeted"

    def worker_reasons(self, g: int) -> list[WorkerReason]:
        """Every worker not on gap ``g`` with the first rule that kept them off it."""
        out = []
        on_gap = set(self.by_gap.get(g, []))
        for worker in self.problem.workers:
            if worker.index in on_gap:
                continue
            code = self.first_code(worker.index, g)
            out.append(WorkerReason(worker.id, code, self.detail(worker.index, g, code)))
        return out

    def detail(self, w: int, g: int, code: str) -> str:
        """A sentence for one worker and gap."""
        if code in CODES:
            verdict = self.problem.compliance.check_pair(
                self.problem.scenario.workers[w], self.problem.scenario.gaps[g]
            )
            for failure in verdict.failures:
                if failure.code == code:
                    return failure.message
        if code == "overlap":
            busy = self.busy_with(w, g)
            if busy:
                return f"{self.problem.workers[w].id} is busy then: {'; '.join(busy)}"
        return f"{self.problem.workers[w].id} {reasons.one(code)}"

    def busy_with(self, w: int, g: int) -> list[str]:
        """The engagements of worker ``w`` that leave no room for gap ``g`` (with travel)."""
        problem = self.problem
        gap = problem.gaps[g]
        worker = problem.workers[w]
        tz = ZoneInfo(problem.tz)

        def when(start: int, end: int) -> str:
            a, b = problem.instant(start).astimezone(tz), problem.instant(end).astimezone(tz)
            return f"{a:%a %H:%M}-{b:%H:%M}"

        found = []
        for other, start in sorted(self.by_worker.get(w, {}).items(), key=lambda kv: kv[1]):
            o = problem.gaps[other]
            travel = problem.travel(worker.mode, o.location, gap.location)
            if (
                start < gap.latest_start + gap.length + travel
                and gap.start < start + o.length + travel
            ):
                found.append(f"{o.id} {when(start, start + o.length)} ({travel} min travel)")
        for item in problem.fixed_in(
            w, gap.start - 12 * 60, gap.latest_start + gap.length + 12 * 60
        ):
            travel = problem.travel(worker.mode, item.location, gap.location)
            if (
                item.start < gap.latest_start + gap.length + travel
                and gap.start < item.end + travel
            ):
                found.append(f"{item.label} {when(item.start, item.end)}")
        return found

    def unfilled_reasons(self, g: int) -> list[tuple[str, int, str]]:
        """(code, workers, message) for an unfilled gap, most common reason first."""
        counts: Counter[str] = Counter()
        on_gap = set(self.by_gap.get(g, []))
        for worker in self.problem.workers:
            if worker.index not in on_gap:
                counts[self.first_code(worker.index, g)] += 1
        order = section_4_order(self.problem)
        ordered = sorted(counts.items(), key=lambda kv: (-kv[1], order.index(kv[0])))
        return [(code, n, f"{n} worker(s) {reasons.many(code)}") for code, n in ordered]


def reason_phrase(code: str) -> str:
    return reasons.many(code)
