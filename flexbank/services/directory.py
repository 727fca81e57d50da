"""What people read about each other that the matcher never needs: a client's name,
address, phone and care needs; a provider's address, phone and pay rate; a worker's
phone and email. Kept beside the format's records (table ``details`` and the contact
columns), so a scenario file stays what it is.

Providers see and change the details of their own clients; coordinators everyone's.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from flexbank.adapters.orm import ClientRow, ProviderRow, WorkerRow
from flexbank.adapters.orm_pages import DetailRow
from flexbank.services.context import Ctx, audit, invalid, own_provider, require_coordinator
from flexbank.services.contract import Actor, NotFound

KINDS = ("client", "provider")


@dataclass(frozen=True)
class Details:
    name: str | None = None
    address: str | None = None
    phone: str | None = None
    needs: str | None = None
    pay_rate: float | None = None  # GBP per hour (providers)
    email: str | None = None


def _clean(value: str | None, limit: int, label: str, path: str) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if len(value) > limit:
        raise invalid(path, f"the {label} is longer than {limit} characters")
    return value or None


def read(session: Session, kind: str, ids: Iterable[str]) -> dict[str, Details]:
    """Details of these clients, providers or workers (no role check: the caller has
    already read the records through the Bank)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    out: dict[str, Details] = {}
    if kind == "worker":
        for w in session.scalars(select(WorkerRow).where(WorkerRow.id.in_(wanted))):
            out[w.id] = Details(name=w.name, phone=w.phone, email=w.email)
        return out
    rows = {
        r.subject_id: r
        for r in session.scalars(
            select(DetailRow).where(DetailRow.kind == kind, DetailRow.subject_id.in_(wanted))
        )
    }
    contacts: dict[str, ProviderRow] = {}
    if kind == "provider":
        contacts = {
            p.id: p for p in session.scalars(select(ProviderRow).where(ProviderRow.id.in_(wanted)))
        }
    for subject in wanted:
        row = rows.get(subject)
        contact = contacts.get(subject)
        out[subject] = Details(
            name=(row.name if row else None) or (contact.name if contact else None),
            address=row.address if row else None,
            phone=(contact.phone if contact else None) or (row.phone if row else None),
            needs=row.needs if row else None,
            pay_rate=row.pay_rate if row else None,
            email=contact.email if contact else None,
        )
    return out


def details(ctx: Ctx, kind: str, ids: Iterable[str]) -> dict[str, Details]:
    with ctx.uow() as uow:
        return read(uow.session, kind, ids)


def put(
    ctx: Ctx,
    actor: Actor,
    kind: str,
    subject_id: str,
    *,
    name: str | None = None,
    address: str | None = None,
    phone: str | None = None,
    needs: str | None = None,
    pay_rate: float | None = None,
    email: str | None = None,
) -> Details:
    """Set the details of a client or provider (all given fields; None clears)."""
    if kind not in KINDS:
        raise invalid("$.kind", "client or provider")
    if pay_rate is not None and not 0 < pay_rate < 1000:
        raise invalid("$.pay_rate", "the pay rate must be between £0 and £1,000 an hour")
    name = _clean(name, 200, "name", "$.name")
    address = _clean(address, 500, "address", "$.address")
    phone = _clean(phone, 50, "phone number", "$.phone")
    needs = _clean(needs, 2000, "description of needs", "$.needs")
    email = _clean(email, 200, "email address", "$.email")
    with ctx.uow() as uow:
        session = uow.session
        if kind == "client":
            client = session.get(ClientRow, subject_id)
            if client is None:
                raise NotFound(f"no client {subject_id!r}")
            own_provider(actor, client.provider_id)
        else:
            provider = session.get(ProviderRow, subject_id)
            if provider is None:
                raise NotFound(f"no provider {subject_id!r}")
            own_provider(actor, subject_id)
            if actor.role != "coordinator" and pay_rate != _pay_rate(session, subject_id):
                require_coordinator(actor)  # the pay rate is agreed with the flex team
            provider.phone, provider.email = phone, email
            if name:
                provider.name = name
        row = session.scalars(
            select(DetailRow).where(DetailRow.kind == kind, DetailRow.subject_id == subject_id)
        ).first()
        if row is None:
            row = DetailRow(kind=kind, subject_id=subject_id)
            session.add(row)
        row.name, row.address, row.needs, row.pay_rate = name, address, needs, pay_rate
        row.phone = phone if kind == "client" else None
        audit(uow, actor, "details_updated", kind, subject_id, ctx.now())
        session.flush()
        out = read(session, kind, [subject_id])[subject_id]
        uow.commit()
        return out


