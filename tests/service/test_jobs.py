"""Allocation runs, the daily guard, sweeps, the outbox dispatcher and reports."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from service_support import COORD, RecordingChannel, busy_gap, gap_in
from sqlalchemy import func, select

from flexbank.adapters.orm import NotificationRow, OfferRow, RunRow
from flexbank.services import allocation
from flexbank.services.bank import SqlBank
from flexbank.services.contract import Actor, Conflict, Forbidden, NotFound, ReportFilter
from flexbank.services.offers import make_offer


def count(bank: SqlBank, model: type, *where: object) -> int:
    with bank.ctx.uow() as uow:
        q = select(func.count()).select_from(model).where(*where)  # type: ignore[arg-type]
        return int(uow.session.scalar(q) or 0)


def test_allocation_run_and_publish(loaded, scenario):
    run = loaded.run_allocation(COORD, start=scenario.horizon.start.date(), days=7, time_limit=2)
    assert run.status == "succeeded" and run.plan is not None
    assert run.metrics["gaps"] == len(scenario.gaps)
    offers = loaded.publish_run(COORD, run.id)
    assert offers and all(o.run_id == run.id for o in offers)
    assert all(o.expires_at - loaded.now() <= dt.timedelta(hours=12) for o in offers)
    assert loaded.publish_run(COORD, run.id) == []  # already offered: nothing new
    gap_id = run.plan.assignments[0].gap_id
    reasons = loaded.explain(COORD, run.id, gap_id)
    assert reasons[0].code == "assigned"
    assert loaded.export_plan(COORD, run.id).assignments == run.plan.assignments
    with pytest.raises(Forbidden):
        loaded.run_allocation(Actor("provider", scenario.providers[0].id))


def test_allocation_reports_progress_as_it_solves(loaded, scenario):
    events = []
    run = loaded.run_allocation(
        COORD, start=scenario.horizon.start.date(), days=7, time_limit=2, progress=events.append
    )
    assert run.status == "succeeded"
    assert events, "the coordinator's page shows these while the run goes on"
    assert {e.stage for e in events} <= {
        "emergency",
        "urgent",
        "routine",
        "continuity",
        "travel",
        "unfairness",
    }
    assert all(e.bound >= e.objective for e in events if e.stage in ("emergency", "urgent"))


def test_crash_mid_allocation_publishes_nothing(loaded, scenario, monkeypatch):
    def crash(*args: object, **kwargs: object) -> None:
        raise MemoryError("solver died")

    monkeypatch.setattr(allocation.matching, "solve", crash)
    run = loaded.run_allocation(COORD, start=scenario.horizon.start.date(), days=7)
    assert run.status == "failed" and "solver died" in (run.error or "")
    assert count(loaded, OfferRow) == 0
    with pytest.raises(Conflict):
        loaded.publish_run(COORD, run.id)
    assert count(loaded, OfferRow) == 0


def test_daily_allocation_runs_once(loaded, clock, settings):
    now = clock()
    assert loaded.due_daily_runs(now) == [now.date()]
    results: list[object] = []
    barrier = threading.Barrier(2)
    other = SqlBank(settings, clock=clock)  # a second replica

    def trigger(bank: SqlBank) -> None:
        barrier.wait()
        results.append(bank.run_daily_allocation(now))

    threads = [threading.Thread(target=trigger, args=(b,)) for b in (loaded, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    runs = [r for r in results if r is not None]
    assert len(runs) == 1 and results.count(None) == 1
    assert runs[0].key == f"daily:{now.date()}"  # type: ignore[attr-defined]
    assert runs[0].status == "published"  # type: ignore[attr-defined]
    assert loaded.run_daily_allocation(now) is None  # sequential second trigger
    assert loaded.catch_up(now) is None and loaded.due_daily_runs(now) == []
    assert count(loaded, RunRow) == 1


def test_missed_daily_allocation_runs_once_on_catch_up(loaded, clock):
    before = clock().replace(hour=9)  # 09:00: not yet due
    assert loaded.due_daily_runs(before) == []
    assert loaded.catch_up(before) is None
    run = loaded.catch_up(clock())  # after downtime past 14:00
    assert run is not None
    assert loaded.catch_up(clock()) is None


def test_dispatch_retries_with_backoff_then_fails(bank, clock, settings):
    channel = RecordingChannel(fail=-1)
    s = settings.model_copy(update={"notification_max_attempts": 3})
    flaky = SqlBank(s, channels=[channel], clock=clock)
    from flexbank.adapters.uow import UnitOfWork
    from flexbank.services.notifications import enqueue

    with UnitOfWork(flaky.engine) as uow:
        enqueue(
            uow,
            kind="test",
            recipient_role="coordinator",
            recipient_id=None,
            subject="s",
            body="b",
            now=clock(),
        )
        uow.commit()
    assert flaky.dispatch_notifications() == {"sent": 0, "retried": 1, "failed": 0}
    assert flaky.dispatch_notifications() == {"sent": 0, "retried": 0, "failed": 0}  # not due
    with flaky.ctx.uow() as uow:
        row = uow.session.scalars(select(NotificationRow)).one()
        assert row.next_attempt_at == clock() + dt.timedelta(seconds=60)
    clock.advance(seconds=61)
    assert flaky.dispatch_notifications()["retried"] == 1
    with flaky.ctx.uow() as uow:
        row = uow.session.scalars(select(NotificationRow)).one()
        assert row.next_attempt_at == clock() + dt.timedelta(seconds=120)
        assert row.attempts == 2 and row.last_error
    clock.advance(seconds=121)
    assert flaky.dispatch_notifications()["failed"] == 1
    with flaky.ctx.uow() as uow:
        row = uow.session.scalars(select(NotificationRow)).one()
        assert row.status == "failed" and row.attempts == 3
    # a channel that recovers: sent
    ok = RecordingChannel()
    good = SqlBank(settings, channels=[ok], clock=clock)
    with UnitOfWork(good.engine) as uow:
        enqueue(
            uow,
            kind="test",
            recipient_role="coordinator",
            recipient_id=None,
            subject="s2",
            body="b2",
            now=clock(),
        )
        uow.commit()
    assert good.dispatch_notifications()["sent"] == 1
    assert [m.subject for m in ok.sent] == ["s2"]


def test_compliance_sweep_warns_once_and_flags_bookings(loaded, clock, scenario):
    first = loaded.compliance_sweep()
    again = loaded.compliance_sweep()
    assert again["warnings"] == 0
    assert first["warnings"] == count(
        loaded,
        NotificationRow,
        NotificationRow.kind == "lapse",
        NotificationRow.recipient_role == "worker",
    )
    # book a worker, then their right to work is found to end before the booking
    gap, found = busy_gap(scenario)
    clock.set(gap.start - dt.timedelta(days=3))
    out, _ = loaded.post_gap(COORD, gap.provider_id, gap_in(gap))
    w = found[0]
    with loaded.ctx.uow() as uow:
        row = uow.lock_gap(out.id)
        assert row is not None
        offer = make_offer(
            loaded.ctx,
            uow,
            row,
            w,
            row.start,
            clock(),
            expires_at=clock() + dt.timedelta(hours=1),
            urgent=False,
        )
        uow.commit()
    loaded.accept_offer(Actor("worker", w), offer.id)
    record = loaded.get_worker(COORD, w)
    rtw = record.right_to_work.model_copy(
        update={
            "check": "list_b_group1",
            "permission_expires": gap.start.date() - dt.timedelta(days=1),
        }
    )
    loaded.put_worker(COORD, record.model_copy(update={"right_to_work": rtw}))
    result = loaded.compliance_sweep()
    assert result["flagged"] == 1
    (booking,) = [b for b in loaded.list_bookings(COORD) if b.gap_id == out.id]
    assert booking.status == "flagged" and "right_to_work" in (booking.flag_reason or "")
    g = loaded.get_gap(COORD, out.id)
    assert g.status == "open" and g.booked_workers == []
    assert g.offers_open == result["reoffered"] >= 1  # re-matched
    assert loaded.compliance_sweep()["flagged"] == 0


def test_report_on_a_known_history(loaded, clock, scenario, settings):
    gap, found = busy_gap(scenario)
    posted = gap.start - dt.timedelta(days=3)
    clock.set(posted)
    a, _ = loaded.post_gap(COORD, gap.provider_id, gap_in(gap))  # filled after 30 min
    b, _ = loaded.post_gap(COORD, gap.provider_id, gap_in(gap))  # filled after 90 min
    other_reason = "winter_pressure" if gap.reason != "winter_pressure" else "holiday"
    loaded.post_gap(COORD, gap.provider_id, gap_in(gap, reason=other_reason))  # stays open
    d, _ = loaded.post_gap(COORD, gap.provider_id, gap_in(gap))
    loaded.cancel_gap(COORD, d.id)  # cancelled: left out of the fill rate
    for gap_out, worker_id, minutes in ((a, found[0], 30), (b, found[1], 90)):
        with loaded.ctx.uow() as uow:
            row = uow.lock_gap(gap_out.id)
            assert row is not None
            offer = make_offer(
                loaded.ctx,
                uow,
                row,
                worker_id,
                row.start,
                clock(),
                expires_at=posted + dt.timedelta(hours=5),
                urgent=False,
            )
            uow.commit()
        clock.set(posted + dt.timedelta(minutes=minutes))
        loaded.accept_offer(Actor("worker", worker_id), offer.id)
    hours = (gap.end - gap.start).total_seconds() / 3600
    day = gap.start.astimezone(loaded.ctx.tz).date()
    monday = day - dt.timedelta(days=day.weekday())
    flt = ReportFilter(provider_id=gap.provider_id, start=day, end=day)
    r = loaded.report(COORD, flt)
    imported = [
        g
        for g in scenario.gaps
        if g.provider_id == gap.provider_id and g.start.astimezone(loaded.ctx.tz).date() == day
    ]
    assert r.gaps_posted == 4 + len(imported)
    assert r.places_posted == 3 + sum(g.headcount for g in imported)
    assert r.places_filled == 2
    assert r.median_minutes_to_fill == 60.0
    assert r.hours_filled == round(2 * hours, 2)
    assert r.agency_spend_avoided == round(2 * hours * settings.agency_premium_per_hour, 2)
    assert [(h.key, h.week, h.hours) for h in r.hours_by_provider_week] == [
        (gap.provider_id, monday, round(2 * hours, 2))
    ]
    assert {h.key for h in r.hours_by_worker_week} == {found[0], found[1]}
    vacancy = loaded.report(
        COORD, ReportFilter(provider_id=gap.provider_id, reason=other_reason, start=day, end=day)
    )
    assert vacancy.places_filled == 0 and vacancy.gaps_posted >= 1
    # a provider sees only itself
    me = Actor("provider", gap.provider_id)
    assert loaded.report(me, ReportFilter(start=day, end=day)) == r
    other = next(p.id for p in scenario.providers if p.id != gap.provider_id)
    with pytest.raises(NotFound):
        loaded.report(me, ReportFilter(provider_id=other))
    with pytest.raises(Forbidden):
        loaded.report(Actor("worker", found[0]), ReportFilter())
