"""Running the bank from the pages (coordinators): the audit trail, API tokens, importing
a scenario file (with the format's own messages for every problem) and CSV exports of
the registers and reports."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.datastructures import UploadFile

from flexbank.services import token_admin
from flexbank.services.contract import Actor, InvalidInput, ReportFilter
from flexbank.validation import FormatError, load_scenario
from flexbank.web import forms
from flexbank.web.common import CsrfForm, Web
from flexbank.web.control_room import gap_rows
from flexbank.web.lists import matches, paginate
from flexbank.web.plain import word
from flexbank.web.records import register_of

MAX_UPLOAD = 20 * 1024 * 1024

#: What the audit trail's actions mean.
ACTIONS = {
    "posted": "posted",
    "offered": "offered to workers",
    "offer_now": "offered now by the flex team",
    "accepted": "accepted",
    "declined": "declined",
    "expired": "ran out of time",
    "booked": "made",
    "booked_by_phone": "booked by phone",
    "filled": "filled",
    "cancelled": "cancelled",
    "verified": "document verified",
    "nobody_left": "nobody left to offer it to",
    "details_updated": "details changed",
    "contact_updated": "contact details changed",
    "token_revoked": "access token revoked",
    "imported": "imported",
}


def csv_response(name: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


def who_did(actor: str) -> str:
    """'coordinator (Flex team)' -> 'Flex team'; 'worker:W0015 (link)' -> 'worker W0015'."""
    if actor == "system":
        return "flexbank"
    if "(" in actor and actor.endswith(")"):
        name = actor[actor.index("(") + 1 : -1]
        if name and name not in ("link", "system"):
            return name
        actor = actor[: actor.index("(")].strip()
    return actor.replace(":", " ")


def _options(names: dict[str, str]) -> list[tuple[str, str]]:
    return sorted(((k, f"{v} ({k})") for k, v in names.items()), key=lambda p: p[1])


def register(router: APIRouter, web: Web) -> None:
    bank = web.bank

    @router.get("/app/coordinator/bank")
    def bank_hub(request: Request) -> Response:
        web.require(request, "coordinator")
        return web.render(request, "coordinator/bank.html", title="Run the bank")

    # audit trail -------------------------------------------------------------------
    @router.get("/app/coordinator/audit")
    def audit_trail(request: Request, entity: str = "", q: str = "", page: str = "") -> Response:
        actor = web.require(request, "coordinator")
        entries = bank.audit_trail(actor, entity or None)
        workers = {w.id: w.name for w in bank.list_workers(actor)}
        providers = {p.id: p.name for p in bank.list_providers(actor)}
        gap_ids = {e.entity_id for e in entries if e.entity == "gap"}
        gap_ids |= {str(e.detail["gap"]) for e in entries if isinstance(e.detail.get("gap"), str)}
        gaps = {}
        if gap_ids:
            for r in gap_rows(web, [g for g in bank.list_gaps(actor) if g.id in gap_ids]):
                g = r["gap"]
                client = f" for {r['client']}" if r["client"] else ""
                gaps[g.id] = f"{word(g.kind)}{client} at {r['provider']}, {web.fmt.when(g.start)}"
        rows = []
        for e in sorted(entries, key=lambda e: (e.at, e.id), reverse=True):
            subject = e.entity_id
            if e.entity == "gap":
                subject = gaps.get(e.entity_id, e.entity_id)
            elif isinstance(e.detail.get("gap"), str):
                subject = gaps.get(str(e.detail["gap"]), subject)
            elif e.entity_id == "-":
                subject = ""
            elif e.entity == "worker":
                subject = workers.get(e.entity_id, e.entity_id)
            elif e.entity == "provider":
                subject = providers.get(e.entity_id, e.entity_id)
            detail = e.detail
            extra = ""
            if e.action == "verified":
                extra = word(str(detail.get("record", "")))
                if detail.get("note"):
                    extra += f": {detail['note']}"
            elif "worker" in detail and isinstance(detail["worker"], str):
                extra = workers.get(detail["worker"], detail["worker"])
            elif "workers" in detail and isinstance(detail["workers"], list):
                extra = ", ".join(workers.get(str(w), str(w)) for w in detail["workers"])
            row: dict[str, Any] = {
                "at": e.at,
                "who": who_did(e.actor),
                "what": f"{word(e.entity)} {ACTIONS.get(e.action, word(e.action).lower())}",
                "subject": subject,
                "subject_id": e.entity_id if e.entity in ("gap", "worker", "provider") else "",
                "extra": extra,
            }
            if matches(q, row["who"], row["what"], row["subject"], e.entity_id, extra):
                rows.append(row)
        query = {"entity": entity, "q": q}
        listing = paginate(rows, page, "/app/coordinator/audit", query)
        return web.render(
            request,
            "coordinator/audit.html",
            title="Audit trail",
            listing=listing,
            filters=query,
            entity_options=[
                ("", "Everything"),
                ("gap", "Gaps"),
                ("offer", "Offers"),
                ("booking", "Bookings"),
                ("worker", "Workers"),
                ("provider", "Providers"),
                ("client", "Clients"),
                ("token", "Access tokens"),
            ],
        )

    # tokens --------------------------------------------------------------------------
    def tokens_page(request: Request, actor: Actor, **extra: Any) -> Response:
        tokens = token_admin.list_tokens(web.ctx, actor)
        workers = {w.id: w.name for w in bank.list_workers(actor)}
        providers = {p.id: p.name for p in bank.list_providers(actor)}
        return web.render(
            request,
            "coordinator/tokens.html",
            title="Access tokens",
            tokens=tokens,
            subjects={**workers, **providers},
            worker_options=[
                ("", "Choose a worker"),
                *sorted(((k, f"{v} ({k})") for k, v in workers.items()), key=lambda p: p[1]),
            ],
            provider_options=[
                ("", "Choose a provider"),
                *sorted(((k, f"{v} ({k})") for k, v in providers.items()), key=lambda p: p[1]),
            ],
            errors=extra.pop("errors", {}),
            **extra,
        )

    @router.get("/app/coordinator/tokens")
    def tokens(request: Request) -> Response:
        return tokens_page(request, web.require(request, "coordinator"))

    @router.post("/app/coordinator/tokens")
    def make_token(request: Request, form: CsrfForm) -> Response:
        actor = web.require(request, "coordinator")
        role = forms.text(form, "role")
        name = forms.text(form, "name")[:200]
        subject = forms.text(form, f"subject_{role}") if role in ("worker", "provider") else ""
        errors: dict[str, str] = {}
        if role not in ("coordinator", "provider", "worker"):
            errors["role"] = "Select who the token is for"
        elif role != "coordinator" and not subject:
            errors[f"subject_{role}"] = f"Choose the {role}"
        if not name:
            errors["name"] = "Enter a name for the token, like the person who will use it"
        if errors:
            return tokens_page(request, actor, errors=errors, status=400)
        token = bank.create_token(role, subject or None, name)  # type: ignore[arg-type]
        return tokens_page(request, actor, new_token=token, new_name=name)

    @router.post("/app/coordinator/tokens/{token_id}/revoke")
    def revoke_token(request: Request, token_id: int, form: CsrfForm) -> Response:
        actor = web.require(request, "coordinator")
        info = token_admin.revoke(web.ctx, actor, token_id)
        web.session(request).flash(f"The token “{info.name or info.role}” no longer works.")
        return web.redirect(request, "/app/coordinator/tokens")

    # import ----------------------------------------------------------------------------
    @router.get("/app/coordinator/import")
    def import_page(request: Request) -> Response:
        web.require(request, "coordinator")
        return web.render(request, "coordinator/import.html", title="Import", problems=[])

    @router.post("/app/coordinator/import")
    async def import_file(request: Request, form: CsrfForm) -> Response:
        actor = web.require(request, "coordinator")
        upload = form.get("file")
        problems: list[str] = []
        raw = b""
        if not isinstance(upload, UploadFile) or not upload.filename:
            problems = ["Choose a scenario file to import"]
        else:
            raw = await upload.read(MAX_UPLOAD + 1)
            if len(raw) > MAX_UPLOAD:
                problems = ["The file is larger than 20 MB"]
        if not problems:
            try:
                scenario = load_scenario(raw)
                summary = bank.import_scenario(actor, scenario)
            except FormatError as e:
                problems = [f"{p.path}: {p.message}" for p in e.problems]
            except InvalidInput as e:
                problems = [f"{p.path}: {p.message}" for p in e.problems]
            else:
                web.session(request).flash(
                    f"Imported {summary.providers} providers, {summary.clients} clients, "
                    f"{summary.workers} workers, {summary.gaps} gaps and "
                    f"{summary.bookings} bookings."
                )
                return web.redirect(request, "/app/coordinator")
        return web.render(
            request, "coordinator/import.html", status=400, title="Import", problems=problems
        )

    # CSV exports -----------------------------------------------------------------------
    @router.get("/app/coordinator/exports")
    def exports(request: Request) -> Response:
        web.require(request, "coordinator")
        return web.render(request, "coordinator/exports.html", title="Exports")

    @router.get("/app/exports/gaps.csv")
    def gaps_csv(request: Request, days: int = 28) -> Response:
        actor = web.require(request, "coordinator", "provider")
        today = web.today()
        gaps = bank.list_gaps(
            actor,
            provider_id=actor.subject_id if actor.role == "provider" else None,
            start=today - dt.timedelta(days=max(0, min(days, 366))),
            end=today + dt.timedelta(days=max(0, min(days, 366))),
        )
        rows = gap_rows(web, gaps)
        return csv_response(
            "gaps.csv",
            [
                "start",
                "end",
                "kind",
                "priority",
                "reason",
                "status",
                "provider",
                "client",
                "place",
                "workers needed",
                "workers booked",
                "gap id",
            ],
            (
                [
                    web.fmt.local(r["gap"].start).isoformat(),
                    web.fmt.local(r["gap"].end).isoformat(),
                    r["gap"].kind,
                    r["gap"].priority,
                    r["gap"].reason,
                    r["gap"].status,
                    r["provider"],
                    r["client"],
                    r["place"],
                    r["gap"].headcount,
                    len(r["gap"].booked_workers),
                    r["gap"].id,
                ]
                for r in rows
            ),
        )

    @router.get("/app/exports/bookings.csv")
    def bookings_csv(request: Request) -> Response:
        actor = web.require(request, "coordinator", "provider")
        bookings = bank.list_bookings(actor)
        workers = (
            {w.id: w.name for w in bank.list_workers(actor)} if actor.role == "coordinator" else {}
        )
        if actor.role == "provider":
            from flexbank.services import directory

            workers = {
                k: v.name or ""
                for k, v in directory.details(
                    web.ctx, "worker", {b.worker_id for b in bookings}
                ).items()
            }
        providers = {p.id: p.name for p in bank.list_providers(actor)}
        return csv_response(
            "bookings.csv",
            ["start", "end", "hours", "worker", "provider", "status", "worker id", "gap id"],
            (
                [
                    web.fmt.local(b.start).isoformat(),
                    web.fmt.local(b.end).isoformat(),
                    round((b.end - b.start).total_seconds() / 3600, 2),
                    workers.get(b.worker_id, ""),
                    providers.get(b.provider_id, b.provider_id),
                    b.status,
                    b.worker_id,
                    b.gap_id,
                ]
                for b in bookings
            ),
        )

    @router.get("/app/exports/compliance.csv")
    def compliance_csv(request: Request, days: int = 30) -> Response:
        actor = web.require(request, "coordinator")
        days = max(1, min(days, 365))
        reg = register_of(bank.list_workers(actor), web.clock(), web.settings.timezone, days)
        return csv_response(
            "compliance-register.csv",
            ["worker", "status", "problems", "lapsing within the window", "worker id"],
            (
                [
                    e.name,
                    word(e.status),
                    "; ".join(f"{word(f.code)}: {f.message}" for f in e.verdict.failures),
                    "; ".join(f"{word(lp.code)} on {lp.on.isoformat()}" for lp in e.lapsing),
                    e.worker_id,
                ]
                for e in reg.entries
            ),
        )

    @router.get("/app/exports/report.csv")
    def report_csv(request: Request, weeks: int = 8) -> Response:
        actor = web.require(request, "coordinator", "provider")
        weeks = max(1, min(weeks, 52))
        from flexbank import timeline

        monday = timeline.week_monday(web.today()) - dt.timedelta(days=7 * (weeks // 2))
        provider = actor.subject_id if actor.role == "provider" else None
        out = []
        for i in range(weeks):
            first = monday + dt.timedelta(days=7 * i)
            r = bank.report(
                actor,
                ReportFilter(provider_id=provider, start=first, end=first + dt.timedelta(days=6)),
            )
            out.append(
                [
                    first.isoformat(),
                    r.gaps_posted,
                    r.places_posted,
                    r.places_filled,
                    round(r.fill_rate * 100, 1),
                    ""
                    if r.median_minutes_to_fill is None
                    else round(r.median_minutes_to_fill / 60, 2),
                    round(r.hours_filled, 2),
                    round(r.agency_spend_avoided, 2),
                ]
            )
        return csv_response(
            "report.csv",
            [
                "week starting",
                "gaps posted",
                "places posted",
                "places filled",
                "fill rate %",
                "median hours to fill",
                "hours filled",
                "agency spend avoided (GBP)",
            ],
            out,
        )
