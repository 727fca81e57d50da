"""Weekly availability patterns ("Mondays 07:00-15:00"): kept as a pattern, and turned
into the format's availability periods for the next ``pattern_weeks`` weeks (the
matcher reads periods only). Adding a pattern again, or renewing, never doubles a
period; removing a pattern removes its future periods."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from flexbank import timeline
from flexbank.adapters.orm import AvailabilityRow
from flexbank.adapters.orm_pages import PatternRow
from flexbank.adapters.uow import UnitOfWork
from flexbank.services.context import Ctx, audit, invalid, own_worker
from flexbank.services.contract import Actor, NotFound

DAYS = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")


@dataclass(frozen=True)
class Pattern:
    id: int
    weekday: int
    start: str
    end: str

    @property
    def text(self) -> str:
        overnight = " (overnight)" if self.end <= self.start else ""
        return f"{DAYS[self.weekday]} {self.start}-{self.end}{overnight}"


def _time(value: str, path: str) -> dt.time:
    try:
        return dt.time.fromisoformat(value)
    except ValueError:
        raise invalid(path, "a time like 07:00") from None


def _periods(ctx: Ctx, row: PatternRow, now: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    tz = ctx.settings.timezone
    start, end = _time(row.start, "$.start"), _time(row.end, "$.end")
    today = timeline.local_date(now, tz)
    out = []
    for offset in range(ctx.settings.pattern_weeks * 7 + 1):
        day = today + dt.timedelta(days=offset)
        if day.weekday() != row.weekday:
            continue
        end_day = day if end > start else day + dt.timedelta(days=1)
        first = dt.datetime.combine(day, start, timeline.zone(tz)).astimezone(dt.UTC)
        last = dt.datetime.combine(end_day, end, timeline.zone(tz)).astimezone(dt.UTC)
        if last > now:
            out.append((first, last))
    return out


def _materialise(ctx: Ctx, uow: UnitOfWork, row: PatternRow, now: dt.datetime) -> int:
    added = 0
    for first, last in _periods(ctx, row, now):
        found = uow.session.scalars(
            select(AvailabilityRow.id).where(
                AvailabilityRow.worker_id == row.worker_id,
                AvailabilityRow.start == first,
                AvailabilityRow.end == last,
            )
        ).first()
        if found is None:
            uow.session.add(AvailabilityRow(worker_id=row.worker_id, start=first, end=last))
            added += 1
    return added


def list_patterns(ctx: Ctx, actor: Actor, worker_id: str) -> list[Pattern]:
    own_worker(actor, worker_id)
    with ctx.uow() as uow:
        rows = uow.session.scalars(
            select(PatternRow)
            .where(PatternRow.worker_id == worker_id)
            .order_by(PatternRow.weekday, PatternRow.start)
        )
        return [Pattern(r.id, r.weekday, r.start, r.end) for r in rows]


def add_pattern(
    ctx: Ctx, actor: Actor, worker_id: str, weekday: int, start: dt.time, end: dt.time
) -> tuple[Pattern, int]:
    """The pattern and how many new periods it made."""
    own_worker(actor, worker_id)
    if not 0 <= weekday <= 6:
        raise invalid("$.weekday", "a day from 0 (Monday) to 6 (Sunday)")
    if start == end:
        raise invalid("$.end", "the end must differ from the start")
    with ctx.uow() as uow:
        if uow.lock_worker(worker_id) is None:
            raise NotFound(f"no worker {worker_id!r}")
        now = ctx.now()
        text = (start.strftime("%H:%M"), end.strftime("%H:%M"))
        row = uow.session.scalars(
            select(PatternRow).where(
                PatternRow.worker_id == worker_id,
                PatternRow.weekday == weekday,
                PatternRow.start == text[0],
                PatternRow.end == text[1],
            )
        ).first()
        if row is None:
            row = PatternRow(
                worker_id=worker_id, weekday=weekday, start=text[0], end=text[1], created_at=now
            )
            uow.session.add(row)
            uow.session.flush()
        added = _materialise(ctx, uow, row, now)
        audit(uow, actor, "pattern_added", "worker", worker_id, now, {"pattern": row.id})
        out = Pattern(row.id, row.weekday, row.start, row.end)
        uow.commit()
        return out, added


def renew(ctx: Ctx, worker_id: str) -> int:
    """Extend every pattern of the worker to the next ``pattern_weeks`` weeks."""
    with ctx.uow() as uow:
        now = ctx.now()
        rows = list(
            uow.session.scalars(select(PatternRow).where(PatternRow.worker_id == worker_id))
        )
        added = sum(_materialise(ctx, uow, r, now) for r in rows)
        if added:
            uow.commit()
        return added


def remove_pattern(ctx: Ctx, actor: Actor, worker_id: str, pattern_id: int) -> Pattern:
    own_worker(actor, worker_id)
    with ctx.uow() as uow:
        row = uow.session.get(PatternRow, pattern_id)
        if row is None or row.worker_id != worker_id:
            raise NotFound(f"no pattern {pattern_id}")
        now = ctx.now()
        for first, last in _periods(ctx, row, now):
            for period in uow.session.scalars(
                select(AvailabilityRow).where(
                    AvailabilityRow.worker_id == worker_id,
                    AvailabilityRow.start == first,
                    AvailabilityRow.end == last,
                )
            ):
                uow.session.delete(period)
        out = Pattern(row.id, row.weekday, row.start, row.end)
        uow.session.delete(row)
        audit(uow, actor, "pattern_removed", "worker", worker_id, now, {"pattern": pattern_id})
        uow.commit()
        return out
