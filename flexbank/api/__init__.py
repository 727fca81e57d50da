"""The REST API: thin FastAPI routes over the service layer (:class:`Bank`).

Routes parse the request, call the Bank with the caller's :class:`Actor` and map the
service errors to HTTP statuses; every role rule lives in the service layer.
"""

from __future__ import annotations

from flexbank.api.app import create_app

__all__ = ["create_app"]
