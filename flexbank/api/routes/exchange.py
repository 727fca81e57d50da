"""Import of a scenario in the interchange format (``flexbank.scenario/1``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from flexbank.api.deps import ActorDep, BankDep, body_doc, value_problems
from flexbank.api.errors import ERROR_RESPONSES
from flexbank.models import Scenario
from flexbank.services.contract import Forbidden, ImportSummary, InvalidInput
from flexbank.validation import FormatError, Problem, load_scenario

router = APIRouter(tags=["exchange"], responses=ERROR_RESPONSES)


@router.post("/import/scenario", openapi_extra=body_doc(Scenario))
async def import_scenario(request: Request, bank: BankDep, actor: ActorDep) -> ImportSummary:
    """Load a scenario file's records (coordinator); pins become bookings.

    The file is checked like ``flexbank check``: every problem comes back at once.
    """
    if actor.role != "coordinator":  # before the file is read: its problems are not theirs
        raise Forbidden("only a coordinator may import a scenario")
    raw = await request.body()
    try:
        scenario = load_scenario(raw)
    except FormatError as error:
        raise InvalidInput(
            [Problem("$.body" + p.path.removeprefix("$"), p.message) for p in error.problems]
        ) from None
    except UnicodeDecodeError as error:
        raise InvalidInput([Problem("$.body", f"not UTF-8 text (byte {error.start})")]) from None
    except (RecursionError, ValueError):
        raise InvalidInput([Problem("$.body", "not valid JSON (or nested too deeply)")]) from None
    problems = value_problems(scenario.model_dump(mode="json"), "$.body")
    if problems:
        raise InvalidInput(problems)
    return await run_in_threadpool(bank.import_scenario, actor, scenario)
