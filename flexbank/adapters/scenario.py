"""Database state <-> the interchange format (Scenario, Plan).

The service layer plans, ranks and checks with the pure core by building a
:class:`~flexbank.models.Scenario` from the database for a horizon at an instant:
open gaps to plan, gaps already booked (or held for a double-handed call) with their
workers as pins, and bookings outside the horizon as the workers' commitments (so rest
and working time see them).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from flexbank.adapters.orm import (
    AvailabilityRow,
    BookingRow,
    ClientRow,
    CommitmentRow,
    GapRow,
    OfferRow,
    ProviderRow,
    WorkerRow,
)
from flexbank.models import (
    PLAN_FORMATS,
    SCENARIO_FORMATS,
    Assignment,
    Client,
    Commitment,
    Gap,
    Location,
    Period,
    Pin,
    Plan,
    Provider,
    Scenario,
    Worker,
)

#: bookings this close to a horizon (before or after) become commitments
NEIGHBOUR_DAYS = 8

_WORKER_JSON = (
    "skills",
    "training",
    "experience",
    "right_to_work",
    "dbs",
    "reg19",
    "previous_weekly_hours",
    "history",
)


def _dump(model: Any) -> Any:
    return model.model_dump(mode="json")


# ------------------------------------------------------------------ records


def provider_row(provider: Provider, row: ProviderRow | None = None) -> ProviderRow:
    row = row or ProviderRow(id=provider.id)
    row.name = provider.name
    row.kind = provider.kind
    row.location = _dump(provider.location)
    return row


def provider_of(row: ProviderRow) -> Provider:
    return Provider.model_validate(
        {"id": row.id, "name": row.name, "kind": row.kind, "location": row.location},
        strict=False,
    )


def client_row(client: Client, row: ClientRow | None = None) -> ClientRow:
    row = row or ClientRow(id=client.id)
    row.provider_id = client.provider_id
    row.location = _dump(client.location)
    row.carer_gender = client.carer_gender
    row.excluded_workers = list(client.excluded_workers)
    row.preferred_workers = list(client.preferred_workers)
    return row


def client_of(row: ClientRow) -> Client:
    return Client.model_validate(
        {
            "id": row.id,
            "provider_id": row.provider_id,
            "location": row.location,
            "carer_gender": row.carer_gender,
            "excluded_workers": row.excluded_workers or [],
            "preferred_workers": row.preferred_workers or [],
        },
        strict=False,
    )


def worker_row(worker: Worker, row: WorkerRow | None = None) -> WorkerRow:
    """The worker's own fields (availability and commitments are rows of their own)."""
    row = row or WorkerRow(id=worker.id)
    data = worker.model_dump(mode="json")
    row.name = worker.name
    row.gender = worker.gender
    row.date_of_birth = worker.date_of_birth
    row.home = data["home"]
    row.travel_mode = worker.travel_mode
    row.max_travel_km = worker.max_travel_km
    for name in _WORKER_JSON:
        setattr(row, name, data[name])
    row.max_hours_per_week = worker.max_hours_per_week
    row.wtd_opt_out = worker.wtd_opt_out
    row.night_health_assessment = worker.night_health_assessment
    row.employment_start = worker.employment_start
    return row


def period_rows(worker: Worker) -> tuple[list[AvailabilityRow], list[CommitmentRow]]:
    availability = [
        AvailabilityRow(worker_id=worker.id, start=p.start, end=p.end) for p in worker.availability
    ]
    commitments = [
        CommitmentRow(
            worker_id=worker.id,
            start=c.start,
            end=c.end,
            location=_dump(c.location) if c.location else None,
            label=c.label,
            main_job=c.main_job,
        )
        for c in worker.commitments
    ]
    return availability, commitments


def worker_of(
    row: WorkerRow,
    availability: Iterable[AvailabilityRow] = (),
    commitments: Iterable[CommitmentRow | Commitment] = (),
) -> Worker:
    data: dict[str, Any] = {
        "id": row.id,
        "name": row.name,
        "gender": row.gender,
        "date_of_birth": row.date_of_birth,
        "home": row.home,
        "travel_mode": row.travel_mode,
        "max_travel_km": row.max_travel_km,
        "max_hours_per_week": row.max_hours_per_week,
        "wtd_opt_out": row.wtd_opt_out,
    }
    # contract version 2 (absent from rows of a version 1 bank)
    for name in ("night_health_assessment", "employment_start"):
        if getattr(row, name) is not None:
            data[name] = getattr(row, name)
    for name in _WORKER_JSON:
        data[name] = getattr(row, name)
    data["availability"] = [
        Period(start=a.start, end=a.end) for a in sorted(availability, key=lambda a: a.start)
    ]
    data["commitments"] = [
        c
        if isinstance(c, Commitment)
        else Commitment(
            start=c.start,
            end=c.end,
            location=Location.model_validate(c.location, strict=False) if c.location else None,
            label=c.label,
            main_job=c.main_job,
        )
        for c in commitments
    ]
    return Worker.model_validate(data, strict=False)


