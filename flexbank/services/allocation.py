"""Allocation runs: plan the open gaps of a horizon (bookings pinned), store the plan,
publish it as offers; explanations and plan export.

A run is claimed (a ``running`` row holding a lease) in one transaction, solved
outside any transaction while a heartbeat thread renews the lease, and finished in
another; any exception on the way leaves the run ``failed`` with its error, and
nothing is published. If the process dies (kill -9) or cannot reach the database to
record the outcome, the lease lapses and :func:`recover_stale_runs` (at startup and
every minute in the scheduler) marks the run failed, saying why; the daily run is
then run again, once.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import threading
from collections import defaultdict
from typing import Any, cast

from sqlalchemy import or_, select, update

from flexbank import matching
from flexbank.adapters.orm import BookingRow, GapRow, OfferRow, RunRow
from flexbank.adapters.scenario import build_scenario, held_offers_query
from flexbank.matching.explain import Explainer
from flexbank.matching.problem import Problem
from flexbank.matching.solver import ProgressHook
from flexbank.models import Plan, Scenario
from flexbank.scheduling import guard
from flexbank.services import lifecycle
from flexbank.services.context import (
    Ctx,
    actor_name,
    audit,
    offer_out,
    require_coordinator,
    run_out,
)
from flexbank.services.contract import (
    Actor,
    Conflict,
    NotFound,
    OfferOut,
    RunOut,
    WorkerReasonOut,
)
from flexbank.services.offers import make_offer
from flexbank.services.paging import Page

log = logging.getLogger("flexbank.allocation")


def horizon(
    ctx: Ctx, now: dt.datetime, start: dt.date | None, days: int | None
) -> tuple[dt.datetime, dt.datetime]:
    first = start if start is not None else ctx.local(now).date() + dt.timedelta(days=1)
    n = days if days is not None else ctx.settings.horizon_days
    if n < 1:
        from flexbank.services.context import invalid

        raise invalid("$.days", "days must be at least 1")
    return ctx.local_midnight(first), ctx.local_midnight(first + dt.timedelta(days=n))


def scenario_for(ctx: Ctx, run: RunRow, now: dt.datetime) -> tuple[Scenario, Plan]:
    with ctx.uow() as uow:
        return build_scenario(
            uow.session,
            as_of=now,
            start=run.horizon_start,
            end=run.horizon_end,
            timezone=ctx.settings.timezone,
            name=run.key,
        )


def lease(ctx: Ctx, now: dt.datetime) -> dt.datetime:
    return now + dt.timedelta(seconds=ctx.settings.run_lease_seconds)


class Heartbeat:
    """Renews a running run's lease every third of the lease, in a daemon thread,
    until stopped. A renewal that fails (database away) is logged and retried at the
    next beat; if none succeeds, the lease lapses and the run is recovered."""

    def __init__(self, ctx: Ctx, run_id: int, attempt: int) -> None:
        self.ctx, self.run_id, self.attempt = ctx, run_id, attempt
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"run-{run_id}-lease", daemon=True)

    def __enter__(self) -> Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stopped.set()
        self.thread.join(timeout=5)

    def _beat(self) -> None:
        interval = max(self.ctx.settings.run_lease_seconds / 3, 0.05)
        while not self.stopped.wait(interval):
            try:
                with self.ctx.uow() as uow:
                    now = self.ctx.now()
                    uow.session.execute(
                        update(RunRow)
                        .where(
                            RunRow.id == self.run_id,
                            RunRow.status == "running",
                            RunRow.attempts == self.attempt,
                        )
                        .values(lease_expires_at=lease(self.ctx, now), heartbeat_at=now)
                    )
                    uow.commit()
            except Exception as e:
                log.warning("run %s: lease not renewed (%s)", self.run_id, type(e).__name__)


def recover_stale_runs(ctx: Ctx, now: dt.datetime) -> list[RunOut]:
    """Fail every ``running`` run whose lease lapsed before ``now``, saying why."""
    with ctx.uow() as uow:
        stale = list(
            uow.session.scalars(
                select(RunRow)
                .where(
                    RunRow.status == "running",
                    or_(
                        RunRow.lease_expires_at < now,
                        RunRow.lease_expires_at.is_(None)
                        & (
                            RunRow.started_at
                            < now - dt.timedelta(seconds=ctx.settings.run_lease_seconds)
                        ),
                    ),
                )
                .order_by(RunRow.id)
                .with_for_update(skip_locked=True)
            )
        )
        for row in stale:
            beat = row.heartbeat_at or row.started_at
            row.status = "failed"
            row.error = (
                "the run stopped without finishing: its lease lapsed (last heartbeat "
                f"{ctx.local(beat):%Y-%m-%d %H:%M:%S}); the process running it was "
                "stopped or lost the database"
            )
            row.finished_at = now
            row.lease_expires_at = None
            audit(uow, "system", "failed", "run", row.id, now, {"why": "lease lapsed"})
            log.warning("allocation run %s (%s): lease lapsed, marked failed", row.id, row.key)
        out = [run_out(ctx, r, with_plan=False) for r in stale]
        uow.commit()
    return out


def execute(
    ctx: Ctx, run_id: int, time_limit: float | None, progress: ProgressHook | None = None
) -> RunOut:
    """Solve a claimed run and record the outcome (succeeded or failed). When even the
    failure cannot be written (the database is away), the error is raised and the
    lapsing lease lets the recovery record it."""
    now = ctx.now()
    with ctx.uow() as uow:
        run = uow.session.get(RunRow, run_id)
        assert run is not None
        attempt = run.attempts
    try:
        with Heartbeat(ctx, run_id, attempt):
            scenario, _current = scenario_for(ctx, run, now)
            limit = time_limit if time_limit is not None else ctx.settings.solver_time_limit
            if ctx.settings.ray_address:
                plan = _solve_on_ray(ctx, scenario, limit, progress)
            else:
                plan = matching.solve(
                    scenario,
                    time_limit=limit,
                    workers=ctx.settings.solver_workers,
                    seed=0,
                    progress=progress,
                )
        metrics: dict[str, Any] = plan.metrics.model_dump(mode="json")
        metrics.update(
            gaps=len(scenario.gaps),
            workers=len(scenario.workers),
            pinned=len(scenario.pinned),
            assignments=len(plan.assignments),
            unfilled=len(plan.unfilled),
        )
        with ctx.uow() as uow:
            row = uow.session.get(RunRow, run_id, with_for_update=True)
            assert row is not None
            if row.status != "running" or row.attempts != attempt:
                return run_out(ctx, row)  # recovered meanwhile: its state stands
            row.status = "succeeded"
            row.plan = plan.model_dump(mode="json")
            row.metrics = metrics
            row.finished_at = ctx.now()
            row.lease_expires_at = None
            audit(uow, row.actor or "system", "planned", "run", row.id, ctx.now(), {"key": row.key})
            uow.commit()
            return run_out(ctx, row)
    except BaseException as e:
        # ids and the error type only: messages may carry personal data
        log.error("allocation run %s failed (%s)", run_id, type(e).__name__)
        try:
            out = _record_failure(ctx, run_id, attempt, e)
        except Exception as again:
            log.error(
                "run %s: the failure could not be recorded (%s); its lease will lapse",
                run_id,
                type(again).__name__,
            )
            raise e from None
        if not isinstance(e, Exception):
            raise
        return out


def _solve_on_ray(
    ctx: Ctx, scenario: Scenario, time_limit: float, progress: ProgressHook | None
) -> Plan:
    """The plan solved region by region on Ray (``FLEXBANK_RAY_ADDRESS``); progress
    reports the parts done (:class:`flexbank.distributed.Progress`)."""
    from flexbank import distributed

    address = ctx.settings.ray_address
    assert address
    executor = distributed.RayExecutor(address)
    try:
        return distributed.solve(
            scenario,
            executor=executor,
            time_limit=time_limit,
            workers=ctx.settings.solver_workers,
            seed=0,
            progress=cast("distributed.ProgressHook | None", progress),
            max_region_gaps=ctx.settings.ray_region_gaps,
        )
    finally:
        executor.close()


def _record_failure(ctx: Ctx, run_id: int, attempt: int, e: BaseException) -> RunOut:
    with ctx.uow() as uow:
        row = uow.session.get(RunRow, run_id, with_for_update=True)
        assert row is not None
        if row.status == "running" and row.attempts == attempt:
            row.status = "failed"
            row.error = f"{type(e).__name__}: {e}"[:2000]
            row.finished_at = ctx.now()
            row.lease_expires_at = None
            audit(uow, "system", "failed", "run", row.id, ctx.now(), {"error": type(e).__name__})
        out = run_out(ctx, row)
        uow.commit()
        return out


def run_allocation(
    ctx: Ctx,
    actor: Actor,
    start: dt.date | None,
    days: int | None,
    time_limit: float | None,
    progress: ProgressHook | None = None,
) -> RunOut:
    require_coordinator(actor)
    now = ctx.now()
    h_start, h_end = horizon(ctx, now, start, days)
    with ctx.uow() as uow:
        row = RunRow(
            key=f"manual:{secrets.token_hex(6)}",
            status="running",
            horizon_start=h_start,
            horizon_end=h_end,
            started_at=now,
            actor=actor_name(actor),
            attempts=1,
            lease_expires_at=lease(ctx, now),
            heartbeat_at=now,
        )
        uow.session.add(row)
        uow.session.flush()
        row.key = f"manual:{row.id}"
        uow.commit()
        run_id = row.id
    return execute(ctx, run_id, time_limit, progress)


def run_daily(ctx: Ctx, now: dt.datetime) -> RunOut | None:
    day = guard.local_day(now, ctx.settings.timezone)
    h_start, h_end = horizon(ctx, now, day + dt.timedelta(days=1), ctx.settings.horizon_days)
    recover_stale_runs(ctx, now)  # a killed earlier attempt becomes failed: run it again
    with ctx.uow() as uow:
        row = guard.claim(
            uow,
            guard.daily_key(day),
            now=now,
            horizon_start=h_start,
            horizon_end=h_end,
            lease_until=lease(ctx, now),
        )
        if row is None:
            return None
        uow.commit()
        run_id = row.id
    out = execute(ctx, run_id, None)
    if out.status == "succeeded" and ctx.settings.daily_allocation_publish:
        try:
            publish(ctx, Actor.system(), run_id)
        except Exception as e:
            # unpublished, the day's allocation would be lost: fail it (run again once)
            log.error("daily run %s: publishing failed (%s)", run_id, type(e).__name__)
            with ctx.uow() as uow:
                row = uow.session.get(RunRow, run_id, with_for_update=True)
                assert row is not None
                row.status = "failed"
                row.error = f"publishing failed: {type(e).__name__}"
                audit(uow, "system", "failed", "run", row.id, ctx.now(), {"why": "publish"})
                uow.commit()
                return run_out(ctx, row)
        with ctx.uow() as uow:
            row = uow.session.get(RunRow, run_id)
            assert row is not None
            return run_out(ctx, row)
    return out


def due_daily_runs(ctx: Ctx, now: dt.datetime) -> list[dt.date]:
    with ctx.uow() as uow:
        return guard.due_days(uow, now, ctx.settings.timezone, ctx.settings.daily_allocation_time)


def publish(ctx: Ctx, actor: Actor, run_id: int) -> list[OfferOut]:
    """Offers for the plan's assignments not already booked, held or offered, up to
    each gap's missing places; one transaction."""
    require_coordinator(actor)
    with ctx.uow() as uow:
        session = uow.session
        run = session.scalars(select(RunRow).where(RunRow.id == run_id).with_for_update()).first()
        if run is None:
            raise NotFound(f"no run {run_id}")
        if run.status not in ("succeeded", "published") or run.plan is None:
            raise Conflict(
                f"the run is {run.status}; only a finished run can be published", [run.status]
            )
        now = ctx.now()
        plan = Plan.model_validate(run.plan, strict=False)
        by_gap: defaultdict[str, list[Any]] = defaultdict(list)
        for a in plan.assignments:
            by_gap[a.gap_id].append(a)
        made: list[OfferRow] = []
        expiry = dt.timedelta(hours=ctx.settings.offer_expiry_hours)
        for gap_id in sorted(by_gap):
            gap = uow.lock_gap(gap_id)
            if gap is None or gap.status != "open" or gap.start <= now:
                continue
            booked = set(
                session.scalars(
                    select(BookingRow.worker_id).where(
                        BookingRow.gap_id == gap_id, BookingRow.status == "booked"
                    )
                )
            )
            held = {
                o.worker_id
                for o in session.scalars(held_offers_query().where(OfferRow.gap_id == gap_id))
            }
            offers = list(session.scalars(select(OfferRow).where(OfferRow.gap_id == gap_id)))
            open_workers = {
                o.worker_id for o in offers if lifecycle.is_open(o.status, o.expires_at, now)
            }
            declined = {o.worker_id for o in offers if o.status == "declined"}
            places = gap.headcount - len(booked) - len(held) - len(open_workers)
            urgent = gap.urgent or ctx.is_urgent(gap.start, now)
            for a in sorted(by_gap[gap_id], key=lambda a: a.worker_id):
                if places <= 0:
                    break
                if a.worker_id in booked | held | open_workers | declined:
                    continue
                made.append(
                    make_offer(
                        ctx,
                        uow,
                        gap,
                        a.worker_id,
                        a.start,
                        now,
                        expires_at=min(now + expiry, gap.start),
                        urgent=urgent,
                        run_id=run.id,
                    )
                )
                places -= 1
        run.status = "published"
        run.published_at = run.published_at or now
        audit(uow, actor, "published", "run", run.id, now, {"offers": len(made)})
        session.flush()
        out = [offer_out(ctx, session, o, now) for o in made]
        uow.commit()
        return out


