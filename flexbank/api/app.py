"""``create_app(bank, settings)``: the FastAPI application (OpenAPI at ``/docs``)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

import flexbank
from flexbank.api import logs
from flexbank.api.deps import BODY_MODELS
from flexbank.api.errors import install_error_handlers
from flexbank.api.guards import RequestGuard
from flexbank.api.routes import ROUTERS
from flexbank.services.contract import Bank
from flexbank.settings import Settings

DESCRIPTION = """\
A shared bank of flexible care workers matched to care providers' gaps.

Send `Authorization: Bearer <token>` (tokens come from `flexbank token create`).
A **coordinator** may do everything; a **provider** sees and changes its own record,
clients, gaps and their bookings; a **worker** their own profile, offers and bookings.
Errors: 401 (no or unknown token), 403 (not for this role), 404 (no such record, or
not yours), 409 (the state does not allow it; `codes` name the rules), 413 (the body
is over `FLEXBANK_MAX_BODY_BYTES`), 422 (every problem, each with its JSON path such
as `$.body.start`), 503 (the database is not reachable; see `Retry-After`).
"""


class RedactQueryStrings(logging.Filter):
    """Drops query strings from uvicorn's access log: offer links carry tokens there."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            path = args[2].split("?", 1)[0]
            record.args = (*args[:2], path, *args[3:])
        return True


def _install_access_log_filter() -> None:
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactQueryStrings) for f in access.filters):
        access.addFilter(RedactQueryStrings())


def create_app(bank: Bank, settings: Settings) -> FastAPI:
    """The API over ``bank``; routes reach both through ``app.state``."""
    app = FastAPI(
        title="flexbank",
        version=flexbank.__version__,
        description=DESCRIPTION,
    )
    app.state.bank = bank
    app.state.settings = settings
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    app.add_middleware(RequestGuard, max_body_bytes=settings.max_body_bytes)
    _install_access_log_filter()
    logs.install()

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            for name, model in BODY_MODELS.items():
                body = model.model_json_schema(ref_template="#/components/schemas/{model}")
                for def_name, definition in body.pop("$defs", {}).items():
                    components.setdefault(def_name, definition)
                components.setdefault(name, body)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
