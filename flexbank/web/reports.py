"""Reports for coordinators (everything, or one provider) and providers (their own):
fill rate, time to fill, hours supplied by provider and week, agency spend avoided,
each as an inline SVG bar chart with a table beside it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request, Response

from flexbank import timeline
from flexbank.services.contract import ReportFilter, ReportOut
from flexbank.web.common import PageError, Web

MAX_WEEKS = 26


def register(router: APIRouter, web: Web) -> None:
    bank = web.bank

    @router.get("/app/reports")
    def reports(request: Request, start: str = "", weeks: int = 4, provider: str = "") -> Response:
        actor = web.require(request, "coordinator", "provider")
        weeks = max(1, min(weeks, MAX_WEEKS))
        this_monday = timeline.week_monday(web.today())
        try:
            first = (
                timeline.week_monday(dt.date.fromisoformat(start))
                if start
                else this_monday - dt.timedelta(days=7)
            )
        except ValueError as e:
            raise PageError(400, "That date is not valid", "Use a date like 2026-11-30.") from e
        providers = bank.list_providers(actor)
        names = {p.id: p.name for p in providers}
        if actor.role == "provider":
            provider = actor.subject_id or ""
        elif provider and provider not in names:
            provider = ""
        provider_id = provider or None
        last = first + dt.timedelta(days=7 * weeks - 1)
        total = bank.report(actor, ReportFilter(provider_id=provider_id, start=first, end=last))
        mondays = [first + dt.timedelta(days=7 * i) for i in range(weeks)]
        weekly: list[tuple[dt.date, ReportOut]] = [
            (
                monday,
                bank.report(
                    actor,
                    ReportFilter(
                        provider_id=provider_id, start=monday, end=monday + dt.timedelta(days=6)
                    ),
                ),
            )
            for monday in mondays
        ]
        by_provider: dict[str, float] = {}
        grid: dict[str, dict[dt.date, float]] = {}
        for row in total.hours_by_provider_week:
            by_provider[row.key] = by_provider.get(row.key, 0.0) + row.hours
            grid.setdefault(row.key, {})[row.week] = row.hours
        top = sorted(by_provider.items(), key=lambda kv: (-kv[1], kv[0]))[:15]
        label = lambda monday: monday.strftime("%-d %b")  # noqa: E731
        charts: dict[str, Any] = {
            "fill": [(label(m), round(r.fill_rate * 100)) for m, r in weekly],
            "ttf": [(label(m), round(r.median_minutes_to_fill or 0)) for m, r in weekly],
            "providers": [(names.get(k, k)[:18], round(h, 1)) for k, h in top],
            "spend": [(label(m), round(r.agency_spend_avoided)) for m, r in weekly],
        }
        return web.render(
            request,
            "reports.html",
            title="Reports",
            total=total,
            weekly=weekly,
            charts=charts,
            mondays=mondays,
            grid=grid,
            top=top,
            names=names,
            providers=sorted(providers, key=lambda p: p.name),
            provider=provider,
            first=first,
            last=last,
            weeks=weeks,
        )