def list_runs(ctx: Ctx, actor: Actor, page: Page | None = None) -> list[RunOut]:
    require_coordinator(actor)
    page = page or Page()
    with ctx.uow() as uow:
        query = page.apply(select(RunRow), RunRow.id, descending=True)
        return [run_out(ctx, r, with_plan=False) for r in page.rows(uow.session.scalars(query))]


def _run(ctx: Ctx, actor: Actor, run_id: int) -> RunRow:
    require_coordinator(actor)
    with ctx.uow() as uow:
        row = uow.session.get(RunRow, run_id)
        if row is None:
            raise NotFound(f"no run {run_id}")
        return row


def get_run(ctx: Ctx, actor: Actor, run_id: int) -> RunOut:
    return run_out(ctx, _run(ctx, actor, run_id))


def export_plan(ctx: Ctx, actor: Actor, run_id: int) -> Plan:
    row = _run(ctx, actor, run_id)
    if row.plan is None:
        raise Conflict(f"run {run_id} has no plan (it is {row.status})", [row.status])
    return Plan.model_validate(row.plan, strict=False)


def explain(ctx: Ctx, actor: Actor, run_id: int, gap_id: str) -> list[WorkerReasonOut]:
    """Why each worker is or is not on the gap in the run's plan (rules.md section 4),
    judged against the scenario as the database holds it for the run's horizon."""
    row = _run(ctx, actor, run_id)
    if row.plan is None:
        raise Conflict(f"run {run_id} has no plan (it is {row.status})", [row.status])
    plan = Plan.model_validate(row.plan, strict=False)
    scenario, _ = scenario_for(ctx, row, row.started_at)
    known_gaps = {g.id for g in scenario.gaps}
    if gap_id not in known_gaps:
        with ctx.uow() as uow:
            if uow.session.get(GapRow, gap_id) is None:
                raise NotFound(f"no gap {gap_id!r}")
        raise Conflict(f"gap {gap_id} is not in run {run_id}'s horizon")
    workers = {w.id for w in scenario.workers}
    plan = plan.model_copy(
        update={
            "assignments": [
                a for a in plan.assignments if a.gap_id in known_gaps and a.worker_id in workers
            ]
        }
    )
    problem = Problem(scenario)
    assignment = {
        (problem.worker_by_id[a.worker_id].index, problem.gap_by_id[a.gap_id].index): (
            problem.minute(a.start)
        )
        for a in plan.assignments
    }
    explainer = Explainer(problem, assignment)
    g = problem.gap_by_id[gap_id].index
    on_gap = [a.worker_id for a in plan.assignments if a.gap_id == gap_id]
    out = [
        WorkerReasonOut(worker_id=w, code="assigned", message=f"{w} is assigned to {gap_id}")
        for w in on_gap
    ]
    out.extend(
        WorkerReasonOut(worker_id=r.worker_id, code=r.code, message=r.message)
        for r in explainer.worker_reasons(g)
    )
    return out
