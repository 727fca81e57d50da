"""Test doubles for the service tests: a settable clock and a recording channel."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence

from flexbank.matching.rank import rank
from flexbank.models import Gap, Plan, Scenario, Worker
from flexbank.services.contract import Actor, GapIn
from flexbank.services.notifications import OutgoingMessage

COORD = Actor("coordinator", None, "test")


class FakeClock:
    """A settable clock (thread-safe)."""

    def __init__(self, now: dt.datetime) -> None:
        self._now = now
        self._lock = threading.Lock()

    def __call__(self) -> dt.datetime:
        with self._lock:
            return self._now

    def set(self, now: dt.datetime) -> None:
        with self._lock:
            self._now = now

    def advance(self, **delta: float) -> dt.datetime:
        with self._lock:
            self._now += dt.timedelta(**delta)
            return self._now


class RecordingChannel:
    """Records what it is asked to send; fails the first ``fail`` sends (or always)."""

    def __init__(self, name: str = "record", fail: int = 0) -> None:
        self.name = name
        self.fail = fail
        self.sent: list[OutgoingMessage] = []
        self.attempts = 0

    def send(self, message: OutgoingMessage) -> None:
        self.attempts += 1
        if self.fail < 0 or self.attempts <= self.fail:
            raise ConnectionError("channel down")
        self.sent.append(message)


# ------------------------------------------------------------------ scenario helpers


def empty_plan(scenario: Scenario) -> Plan:
    return Plan(format="flexbank.plan/1", scenario=scenario.name, status="feasible")


def gap_in(gap: Gap, **changes: object) -> GapIn:
    data = gap.model_dump(exclude={"id", "provider_id"})
    data.update(changes)
    return GapIn(**data)


def candidates(scenario: Scenario, gap: Gap, k: int = 10) -> list[str]:
    return [r.worker_id for r in rank(scenario, empty_plan(scenario), gap.id, k).best]


def busy_gap(scenario: Scenario, kind: str = "shift", at_least: int = 4) -> tuple[Gap, list[str]]:
    """A gap of the sample (without pins) with at least ``at_least`` eligible workers."""
    pinned = {p.gap_id for p in scenario.pinned}
    best: tuple[Gap, list[str]] | None = None
    for gap in scenario.gaps:
        if gap.kind != kind or gap.id in pinned or gap.headcount != 1:
            continue
        found = candidates(scenario, gap, 12)
        if len(found) >= at_least and (best is None or len(found) > len(best[1])):
            best = (gap, found)
    assert best is not None, "the sample has no suitable gap"
    return best


def clones(worker: Worker, n: int) -> list[Worker]:
    return [
        worker.model_copy(update={"id": f"{worker.id}-C{i:02d}", "name": f"Clone {i}"})
        for i in range(1, n + 1)
    ]


def with_workers(scenario: Scenario, extra: Sequence[Worker]) -> Scenario:
    return scenario.model_copy(update={"workers": [*scenario.workers, *extra]})
