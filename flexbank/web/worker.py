"""A care worker's pages, mobile first: offers (accept or decline), bookings,
availability (add and remove periods) and documents that lapse soon."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request, Response

from flexbank.models import Period
from flexbank.services import messages, offer_details, patterns
from flexbank.services.contract import Actor, Conflict, NotFound, OfferOut
from flexbank.web import forms
from flexbank.web.common import CsrfForm, Web
from flexbank.web.lists import paginate
from flexbank.web.plain import rules_text, word
from flexbank.web.records import worker_compliance


def _me(actor: Actor) -> str:
    assert actor.subject_id is not None
    return actor.subject_id


def register(router: APIRouter, web: Web) -> None:
    bank = web.bank

    def find_offer(actor: Actor, offer_id: int) -> OfferOut:
        for offer in bank.list_offers(actor, _me(actor)):
            if offer.id == offer_id:
                return offer
        raise NotFound(f"offer {offer_id}")

    @router.get("/app/worker")
    def offers(request: Request) -> Response:
        actor = web.require(request, "worker")
        mine = bank.list_offers(actor, _me(actor))
        now = web.clock()
        waiting = sorted(
            (o for o in mine if o.status == "offered" and o.expires_at > now),
            key=lambda o: (o.start, o.id),
        )
        answered = sorted(
            (o for o in mine if o not in waiting), key=lambda o: o.offered_at, reverse=True
        )[:10]
        about = {o.id: offer_details.offer_details(web.ctx, actor, o.id) for o in waiting}
        return web.render(
            request,
            "worker/offers.html",
            title="Your offers",
            waiting=waiting,
            answered=answered,
            about=about,
            why={k: why_not(v) for k, v in about.items()},
        )

    @router.get("/app/worker/offers/{offer_id}")
    def offer_page(request: Request, offer_id: int) -> Response:
        actor = web.require(request, "worker")
        offer = find_offer(actor, offer_id)
        is_open = offer.status == "offered" and offer.expires_at > web.clock()
        about = offer_details.offer_details(web.ctx, actor, offer_id, check=is_open)
        return web.render(
            request,
            "worker/offer.html",
            title=f"{word(about.kind)} offered at {offer.provider_name}",
            offer=offer,
            is_open=is_open,
            about=about,
            why_not=why_not(about),
            directions=directions(about),
        )

    def why_not(about: offer_details.OfferDetails) -> str:
        """Why accepting cannot succeed now, in plain words ('' when it can)."""
        if about.clashes:
            c = about.clashes[0]
            return (
                f"You are already booked {web.fmt.time(c.start)}-{web.fmt.time(c.end)} "
                f"on {web.fmt.day(c.start)} at {c.provider_name}."
            )
        if about.blocking_codes:
            return "You cannot take this one: " + rules_text(about.blocking_codes) + "."
        return ""

    def directions(about: offer_details.OfferDetails) -> dict[str, str]:
        loc = about.location
        return {
            "geo": f"geo:{loc.lat:.6f},{loc.lon:.6f}",
            "map": (
                "https://www.openstreetmap.org/directions?to="
                f"{loc.lat:.6f}%2C{loc.lon:.6f}#map=16/{loc.lat:.5f}/{loc.lon:.5f}"
            ),
        }

    @router.post("/app/worker/offers/{offer_id}/accept")
    def accept(request: Request, offer_id: int, form: CsrfForm) -> Response:
        actor = web.require(request, "worker")
        session = web.session(request)
        try:
            offer = bank.accept_offer(actor, offer_id)
        except Conflict as e:
            about = offer_details.offer_details(web.ctx, actor, offer_id, check=False)
            text = why_not(about) or (
                "You cannot take this one: " + rules_text(e.codes or ["other"]) + "."
            )
            session.flash(text, kind="error", heading=f"We could not book this {about.kind}")
            return web.redirect(request, f"/app/worker/offers/{offer_id}")
        session.flash(
            f"You are booked at {offer.provider_name}, {web.fmt.span(offer.start, offer.end)}."
        )
        return web.redirect(request, "/app/worker/bookings")

    @router.post("/app/worker/offers/{offer_id}/decline")
    def decline(request: Request, offer_id: int, form: CsrfForm) -> Response:
        actor = web.require(request, "worker")
        session = web.session(request)
        try:
            offer = bank.decline_offer(actor, offer_id, forms.text(form, "reason")[:500])
        except Conflict as e:
            session.flash(str(e), kind="error", heading="We could not record your answer")
            return web.redirect(request, f"/app/worker/offers/{offer_id}")
        session.flash(f"You declined the offer at {offer.provider_name}.")
        return web.redirect(request, "/app/worker")

    @router.get("/app/worker/messages")
    def message_history(request: Request) -> Response:
        actor = web.require(request, "worker")
        return web.render(
            request,
            "messages.html",
            title="Your messages",
            messages_sent=messages.messages_for(web.ctx, actor),
        )

    @router.get("/app/worker/bookings")
    def bookings(request: Request) -> Response:
        actor = web.require(request, "worker")
        mine = bank.list_bookings(actor, worker_id=_me(actor))
        now = web.clock()
        coming = sorted((b for b in mine if b.end > now), key=lambda b: b.start)
        past = sorted((b for b in mine if b.end <= now), key=lambda b: b.start, reverse=True)
        names = {
            o.gap_id: (o.provider_name, o.location) for o in bank.list_offers(actor, _me(actor))
        }
        return web.render(
            request,
            "worker/bookings.html",
            title="Your bookings",
            coming=coming,
            past=past[:10],
            names=names,
        )

    def availability_page(
        request: Request,
        actor: Actor,
        errors: dict[str, str] | None = None,
        values: dict[str, object] | None = None,
        status: int = 200,
    ) -> Response:
        patterns.renew(web.ctx, _me(actor))  # idempotent: keeps patterns running ahead
        worker = bank.get_worker(actor, _me(actor))
        now = web.clock()
        periods = sorted((p for p in worker.availability if p.end > now), key=lambda p: p.start)
        listing = paginate(
            periods, request.query_params.get("page"), "/app/worker/availability", {}, 14
        )
        return web.render(
            request,
            "worker/availability.html",
            status=status,
            title="Your availability",
            periods=listing.rows,
            listing=listing,
            weekly=patterns.list_patterns(web.ctx, actor, _me(actor)),
            weekdays=[("", "Choose a day")] + [(str(i), d) for i, d in enumerate(patterns.DAYS)],
            weeks=web.settings.pattern_weeks,
            errors=errors or {},
            values=values or {"date": {}},
        )

    @router.post("/app/worker/availability/weekly")
    def add_weekly(request: Request, form: CsrfForm) -> Response:
        actor = web.require(request, "worker")
        errors: dict[str, str] = {}
        day = forms.text(form, "weekday")
        values: dict[str, object] = {
            "date": {},
            "weekday": day,
            "w_start": forms.text(form, "w_start"),
            "w_end": forms.text(form, "w_end"),
        }
        if day not in {str(i) for i in range(7)}:
            errors["weekday"] = "Choose the day of the week"
        start = forms.parse_time(forms.text(form, "w_start"), "start time", errors, "w_start")
        end = forms.parse_time(forms.text(form, "w_end"), "end time", errors, "w_end")
        if start and end and start == end:
            errors["w_end"] = "The end time must be different from the start time"
        if errors or start is None or end is None:
            return availability_page(request, actor, errors, values, status=400)
        pattern, added = patterns.add_pattern(web.ctx, actor, _me(actor), int(day), start, end)
        web.session(request).flash(
            f"You are available {pattern.text}, every week: {added} times added for the next "
            f"{web.settings.pattern_weeks} weeks."
        )
        return web.redirect(request, "/app/worker/availability")

    @router.post("/app/worker/availability/weekly/{pattern_id}/remove")
    def remove_weekly(request: Request, pattern_id: int, form: CsrfForm) -> Response:
        actor = web.require(request, "worker")
        pattern = patterns.remove_pattern(web.ctx, actor, _me(actor), pattern_id)
        web.session(request).flash(f"You are no longer available {pattern.text} every week.")
        return web.redirect(request, "/app/worker/availability")

    @router.get("/app/worker/availability")
    def availability(request: Request) -> Response:
        return availability_page(request, web.require(request, "worker"))

    @router.post("/app/worker/availability")
    def add_availability(request: Request, form: CsrfForm) -> Response:
        actor = web.require(request, "worker")
        errors: dict[str, str] = {}
        parts = forms.date_parts(form, "date")
        values: dict[str, object] = {
            "date": parts,
            "start": forms.text(form, "start"),
            "end": forms.text(form, "end"),
        }
        day = forms.parse_date(parts, "date", errors, "date-day")
        start = forms.parse_time(forms.text(form, "start"), "start time", errors, "start")
        end = forms.parse_time(forms.text(form, "end"), "end time", errors, "end")
        if day and start and end:
            if start == end:
                errors["end"] = "The end time must be different from the start time"
            else:
                first, last = forms.period_from(day, start, end, web.settings.timezone)
                if last <= web.clock():
                    errors["date-day"] = "The date must be today or in the future"
                else:
                    bank.add_availability(actor, _me(actor), Period(start=first, end=last))
                    web.session(request).flash(f"You are available {web.fmt.span(first, last)}.")
                    return web.redirect(request, "/app/worker/availability")
        return availability_page(request, actor, errors, values, status=400)

    @router.post("/app/worker/availability/remove")
    def remove_availability(request: Request, form: CsrfForm) -> Response:
        actor = web.require(request, "worker")
        try:
            period = Period(
                start=dt.datetime.fromisoformat(forms.text(form, "start")),
                end=dt.datetime.fromisoformat(forms.text(form, "end")),
            )
        except ValueError as e:
            raise NotFound("no such period") from e
        bank.remove_availability(actor, _me(actor), period)
        web.session(request).flash(
            f"You are no longer available {web.fmt.span(period.start, period.end)}."
        )
        return web.redirect(request, "/app/worker/availability")

    @router.get("/app/worker/documents")
    def documents(request: Request) -> Response:
        actor = web.require(request, "worker")
        worker = bank.get_worker(actor, _me(actor))
        now = web.clock()
        verdict = worker_compliance(worker, now, web.settings.timezone).check_worker_on(
            worker.id, web.today()
        )
        window = web.today() + dt.timedelta(days=web.settings.lapse_warning_days)
        soon = [lapse for lapse in verdict.lapses if lapse.on <= window]
        later = [lapse for lapse in verdict.lapses if lapse.on > window]
        return web.render(
            request,
            "worker/documents.html",
            title="Your documents",
            worker=worker,
            failures=verdict.failures,
            soon=soon,
            later=later,
            window_days=web.settings.lapse_warning_days,
        )
