"""A care provider's pages: their gaps, posting a gap (with the GOV.UK error summary),
following one (offered to how many, accepted by whom) and cancelling it. The gap page
and its cancel page are shared with coordinators."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import get_args

from fastapi import APIRouter, Request, Response

from flexbank.models import PRIORITIES, Client, GapKind, GapReason, Gender, Priority
from flexbank.services import directory, messages, posting
from flexbank.services.contract import Actor, Conflict, GapIn, GapOut, InvalidInput
from flexbank.settings import Settings
from flexbank.web import forms
from flexbank.web.common import CsrfForm, Web, humanise
from flexbank.web.control_room import gap_rows
from flexbank.web.plain import word

#: Skills a gap can ask for (those the bank's workers record).
SKILLS = (
    "medication",
    "hoist",
    "dementia",
    "catheter",
    "end_of_life",
    "peg_feeding",
    "complex_care",
)
REASONS: tuple[str, ...] = get_args(GapReason)
KINDS: tuple[str, ...] = get_args(GapKind)
GENDERS: tuple[str, ...] = get_args(Gender)
PRIORITY_HINTS = {
    "emergency": "Someone is without care now or within hours",
    "urgent": "Must be covered, starts soon",
    "routine": "Planned cover",
}
MAX_HEADCOUNT = 4
OFFER_STATES = ("offered", "accepted", "declined", "expired", "withdrawn")


def _mine(actor: Actor) -> str:
    assert actor.subject_id is not None
    return actor.subject_id


def read_gap_form(
    values: dict[str, object], clients: dict[str, Client], tz: str, now: dt.datetime
) -> tuple[GapIn | None, dict[str, str]]:
    """Check a posted gap form; the gap, or the errors keyed by field id (in page order)."""
    errors: dict[str, str] = {}
    client_id = str(values.get("client") or "")
    kind = str(values.get("kind") or "")
    reason = str(values.get("reason") or "")
    priority = str(values.get("priority") or "")
    if client_id and client_id not in clients:
        errors["client"] = "Choose one of your clients"
    if kind not in KINDS:
        errors["kind"] = "Select whether this is a shift or a visit"
    elif kind == "visit" and not client_id and "client" not in errors:
        errors["client"] = "Choose the client for a home-care visit"
    if reason not in REASONS:
        errors["reason"] = "Select why you need cover"
    if priority not in PRIORITIES:
        errors["priority"] = "Select how urgent this is"
    date_values = values.get("date")
    parts = date_values if isinstance(date_values, dict) else {}
    day = forms.parse_date(parts, "date", errors, "date-day")
    start = forms.parse_time(str(values.get("start") or ""), "start time", errors, "start")
    end = forms.parse_time(str(values.get("end") or ""), "end time", errors, "end")
    first = last = None
    if day and start and end:
        if start == end:
            errors["end"] = "The end time must be different from the start time"
        else:
            first, last = forms.period_from(day, start, end, tz)
            if first <= now:
                errors["date-day"] = "The start must be in the future"
    raw_headcount = str(values.get("headcount") or "1")
    headcount = 0
    if not raw_headcount.isdigit() or not 1 <= int(raw_headcount) <= MAX_HEADCOUNT:
        errors["headcount"] = f"Enter how many workers, a whole number from 1 to {MAX_HEADCOUNT}"
    else:
        headcount = int(raw_headcount)
    skills = [s for s in _as_list(values.get("skills")) if s in SKILLS]
    gender = str(values.get("carer_gender") or "")
    if gender and gender not in GENDERS:
        errors["carer_gender"] = "Select a preference"
    # the order of the error summary is the order of the fields on the page
    order = ["client", "kind", "reason", "priority", "date-day", "start", "end", "headcount"]
    ordered = {k: errors[k] for k in order if k in errors}
    ordered.update({k: v for k, v in errors.items() if k not in ordered})
    if ordered or first is None or last is None:
        return None, ordered
    gap = GapIn(
        client_id=client_id or None,
        kind=kind,
        reason=reason,
        priority=priority,
        start=first,
        end=last,
        skills=skills,
        headcount=headcount,
        carer_gender=gender or None,
    )
    return gap, {}


def plausibility(
    gap: GapIn, settings: Settings, now: dt.datetime
) -> tuple[dict[str, str], list[str]]:
    """Refusals (errors keyed by field) and warnings (to confirm) for a gap that is
    unusually long or far ahead (limits in the settings)."""
    errors: dict[str, str] = {}
    warnings: list[str] = []
    hours = (gap.end - gap.start).total_seconds() / 3600
    weeks = (gap.start - now).total_seconds() / (7 * 24 * 3600)
    if hours > settings.gap_max_hours:
        errors["end"] = (
            f"A gap can be at most {settings.gap_max_hours:g} hours long: "
            "post longer cover as separate shifts"
        )
    elif hours > settings.gap_warn_hours:
        warnings.append(
            f"This gap is {hours:g} hours long, longer than {settings.gap_warn_hours:g} hours. "
            "Check the start and end times."
        )
    if weeks > settings.gap_max_weeks_ahead:
        errors["date-day"] = (
            f"A gap can start at most {settings.gap_max_weeks_ahead:g} weeks from today"
        )
    elif weeks > settings.gap_warn_weeks_ahead:
        warnings.append(
            f"This gap starts in {weeks:.0f} weeks, more than {settings.gap_warn_weeks_ahead:g} "
            "weeks ahead. Check the date."
        )
    return errors, warnings


def duplicates(gap: GapIn, existing: list[GapOut]) -> list[GapOut]:
    """Gaps already posted for the same client at an overlapping time, or for the same
    premises at the same start and end (several shifts can run side by side)."""
    same = []
    for g in existing:
        if g.status == "cancelled" or g.client_id != gap.client_id or g.kind != gap.kind:
            continue
        if gap.client_id is None:
            if g.start == gap.start and g.end == gap.end:
                same.append(g)
        elif g.start < gap.end and gap.start < g.end:
            same.append(g)
    return same


def _as_list(value: object) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)] if value else []


def register(router: APIRouter, web: Web) -> None:
    bank = web.bank

    @router.get("/app/provider")
    def gaps(request: Request) -> Response:
        actor = web.require(request, "provider")
        provider = bank.get_provider(actor, _mine(actor))
        mine = bank.list_gaps(actor, provider_id=provider.id)
        now = web.clock()
        coming = sorted((g for g in mine if g.end > now), key=lambda g: (g.start, g.id))
        past = sorted((g for g in mine if g.end <= now), key=lambda g: g.start, reverse=True)
        return web.render(
            request,
            "provider/gaps.html",
            title="Your gaps",
            provider=provider,
            coming=gap_rows(web, coming),
            past=gap_rows(web, past[:20]),
        )

    def form_page(
        request: Request,
        actor: Actor,
        values: dict[str, object],
        errors: dict[str, str],
        status: int = 200,
        warnings: list[str] | None = None,
        same: list[dict[str, object]] | None = None,
    ) -> Response:
        clients = bank.list_clients(actor, _mine(actor))
        names = directory.details(web.ctx, "client", [c.id for c in clients])
        return web.render(
            request,
            "provider/new_gap.html",
            status=status,
            title="Post a gap",
            values=values,
            errors=errors,
            warnings=warnings or [],
            same=same or [],
            clients=sorted(
                ((c, names.get(c.id)) for c in clients),
                key=lambda pair: (pair[1].name or pair[0].id) if pair[1] else pair[0].id,
            ),
            kinds=[
                ("shift", "A shift", "At your care home or service"),
                ("visit", "A visit", "A home-care call at a client's home"),
            ],
            word=word,
            reasons=[("", "Choose a reason")] + [(r, word(r)) for r in REASONS],
            priorities=[(p, humanise(p), PRIORITY_HINTS[p]) for p in PRIORITIES],
            skills=[(s, word(s)) for s in SKILLS],
            genders=[("", "No preference"), ("female", "Female"), ("male", "Male")],
        )

    @router.get("/app/provider/gaps/new")
    def new_gap(request: Request) -> Response:
        actor = web.require(request, "provider")
        values: dict[str, object] = {
            "date": {},
            "headcount": "1",
            "carer_gender": "",
            "skills": [],
            "key": secrets.token_urlsafe(12),
        }
        return form_page(request, actor, values, {})

    @router.post("/app/provider/gaps/new")
    def post_gap(request: Request, form: CsrfForm) -> Response:
        actor = web.require(request, "provider")
        values: dict[str, object] = {
            name: forms.text(form, name)
            for name in ("client", "kind", "reason", "priority", "start", "end", "headcount")
        }
        values["carer_gender"] = forms.text(form, "carer_gender")
        values["date"] = forms.date_parts(form, "date")
        values["skills"] = [str(v) for v in form.getlist("skills")]
        values["key"] = forms.text(form, "key") or secrets.token_urlsafe(12)
        clients = {c.id: c for c in bank.list_clients(actor, _mine(actor))}
        gap_in, errors = read_gap_form(values, clients, web.settings.timezone, web.clock())
        if gap_in is None:
            return form_page(request, actor, values, errors, status=400)
        already = posting.posted_with_key(web.ctx, actor, _mine(actor), str(values["key"]))
        if already is not None:  # the same form sent again (a double click, a retry)
            return web.redirect(request, f"/app/gaps/{already}")
        refusals, warnings = plausibility(gap_in, web.settings, web.clock())
        if refusals:
            return form_page(request, actor, values, refusals, status=400)
        confirmed = forms.text(form, "confirm") == "yes"
        same = duplicates(gap_in, bank.list_gaps(actor, provider_id=_mine(actor)))
        if same and not confirmed:
            warnings.insert(
                0,
                "You have already posted a gap for the same "
                + ("client" if gap_in.client_id else "place")
                + " at this time. Post another one only if you need more workers.",
            )
        if warnings and not confirmed:
            return form_page(
                request, actor, values, {}, warnings=warnings, same=gap_rows(web, same)
            )
        try:
            gap, created = bank.post_gap(actor, _mine(actor), gap_in, str(values["key"]))
        except InvalidInput as e:
            message = "; ".join(p.message for p in e.problems) or str(e)
            return form_page(request, actor, values, {"date-day": message}, status=400)
        except Conflict as e:
            return form_page(request, actor, values, {"date-day": str(e)}, status=409)
        if created:
            web.session(request).flash(_posted_message(gap, web))
        return web.redirect(request, f"/app/gaps/{gap.id}")

    @router.get("/app/gaps/{gap_id}")
    def gap_page(request: Request, gap_id: str) -> Response:
        actor = web.require(request, "provider", "coordinator")
        gap = bank.get_gap(actor, gap_id)
        offers = sorted(bank.gap_offers(actor, gap_id), key=lambda o: o.offered_at)
        bookings = [
            b
            for b in bank.list_bookings(actor, provider_id=gap.provider_id)
            if b.gap_id == gap.id and b.status != "cancelled"
        ]
        people = directory.details(
            web.ctx, "worker", {o.worker_id for o in offers} | {b.worker_id for b in bookings}
        )
        row = gap_rows(web, [gap])[0]
        client = directory.details(web.ctx, "client", [gap.client_id] if gap.client_id else [])
        counts = {s: sum(1 for o in offers if o.status == s) for s in OFFER_STATES}
        return web.render(
            request,
            "provider/gap.html",
            title=f"{word(gap.kind)} on {web.fmt.when(gap.start)}",
            gap=gap,
            row=row,
            offers=offers,
            bookings=bookings,
            people=people,
            client=client.get(gap.client_id) if gap.client_id else None,
            counts=counts,
            coordinator=actor.role == "coordinator",
            soon=web.clock() + dt.timedelta(hours=web.settings.urgent_within_hours) >= gap.start,
            back="/app/provider" if actor.role == "provider" else "/app/coordinator",
        )

    @router.get("/app/provider/messages")
    def message_history(request: Request) -> Response:
        actor = web.require(request, "provider")
        return web.render(
            request,
            "messages.html",
            title="Your messages",
            messages_sent=messages.messages_for(web.ctx, actor),
        )

    @router.get("/app/gaps/{gap_id}/cancel")
    def cancel_page(request: Request, gap_id: str) -> Response:
        actor = web.require(request, "provider", "coordinator")
        gap = bank.get_gap(actor, gap_id)
        return web.render(request, "provider/cancel.html", title="Cancel a gap", gap=gap)

    @router.post("/app/gaps/{gap_id}/cancel")
    def cancel(request: Request, gap_id: str, form: CsrfForm) -> Response:
        actor = web.require(request, "provider", "coordinator")
        session = web.session(request)
        try:
            gap = bank.cancel_gap(actor, gap_id)
        except Conflict as e:
            session.flash(str(e), kind="error", heading="The gap could not be cancelled")
            return web.redirect(request, f"/app/gaps/{gap_id}")
        session.flash(
            f"The {word(gap.kind).lower()} on {web.fmt.span(gap.start, gap.end)} is cancelled. "
            "Workers offered or booked have been told."
        )
        return web.redirect(request, f"/app/gaps/{gap.id}")


def _posted_message(gap: GapOut, web: Web) -> str:
    what = f"Your {word(gap.kind).lower()} on {web.fmt.span(gap.start, gap.end)} is posted."
    if gap.urgent and gap.offers_open:
        return (
            f"{what} It starts soon, so it was offered at once to "
            f"{gap.offers_open} worker{'s' if gap.offers_open != 1 else ''}."
        )
    if gap.urgent:
        return (
            f"{what} Nobody in the bank can take it at once: the flex team sees it now and "
            "will ring round."
        )
    return f"{what} The daily allocation will offer it to workers."


__all__ = ["Priority", "read_gap_form", "register"]
