"""Providers, clients, workers and their records; availability; verification and the
audit trail; import of a spec scenario."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from flexbank.adapters.orm import (
    AuditRow,
    AvailabilityRow,
    BookingRow,
    ClientRow,
    CommitmentRow,
    GapRow,
    OfferRow,
    ProviderRow,
    WorkerRow,
)
from flexbank.adapters.scenario import (
    attach_periods,
    client_of,
    client_row,
    gap_row,
    period_rows,
    provider_of,
    provider_row,
    worker_row,
)
from flexbank.adapters.uow import UnitOfWork
from flexbank.models import Client, Period, Pin, Provider, Scenario, Worker
from flexbank.services import booking
from flexbank.services.context import (
    Ctx,
    audit,
    audit_out,
    invalid,
    own_provider,
    own_worker,
    require_coordinator,
)
from flexbank.services.contract import (
    Actor,
    AuditOut,
    Conflict,
    Forbidden,
    ImportSummary,
    InvalidInput,
    NotFound,
)
from flexbank.services.notifications import enqueue
from flexbank.services.paging import Page
from flexbank.validation import Problem, scenario_problems

RECORDS = ("right_to_work", "dbs", "reg19", "training", "skills", "experience")
#: fields only a coordinator may change on a worker (the compliance file, and what
#: the working-time rules rest on: the opt-out and the hours offered)
COMPLIANCE_FIELDS = (
    *RECORDS,
    "history",
    "previous_weekly_hours",
    "date_of_birth",
    "night_health_assessment",
    "employment_start",
    "wtd_opt_out",
    "max_hours_per_week",
)
#: of those, what a worker may ask the flex team to change
REQUESTABLE = ("wtd_opt_out", "max_hours_per_week")


# ------------------------------------------------------------------ providers


def list_providers(ctx: Ctx, actor: Actor, page: Page | None = None) -> list[Provider]:
    if actor.role == "worker":
        raise Forbidden("a worker may not list providers")
    page = page or Page()
    with ctx.read() as uow:
        query = select(ProviderRow)
        if actor.role == "provider":
            query = query.where(ProviderRow.id == actor.subject_id)
        query = page.apply(query, ProviderRow.id)
        return [provider_of(r) for r in page.rows(uow.session.scalars(query))]


def get_provider(ctx: Ctx, actor: Actor, provider_id: str) -> Provider:
    own_provider(actor, provider_id)
    with ctx.read() as uow:
        row = uow.session.get(ProviderRow, provider_id)
        if row is None:
            raise NotFound(f"no provider {provider_id!r}")
        return provider_of(row)


def put_provider(ctx: Ctx, actor: Actor, provider: Provider) -> Provider:
    own_provider(actor, provider.id)
    with ctx.uow() as uow:
        row = uow.session.get(ProviderRow, provider.id)
        if row is None and actor.role != "coordinator":
            raise NotFound(f"no provider {provider.id!r}")
        created = row is None
        row = provider_row(provider, row)
        uow.session.add(row)
        audit(uow, actor, "created" if created else "updated", "provider", provider.id, ctx.now())
        uow.commit()
        return provider_of(row)


def delete_provider(ctx: Ctx, actor: Actor, provider_id: str) -> None:
    require_coordinator(actor)
    with ctx.uow() as uow:
        s = uow.session
        row = s.get(ProviderRow, provider_id)
        if row is None:
            raise NotFound(f"no provider {provider_id!r}")
        if s.scalar(select(func.count(GapRow.id)).where(GapRow.provider_id == provider_id)):
            raise Conflict(f"provider {provider_id} has gaps; cancel them instead")
        clients = select(ClientRow.id).where(ClientRow.provider_id == provider_id)
        if s.scalar(select(func.count(GapRow.id)).where(GapRow.client_id.in_(clients))):
            raise Conflict(f"gaps refer to clients of provider {provider_id}; keep the record")
        s.execute(delete(ClientRow).where(ClientRow.provider_id == provider_id))
        s.delete(row)
        audit(uow, actor, "deleted", "provider", provider_id, ctx.now())
        uow.commit()


# ------------------------------------------------------------------ clients


def list_clients(
    ctx: Ctx, actor: Actor, provider_id: str | None, page: Page | None = None
) -> list[Client]:
    if actor.role == "worker":
        raise Forbidden("a worker may not list clients")
    if actor.role == "provider":
        if provider_id is not None and provider_id != actor.subject_id:
            raise NotFound(f"no provider {provider_id!r}")
        provider_id = actor.subject_id
    page = page or Page()
    with ctx.read() as uow:
        query = select(ClientRow)
        if provider_id is not None:
            query = query.where(ClientRow.provider_id == provider_id)
        query = page.apply(query, ClientRow.id)
        return [client_of(r) for r in page.rows(uow.session.scalars(query))]


def _client(actor: Actor, session: Session, client_id: str) -> ClientRow:
    if actor.role == "worker":
        raise Forbidden("a worker may not see clients")
    row = session.get(ClientRow, client_id)
    if row is None or (actor.role == "provider" and row.provider_id != actor.subject_id):
        raise NotFound(f"no client {client_id!r}")
    return row


def get_client(ctx: Ctx, actor: Actor, client_id: str) -> Client:
    with ctx.read() as uow:
        return client_of(_client(actor, uow.session, client_id))


def put_client(ctx: Ctx, actor: Actor, client: Client) -> Client:
    own_provider(actor, client.provider_id)
    with ctx.uow() as uow:
        s = uow.session
        row = s.get(ClientRow, client.id)
        if row is not None and actor.role == "provider" and row.provider_id != actor.subject_id:
            raise NotFound(f"no client {client.id!r}")
        problems = []
        if s.get(ProviderRow, client.provider_id) is None:
            problems.append(Problem("$.provider_id", f"no provider {client.provider_id!r}"))
        if actor.role == "coordinator":  # others are not told which worker ids exist
            for field in ("excluded_workers", "preferred_workers"):
                for i, worker_id in enumerate(getattr(client, field)):
                    if s.get(WorkerRow, worker_id) is None:
                        problems.append(Problem(f"$.{field}[{i}]", f"no worker {worker_id!r}"))
        if problems:
            raise InvalidInput(problems)
        moved = row is not None and row.provider_id != client.provider_id
        # the client's gaps belong to its provider: moving it would orphan them
        if moved and s.scalar(select(func.count(GapRow.id)).where(GapRow.client_id == client.id)):
            assert row is not None
            raise Conflict(
                f"client {client.id} has gaps with provider {row.provider_id}; "
                "it cannot move to another provider"
            )
        created = row is None
        row = client_row(client, row)
        s.add(row)
        audit(uow, actor, "created" if created else "updated", "client", client.id, ctx.now())
        uow.commit()
        return client_of(row)


def delete_client(ctx: Ctx, actor: Actor, client_id: str) -> None:
    with ctx.uow() as uow:
        s = uow.session
        row = _client(actor, s, client_id)
        if actor.role not in ("coordinator", "provider"):
            raise Forbidden("only a coordinator or the provider may delete a client")
        if s.scalar(select(func.count(GapRow.id)).where(GapRow.client_id == client_id)):
            raise Conflict(f"client {client_id} has gaps")
        s.delete(row)
        audit(uow, actor, "deleted", "client", client_id, ctx.now())
        uow.commit()


# ------------------------------------------------------------------ workers


def _workers(
    session: Session, ids: list[str] | None = None, page: Page | None = None
) -> list[Worker]:
    page = page or Page()
    query = select(WorkerRow)
    if ids is not None:
        query = query.where(WorkerRow.id.in_(ids))
    query = page.apply(query, WorkerRow.id)
    return attach_periods(session, page.rows(session.scalars(query)))


def list_workers(ctx: Ctx, actor: Actor, page: Page | None = None) -> list[Worker]:
    if actor.role == "provider":
        raise Forbidden("a provider may not list workers")
    with ctx.read() as uow:
        ids = [actor.subject_id or ""] if actor.role == "worker" else None
        return _workers(uow.session, ids, page)


def get_worker(ctx: Ctx, actor: Actor, worker_id: str) -> Worker:
    own_worker(actor, worker_id)
    with ctx.read() as uow:
        found = _workers(uow.session, [worker_id])
        if not found:
            raise NotFound(f"no worker {worker_id!r}")
        return found[0]


def _replace_periods(session: Session, worker: Worker) -> None:
    session.execute(delete(AvailabilityRow).where(AvailabilityRow.worker_id == worker.id))
    session.execute(delete(CommitmentRow).where(CommitmentRow.worker_id == worker.id))
    availability, commitments = period_rows(worker)
    session.add_all([*availability, *commitments])


def _changes(before: Worker | None, after: Worker) -> list[str]:
    if before is None:
        return ["created"]
    old, new = before.model_dump(mode="json"), after.model_dump(mode="json")
    return sorted(k for k in new if old.get(k) != new[k])


def store_worker(uow: UnitOfWork, worker: Worker) -> None:
    row = uow.session.get(WorkerRow, worker.id)
    row = worker_row(worker, row)
    uow.session.add(row)
    uow.session.flush()
    _replace_periods(uow.session, worker)


def _ask_coordinator(ctx: Ctx, actor: Actor, worker: Worker, fields: list[str]) -> None:
    """A worker's request to change a coordinator's field: audited, and the flex team
    is told (its own transaction: the refused change itself is not kept)."""
    wanted = {f: worker.model_dump(mode="json")[f] for f in fields}
    with ctx.uow() as uow:
        now = ctx.now()
        audit(uow, actor, "change_requested", "worker", worker.id, now, {"wanted": wanted})
        enqueue(
            uow,
            kind="change_request",
            recipient_role="coordinator",
            recipient_id=None,
            subject=f"Worker {worker.id} asks to change {', '.join(fields)}",
            body=f"Worker {worker.id} asks for: "
            + ", ".join(f"{k} = {v}" for k, v in wanted.items()),
            now=now,
        )
        uow.commit()


def put_worker(ctx: Ctx, actor: Actor, worker: Worker) -> Worker:
    own_worker(actor, worker.id)
    refused: list[str] = []
    with ctx.uow() as uow:
        s = uow.session
        existing = _workers(s, [worker.id])
        before = existing[0] if existing else None
        if before is None and actor.role != "coordinator":
            raise NotFound(f"no worker {worker.id!r}")
        changed = _changes(before, worker)
        if actor.role != "coordinator":
            locked = [f for f in changed if f in COMPLIANCE_FIELDS]
            if locked:
                refused = locked
        if not refused:
            uow.lock_worker(worker.id)
            store_worker(uow, worker)
            audit(uow, actor, "updated", "worker", worker.id, ctx.now(), {"fields": changed})
            uow.commit()
            return _workers(s, [worker.id])[0]
    asked = [f for f in refused if f in REQUESTABLE]
    if asked:
        _ask_coordinator(ctx, actor, worker, asked)
    raise Forbidden(
        "only a coordinator may change these: "
        + ", ".join(refused)
        + ("; your request has been sent to the flex team" if asked else "")
    )


def delete_worker(ctx: Ctx, actor: Actor, worker_id: str) -> None:
    require_coordinator(actor)
    with ctx.uow() as uow:
        s = uow.session
        row = uow.lock_worker(worker_id)
        if row is None:
            raise NotFound(f"no worker {worker_id!r}")
        used = s.scalar(
            select(func.count(BookingRow.id)).where(BookingRow.worker_id == worker_id)
        ) or s.scalar(select(func.count(OfferRow.id)).where(OfferRow.worker_id == worker_id))
        if used:
            raise Conflict(f"worker {worker_id} has offers or bookings; keep the record")
        s.execute(delete(AvailabilityRow).where(AvailabilityRow.worker_id == worker_id))
        s.execute(delete(CommitmentRow).where(CommitmentRow.worker_id == worker_id))
        s.delete(row)
        audit(uow, actor, "deleted", "worker", worker_id, ctx.now())
        uow.commit()


def _availability(ctx: Ctx, actor: Actor, worker_id: str, period: Period, add: bool) -> Worker:
    own_worker(actor, worker_id)
    with ctx.uow() as uow:
        s = uow.session
        if uow.lock_worker(worker_id) is None:
            raise NotFound(f"no worker {worker_id!r}")
        rows = list(
            s.scalars(
                select(AvailabilityRow).where(
                    AvailabilityRow.worker_id == worker_id,
                    AvailabilityRow.start == period.start,
                    AvailabilityRow.end == period.end,
                )
            )
        )
        if add and not rows:
            s.add(AvailabilityRow(worker_id=worker_id, start=period.start, end=period.end))
        elif not add:
            if not rows:
                raise NotFound("no such availability period")
            for r in rows:
                s.delete(r)
        detail: dict[str, Any] = {"start": period.start.isoformat(), "end": period.end.isoformat()}
        audit(
            uow,
            actor,
            "availability_added" if add else "availability_removed",
            "worker",
            worker_id,
            ctx.now(),
            detail,
        )
        s.flush()
        out = _workers(s, [worker_id])[0]
        uow.commit()
        return out


def add_availability(ctx: Ctx, actor: Actor, worker_id: str, period: Period) -> Worker:
    return _availability(ctx, actor, worker_id, period, add=True)


def remove_availability(ctx: Ctx, actor: Actor, worker_id: str, period: Period) -> Worker:
    return _availability(ctx, actor, worker_id, period, add=False)


def verify_record(ctx: Ctx, actor: Actor, worker_id: str, record: str, note: str) -> AuditOut:
    require_coordinator(actor)
    if record not in RECORDS:
        raise invalid("$.record", f"unknown record {record!r}; one of {', '.join(RECORDS)}")
    with ctx.uow() as uow:
        row = uow.session.get(WorkerRow, worker_id)
        if row is None:
            raise NotFound(f"no worker {worker_id!r}")
        value = getattr(row, "skills" if record == "skills" else record)
        entry = audit(
            uow,
            actor,
            "verified",
            "worker",
            worker_id,
            ctx.now(),
            {"record": record, "note": note, "value": value},
        )
        uow.session.flush()
        out = audit_out(entry)
        uow.commit()
        return out


def audit_trail(
    ctx: Ctx, actor: Actor, entity: str | None, entity_id: str | None, page: Page | None = None
) -> list[AuditOut]:
    require_coordinator(actor)
    page = page or Page()
    with ctx.read() as uow:
        query = select(AuditRow)
        if entity is not None:
            query = query.where(AuditRow.entity == entity)
        if entity_id is not None:
            query = query.where(AuditRow.entity_id == entity_id)
        query = page.apply(query, AuditRow.id)
        return [audit_out(r) for r in page.rows(uow.session.scalars(query))]


# ------------------------------------------------------------------ import


def import_scenario(ctx: Ctx, actor: Actor, scenario: Scenario) -> ImportSummary:
    """Upsert the scenario's providers, clients, workers and gaps; pins become bookings
    (a gap with as many pins as its headcount is filled). One transaction."""
    require_coordinator(actor)
    problems = scenario_problems(scenario)
    if problems:
        raise InvalidInput(problems)
    now = ctx.now()
    with ctx.uow() as uow:
        s = uow.session
        # the global lock order for every row the import may change: gaps, then workers
        uow.lock_gaps([g.id for g in scenario.gaps])
        uow.lock_workers([w.id for w in scenario.workers])
        for p in scenario.providers:
            s.add(provider_row(p, s.get(ProviderRow, p.id)))
        s.flush()
        for c in scenario.clients:
            s.add(client_row(c, s.get(ClientRow, c.id)))
        s.flush()
        for w in scenario.workers:
            store_worker(uow, w)
        s.flush()
        for g in scenario.gaps:
            row = s.get(GapRow, g.id)
            if row is not None and row.status != "open":
                raise InvalidInput(
                    [Problem(f"$.gaps[{scenario.gaps.index(g)}].id", f"gap {g.id} is {row.status}")]
                )
            new = row is None
            row = gap_row(g, row)
            if new:
                row.status = "open"
                row.posted_at = min(scenario.as_of, now)
                row.posted_by = f"import {scenario.name}"[:200]
                row.urgent = ctx.is_urgent(g.start, scenario.as_of)
            s.add(row)
        s.flush()
        bookings = _book_pins(ctx, uow, scenario, now)
        audit(
            uow,
            actor,
            "imported",
            "scenario",
            scenario.name[:64],
            now,
            {"workers": len(scenario.workers), "gaps": len(scenario.gaps)},
        )
        uow.commit()
    return ImportSummary(
        providers=len(scenario.providers),
        clients=len(scenario.clients),
        workers=len(scenario.workers),
        gaps=len(scenario.gaps),
        bookings=bookings,
    )


def _book_pins(ctx: Ctx, uow: UnitOfWork, scenario: Scenario, now: dt.datetime) -> int:
    """The scenario's pins, through the one booking function (same locks, same last
    check of every rule against what the database already holds). A pin already
    booked is kept; a pin that cannot be booked is a problem naming it."""
    index = {id(p): i for i, p in enumerate(scenario.pinned)}
    by_gap: dict[str, list[Pin]] = {}
    for pin in scenario.pinned:
        by_gap.setdefault(pin.gap_id, []).append(pin)
    gaps = {g.id: g for g in scenario.gaps}
    made = 0
    for gap_id in sorted(by_gap):
        pins = by_gap[gap_id]
        row = booking.lock(uow, gap_id, [p.worker_id for p in pins])
        on_gap = {b.worker_id for b in booking.active_bookings(uow, gap_id)}
        places = [
            booking.Place(p.worker_id, p.start or gaps[gap_id].start)
            for p in pins
            if p.worker_id not in on_gap
        ]
        if not places:
            continue
        try:
            made += len(booking.book(ctx, uow, row, places, now, source="import", notify=False))
        except Conflict as e:
            first = next(p for p in pins if p.worker_id not in on_gap)
            raise InvalidInput(
                [Problem(f"$.pinned[{index[id(first)]}]", f"pin on gap {gap_id}: {e}")]
            ) from None
    return made


def set_contact(
    ctx: Ctx,
    actor: Actor,
    kind: str,
    subject_id: str,
    email: str | None,
    phone: str | None,
) -> None:
    """Contact details for notifications (not part of the interchange format)."""
    if kind == "worker":
        own_worker(actor, subject_id)
    elif kind == "provider":
        own_provider(actor, subject_id)
    else:
        raise invalid("$.kind", "worker or provider")
    with ctx.uow() as uow:
        row: WorkerRow | ProviderRow | None = (
            uow.session.get(WorkerRow, subject_id)
            if kind == "worker"
            else uow.session.get(ProviderRow, subject_id)
        )
        if row is None:
            raise NotFound(f"no {kind} {subject_id!r}")
        row.email, row.phone = email, phone
        audit(uow, actor, "contact_updated", kind, subject_id, ctx.now())
        uow.commit()
