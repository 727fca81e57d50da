"""Reports: fill rate, time to fill, hours supplied, agency spend avoided."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from flexbank.api.deps import ActorDep, BankDep, Day
from flexbank.api.errors import ERROR_RESPONSES
from flexbank.models import GapReason
from flexbank.services.contract import ReportFilter, ReportOut

router = APIRouter(prefix="/reports", tags=["reports"], responses=ERROR_RESPONSES)


@router.get("")
def report(
    bank: BankDep,
    actor: ActorDep,
    provider_id: str | None = None,
    reason: GapReason | None = None,
    start: Annotated[Day | None, Query(description="gaps starting on or after")] = None,
    end: Annotated[Day | None, Query(description="gaps starting on or before")] = None,
) -> ReportOut:
    """The report over the gaps that match (a provider's is restricted to itself)."""
    filters = ReportFilter(provider_id=provider_id, reason=reason, start=start, end=end)
    return bank.report(actor, filters)
