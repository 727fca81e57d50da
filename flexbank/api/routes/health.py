"""``GET /health``: is the service up (no token needed)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["health"])


@router.get("/health")
def health() -> dict[str, str]:
    """The service answers; no token needed."""
    return {"status": "ok"}
