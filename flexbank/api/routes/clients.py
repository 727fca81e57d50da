"""Clients: the people a home-care provider visits (a provider sees its own)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from flexbank.api.deps import ActorDep, BankDep, PageDep, body_doc, json_body, paged
from flexbank.api.errors import ERROR_RESPONSES
from flexbank.api.routes.records import ensure_new, same_id
from flexbank.models import Client

router = APIRouter(prefix="/clients", tags=["clients"], responses=ERROR_RESPONSES)
ClientBody = Annotated[Client, Depends(json_body(Client))]


@router.get("")
def list_clients(
    bank: BankDep,
    actor: ActorDep,
    request: Request,
    response: Response,
    page: PageDep,
    provider_id: str | None = None,
) -> list[Client]:
    """Clients, optionally of one provider (a provider sees its own only)."""
    return paged(request, response, page, bank.list_clients(actor, provider_id, page))


@router.post("", status_code=status.HTTP_201_CREATED, openapi_extra=body_doc(Client))
def create_client(bank: BankDep, actor: ActorDep, client: ClientBody) -> Client:
    """Add a client (coordinator, or the provider for its own); 409 if the id is taken."""
    ensure_new(lambda: bank.get_client(actor, client.id), "client", client.id)
    return bank.put_client(actor, client)


@router.get("/{client_id}")
def get_client(bank: BankDep, actor: ActorDep, client_id: str) -> Client:
    return bank.get_client(actor, client_id)


@router.put("/{client_id}", openapi_extra=body_doc(Client))
def put_client(bank: BankDep, actor: ActorDep, client_id: str, client: ClientBody) -> Client:
    """Create or replace a client; the body's id must be the path's."""
    same_id(client_id, client.id)
    return bank.put_client(actor, client)


@router.delete("/{client_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_client(bank: BankDep, actor: ActorDep, client_id: str) -> Response:
    bank.delete_client(actor, client_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