def gap_of(row: GapRow) -> Gap:
    return Gap.model_validate(
        {
            "id": row.id,
            "provider_id": row.provider_id,
            "client_id": row.client_id,
            "kind": row.kind,
            "reason": row.reason,
            "priority": row.priority,
            "start": row.start,
            "end": row.end,
            "start_tolerance_minutes": row.start_tolerance_minutes,
            "location": row.location,
            "skills": row.skills or [],
            "headcount": row.headcount,
            "carer_gender": row.carer_gender,
            "excluded_workers": row.excluded_workers or [],
        },
        strict=False,
    )


def gap_row(gap: Gap, row: GapRow | None = None) -> GapRow:
    row = row or GapRow(id=gap.id)
    row.provider_id = gap.provider_id
    row.client_id = gap.client_id
    row.kind = gap.kind
    row.reason = gap.reason
    row.priority = gap.priority
    row.start = gap.start
    row.end = gap.end
    row.start_tolerance_minutes = gap.start_tolerance_minutes
    row.location = _dump(gap.location) if gap.location else None
    row.skills = list(gap.skills)
    row.headcount = gap.headcount
    row.carer_gender = gap.carer_gender
    row.excluded_workers = list(gap.excluded_workers)
    return row


def gap_location(session: Session, row: GapRow) -> Location:
    """The gap's own location, else its client's, else its provider's."""
    if row.location:
        return Location.model_validate(row.location, strict=False)
    if row.client_id:
        client = session.get(ClientRow, row.client_id)
        if client is not None:
            return Location.model_validate(client.location, strict=False)
    provider = session.get(ProviderRow, row.provider_id)
    assert provider is not None
    return Location.model_validate(provider.location, strict=False)


def load_workers(session: Session, ids: Collection[str] | None = None) -> list[Worker]:
    """Workers with availability and format commitments (bookings not included)."""
    query = select(WorkerRow).order_by(WorkerRow.id)
    if ids is not None:
        query = query.where(WorkerRow.id.in_(list(ids)))
    rows = list(session.scalars(query))
    return attach_periods(session, rows)


def attach_periods(
    session: Session,
    rows: Sequence[WorkerRow],
    extra: dict[str, list[Commitment]] | None = None,
) -> list[Worker]:
    ids = [r.id for r in rows]
    avail: defaultdict[str, list[AvailabilityRow]] = defaultdict(list)
    commits: defaultdict[str, list[CommitmentRow | Commitment]] = defaultdict(list)
    if ids:
        for a in session.scalars(select(AvailabilityRow).where(AvailabilityRow.worker_id.in_(ids))):
            avail[a.worker_id].append(a)
        for c in session.scalars(
            select(CommitmentRow)
            .where(CommitmentRow.worker_id.in_(ids))
            .order_by(CommitmentRow.start, CommitmentRow.id)
        ):
            commits[c.worker_id].append(c)
    for worker_id, items in (extra or {}).items():
        commits[worker_id].extend(items)
    return [worker_of(r, avail[r.id], commits[r.id]) for r in rows]


# ------------------------------------------------------------------ scenarios


def held_offers_query() -> Any:
    """Accepted offers not yet turned into bookings (a double-handed call waiting for
    its other workers)."""
    booked = select(BookingRow.offer_id).where(BookingRow.offer_id.is_not(None))
    return select(OfferRow).where(OfferRow.status == "accepted", OfferRow.id.not_in(booked))


