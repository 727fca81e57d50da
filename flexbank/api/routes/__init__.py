"""One router per resource."""

from __future__ import annotations

from fastapi import APIRouter

from flexbank.api.routes import (
    allocations,
    bookings,
    clients,
    exchange,
    gaps,
    health,
    offers,
    providers,
    reports,
    tokens,
    workers,
)

ROUTERS: tuple[APIRouter, ...] = (
    health.router,
    providers.router,
    clients.router,
    workers.router,
    gaps.router,
    allocations.router,
    offers.router,
    bookings.router,
    exchange.router,
    reports.router,
    tokens.router,
)
