"""Import of a scenario in the interchange format (``flexbank.scenario/1``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from flexbank.api.deps import ActorDep, BankDep, body_doc
from flexbank.api.errors import ERROR_RESPONSES
from flexbank.models import Scenario
from flexbank.services.contract import ImportSummary, InvalidInput
from flexbank.validation import FormatError, Problem, load_scenario

router = APIRouter(tags=["exchange"], responses=ERROR_RESPONSES)


@router.post("/import/scenario", openapi_extra=body_doc(Scenario))
async def import_scenario(request: Request, bank: BankDep, actor: ActorDep) -> ImportSummary:
    """Load a scenario file's records (coordinator); pins become bookings.

    The file is checked like ``flexbank check``: every problem comes back at once.
    """
    raw = await request.body()
    try:
        scenario = load_scenario(raw)
    except FormatError as error:
        raise InvalidInput(
            [Problem("$.body" + p.path.removeprefix("$"), p.message) for p in error.problems]
        ) from None
    return await run_in_threadpool(bank.import_scenario, actor, scenario)
