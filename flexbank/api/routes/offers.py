"""Offers: workers list theirs and accept or decline, signed in or by the emailed link.

``GET /offers/respond?token=...`` (the link in an offer message) only shows a page with
Accept and Decline buttons: mail scanners fetch links, so a GET never changes state.
The buttons ``POST`` to the same address with the action.
"""

from __future__ import annotations

import html
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import Field

from flexbank.api.deps import ActorDep, BankDep, PageDep, RowId, body_doc, json_body, paged
from flexbank.api.errors import ERROR_RESPONSES
from flexbank.services.contract import OfferOut, OfferStatus, Schema

router = APIRouter(prefix="/offers", tags=["offers"], responses=ERROR_RESPONSES)

Action = Literal["accept", "decline"]
TokenQuery = Annotated[str, Query(min_length=1, description="the signed token of the link")]


class DeclineIn(Schema):
    reason: str = Field(default="", max_length=500)


DeclineBody = Annotated[DeclineIn, Depends(json_body(DeclineIn, optional=True))]


@router.get("")
def list_offers(
    bank: BankDep,
    actor: ActorDep,
    request: Request,
    response: Response,
    page: PageDep,
    worker_id: str | None = None,
    status: OfferStatus | None = None,
) -> list[OfferOut]:
    """Offers (a worker sees their own): what, where, when, how far from home."""
    return paged(request, response, page, bank.list_offers(actor, worker_id, status, page))


@router.post("/{offer_id}/accept")
def accept_offer(bank: BankDep, actor: ActorDep, offer_id: RowId) -> OfferOut:
    """Accept: booked if every rule still holds (409 with the rule codes if not)."""
    return bank.accept_offer(actor, offer_id)


@router.post("/{offer_id}/decline", openapi_extra=body_doc(DeclineIn, required=False))
def decline_offer(bank: BankDep, actor: ActorDep, offer_id: RowId, body: DeclineBody) -> OfferOut:
    """Decline: the gap is offered to the next best worker."""
    return bank.decline_offer(actor, offer_id, body.reason)


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>flexbank offer</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: sans-serif; max-width: 30em; margin: 2em auto">
<h1>Your flexbank offer</h1>
<p>Choose whether to take this shift. The details are in the message we sent you.</p>
{buttons}
</body></html>
"""
_BUTTON = (
    '<form method="post" action="{action}" style="display:inline">'
    '<button type="submit" style="font-size:1.2em; margin:0.5em">{label}</button></form>'
)


@router.get("/respond", response_class=HTMLResponse)
def respond_page(token: TokenQuery, action: Action | None = None) -> HTMLResponse:
    """The page the offer link opens: buttons to accept or decline (no token needed)."""
    actions: tuple[Action, ...] = (action,) if action else ("accept", "decline")
    buttons = "\n".join(
        _BUTTON.format(
            action=html.escape("/offers/respond?" + urlencode({"token": token, "action": a})),
            label=a.capitalize(),
        )
        for a in actions
    )
    return HTMLResponse(_PAGE.format(buttons=buttons), headers={"Cache-Control": "no-store"})


@router.post("/respond")
def respond_by_link(bank: BankDep, token: TokenQuery, action: Action) -> OfferOut:
    """Accept or decline through the signed, expiring link (no bearer token)."""
    return bank.respond_by_link(token, action)
