"""The compliance register (rules.md section 1): every worker's readiness, as data.

Each worker is ``not_ready`` (with every failing reason), ``lapsing`` (ready, but a
check lapses within ``days`` days of the as_of date) or ``ready``. Readiness is the
worker-only checks for work on the horizon's first local date. Entries are sorted so
that action items come first: not ready, then lapsing by date, then ready.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from flexbank import timeline
from flexbank.compliance.assess import Compliance, Lapse, Verdict
from flexbank.models import Scenario

Status = Literal["not_ready", "lapsing", "ready"]
STATUSES: tuple[Status, ...] = ("not_ready", "lapsing", "ready")
DEFAULT_DAYS = 14


@dataclass(frozen=True)
class Entry:
    """One worker's line of the register."""

    worker_id: str
    name: str
    status: Status
    verdict: Verdict
    lapsing: tuple[Lapse, ...]  # lapses within the register's window

    def sort_key(self) -> tuple[int, dt.date, str]:
        rank = STATUSES.index(self.status)
        when = self.lapsing[0].on if self.lapsing else dt.date.max
        return (rank, when if self.status == "lapsing" else dt.date.max, self.worker_id)

    def to_json(self) -> dict[str, Any]:
        review = self.verdict.next_review
        return {
            "worker_id": self.worker_id,
            "name": self.name,
            "status": self.status,
            "failures": [{"code": f.code, "message": f.message} for f in self.verdict.failures],
            "lapses": [
                {"code": lapse.code, "date": lapse.on.isoformat(), "message": lapse.message}
                for lapse in self.verdict.lapses
            ],
            "next_review": review.isoformat() if review is not None else None,
        }


@dataclass(frozen=True)
class PairCodes:
    worker_id: str
    gap_id: str
    codes: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"worker_id": self.worker_id, "gap_id": self.gap_id, "codes": list(self.codes)}


@dataclass(frozen=True)
class Register:
    scenario: str
    as_of: dt.datetime
    as_of_date: dt.date
    judged_on: dt.date  # the horizon's first local date
    days: int
    entries: tuple[Entry, ...]
    pairs: tuple[PairCodes, ...] | None = None

    def counts(self) -> dict[str, int]:
        return {s: sum(1 for e in self.entries if e.status == s) for s in STATUSES}

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "scenario": self.scenario,
            "as_of": self.as_of.isoformat(),
            "judged_on": self.judged_on.isoformat(),
            "days": self.days,
            "counts": self.counts(),
            "workers": [entry.to_json() for entry in self.entries],
        }
        if self.pairs is not None:
            data["pairs"] = [pair.to_json() for pair in self.pairs]
        return data


def pair_codes(scenario: Scenario, compliance: Compliance | None = None) -> list[PairCodes]:
    """Failing codes (CODES order; empty when allowed) of every worker x every gap."""
    compliance = compliance or Compliance(scenario)
    return [
        PairCodes(worker.id, gap.id, tuple(compliance.codes(worker.id, gap.id)))
        for worker in scenario.workers
        for gap in scenario.gaps
    ]


def build_register(
    scenario: Scenario,
    *,
    days: int = DEFAULT_DAYS,
    pairs: bool = False,
    compliance: Compliance | None = None,
) -> Register:
    """The register of a scenario: each worker's readiness on the horizon's first day."""
    compliance = compliance or Compliance(scenario)
    judged_on = timeline.local_date(scenario.horizon.start, scenario.timezone)
    window_end = compliance.as_of_date + dt.timedelta(days=days)
    entries = []
    for worker in scenario.workers:
        verdict = compliance.check_worker_on(worker.id, judged_on)
        soon = tuple(lapse for lapse in verdict.lapses if lapse.on <= window_end)
        status: Status = "not_ready" if not verdict.ok else "lapsing" if soon else "ready"
        entries.append(Entry(worker.id, worker.name, status, verdict, soon))
    entries.sort(key=Entry.sort_key)
    return Register(
        scenario=scenario.name,
        as_of=scenario.as_of,
        as_of_date=compliance.as_of_date,
        judged_on=judged_on,
        days=days,
        entries=tuple(entries),
        pairs=tuple(pair_codes(scenario, compliance)) if pairs else None,
    )
