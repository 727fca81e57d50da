"""Workers, their availability, verification of their records and the audit trail."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, status
from pydantic import AwareDatetime, ValidationError

from flexbank.api.deps import ActorDep, BankDep, PageDep, body_doc, json_body, paged
from flexbank.api.errors import ERROR_RESPONSES, problem_from_error
from flexbank.api.routes.records import ensure_new, same_id
from flexbank.models import Period, Worker
from flexbank.services.contract import AuditOut, InvalidInput, Schema

router = APIRouter(tags=["workers"], responses=ERROR_RESPONSES)
WorkerBody = Annotated[Worker, Depends(json_body(Worker))]
PeriodBody = Annotated[Period, Depends(json_body(Period))]


class VerifyIn(Schema):
    """A coordinator's note that they checked a compliance record."""

    record: Literal["right_to_work", "dbs", "reg19", "training", "skills", "experience"]
    note: str = ""


VerifyBody = Annotated[VerifyIn, Depends(json_body(VerifyIn))]


@router.get("/workers")
def list_workers(
    bank: BankDep, actor: ActorDep, request: Request, response: Response, page: PageDep
) -> list[Worker]:
    """Every worker (coordinator; a worker sees themselves)."""
    return paged(request, response, page, bank.list_workers(actor, page))


@router.post("/workers", status_code=status.HTTP_201_CREATED, openapi_extra=body_doc(Worker))
def create_worker(bank: BankDep, actor: ActorDep, worker: WorkerBody) -> Worker:
    """Add a worker with their compliance records; 409 if the id is taken."""
    ensure_new(lambda: bank.get_worker(actor, worker.id), "worker", worker.id)
    return bank.put_worker(actor, worker)


@router.get("/workers/{worker_id}")
def get_worker(bank: BankDep, actor: ActorDep, worker_id: str) -> Worker:
    return bank.get_worker(actor, worker_id)


@router.put("/workers/{worker_id}", openapi_extra=body_doc(Worker))
def put_worker(bank: BankDep, actor: ActorDep, worker_id: str, worker: WorkerBody) -> Worker:
    """Create or replace a worker; the body's id must be the path's."""
    same_id(worker_id, worker.id)
    return bank.put_worker(actor, worker)


@router.delete("/workers/{worker_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_worker(bank: BankDep, actor: ActorDep, worker_id: str) -> Response:
    bank.delete_worker(actor, worker_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/workers/{worker_id}/availability", openapi_extra=body_doc(Period))
def add_availability(bank: BankDep, actor: ActorDep, worker_id: str, period: PeriodBody) -> Worker:
    """Offer a period of availability (the worker, or a coordinator)."""
    return bank.add_availability(actor, worker_id, period)


@router.delete("/workers/{worker_id}/availability")
def remove_availability(
    bank: BankDep,
    actor: ActorDep,
    worker_id: str,
    start: Annotated[AwareDatetime, Query(description="with a UTC offset (encode + as %2B)")],
    end: Annotated[AwareDatetime, Query(description="with a UTC offset (encode + as %2B)")],
) -> Worker:
    """Withdraw availability over ``[start, end)``."""
    try:
        period = Period(start=start, end=end)
    except ValidationError as exc:
        errors = [{**e, "loc": ("query", *(e["loc"] or ("end",)))} for e in exc.errors()]
        raise InvalidInput([problem_from_error(e) for e in errors]) from None
    return bank.remove_availability(actor, worker_id, period)


@router.post("/workers/{worker_id}/verify", openapi_extra=body_doc(VerifyIn))
def verify_record(bank: BankDep, actor: ActorDep, worker_id: str, body: VerifyBody) -> AuditOut:
    """Record that a coordinator verified one of the worker's compliance records."""
    return bank.verify_record(actor, worker_id, body.record, body.note)


@router.get("/workers/{worker_id}/audit")
def worker_audit(
    bank: BankDep,
    actor: ActorDep,
    worker_id: str,
    request: Request,
    response: Response,
    page: PageDep,
) -> list[AuditOut]:
    """Who changed or verified what of this worker, and when."""
    return paged(request, response, page, bank.audit_trail(actor, "worker", worker_id, page))


@router.get("/audit", tags=["audit"])
def audit_trail(
    bank: BankDep,
    actor: ActorDep,
    request: Request,
    response: Response,
    page: PageDep,
    entity: str | None = None,
    entity_id: str | None = None,
) -> list[AuditOut]:
    """The audit trail, optionally of one entity (coordinator)."""
    return paged(request, response, page, bank.audit_trail(actor, entity, entity_id, page))