def build_scenario(
    session: Session,
    *,
    as_of: dt.datetime,
    start: dt.datetime,
    end: dt.datetime,
    timezone: str,
    name: str,
    open_gaps: bool = True,
    extra_gaps: Iterable[str] = (),
    worker_ids: Collection[str] | None = None,
    extra_assignments: Iterable[Assignment] = (),
) -> tuple[Scenario, Plan]:
    """The scenario of the horizon [start, end) judged at ``as_of``, and the current
    plan (bookings and held acceptances in the horizon, which are also the pins).

    ``open_gaps``: include every open gap starting in the horizon. ``extra_gaps``: gaps
    to include whatever their status or start (the horizon grows to hold them).
    ``worker_ids``: restrict the workers (default: all). ``extra_assignments`` are
    added to the plan (not pinned), e.g. a booking being considered.
    """
    gap_rows: dict[str, GapRow] = {}
    for gap_id in extra_gaps:
        row = session.get(GapRow, gap_id)
        if row is not None:
            gap_rows[row.id] = row
    starts = [r.start for r in gap_rows.values()]
    if starts:
        start = min(start, *starts)
        end = max(end, max(starts) + dt.timedelta(minutes=1))
    if open_gaps:
        for row in session.scalars(
            select(GapRow).where(GapRow.status == "open", GapRow.start >= start, GapRow.start < end)
        ):
            gap_rows[row.id] = row

    # engagements of the workers: bookings and held acceptances near the horizon
    window_start = start - dt.timedelta(days=NEIGHBOUR_DAYS)
    window_end = end + dt.timedelta(days=NEIGHBOUR_DAYS)
    engagements: list[tuple[str, str, dt.datetime, dt.datetime]] = []  # gap, worker, start, end
    booking_query = select(BookingRow).where(
        BookingRow.status == "booked", BookingRow.start < window_end, BookingRow.end > window_start
    )
    held_query = held_offers_query().where(OfferRow.start < window_end, OfferRow.end > window_start)
    if worker_ids is not None:
        booking_query = booking_query.where(BookingRow.worker_id.in_(list(worker_ids)))
        held_query = held_query.where(OfferRow.worker_id.in_(list(worker_ids)))
    for b in session.scalars(booking_query):
        engagements.append((b.gap_id, b.worker_id, b.start, b.end))
    for o in session.scalars(held_query):
        engagements.append((o.gap_id, o.worker_id, o.start, o.end))

    assignments: list[Assignment] = []
    extra_commitments: defaultdict[str, list[Commitment]] = defaultdict(list)
    inside_ids = {gap_id for gap_id, _, s, _ in engagements if start <= s < end}
    for gap_id in inside_ids - gap_rows.keys():
        row = session.get(GapRow, gap_id)
        if row is not None:
            gap_rows[gap_id] = row
    for gap_id, worker_id, s, e in sorted(engagements, key=lambda x: (x[2], x[0], x[1])):
        if gap_id in gap_rows and start <= s < end:
            assignments.append(Assignment(gap_id=gap_id, worker_id=worker_id, start=s, end=e))
        else:
            row = session.get(GapRow, gap_id)
            location = gap_location(session, row) if row is not None else None
            extra_commitments[worker_id].append(
                Commitment(start=s, end=e, location=location, label=f"booking {gap_id}")
            )

    worker_query = select(WorkerRow).order_by(WorkerRow.id)
    if worker_ids is not None:
        worker_query = worker_query.where(WorkerRow.id.in_(list(worker_ids)))
    workers = attach_periods(session, list(session.scalars(worker_query)), extra_commitments)
    known = {w.id for w in workers}
    assignments = [a for a in assignments if a.worker_id in known]

    providers = [
        provider_of(r) for r in session.scalars(select(ProviderRow).order_by(ProviderRow.id))
    ]
    clients = [client_of(r) for r in session.scalars(select(ClientRow).order_by(ClientRow.id))]
    gaps = [gap_of(r) for r in sorted(gap_rows.values(), key=lambda r: (r.start, r.id))]
    # a version 2 bank once every worker has version 2 records; until then version 1,
    # judged as before (the version 2 records of some workers left out)
    version = 2 if workers and all(w.has_version_2_records for w in workers) else 1
    if version == 1:
        workers = [w.as_version_1() for w in workers]
    scenario = Scenario(
        format=SCENARIO_FORMATS[version],
        name=name,
        timezone=timezone,
        as_of=as_of,
        horizon=Period(start=start, end=end),
        providers=providers,
        clients=clients,
        workers=workers,
        gaps=gaps,
        pinned=[Pin(gap_id=a.gap_id, worker_id=a.worker_id, start=a.start) for a in assignments],
    )
    plan = Plan(
        format=PLAN_FORMATS[version],
        scenario=name,
        status="feasible",
        assignments=[*assignments, *extra_assignments],
    )
    return scenario, plan
