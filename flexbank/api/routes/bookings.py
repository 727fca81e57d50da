"""Bookings: accepted offers (a provider sees those on its gaps, a worker their own)."""

from __future__ import annotations

from fastapi import APIRouter

from flexbank.api.deps import ActorDep, BankDep
from flexbank.api.errors import ERROR_RESPONSES
from flexbank.services.contract import BookingOut

router = APIRouter(prefix="/bookings", tags=["bookings"], responses=ERROR_RESPONSES)


@router.get("")
def list_bookings(
    bank: BankDep, actor: ActorDep, provider_id: str | None = None, worker_id: str | None = None
) -> list[BookingOut]:
    return bank.list_bookings(actor, provider_id, worker_id)
