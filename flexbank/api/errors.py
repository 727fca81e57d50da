"""Service errors -> HTTP: 404, 403, 409 with rule codes, 422 with every problem's JSON path."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from flexbank.services.contract import Conflict, Forbidden, InvalidInput, NotFound
from flexbank.validation import Problem, json_path

log = logging.getLogger("flexbank.api")

# The same words as the file loader, so a gap posted by hand and a scenario file
# explain the same mistake the same way.
_MESSAGES = {
    "extra_forbidden": "unknown field (not in the format; check the spelling)",
    "missing": "required field is missing",
    "timezone_aware": "datetime needs an explicit UTC offset, e.g. 2026-11-24T07:00:00+00:00",
    "json_invalid": "not valid JSON",
}


def problem_from_error(error: dict[str, Any]) -> Problem:
    """One pydantic/FastAPI error item as a :class:`Problem` (``loc`` -> ``$.body.start``)."""
    loc: list[int | str] = [p for p in error.get("loc", ()) if isinstance(p, int | str)]
    kind = error.get("type", "")
    if kind == "json_invalid":
        loc = loc[:1]  # FastAPI puts the byte offset after "body"
        detail = error.get("ctx", {}).get("error")
        message = f"not valid JSON: {detail}" if detail else _MESSAGES[kind]
    elif kind == "value_error" and "ctx" in error:
        message = str(error["ctx"].get("error", error.get("msg", "")))
    else:
        message = _MESSAGES.get(kind, str(error.get("msg", "invalid value")))
    return Problem(json_path(loc), message)


def problems_body(detail: str, problems: Iterable[Problem]) -> dict[str, Any]:
    return {
        "detail": detail,
        "problems": [{"path": p.path, "message": p.message} for p in problems],
    }


def unprocessable(problems: Sequence[Problem]) -> JSONResponse:
    count = len(problems)
    detail = f"{count} problem{'s' if count != 1 else ''} in the request"
    return JSONResponse(problems_body(detail, problems), status_code=422)


async def _not_found(_: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": str(exc) or "not found"}, status_code=404)


async def _forbidden(_: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": str(exc) or "forbidden"}, status_code=403)


async def _conflict(_: Request, exc: Exception) -> JSONResponse:
    codes = exc.codes if isinstance(exc, Conflict) else []
    return JSONResponse({"detail": str(exc), "codes": codes}, status_code=409)


_PLACES = ("$.body", "$.query", "$.path", "$.header")


def _in_body(request: Request, problem: Problem) -> Problem:
    """The service names paths within the record it was given (``$.end``); over HTTP
    that record is the body, so the path becomes ``$.body.end`` like a shape problem."""
    if problem.path.startswith(_PLACES) or request.method not in ("POST", "PUT", "PATCH"):
        return problem
    if "json" not in request.headers.get("content-type", ""):
        return problem
    return Problem("$.body" + problem.path.removeprefix("$"), problem.message)


async def _invalid_input(request: Request, exc: Exception) -> JSONResponse:
    problems = exc.problems if isinstance(exc, InvalidInput) else [Problem("$", str(exc))]
    return unprocessable([_in_body(request, p) for p in problems])


async def _request_validation(_: Request, exc: Exception) -> JSONResponse:
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    problems = list(dict.fromkeys(problem_from_error(e) for e in errors))
    return unprocessable(problems)


RETRY_AFTER_SECONDS = 5


async def _database_away(_: Request, exc: Exception) -> JSONResponse:
    """The database cannot be reached (down, restarting, pool exhausted): 503."""
    log.warning("database unavailable (%s)", type(exc).__name__)
    return JSONResponse(
        {"detail": "the service's database is not reachable just now; try again shortly"},
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


async def _data_error(_: Request, exc: Exception) -> JSONResponse:
    log.info("value refused by the database (%s)", type(exc).__name__)
    return unprocessable(
        [
            Problem(
                "$", "a value cannot be stored: too long, too large or with characters not allowed"
            )
        ]
    )


async def _integrity(_: Request, exc: Exception) -> JSONResponse:
    log.info("integrity refused by the database (%s)", type(exc).__name__)
    return JSONResponse(
        {"detail": "the change conflicts with records that refer to it", "codes": ["integrity"]},
        status_code=409,
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(OperationalError, _database_away)
    app.add_exception_handler(InterfaceError, _database_away)
    app.add_exception_handler(PoolTimeout, _database_away)
    app.add_exception_handler(DataError, _data_error)
    app.add_exception_handler(IntegrityError, _integrity)
    app.add_exception_handler(NotFound, _not_found)
    app.add_exception_handler(Forbidden, _forbidden)
    app.add_exception_handler(Conflict, _conflict)
    app.add_exception_handler(InvalidInput, _invalid_input)
    app.add_exception_handler(RequestValidationError, _request_validation)


#: OpenAPI descriptions of the error bodies, for routes' ``responses=``.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "No or unknown bearer token"},
    403: {"description": "The role does not allow this"},
    404: {"description": "No such record (or not yours)"},
    409: {"description": "The state does not allow it; `codes` names the rules"},
    413: {"description": "The request body is over the limit (`FLEXBANK_MAX_BODY_BYTES`)"},
    503: {"description": "The database is not reachable; retry after `Retry-After` seconds"},
    422: {
        "description": "Every problem with its JSON path: `{detail, problems: [{path, message}]}`"
    },
}
