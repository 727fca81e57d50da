"""API tokens: rotate the one you call with (a new token, the old one revoked)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import HTTPAuthorizationCredentials

from flexbank.api.deps import ActorDep, BankDep, bearer
from flexbank.api.errors import ERROR_RESPONSES
from flexbank.services.contract import Schema

router = APIRouter(prefix="/tokens", tags=["tokens"], responses=ERROR_RESPONSES)


class RotatedOut(Schema):
    token: str
    expires_at: dt.datetime


@router.post("/rotate")
def rotate_token(
    bank: BankDep,
    actor: ActorDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> RotatedOut:
    """A new token for the same role and subject (shown once), with a fresh expiry;
    the token of this request is revoked, and web sessions opened with it end."""
    assert credentials is not None  # ActorDep has checked it
    token, expires_at = bank.rotate_token(credentials.credentials)
    return RotatedOut(token=token, expires_at=expires_at)
