"""Dependencies shared by the routes: the Bank, the settings, the caller and JSON bodies.

``ActorDep`` turns ``Authorization: Bearer <token>`` into an :class:`Actor` through
``bank.authenticate`` (401 without a token or with an unknown one). Bodies are read
with :func:`json_body`: the format's models are strict (no coercion), so they are
validated from the raw JSON text, where an ISO datetime string is the native form.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ValidationError

from flexbank.services.contract import Actor, Bank
from flexbank.settings import Settings

M = TypeVar("M", bound=BaseModel)


def get_bank(request: Request) -> Bank:
    bank: Bank = request.app.state.bank
    return bank


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


BankDep = Annotated[Bank, Depends(get_bank)]
SettingsDep = Annotated[Settings, Depends(get_settings)]

_bearer = HTTPBearer(auto_error=False, description="An API token from `flexbank token create`")


def get_actor(
    bank: BankDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
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
            return model.model_validate_json(raw)
        except ValidationError as exc:
            errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]
            raise RequestValidationError(errors) from None

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
