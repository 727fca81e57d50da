"""What a worker needs to decide on an offer: where exactly (address, a directions
link), for whom (the client's needs, the skills asked for, double-handed or not), the
pay, the provider's phone, the travel from their previous engagement, and whether it
would clash with what they already have (the accept's own last check, run without
booking anything)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from flexbank import geo
from flexbank.adapters.orm import BookingRow, GapRow, OfferRow, ProviderRow, WorkerRow
from flexbank.adapters.scenario import gap_location
from flexbank.models import Location
from flexbank.policy import Policy
from flexbank.services import directory
from flexbank.services.context import Ctx
from flexbank.services.contract import Actor, NotFound
from flexbank.services.offers import recheck

#: A previous engagement ending less than this before the offer is where they come from.
SAME_ROUND_HOURS = 3


@dataclass(frozen=True)
class Clash:
    provider_name: str
    start: dt.datetime
    end: dt.datetime


@dataclass(frozen=True)
class OfferDetails:
    kind: str
    skills: list[str]
    headcount: int
    carer_gender: str | None
    client_name: str | None
    client_needs: str | None
    address: str | None
    location: Location
    provider_name: str
    provider_phone: str | None
    pay_rate: float
    hours: float
    travel_minutes: int
    travel_from: str  # "home" or the provider of the previous engagement
    clashes: list[Clash]
    blocking_codes: list[str]  # the rules an accept would now break (empty: bookable)


def offer_details(ctx: Ctx, actor: Actor, offer_id: int, *, check: bool = True) -> OfferDetails:
    with ctx.uow() as uow:
        session = uow.session
        offer = session.get(OfferRow, offer_id)
        if offer is None or (actor.role != "coordinator" and actor.subject_id != offer.worker_id):
            raise NotFound(f"no offer {offer_id}")
        gap = session.get(GapRow, offer.gap_id)
        worker = session.get(WorkerRow, offer.worker_id)
        assert gap is not None and worker is not None
        provider = session.get(ProviderRow, gap.provider_id)
        assert provider is not None
        place = gap_location(session, gap)
        about_provider = directory.read(session, "provider", [gap.provider_id])[gap.provider_id]
        about_client = (
            directory.read(session, "client", [gap.client_id]).get(gap.client_id)
            if gap.client_id
            else None
        )
        bookings = list(
            session.scalars(
                select(BookingRow)
                .where(BookingRow.worker_id == worker.id, BookingRow.status != "cancelled")
                .order_by(BookingRow.start)
            )
        )
        clashes = []
        previous: tuple[BookingRow, GapRow] | None = None
        for b in bookings:
            if b.gap_id == gap.id:
                continue
            other = session.get(GapRow, b.gap_id)
            if other is None:
                continue
            if b.start < offer.end and offer.start < b.end:
                other_provider = session.get(ProviderRow, other.provider_id)
                clashes.append(Clash(other_provider.name if other_provider else "", b.start, b.end))
            elif b.end <= offer.start and offer.start - b.end < dt.timedelta(
                hours=SAME_ROUND_HOURS
            ):
                previous = (b, other)
        home = Location.model_validate(worker.home, strict=False)
        origin, travel_from = home, "home"
        if previous is not None:
            origin = gap_location(session, previous[1])
            prev_provider = session.get(ProviderRow, previous[1].provider_id)
            travel_from = prev_provider.name if prev_provider else "your previous visit"
        minutes = geo.travel_minutes(origin, place, worker.travel_mode, Policy())  # type: ignore[arg-type]
        codes: list[str] = []
        if check and offer.status == "offered" and offer.expires_at > ctx.now():
            codes, _ = recheck(ctx, uow, gap, worker.id, offer.start, ctx.now())
        return OfferDetails(
            kind=gap.kind,
            skills=list(gap.skills or []),
            headcount=gap.headcount,
            carer_gender=gap.carer_gender,
            client_name=about_client.name if about_client else None,
            client_needs=about_client.needs if about_client else None,
            address=(about_client.address if about_client else None) or about_provider.address,
            location=place,
            provider_name=provider.name,
            provider_phone=provider.phone,
            pay_rate=about_provider.pay_rate or ctx.settings.default_pay_rate,
            hours=(offer.end - offer.start).total_seconds() / 3600,
            travel_minutes=minutes,
            travel_from=travel_from,
            clashes=clashes,
            blocking_codes=codes,
        )
