"""Dependencies shared by the routes: the Bank, the settings, the caller and JSON bodies.

``ActorDep`` turns ``Authorization: Bearer <token>`` into an :class:`Actor` through
``bank.authenticate`` (401 without a token or with an unknown one). Bodies are read
with :func:`json_body`: the format's models are strict (no coercion), so they are
validated from the raw JSON text, where an ISO datetime string is the native form.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, HTTPException, Path, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import AfterValidator, BaseModel, ValidationError

from flexbank.services.contract import Actor, Bank, InvalidInput
from flexbank.services.paging import DEFAULT_LIMIT, MAX_LIMIT, Page
from flexbank.settings import Settings
from flexbank.validation import Problem

M = TypeVar("M", bound=BaseModel)


def get_bank(request: Request) -> Bank:
    bank: Bank = request.app.state.bank
    return bank


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


BankDep = Annotated[Bank, Depends(get_bank)]
SettingsDep = Annotated[Settings, Depends(get_settings)]

bearer = HTTPBearer(auto_error=False, description="An API token from `flexbank token create`")


def get_actor(
    bank: BankDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Actor:
    unauthorised = HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        "a valid bearer token is required",
        headers={"WWW-Authenticate": "Bearer"},
    )
    if credentials is None or not credentials.credentials:
        raise unauthorised
    actor = bank.authenticate(credentials.credentials)
    if actor is None:
        raise unauthorised
    return actor


ActorDep = Annotated[Actor, Depends(get_actor)]

#: The longest text a field may hold: ids (and lists of ids), free notes, the rest.
ID_CHARS = 64
NOTE_CHARS = 1000
TEXT_CHARS = 200
ID_LISTS = frozenset({"excluded_workers", "preferred_workers", "workers"})
NOTES = frozenset({"reason", "note", "label", "description"})
#: the largest whole number a field may hold (a 32-bit column on every database)
MAX_INT = 2**31 - 1


def _limit(key: str) -> int:
    if key == "id" or key.endswith("_id") or key in ID_LISTS:
        return ID_CHARS
    return NOTE_CHARS if key in NOTES else TEXT_CHARS


def value_problems(value: Any, path: str, key: str = "", limit: int = 0) -> list[Problem]:
    """Text too long or holding NUL characters, and whole numbers too large to store,
    anywhere in a JSON value (each problem with its path)."""
    problems: list[Problem] = []
    if isinstance(value, dict):
        for k, v in value.items():
            problems += value_problems(v, f"{path}.{k}", str(k), _limit(str(k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            problems += value_problems(v, f"{path}[{i}]", key, limit or _limit(key))
    elif isinstance(value, str):
        if "\x00" in value:
            problems.append(Problem(path, "text may not contain NUL characters"))
        if len(value) > (limit or TEXT_CHARS):
            problems.append(Problem(path, f"at most {limit or TEXT_CHARS} characters"))
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INT:
        problems.append(Problem(path, f"at most {MAX_INT}"))
    return problems


def _sensible_day(day: dt.date) -> dt.date:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"a date from {FIRST_DAY} to {LAST_DAY}")
    return day


FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(2999, 12, 31)
#: a date the service can compute with (local midnights, weeks): 1900 to 2999
Day = Annotated[dt.date, AfterValidator(_sensible_day)]
#: a row id in a path: a positive 32-bit number (larger ones cannot exist)
RowId = Annotated[int, Path(ge=1, le=MAX_INT)]


def get_page(
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description="the most rows on this page")
    ] = DEFAULT_LIMIT,
    after: Annotated[
        str | None,
        Query(max_length=500, description="the cursor of the next page (`X-Next-Cursor`)"),
    ] = None,
) -> Page:
    return Page(limit=limit, after=after)


#: a page of a list (keyset: ``limit`` rows after the cursor ``after``)
PageDep = Annotated[Page, Depends(get_page)]
L = TypeVar("L")


def paged(request: Request, response: Response, page: Page, rows: list[L]) -> list[L]:
    """``rows``, with ``Link: <...>; rel="next"`` and ``X-Next-Cursor`` when there
    are more."""
    if page.next is not None:
        url = request.url.include_query_params(after=page.next, limit=page.limit)
        response.headers["Link"] = f'<{url}>; rel="next"'
        response.headers["X-Next-Cursor"] = page.next
    return rows


#: Models read by :func:`json_body`; their schemas are added to the OpenAPI document.
BODY_MODELS: dict[str, type[BaseModel]] = {}


def json_body(model: type[M], *, optional: bool = False) -> Callable[[Request], Awaitable[M]]:
    """A dependency reading the request body as ``model`` from its JSON text.

    Problems are raised as FastAPI's RequestValidationError with ``loc`` starting at
    ``body``, so they come back as 422 with paths like ``$.body.start``. With
    ``optional``, an empty body reads as ``{}``.
    """
    BODY_MODELS[model.__name__] = model

    async def parse(request: Request) -> M:
        raw = await request.body()
        if optional and not raw.strip():
            raw = b"{}"
        try:
            value = model.model_validate_json(raw)
        except ValidationError as exc:
            errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]
            raise RequestValidationError(errors) from None
        except (RecursionError, ValueError):
            raise RequestValidationError(
                [{"type": "json_invalid", "loc": ("body",), "msg": "not valid JSON"}]
            ) from None
        problems = value_problems(value.model_dump(mode="json"), "$.body")
        if problems:
            raise InvalidInput(problems)
        return value

    parse.__name__ = f"read_{model.__name__}"
    return parse


def body_doc(
    model: type[BaseModel], description: str = "", *, required: bool = True
) -> dict[str, Any]:
    """``openapi_extra`` describing a body read by :func:`json_body`."""
    BODY_MODELS[model.__name__] = model
    body: dict[str, Any] = {
        "required": required,
        "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}
        },
    }
    if description:
        body["description"] = description
    return {"requestBody": body}
