"""The coordinator's control room: the dashboard (a banner for emergency and urgent
gaps starting within 24 hours that nobody has accepted; every open gap, paginated,
filterable and searchable), "Offer to the best now", and a gap's call list with
"booked by phone"."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request, Response

from flexbank.models import PRIORITIES
from flexbank.services import control_room, directory, phone_booking
from flexbank.services.contract import Conflict, GapOut, ReportFilter
from flexbank.web import forms
from flexbank.web.common import CsrfForm, Web
from flexbank.web.lists import matches, paginate
from flexbank.web.plain import REASON_GROUPS, reason_group, rules_text, sentence, word

DASHBOARD_DAYS = 7
REASONS = (
    "sickness",
    "holiday",
    "winter_pressure",
    "emergency_home_care",
    "service_closure",
    "vacancy",
    "other",
)


def gap_rows(web: Web, gaps: list[GapOut]) -> list[dict[str, Any]]:
    """Gaps with the names people use: provider, client, place."""
    ctx = web.ctx
    providers = directory.details(ctx, "provider", {g.provider_id for g in gaps})
    clients = directory.details(ctx, "client", {g.client_id for g in gaps if g.client_id})
    rows = []
    for g in gaps:
        provider = providers.get(g.provider_id)
        client = clients.get(g.client_id) if g.client_id else None
        rows.append(
            {
                "gap": g,
                "provider": (provider.name if provider else None) or g.provider_id,
                "client": client.name if client else None,
                "place": (client.address if client else None)
                or (provider.address if provider else None)
                or (g.location.postcode or ""),
            }
        )
    return rows


def register(router: APIRouter, web: Web) -> None:
    bank = web.bank

    @router.get("/app/coordinator")
    def dashboard(
        request: Request,
        day: str = "",
        priority: str = "",
        provider: str = "",
        reason: str = "",
        worker: str = "",
        q: str = "",
        page: str = "",
    ) -> Response:
        actor = web.require(request, "coordinator")
        today = web.today()
        people = sorted(((w.id, w.name) for w in bank.list_workers(actor)), key=lambda p: p[1])
        theirs: set[str] | None = None
        if worker in dict(people):
            theirs = {o.gap_id for o in bank.list_offers(actor, worker)}
        else:
            worker = ""
        last = today + dt.timedelta(days=DASHBOARD_DAYS - 1)
        now = web.clock()
        gaps = bank.list_gaps(actor, start=today - dt.timedelta(days=1), end=last)
        live = [g for g in gaps if g.status != "cancelled" and g.end > now]
        open_gaps = [g for g in live if g.status == "open"]
        act_now = control_room.needs_action(open_gaps, now, web.settings.urgent_within_hours)
        rows = gap_rows(web, open_gaps)
        providers = sorted(
            {(r["gap"].provider_id, r["provider"]) for r in rows}, key=lambda p: p[1]
        )
        days = [today + dt.timedelta(days=i) for i in range(DASHBOARD_DAYS)]
        chosen = []
        for r in rows:
            g = r["gap"]
            if day and web.fmt.local(g.start).date().isoformat() != day:
                continue
            if priority and g.priority != priority:
                continue
            if provider and g.provider_id != provider:
                continue
            if reason and g.reason != reason:
                continue
            if theirs is not None and g.id not in theirs:
                continue
            if not matches(q, r["provider"], r["client"], r["place"], g.id, word(g.kind)):
                continue
            chosen.append(r)
        chosen.sort(key=lambda r: (PRIORITIES.index(r["gap"].priority), r["gap"].start))
        query = {
            "day": day,
            "priority": priority,
            "provider": provider,
            "reason": reason,
            "worker": worker,
            "q": q,
        }
        listing = paginate(chosen, page, "/app/coordinator", query)
        report = bank.report(actor, ReportFilter(start=today, end=last))
        return web.render(
            request,
            "coordinator/dashboard.html",
            title="Control room",
            first=today,
            last=last,
            act_now=gap_rows(web, act_now),
            listing=listing,
            filters=query,
            filtered=any(query.values()),
            day_options=[("", "Any day")] + [(d.isoformat(), web.fmt.day(d)) for d in days],
            priority_options=[("", "Any priority")] + [(p, word(p)) for p in PRIORITIES],
            provider_options=[("", "Any provider"), *providers],
            reason_options=[("", "Any reason")] + [(r, word(r)) for r in REASONS],
            worker_options=[("", "Any worker"), *people],
            open_count=len(open_gaps),
            offers_waiting=sum(g.offers_open for g in live),
            report=report,
            runs=bank.list_runs(actor)[-3:][::-1],
        )

    @router.post("/app/coordinator/gaps/{gap_id}/offer-now")
    def offer_now(request: Request, gap_id: str, form: CsrfForm) -> Response:
        actor = web.require(request, "coordinator")
        session = web.session(request)
        back = forms.text(form, "back") or f"/app/gaps/{gap_id}"
        if not back.startswith("/app/"):
            back = f"/app/gaps/{gap_id}"
        try:
            result = control_room.offer_now(web.ctx, actor, gap_id)
        except Conflict as e:
            session.flash(
                "It cannot be offered now: " + rules_text(e.codes or ["other"]) + ".",
                kind="error",
                heading="Not offered",
            )
            return web.redirect(request, back)
        if result.offers:
            names = directory.details(web.ctx, "worker", [o.worker_id for o in result.offers])
            who = ", ".join(
                (names[o.worker_id].name or "") if o.worker_id in names else ""
                for o in result.offers
            )
            session.flash(
                f"Offered now to {len(result.offers)} "
                f"worker{'s' if len(result.offers) != 1 else ''}: {who}. "
                f"They have {web.settings.urgent_offer_minutes} minutes to answer."
            )
        else:
            session.flash(
                f"No new offers were sent: {result.why_none}.",
                kind="error",
                heading="Nobody new to offer it to",
            )
        return web.redirect(request, back)

    @router.get("/app/coordinator/gaps/{gap_id}/call-list")
    def call_list(
        request: Request, gap_id: str, reason: str = "", q: str = "", page: str = ""
    ) -> Response:
        actor = web.require(request, "coordinator")
        gap = bank.get_gap(actor, gap_id)
        people = control_room.call_list(web.ctx, actor, gap_id)
        counts: dict[str, int] = {}
        for p in people:
            counts[reason_group(p.code)] = counts.get(reason_group(p.code), 0) + 1
        chosen = [
            p
            for p in people
            if (not reason or reason_group(p.code) == reason)
            and matches(q, p.name, p.phone, p.worker_id)
        ]
        query = {"reason": reason, "q": q}
        listing = paginate(chosen, page, f"/app/coordinator/gaps/{gap_id}/call-list", query)
        return web.render(
            request,
            "coordinator/call_list.html",
            title="Call list",
            row=gap_rows(web, [gap])[0],
            gap=gap,
            listing=listing,
            filters=query,
            reason_options=[("", "Everyone")]
            + [(k, f"{label} ({counts.get(k, 0)})") for k, label in REASON_GROUPS],
            sentence=sentence,
            eligible=counts.get("eligible", 0),
        )

    @router.post("/app/coordinator/gaps/{gap_id}/book-by-phone")
    def book_by_phone(request: Request, gap_id: str, form: CsrfForm) -> Response:
        actor = web.require(request, "coordinator")
        session = web.session(request)
        worker_id = forms.text(form, "worker")
        worker = bank.get_worker(actor, worker_id)
        try:
            booking = phone_booking.book_by_phone(web.ctx, actor, gap_id, worker_id)
        except Conflict as e:
            session.flash(
                f"{worker.name} cannot be booked: {rules_text(e.codes or ['other'])}.",
                kind="error",
                heading="Not booked",
            )
            return web.redirect(request, f"/app/coordinator/gaps/{gap_id}/call-list")
        if booking is None:
            session.flash(
                f"{worker.name} said yes. The visit is booked when its other carer says yes."
            )
        else:
            session.flash(
                f"{worker.name} is booked by phone, {web.fmt.span(booking.start, booking.end)}. "
                "The provider and the worker have been sent the details."
            )
        return web.redirect(request, f"/app/gaps/{gap_id}")