def _pay_rate(session: Session, provider_id: str) -> float | None:
    row = session.scalars(
        select(DetailRow).where(DetailRow.kind == "provider", DetailRow.subject_id == provider_id)
    ).first()
    return row.pay_rate if row else None


# ------------------------------------------------------------------ demo data

_GIVEN = [
    "Margaret",
    "Joan",
    "Arthur",
    "Dorothy",
    "Harold",
    "Elsie",
    "Stanley",
    "Irene",
    "Kenneth",
    "Doris",
    "Albert",
    "Hilda",
    "Norman",
    "Edna",
    "Ronald",
    "Mavis",
    "Eric",
    "Audrey",
    "Dennis",
    "Brenda",
]
_FAMILY = [
    "Ashworth",
    "Barlow",
    "Crompton",
    "Duckworth",
    "Entwistle",
    "Fletcher",
    "Greenhalgh",
    "Holt",
    "Isherwood",
    "Kershaw",
    "Lord",
    "Mather",
    "Nuttall",
    "Ormerod",
    "Pilling",
    "Ramsbottom",
    "Schofield",
    "Taylor",
    "Whittaker",
]
_STREETS = [
    "Bolton Road",
    "Manchester Road",
    "Rochdale Old Road",
    "Walmersley Road",
    "Bell Lane",
    "Tottington Road",
    "Ainsworth Road",
    "Radcliffe Road",
    "Bury Old Road",
    "Market Street",
]
_NEEDS = (
    "Needs help to wash and dress; walks with a frame.",
    "Lives with dementia; likes a chat about football.",
    "Medication prompt at each call; diabetic.",
    "Hoist transfer with two carers; hard of hearing.",
    "Catheter care; prefers a female carer.",
    "Meal preparation and a wellbeing check.",
)


def sample_details(ctx: Ctx, seed: int = 2026) -> int:
    """Made-up names, addresses and phone numbers for every client, provider and worker
    that has none (for the demo and the tests). Returns how many records were filled."""
    rng = random.Random(seed)
    filled = 0
    with ctx.uow() as uow:
        session = uow.session
        known = {(r.kind, r.subject_id): r for r in session.scalars(select(DetailRow))}
        for number, client in enumerate(session.scalars(select(ClientRow).order_by(ClientRow.id))):
            if ("client", client.id) in known:
                continue
            postcode = (client.location or {}).get("postcode") or ""
            session.add(
                DetailRow(
                    kind="client",
                    subject_id=client.id,
                    name=f"{rng.choice(_GIVEN)} {rng.choice(_FAMILY)}",
                    address=f"{10 + number} {rng.choice(_STREETS)}, Bury {postcode}".strip(),
                    phone=f"0161 496 {1000 + number:04d}",
                    needs=rng.choice(_NEEDS),
                )
            )
            filled += 1
        for number, provider in enumerate(
            session.scalars(select(ProviderRow).order_by(ProviderRow.id))
        ):
            if not provider.phone:
                provider.phone = f"0161 496 {5000 + number:04d}"
            if not provider.email:
                provider.email = f"{provider.id.lower()}@example.org"
            if ("provider", provider.id) not in known:
                postcode = (provider.location or {}).get("postcode") or ""
                session.add(
                    DetailRow(
                        kind="provider",
                        subject_id=provider.id,
                        address=f"{1 + number} {rng.choice(_STREETS)}, Bury {postcode}".strip(),
                        pay_rate=round(rng.choice((12.60, 13.00, 13.50, 14.25)), 2),
                    )
                )
                filled += 1
        for number, worker in enumerate(session.scalars(select(WorkerRow).order_by(WorkerRow.id))):
            if not worker.phone:
                worker.phone = f"07700 9{number:05d}"
                filled += 1
            if not worker.email:
                worker.email = f"{worker.id.lower()}@example.org"
        uow.commit()
    return filled
