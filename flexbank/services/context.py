"""What every service module shares: settings, engine, clock, links; role helpers,
the audit trail, and the conversions of rows to the contract's output schemas."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from flexbank.adapters.orm import (
    AuditRow,
    BookingRow,
    ClientRow,
    GapRow,
    OfferRow,
    ProviderRow,
    RunRow,
    WorkerRow,
)
from flexbank.adapters.scenario import gap_location
from flexbank.adapters.uow import UnitOfWork
from flexbank.geo import distance_km
from flexbank.models import Location, Plan
from flexbank.services.contract import (
    Actor,
    AuditOut,
    BookingOut,
    Forbidden,
    GapOut,
    InvalidInput,
    NotFound,
    OfferOut,
    RunOut,
)
from flexbank.services.lifecycle import effective_status
from flexbank.services.notifications import Channel
from flexbank.services.tokens import OfferLinks, respond_url
from flexbank.settings import Settings
from flexbank.validation import Problem


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Ctx:
    settings: Settings
    engine: Engine
    clock: Callable[[], dt.datetime]
    channels: Sequence[Channel] = ()
    links: OfferLinks = field(init=False)
    tz: ZoneInfo = field(init=False)

    def __post_init__(self) -> None:
        self.links = OfferLinks(
            self.settings.signing_key(), self.settings.offer_link_hours * 3600.0
        )
        self.tz = ZoneInfo(self.settings.timezone)

    def now(self) -> dt.datetime:
        now = self.clock()
        if now.tzinfo is None:
            raise ValueError("the clock must give aware datetimes")
        return now

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.engine)

    def read(self) -> UnitOfWork:
        """A unit of work that only reads (it must not write)."""
        return UnitOfWork(self.engine, read_only=True)

    def local(self, moment: dt.datetime) -> dt.datetime:
        return moment.astimezone(self.tz)

    def local_midnight(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(), self.tz)

    def week_of(self, moment: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
        """The local ISO week [Monday 00:00, next Monday 00:00) holding ``moment``."""
        day = self.local(moment).date()
        monday = day - dt.timedelta(days=day.weekday())
        return self.local_midnight(monday), self.local_midnight(monday + dt.timedelta(days=7))

    def link_for(self, offer: OfferRow) -> str:
        return respond_url(self.settings.base_url, self.links.token(offer.id, offer.worker_id))

    def is_urgent(self, start: dt.datetime, now: dt.datetime) -> bool:
        return start - now <= dt.timedelta(hours=self.settings.urgent_within_hours)


# ------------------------------------------------------------------ roles


def actor_name(actor: Actor) -> str:
    who = actor.role if actor.subject_id is None else f"{actor.role}:{actor.subject_id}"
    return f"{who} ({actor.name})" if actor.name else who


def require_coordinator(actor: Actor) -> None:
    if actor.role != "coordinator":
        raise Forbidden("only a coordinator may do this")


def require_role(actor: Actor, *roles: str) -> None:
    if actor.role not in roles:
        raise Forbidden(f"a {actor.role} may not do this")


def own_provider(actor: Actor, provider_id: str | None) -> None:
    """Coordinators pass; a provider passes for itself; others are told NotFound."""
    _own(actor, "provider", provider_id)


def own_worker(actor: Actor, worker_id: str | None) -> None:
    """Coordinators pass; a worker passes for itself; others are told NotFound."""
    _own(actor, "worker", worker_id)


def _own(actor: Actor, role: str, subject_id: str | None) -> None:
    if actor.role == "coordinator":
        return
    if actor.role == role:
        if actor.subject_id == subject_id:
            return
        raise NotFound(f"no {role} {subject_id!r}")
    raise Forbidden(f"a {actor.role} may not do this")


def invalid(path: str, message: str) -> InvalidInput:
    return InvalidInput([Problem(path, message)])


# ------------------------------------------------------------------ audit


def audit(
    uow: UnitOfWork,
    actor: Actor | str,
    action: str,
    entity: str,
    entity_id: str | int,
    now: dt.datetime,
    detail: dict[str, Any] | None = None,
) -> AuditRow:
    row = AuditRow(
        at=now,
        actor=actor if isinstance(actor, str) else actor_name(actor),
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        detail=detail or {},
    )
    uow.session.add(row)
    return row


def audit_out(row: AuditRow) -> AuditOut:
    return AuditOut(
        id=row.id,
        at=row.at,
        actor=row.actor,
        action=row.action,
        entity=row.entity,
        entity_id=row.entity_id,
        detail=dict(row.detail or {}),
    )


# ------------------------------------------------------------------ outputs


def booked_workers(session: Session, gap_id: str) -> list[str]:
    return list(
        session.scalars(
            select(BookingRow.worker_id)
            .where(BookingRow.gap_id == gap_id, BookingRow.status == "booked")
            .order_by(BookingRow.id)
        )
    )


def open_offers(session: Session, gap_id: str, now: dt.datetime) -> list[OfferRow]:
    return list(
        session.scalars(
            select(OfferRow)
            .where(
                OfferRow.gap_id == gap_id,
                OfferRow.status == "offered",
                OfferRow.expires_at > now,
            )
            .order_by(OfferRow.id)
        )
    )


def gap_outs(ctx: Ctx, session: Session, rows: Sequence[GapRow], now: dt.datetime) -> list[GapOut]:
    """:func:`gap_out` for a page of gaps in four queries, not three per gap."""
    ids = [r.id for r in rows]
    if not ids:
        return []
    counts = dict(
        session.execute(
            select(OfferRow.gap_id, func.count(OfferRow.id))
            .where(
                OfferRow.gap_id.in_(ids), OfferRow.status == "offered", OfferRow.expires_at > now
            )
            .group_by(OfferRow.gap_id)
        ).all()
    )
    booked: dict[str, list[str]] = {i: [] for i in ids}
    for gap_id, worker_id in session.execute(
        select(BookingRow.gap_id, BookingRow.worker_id)
        .where(BookingRow.gap_id.in_(ids), BookingRow.status == "booked")
        .order_by(BookingRow.id)
    ):
        booked[gap_id].append(worker_id)
    # held here, in the (weak) identity map, so no gap's location needs its own query
    client_ids = {r.client_id for r in rows if r.client_id and not r.location}
    held: list[object] = []
    if client_ids:
        held += session.scalars(select(ClientRow).where(ClientRow.id.in_(client_ids)))
    provider_ids = {r.provider_id for r in rows}
    held += session.scalars(select(ProviderRow).where(ProviderRow.id.in_(provider_ids)))
    return [
        gap_out(ctx, session, r, now, offers_open=int(counts.get(r.id, 0)), booked=booked[r.id])
        for r in rows
    ]


def gap_out(
    ctx: Ctx,
    session: Session,
    row: GapRow,
    now: dt.datetime,
    *,
    offers_open: int | None = None,
    booked: list[str] | None = None,
) -> GapOut:
    if offers_open is None:
        offers_open = session.scalar(
            select(func.count(OfferRow.id)).where(
                OfferRow.gap_id == row.id, OfferRow.status == "offered", OfferRow.expires_at > now
            )
        )
    return GapOut(
        id=row.id,
        provider_id=row.provider_id,
        client_id=row.client_id,
        kind=row.kind,
        reason=row.reason,
        priority=row.priority,
        start=ctx.local(row.start),
        end=ctx.local(row.end),
        start_tolerance_minutes=row.start_tolerance_minutes,
        location=gap_location(session, row),
        skills=list(row.skills or []),
        headcount=row.headcount,
        carer_gender=row.carer_gender,
        excluded_workers=list(row.excluded_workers or []),
        status=row.status,
        urgent=row.urgent,
        posted_at=ctx.local(row.posted_at),
        offers_open=int(offers_open or 0),
        booked_workers=booked if booked is not None else booked_workers(session, row.id),
    )


def offer_out(ctx: Ctx, session: Session, row: OfferRow, now: dt.datetime) -> OfferOut:
    gap = session.get(GapRow, row.gap_id)
    worker = session.get(WorkerRow, row.worker_id)
    assert gap is not None and worker is not None
    provider = session.get(ProviderRow, gap.provider_id)
    assert provider is not None
    location = gap_location(session, gap)
    home = Location.model_validate(worker.home, strict=False)
    return OfferOut(
        id=row.id,
        gap_id=row.gap_id,
        worker_id=row.worker_id,
        provider_id=gap.provider_id,
        provider_name=provider.name,
        start=ctx.local(row.start),
        end=ctx.local(row.end),
        location=location,
        distance_km=round(distance_km(home, location), 2),
        priority=gap.priority,
        status=effective_status(row.status, row.expires_at, now),
        urgent=row.urgent,
        offered_at=ctx.local(row.offered_at),
        expires_at=ctx.local(row.expires_at),
        responded_at=ctx.local(row.responded_at) if row.responded_at else None,
        run_id=row.run_id,
    )


def booking_out(ctx: Ctx, session: Session, row: BookingRow) -> BookingOut:
    gap = session.get(GapRow, row.gap_id)
    assert gap is not None
    return BookingOut(
        id=row.id,
        gap_id=row.gap_id,
        worker_id=row.worker_id,
        provider_id=gap.provider_id,
        start=ctx.local(row.start),
        end=ctx.local(row.end),
        status=row.status,
        created_at=ctx.local(row.created_at),
        flag_reason=row.flag_reason,
    )


def run_out(ctx: Ctx, row: RunRow, with_plan: bool = True) -> RunOut:
    return RunOut(
        id=row.id,
        key=row.key,
        status=row.status,
        horizon_start=ctx.local(row.horizon_start),
        horizon_end=ctx.local(row.horizon_end),
        started_at=ctx.local(row.started_at),
        finished_at=ctx.local(row.finished_at) if row.finished_at else None,
        published_at=ctx.local(row.published_at) if row.published_at else None,
        metrics=dict(row.metrics or {}),
        error=row.error,
        plan=Plan.model_validate(row.plan, strict=False) if with_plan and row.plan else None,
    )
