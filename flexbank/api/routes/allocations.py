"""Allocation runs: plan a horizon, review the plan and its reasons, publish it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status
from pydantic import Field

from flexbank.api.deps import ActorDep, BankDep, Day, PageDep, RowId, body_doc, json_body, paged
from flexbank.api.errors import ERROR_RESPONSES
from flexbank.models import Plan
from flexbank.services.contract import OfferOut, RunOut, Schema, WorkerReasonOut

router = APIRouter(prefix="/allocations", tags=["allocations"], responses=ERROR_RESPONSES)


class RunIn(Schema):
    """What to plan; every field is optional (default: tomorrow, ``horizon_days``)."""

    start: Day | None = None
    days: int | None = Field(default=None, ge=1, le=31)
    time_limit: float | None = Field(default=None, gt=0, le=3600)


RunBody = Annotated[RunIn, Depends(json_body(RunIn, optional=True))]


@router.post("", status_code=status.HTTP_201_CREATED, openapi_extra=body_doc(RunIn, required=False))
def run_allocation(bank: BankDep, actor: ActorDep, body: RunBody) -> RunOut:
    """Plan the open gaps of a horizon, keeping bookings; publishes nothing."""
    return bank.run_allocation(actor, body.start, body.days, body.time_limit)


@router.get("")
def list_runs(
    bank: BankDep, actor: ActorDep, request: Request, response: Response, page: PageDep
) -> list[RunOut]:
    return paged(request, response, page, bank.list_runs(actor, page))


@router.get("/{run_id}")
def get_run(bank: BankDep, actor: ActorDep, run_id: RowId) -> RunOut:
    """The run with its plan (assignments, unfilled gaps and why)."""
    return bank.get_run(actor, run_id)


@router.get("/{run_id}/explain/{gap_id}")
def explain(bank: BankDep, actor: ActorDep, run_id: RowId, gap_id: str) -> list[WorkerReasonOut]:
    """For one gap of the run: each worker and why they were or were not assigned."""
    return bank.explain(actor, run_id, gap_id)


@router.post("/{run_id}/publish")
def publish_run(bank: BankDep, actor: ActorDep, run_id: RowId) -> list[OfferOut]:
    """Turn the plan's assignments into offers."""
    return bank.publish_run(actor, run_id)


@router.get("/{run_id}/plan")
def export_plan(bank: BankDep, actor: ActorDep, run_id: RowId) -> Plan:
    """The plan in the interchange format (``flexbank.plan/1``)."""
    return bank.export_plan(actor, run_id)
