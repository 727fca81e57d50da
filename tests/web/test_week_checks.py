"""The worker's week page shows the independent checker's verdicts: a short rest that
breaks no rule is not flagged, a duty period over 13 hours (travel included) is, and
in version 2 a stretch of back-to-back visits without a break is."""

from __future__ import annotations

import datetime as dt

from flexbank.models import Location
from flexbank.policy import Policy
from flexbank.sample import generate
from flexbank.web.coordinator import Engagement, week_view

MONDAY = dt.date(2026, 11, 30)
AT = dt.datetime(2026, 11, 30, 7, tzinfo=dt.UTC)


def _view(version: int, *spans: tuple[float, float]) -> object:
    worker = generate(workers=3, gaps=0, seed=4, version=version).workers[0]
    worker = worker.model_copy(update={"commitments": [], "availability": []})
    place = Location(lat=worker.home.lat + 0.01, lon=worker.home.lon)
    engagements = [
        Engagement("booking", AT + dt.timedelta(hours=a), AT + dt.timedelta(hours=b),
                   f"G{i}", place, f"G{i}")
        for i, (a, b) in enumerate(spans)
    ]  # fmt: skip
    return week_view(worker, engagements, MONDAY, "Europe/London", Policy(), AT)


def test_a_short_rest_that_breaks_no_rule_is_not_flagged() -> None:
    view = _view(1, (0, 3), (7, 11))  # 07-10, 14-18: 4 h rest, an 11-hour duty period
    assert view.checks == [] and view.short_rests == 0  # type: ignore[attr-defined]


def test_a_duty_period_over_13_hours_is_flagged_with_the_checker_message() -> None:
    view = _view(1, (0, 8), (16, 20))  # 07-15, 23-03: one 20-hour duty period
    checks = view.checks  # type: ignore[attr-defined]
    assert [c.rule for c in checks] == [7] and view.short_rests == 1  # type: ignore[attr-defined]
    assert "spans 20 h" in checks[0].message and "#" not in checks[0].message


def test_back_to_back_visits_without_a_break_in_version_2() -> None:
    spans = ((5, 8), (8, 11.5))  # 12:00-15:00 and 15:00-18:30 at one place
    assert [c.title for c in _view(2, *spans).checks] == ["Rest break"]  # type: ignore[attr-defined]
    assert _view(1, *spans).checks == []  # type: ignore[attr-defined]


def test_the_register_of_a_version_2_bank_shows_the_new_checks() -> None:
    from flexbank.web.records import register_of

    workers = generate(workers=120, gaps=0, seed=2, version=2).workers
    register = register_of(workers, AT, "Europe/London", 400)
    assert register.entries and len(register.entries) == len(workers)
    lapses = {lapse.code for e in register.entries for lapse in e.lapsing}
    assert "night_assessment" in lapses
    failures = {f.code for e in register.entries for f in e.verdict.failures}
    assert "dbs" in failures
    # a mixed bank (some workers still on version 1 records) is judged as version 1
    mixed = [*workers[:3], workers[3].as_version_1()]
    assert register_of(mixed, AT, "Europe/London", 30).entries
