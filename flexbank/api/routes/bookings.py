"""Bookings: accepted offers (a provider sees those on its gaps, a worker their own)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from flexbank.api.deps import ActorDep, BankDep, PageDep, paged
from flexbank.api.errors import ERROR_RESPONSES
from flexbank.services.contract import BookingOut

router = APIRouter(prefix="/bookings", tags=["bookings"], responses=ERROR_RESPONSES)


@router.get("")
def list_bookings(
    bank: BankDep,
    actor: ActorDep,
    request: Request,
    response: Response,
    page: PageDep,
    provider_id: str | None = None,
    worker_id: str | None = None,
) -> list[BookingOut]:
    found = bank.list_bookings(actor, provider_id, worker_id, page)
    return paged(request, response, page, found)
