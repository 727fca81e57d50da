"""Providers: care homes and home-care agencies that post gaps."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from flexbank.api.deps import ActorDep, BankDep, PageDep, body_doc, json_body, paged
from flexbank.api.errors import ERROR_RESPONSES
from flexbank.api.routes.records import ensure_new, same_id
from flexbank.models import Provider

router = APIRouter(prefix="/providers", tags=["providers"], responses=ERROR_RESPONSES)
ProviderBody = Annotated[Provider, Depends(json_body(Provider))]


@router.get("")
def list_providers(
    bank: BankDep, actor: ActorDep, request: Request, response: Response, page: PageDep
) -> list[Provider]:
    """Every provider (a provider sees itself only)."""
    return paged(request, response, page, bank.list_providers(actor, page))


@router.post("", status_code=status.HTTP_201_CREATED, openapi_extra=body_doc(Provider))
def create_provider(bank: BankDep, actor: ActorDep, provider: ProviderBody) -> Provider:
    """Add a provider (coordinator); 409 if the id is taken."""
    ensure_new(lambda: bank.get_provider(actor, provider.id), "provider", provider.id)
    return bank.put_provider(actor, provider)


@router.get("/{provider_id}")
def get_provider(bank: BankDep, actor: ActorDep, provider_id: str) -> Provider:
    return bank.get_provider(actor, provider_id)


@router.put("/{provider_id}", openapi_extra=body_doc(Provider))
def put_provider(
    bank: BankDep, actor: ActorDep, provider_id: str, provider: ProviderBody
) -> Provider:
    """Create or replace a provider; the body's id must be the path's."""
    same_id(provider_id, provider.id)
    return bank.put_provider(actor, provider)


@router.delete("/{provider_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_provider(bank: BankDep, actor: ActorDep, provider_id: str) -> Response:
    bank.delete_provider(actor, provider_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
