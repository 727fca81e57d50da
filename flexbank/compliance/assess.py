"""Judging workers against gaps: verdicts with every failing reason and the next review.

:class:`Compliance` precomputes each worker's facts (experience days, valid-through
dates of the right to work, DBS and training, 18th birthday, ...) and each gap's
dates once, so that a pair check is a handful of comparisons.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from flexbank.compliance.rules import (
    AVAILABILITY,
    CHECK_LABELS,
    CODES,
    GAP_RULES,
    MINUTE_US,
    REGISTER_RULES,
    RULES,
    Job,
    Rule,
    Setting,
    WorkerFacts,
    start_ranges,
)
from flexbank.index import ScenarioIndex
from flexbank.models import Gap, Scenario, Worker
from flexbank.roads import RoadTimes

_ORDER = {code: i for i, code in enumerate(CODES)}


@dataclass(frozen=True)
class Failure:
    """A failing check: its reason code and a message a coordinator understands."""

    code: str
    message: str


@dataclass(frozen=True)
class Lapse:
    """A check that passes now and first fails on date ``on``."""

    code: str
    on: dt.date
    message: str


@dataclass(frozen=True)
class Verdict:
    failures: tuple[Failure, ...]  # every failing code, in CODES order
    lapses: tuple[Lapse, ...]  # passing checks that lapse later, earliest first

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def codes(self) -> list[str]:
        return [failure.code for failure in self.failures]

    @property
    def next_review(self) -> dt.date | None:
        return self.lapses[0].on if self.lapses else None


def _lapse_message(rule: Rule, facts: WorkerFacts, on: dt.date) -> str:
    last = on - dt.timedelta(days=1)
    worker = facts.worker
    if rule.code == "right_to_work":
        rtw = worker.right_to_work
        return (
            f"Right to work ({CHECK_LABELS[rtw.check]}, checked {rtw.checked_on}) is valid through "
            f"{last}: a follow-up check is due by then"
        )
    if rule.code == "dbs":
        if facts.dbs_status_check is not None and facts.dbs_through > facts.dbs_issue_through:
            return (
                f"DBS Update Service status check of {facts.dbs_status_check} covers work "
                f"through {last}: check the status again by then"
            )
        return (
            f"DBS issued {worker.dbs.issued} covers work starting through {last}: a new "
            "check or an Update Service status check is due by then"
        )
    if rule.code == "training":
        courses = sorted(c for c, through in facts.training.items() if through == last)
        undated = [r.course for r in worker.training if r.course in courses and r.expires is None]
        if undated:
            return (
                f"Mandatory training {', '.join(courses)} has no expiry date and is due for "
                f"renewal by {last} (the validity the council sets): refresh by then"
            )
        return f"Mandatory training {', '.join(courses)} expires {last}: refresh by then"
    if rule.code == "night_assessment":
        return (
            f"Night health assessment of {worker.night_health_assessment} covers night work "
            f"starting through {last}: reassess by then"
        )
    if rule.code == "skill":
        names = sorted(n for n, through in facts.skills.items() if through == last)
        return f"Skill {', '.join(names)} expires {last}"
    return f"{rule.code} lapses on {on}"


def _rules_to_check(facts: WorkerFacts, job: Job) -> tuple[Rule, ...]:
    """The rules that can fail for the pair, in CODES order: the gap's own, unless the
    job is a night (night_assessment sits among the worker-only ones) or the worker-only
    checks do not all pass for its dates."""
    if job.night or not facts.worker_window_ok(job.start_date, job.end_date):
        return RULES
    return GAP_RULES


class Compliance:
    """The checks of rules.md section 1 for one scenario, judged at its ``as_of``."""

    def __init__(self, scenario: Scenario, index: ScenarioIndex | None = None) -> None:
        self.scenario = scenario
        self.index = index if index is not None else ScenarioIndex(scenario)
        self.policy = self.index.policy
        self.setting = Setting.of(self.policy, scenario.timezone, scenario.as_of, scenario.version)
        if scenario.travel_matrices:  # /2.1: max_travel_minutes reads road times
            self.setting = replace(self.setting, roads=RoadTimes.of(scenario))
        self._facts: dict[str, WorkerFacts] = {}
        self._jobs: dict[str, Job] = {}

    # ------------------------------------------------------------- look-ups

    @property
    def as_of_date(self) -> dt.date:
        return self.setting.as_of_date

    def facts(self, worker: Worker | str) -> WorkerFacts:
        """The precomputed facts of a worker (cached by id for the scenario's workers)."""
        if isinstance(worker, str):
            cached = self._facts.get(worker)
            if cached is None:
                cached = self._facts[worker] = WorkerFacts.of(
                    self.index.workers[worker], self.setting
                )
            return cached
        cached = self._facts.get(worker.id)
        if cached is not None and (cached.worker is worker or cached.worker == worker):
            return cached
        facts = WorkerFacts.of(worker, self.setting)
        if cached is None and self.index.workers.get(worker.id) == worker:
            self._facts[worker.id] = facts
        return facts

    def job(self, gap: Gap | str) -> Job:
        """The gap as the rules see it: its local dates, client, place and times."""
        if isinstance(gap, str):
            cached = self._jobs.get(gap)
            if cached is None:
                cached = self._jobs[gap] = self._make_job(self.index.gaps[gap])
            return cached
        cached = self._jobs.get(gap.id)
        if cached is not None and (cached.gap is gap or cached.gap == gap):
            return cached
        job = self._make_job(gap)
        if cached is None and self.index.gaps.get(gap.id) == gap:
            self._jobs[gap.id] = job
        return job

    def _make_job(self, gap: Gap) -> Job:
        return Job.for_gap(
            gap, self.index.client_of(gap), self.index.location_of(gap), self.setting
        )

    # --------------------------------------------------------------- checks

    def _verdict(self, rules: tuple[Rule, ...], facts: WorkerFacts, job: Job) -> Verdict:
        setting = self.setting
        failures = []
        lapses = []
        for rule in rules:
            if rule.passes(setting, facts, job):
                on = rule.lapses_on(setting, facts, job)
                if on is not None and on > setting.as_of_date:
                    lapses.append(Lapse(rule.code, on, _lapse_message(rule, facts, on)))
            else:
                failures.append(Failure(rule.code, rule.explain(setting, facts, job)))
        lapses.sort(key=lambda lapse: (lapse.on, _ORDER[lapse.code]))
        return Verdict(tuple(failures), tuple(lapses))

    def check_pair(
        self, worker: Worker | str, gap: Gap | str, *, start: dt.datetime | None = None
    ) -> Verdict:
        """All twelve checks for (worker, gap), judged at as_of for the gap's dates.

        With ``start`` (an actual planned start), availability is judged for that
        start only.
        """
        job = self.job(gap).with_start(start)
        return self._verdict(RULES, self.facts(worker), job)

    def check_worker_on(self, worker: Worker | str, day: dt.date) -> Verdict:
        """The worker-only checks for a one-day engagement on local date ``day``."""
        return self._verdict(REGISTER_RULES, self.facts(worker), Job.on_day(day))

    def first_failure(self, worker: Worker | str, gap: Gap | str) -> str | None:
        """The first failing code in CODES order, or None when the worker may work it."""
        facts = self.facts(worker)
        job = self.job(gap)
        setting = self.setting
        for rule in _rules_to_check(facts, job):
            if not rule.passes(setting, facts, job):
                return rule.code
        return None

    def offsets_if_eligible(
        self, worker: Worker | str, gap: Gap | str
    ) -> list[tuple[int, int]] | None:
        """:meth:`start_offsets` when the worker may work the gap, else None:
        :meth:`first_failure` and :meth:`start_offsets` in one pass, for the matcher's
        thousands of pairs (the availability check is the offsets being non-empty)."""
        facts = self.facts(worker)
        job = self.job(gap)
        setting = self.setting
        for rule in _rules_to_check(facts, job):
            if rule is not AVAILABILITY and not rule.passes(setting, facts, job):
                return None
        offsets = start_ranges(facts.availability, job.start_us, job.length_us, job.tolerance)
        return offsets or None

    def codes(self, worker: Worker | str, gap: Gap | str) -> list[str]:
        """Every failing code for (worker, gap), in CODES order (no messages)."""
        facts, job, setting = self.facts(worker), self.job(gap), self.setting
        return [rule.code for rule in RULES if not rule.passes(setting, facts, job)]

    def eligible(self, worker: Worker | str, gap: Gap | str) -> bool:
        return self.first_failure(worker, gap) is None

    def allowed_starts(
        self, worker: Worker | str, gap: Gap | str
    ) -> list[tuple[dt.datetime, dt.datetime]]:
        """Maximal closed ranges [lo, hi] of whole-minute starts within the gap's
        tolerance that put the whole engagement inside one availability period."""
        job = self.job(gap)
        assert job.gap is not None
        first = job.gap.start
        minute = dt.timedelta(microseconds=MINUTE_US)
        return [
            (first + lo * minute, first + hi * minute) for lo, hi in self.start_offsets(worker, gap)
        ]

    def start_offsets(self, worker: Worker | str, gap: Gap | str) -> list[tuple[int, int]]:
        """:meth:`allowed_starts` as whole minutes after the gap's start."""
        facts, job = self.facts(worker), self.job(gap)
        return start_ranges(facts.availability, job.start_us, job.length_us, job.tolerance)
