"""Gaps: providers post, list, follow and cancel them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response, status

from flexbank.api.deps import ActorDep, BankDep, Day, PageDep, body_doc, json_body, paged
from flexbank.api.errors import ERROR_RESPONSES
from flexbank.services.contract import GapIn, GapOut, GapStatus, InvalidInput, OfferOut
from flexbank.validation import Problem

router = APIRouter(prefix="/gaps", tags=["gaps"], responses=ERROR_RESPONSES)
GapBody = Annotated[GapIn, Depends(json_body(GapIn))]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    openapi_extra=body_doc(GapIn),
    responses={200: {"description": "A replay of an earlier post with the same Idempotency-Key"}},
)
def post_gap(
    bank: BankDep,
    actor: ActorDep,
    gap: GapBody,
    response: Response,
    provider_id: Annotated[
        str | None, Query(description="required for a coordinator; a provider posts its own")
    ] = None,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            max_length=200,
            description="a retried post with the same key returns the first gap (200)",
        ),
    ] = None,
) -> GapOut:
    """Post a gap: 201 when created, 200 when the Idempotency-Key was seen before.

    A gap starting within the urgent window is offered at once to the best workers.
    """
    if provider_id is None:
        if actor.role == "coordinator":
            raise InvalidInput(
                [Problem("$.query.provider_id", "a coordinator names the provider of the gap")]
            )
        provider_id = actor.subject_id or ""
    out, created = bank.post_gap(actor, provider_id, gap, idempotency_key)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return out


@router.get("")
def list_gaps(
    bank: BankDep,
    actor: ActorDep,
    request: Request,
    response: Response,
    page: PageDep,
    provider_id: str | None = None,
    status: GapStatus | None = None,
    start: Annotated[Day | None, Query(description="starting on or after (local)")] = None,
    end: Annotated[Day | None, Query(description="starting on or before (local)")] = None,
) -> list[GapOut]:
    """Gaps, filtered (a provider sees its own)."""
    found = bank.list_gaps(actor, provider_id, status, start, end, page)
    return paged(request, response, page, found)


@router.get("/{gap_id}")
def get_gap(bank: BankDep, actor: ActorDep, gap_id: str) -> GapOut:
    return bank.get_gap(actor, gap_id)


@router.delete("/{gap_id}")
def cancel_gap(bank: BankDep, actor: ActorDep, gap_id: str) -> GapOut:
    """Cancel: open offers are withdrawn, bookings cancelled, workers told."""
    return bank.cancel_gap(actor, gap_id)


@router.get("/{gap_id}/offers")
def gap_offers(
    bank: BankDep,
    actor: ActorDep,
    gap_id: str,
    request: Request,
    response: Response,
    page: PageDep,
) -> list[OfferOut]:
    """The offers made for the gap, and what became of them."""
    return paged(request, response, page, bank.gap_offers(actor, gap_id, page))
