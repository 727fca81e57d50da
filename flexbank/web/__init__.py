"""Web pages of the flexbank service: server-rendered Jinja2 pages with GOV.UK
Frontend components, for coordinators, providers and workers.

Mount them in the service app::

    app.include_router(web_router(bank, settings))
    mount_static(app)

Pages live under ``/app`` (plus ``/sign-in``, ``/sign-out`` and ``/`` which redirects
to ``/app``); GOV.UK Frontend's files and the pages' own CSS and JavaScript are served
from ``/static``. Every page calls the :class:`~flexbank.services.contract.Bank` as
the signed-in actor, so the role rules are the API's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from flexbank.services.contract import Bank
from flexbank.settings import Settings
from flexbank.web import (
    admin,
    auth,
    control_room,
    coordinator,
    email_sign_in,
    people,
    provider,
    reports,
    worker,
)
from flexbank.web.auth import worker_link
from flexbank.web.common import STATIC, Web, page_route_class

__all__ = ["mount_static", "web_router", "worker_link"]


def web_router(
    bank: Bank, settings: Settings, *, clock: Callable[[], dt.datetime] | None = None
) -> APIRouter:
    """Every page, as a router to include at ``/`` (left out of the OpenAPI schema).

    ``clock`` defaults to the Bank's own clock when it exposes one, else UTC now.
    """
    web = Web(bank, settings, clock)
    router = APIRouter(route_class=page_route_class(web), include_in_schema=False)
    for module in (
        auth,
        email_sign_in,
        worker,
        provider,
        control_room,
        people,
        coordinator,
        admin,
        reports,
    ):
        module.register(router, web)
    return router


def mount_static(app: FastAPI) -> None:
    """Serve GOV.UK Frontend and the pages' CSS and JavaScript at ``/static``."""
    app.mount("/static", StaticFiles(directory=STATIC), name="web-static")
