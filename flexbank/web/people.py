"""Coordinators keep the bank's records in the pages: workers (add, change), their
documents (right to work, DBS, pre-employment checks, training; "verified" records who
checked what and when, from the audit trail), providers (address, phone, pay rate) and
clients (name, address, needs). Providers keep their own clients' details too."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, get_args

from fastapi import APIRouter, Request, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from flexbank.models import (
    CheckKind,
    DbsLevel,
    Location,
    Provider,
    ProviderKind,
    Skill,
    TrainingRecord,
    TravelMode,
    Worker,
)
from flexbank.services import directory
from flexbank.services.contract import Actor, Client, InvalidInput, NotFound
from flexbank.web import forms
from flexbank.web.common import CsrfForm, PageError, Web
from flexbank.web.lists import matches, paginate
from flexbank.web.plain import word
from flexbank.web.provider import SKILLS

TRAVEL_MODES: tuple[str, ...] = get_args(TravelMode)
CHECKS: tuple[str, ...] = get_args(CheckKind)
DBS_LEVELS: tuple[str, ...] = get_args(DbsLevel)
PROVIDER_KINDS: tuple[str, ...] = get_args(ProviderKind)
REG19 = (
    ("photo_id_verified", "Photo ID seen"),
    ("conduct_evidence", "Evidence of conduct in previous care work"),
    ("reasons_for_leaving_verified", "Reasons for leaving checked"),
    ("employment_history_complete", "Full employment history, gaps explained"),
    ("health_declaration", "Health declaration"),
)
COURSES = ("safeguarding_adults", "moving_handling", "infection_prevention", "basic_life_support")
VERIFIABLE = ("right_to_work", "dbs", "reg19", "training", "skills")
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _date(
    form: FormData, key: str, label: str, errors: dict[str, str], required: bool = True
) -> tuple[dt.date | None, dict[str, str]]:
    parts = forms.date_parts(form, key)
    if not any(parts.values()) and not required:
        return None, parts
    return forms.parse_date(parts, label, errors, f"{key}-day"), parts


def _number(
    form: FormData, key: str, label: str, errors: dict[str, str], lo: float, hi: float
) -> float | None:
    raw = forms.text(form, key)
    try:
        value = float(raw)
        if not lo <= value <= hi:
            raise ValueError
        return value
    except ValueError:
        errors[key] = f"Enter the {label}, a number from {lo:g} to {hi:g}"
        return None


def _location(form: FormData, errors: dict[str, str]) -> Location | None:
    postcode = forms.text(form, "postcode").upper()
    lat = _number(form, "lat", "latitude", errors, 49, 61)
    lon = _number(form, "lon", "longitude", errors, -9, 2)
    if not postcode:
        errors["postcode"] = "Enter the postcode"
    if lat is None or lon is None or not postcode:
        return None
    return Location(lat=lat, lon=lon, postcode=postcode)


def _dates(d: dt.date | None) -> dict[str, str]:
    return {"day": str(d.day), "month": str(d.month), "year": str(d.year)} if d else {}


def _problems(e: InvalidInput | ValidationError) -> dict[str, str]:
    if isinstance(e, InvalidInput):
        return {"name": "; ".join(p.message for p in e.problems)}
    return {"name": "; ".join(str(err.get("msg", "")) for err in e.errors())}


def register(router: APIRouter, web: Web) -> None:
    bank = web.bank

    # workers -----------------------------------------------------------------------
    @router.get("/app/coordinator/workers")
    def workers(request: Request, q: str = "", page: str = "") -> Response:
        actor = web.require(request, "coordinator")
        everyone = sorted(bank.list_workers(actor), key=lambda w: w.name)
        contacts = directory.details(web.ctx, "worker", [w.id for w in everyone])
        booked: dict[str, int] = {}
        for b in bank.list_bookings(actor):
            if b.status != "cancelled":
                booked[b.worker_id] = booked.get(b.worker_id, 0) + 1
        chosen = [
            w
            for w in everyone
            if matches(
                q, w.name, w.id, w.home.postcode, contacts.get(w.id, directory.Details()).phone
            )
        ]
        listing = paginate(chosen, page, "/app/coordinator/workers", {"q": q})
        return web.render(
            request,
            "coordinator/workers.html",
            title="Workers",
            listing=listing,
            booked=booked,
            contacts=contacts,
            q=q,
        )

    def worker_form(
        request: Request,
        worker: Worker | None,
        values: dict[str, Any],
        errors: dict[str, str],
        status: int = 200,
    ) -> Response:
        return web.render(
            request,
            "coordinator/worker_form.html",
            status=status,
            title=f"Change {worker.name}'s details" if worker else "Add a worker",
            worker=worker,
            values=values,
            errors=errors,
            genders=[("female", "Female"), ("male", "Male"), ("other", "Other")],
            modes=[(m, word(m)) for m in TRAVEL_MODES],
            checks=[(c, word(c)) for c in CHECKS],
            levels=[(lv, word(lv)) for lv in DBS_LEVELS],
            skills=[(s, word(s)) for s in SKILLS],
            reg19=REG19,
        )

    def worker_values(worker: Worker, phone: str | None, email: str | None) -> dict[str, Any]:
        return {
            "id": worker.id,
            "name": worker.name,
            "gender": worker.gender,
            "dob": _dates(worker.date_of_birth),
            "phone": phone or "",
            "email": email or "",
            "postcode": worker.home.postcode or "",
            "lat": f"{worker.home.lat:.6f}",
            "lon": f"{worker.home.lon:.6f}",
            "travel_mode": worker.travel_mode,
            "max_travel_km": f"{worker.max_travel_km:g}",
            "max_hours": f"{worker.max_hours_per_week:g}",
            "skills": [s.name for s in worker.skills],
            "rtw_check": worker.right_to_work.check,
            "rtw_checked": _dates(worker.right_to_work.checked_on),
            "rtw_expires": _dates(worker.right_to_work.permission_expires),
            "dbs_level": worker.dbs.level,
            "dbs_issued": _dates(worker.dbs.issued),
            "dbs_barred": "yes" if worker.dbs.adults_barred_list else "",
            "dbs_update": "yes" if worker.dbs.update_service else "",
            "reg19": [k for k, _ in REG19 if getattr(worker.reg19, k)],
        }

    @router.get("/app/coordinator/workers/new")
    def new_worker(request: Request) -> Response:
        web.require(request, "coordinator")
        values: dict[str, Any] = {"skills": [], "reg19": [], "travel_mode": "drive"}
        values |= {"dob": {}, "rtw_checked": {}, "rtw_expires": {}, "dbs_issued": {}}
        values |= {"max_travel_km": "10", "max_hours": "20", "dbs_level": "enhanced"}
        return worker_form(request, None, values, {})

    @router.get("/app/coordinator/workers/{worker_id}/edit")
    def edit_worker(request: Request, worker_id: str) -> Response:
        actor = web.require(request, "coordinator")
        worker = bank.get_worker(actor, worker_id)
        contact = directory.details(web.ctx, "worker", [worker_id]).get(worker_id)
        values = worker_values(
            worker, contact.phone if contact else None, contact.email if contact else None
        )
        return worker_form(request, worker, values, {})

    def read_worker(
        form: FormData, before: Worker | None
    ) -> tuple[Worker | None, dict[str, Any], dict[str, str]]:
        errors: dict[str, str] = {}
        values: dict[str, Any] = {
            k: forms.text(form, k)
            for k in (
                "id",
                "name",
                "gender",
                "phone",
                "email",
                "postcode",
                "lat",
                "lon",
                "travel_mode",
                "max_travel_km",
                "max_hours",
                "rtw_check",
                "dbs_level",
                "dbs_barred",
                "dbs_update",
            )
        }
        values["skills"] = [str(v) for v in form.getlist("skills") if str(v) in SKILLS]
        values["reg19"] = [str(v) for v in form.getlist("reg19")]
        worker_id = before.id if before else values["id"]
        if before is None and not _ID.match(worker_id):
            errors["id"] = "Enter the worker number: letters, digits, - or _ only"
        if not values["name"]:
            errors["name"] = "Enter the worker's name"
        if values["gender"] not in ("female", "male", "other"):
            errors["gender"] = "Select the worker's gender"
        dob, values["dob"] = _date(form, "dob", "date of birth", errors)
        home = _location(form, errors)
        if values["travel_mode"] not in TRAVEL_MODES:
            errors["travel_mode"] = "Select how they travel"
        km = _number(form, "max_travel_km", "furthest they will travel in km", errors, 0, 200)
        hours = _number(form, "max_hours", "hours a week they offer", errors, 0, 80)
        if values["rtw_check"] not in CHECKS:
            errors["rtw_check"] = "Select the right to work check"
        checked, values["rtw_checked"] = _date(form, "rtw_checked", "date of the check", errors)
        expires, values["rtw_expires"] = _date(
            form, "rtw_expires", "date permission ends", errors, required=False
        )
        if values["dbs_level"] not in DBS_LEVELS:
            errors["dbs_level"] = "Select the DBS level"
        issued, values["dbs_issued"] = _date(form, "dbs_issued", "DBS issue date", errors)
        if errors:
            return None, values, errors
        skills = [
            next((s for s in (before.skills if before else []) if s.name == name), Skill(name=name))
            for name in values["skills"]
        ]
        data: dict[str, Any] = {
            "id": worker_id,
            "name": values["name"][:200],
            "gender": values["gender"],
            "date_of_birth": dob,
            "home": home,
            "travel_mode": values["travel_mode"],
            "max_travel_km": km,
            "max_hours_per_week": hours,
            "skills": skills,
            "right_to_work": {
                **(before.right_to_work.model_dump() if before else {}),
                "check": values["rtw_check"],
                "checked_on": checked,
                "permission_expires": expires,
            },
            "dbs": {
                **(before.dbs.model_dump() if before else {}),
                "level": values["dbs_level"],
                "issued": issued,
                "adults_barred_list": values["dbs_barred"] == "yes",
                "update_service": values["dbs_update"] == "yes",
            },
            "reg19": {k: k in values["reg19"] for k, _ in REG19},
        }
        try:
            if before is not None:
                worker = Worker.model_validate({**before.model_dump(), **data}, strict=False)
            else:
                worker = Worker.model_validate(data, strict=False)
        except ValidationError as e:
            return None, values, {"rtw_check": "; ".join(str(x.get("msg", "")) for x in e.errors())}
        return worker, values, {}

    def save_worker(
        request: Request, actor: Actor, form: FormData, before: Worker | None
    ) -> Response:
        worker, values, errors = read_worker(form, before)
        if worker is None:
            return worker_form(request, before, values, errors, status=400)
        if before is None:
            try:
                bank.get_worker(actor, worker.id)
                return worker_form(
                    request, None, values, {"id": "There is already a worker with this number"}, 400
                )
            except NotFound:
                pass
        try:
            saved = bank.put_worker(actor, worker)
            set_contact = getattr(bank, "set_contact", None)
            if set_contact is not None:
                set_contact(
                    actor,
                    "worker",
                    saved.id,
                    values["email"][:200] or None,
                    values["phone"][:50] or None,
                )
        except InvalidInput as e:
            return worker_form(request, before, values, _problems(e), status=400)
        web.session(request).flash(f"{saved.name}'s details are saved.")
        return web.redirect(request, f"/app/coordinator/workers/{saved.id}/documents")

    @router.post("/app/coordinator/workers/new")
    def add_worker(request: Request, form: CsrfForm) -> Response:
        return save_worker(request, web.require(request, "coordinator"), form, None)

    @router.post("/app/coordinator/workers/{worker_id}/edit")
    def change_worker(request: Request, worker_id: str, form: CsrfForm) -> Response:
        actor = web.require(request, "coordinator")
        return save_worker(request, actor, form, bank.get_worker(actor, worker_id))

    # documents ---------------------------------------------------------------------
    def documents_page(
        request: Request,
        actor: Actor,
        worker: Worker,
        errors: dict[str, str] | None = None,
        values: dict[str, Any] | None = None,
        status: int = 200,
    ) -> Response:
        trail = bank.audit_trail(actor, "worker", worker.id)
        verified: dict[str, Any] = {}
        for entry in sorted(trail, key=lambda e: e.at):
            if entry.action == "verified":
                verified[str(entry.detail.get("record"))] = entry
        from flexbank.web.admin import who_did

        return web.render(
            request,
            "coordinator/documents.html",
            status=status,
            title=f"{worker.name}'s documents",
            worker=worker,
            verified=verified,
            who_did=who_did,
            records=[(r, word(r)) for r in VERIFIABLE],
            courses=[(c, word(c)) for c in COURSES],
            reg19=REG19,
            errors=errors or {},
            values=values or {"completed": {}, "expires": {}},
        )

    @router.get("/app/coordinator/workers/{worker_id}/documents")
    def documents(request: Request, worker_id: str) -> Response:
        actor = web.require(request, "coordinator")
        return documents_page(request, actor, bank.get_worker(actor, worker_id))

    @router.post("/app/coordinator/workers/{worker_id}/verify")
    def verify(request: Request, worker_id: str, form: CsrfForm) -> Response:
        actor = web.require(request, "coordinator")
        worker = bank.get_worker(actor, worker_id)
        record = forms.text(form, "record")
        if record not in VERIFIABLE:
            raise PageError(400, "No such document", "Go back and choose a document to verify.")
        bank.verify_record(actor, worker.id, record, forms.text(form, "note")[:500])
        web.session(request).flash(
            f"{word(record)} of {worker.name} is recorded as verified by you."
        )
        return web.redirect(request, f"/app/coordinator/workers/{worker.id}/documents")

    @router.post("/app/coordinator/workers/{worker_id}/training")
    def add_training(request: Request, worker_id: str, form: CsrfForm) -> Response:
        actor = web.require(request, "coordinator")
        worker = bank.get_worker(actor, worker_id)
        errors: dict[str, str] = {}
        course = forms.text(form, "course")
        if course not in COURSES:
            errors["course"] = "Select the course"
        completed, c_parts = _date(form, "completed", "date it was completed", errors)
        expires, e_parts = _date(form, "expires", "date it expires", errors, required=False)
        if completed and expires and expires < completed:
            errors["expires-day"] = "The expiry date must be after the date it was completed"
        if errors or completed is None:
            values = {"course": course, "completed": c_parts, "expires": e_parts}
            return documents_page(request, actor, worker, errors, values, status=400)
        record = TrainingRecord(course=course, completed=completed, expires=expires)
        kept = [t for t in worker.training if t.course != course]
        bank.put_worker(actor, worker.model_copy(update={"training": [*kept, record]}))
        web.session(request).flash(f"{word(course)} training is recorded for {worker.name}.")
        return web.redirect(request, f"/app/coordinator/workers/{worker.id}/documents")

    # providers and clients ---------------------------------------------------------
    @router.get("/app/coordinator/providers")
    def providers(request: Request, q: str = "", page: str = "") -> Response:
        actor = web.require(request, "coordinator")
        everyone = sorted(bank.list_providers(actor), key=lambda p: p.name)
        about = directory.details(web.ctx, "provider", [p.id for p in everyone])
        chosen = [
            p
            for p in everyone
            if matches(q, p.name, p.id, p.location.postcode, about[p.id].address)
        ]
        listing = paginate(chosen, page, "/app/coordinator/providers", {"q": q})
        return web.render(
            request,
            "coordinator/providers.html",
            title="Providers",
            listing=listing,
            about=about,
            q=q,
        )

    def provider_page(
        request: Request,
        actor: Actor,
        provider: Provider,
        values: dict[str, Any] | None = None,
        errors: dict[str, str] | None = None,
        status: int = 200,
    ) -> Response:
        about = directory.details(web.ctx, "provider", [provider.id])[provider.id]
        clients = bank.list_clients(actor, provider.id)
        names = directory.details(web.ctx, "client", [c.id for c in clients])
        if values is None:
            values = {
                "name": provider.name,
                "phone": about.phone or "",
                "email": about.email or "",
                "address": about.address or "",
                "pay_rate": f"{about.pay_rate:.2f}" if about.pay_rate else "",
            }
        return web.render(
            request,
            "coordinator/provider.html",
            status=status,
            title=provider.name,
            provider=provider,
            about=about,
            values=values,
            errors=errors or {},
            clients=sorted(clients, key=lambda c: names[c.id].name or c.id),
            names=names,
            coordinator=actor.role == "coordinator",
            default_pay=web.settings.default_pay_rate,
        )

    def new_record_page(
        request: Request,
        kind: str,
        values: dict[str, Any],
        errors: dict[str, str],
        status: int = 200,
        provider: Provider | None = None,
    ) -> Response:
        return web.render(
            request,
            "coordinator/new_record.html",
            status=status,
            title="Add a provider" if kind == "provider" else "Add a client",
            kind=kind,
            provider=provider,
            values=values,
            errors=errors,
            kinds=[(k, word(k)) for k in PROVIDER_KINDS],
            genders=[("", "No preference"), ("female", "Female"), ("male", "Male")],
        )

    @router.get("/app/coordinator/providers/new")
    def new_provider(request: Request) -> Response:
        web.require(request, "coordinator")
        return new_record_page(request, "provider", {"kind": "care_home"}, {})

    @router.post("/app/coordinator/providers/new")
    def add_provider(request: Request, form: CsrfForm) -> Response:
        actor = web.require(request, "coordinator")
        keys = ("id", "name", "kind", "address", "phone", "email", "postcode", "lat", "lon")
        values: dict[str, Any] = {k: forms.text(form, k) for k in keys}
        errors: dict[str, str] = {}
        if not _ID.match(values["id"]):
            errors["id"] = "Enter the provider's reference: letters, digits, - or _ only"
        if not values["name"]:
            errors["name"] = "Enter the provider's name"
        if values["kind"] not in PROVIDER_KINDS:
            errors["kind"] = "Select the kind of provider"
        place = _location(form, errors)
        if not errors:
            try:
                bank.get_provider(actor, values["id"])
                errors["id"] = "There is already a provider with this reference"
            except NotFound:
                pass
        if errors or place is None:
            return new_record_page(request, "provider", values, errors, status=400)
        provider = Provider(
            id=values["id"], name=values["name"][:200], kind=values["kind"], location=place
        )
        bank.put_provider(actor, provider)
        directory.put(
            web.ctx,
            actor,
            "provider",
            provider.id,
            name=provider.name,
            address=values["address"],
            phone=values["phone"],
            email=values["email"],
        )
        web.session(request).flash(f"{provider.name} is added.")
        return web.redirect(request, f"/app/coordinator/providers/{provider.id}")

    @router.get("/app/providers/{provider_id}/clients/new")
    def new_client(request: Request, provider_id: str) -> Response:
        actor = web.require(request, "coordinator", "provider")
        provider = bank.get_provider(actor, provider_id)
        return new_record_page(request, "client", {}, {}, provider=provider)

    @router.post("/app/providers/{provider_id}/clients/new")
    def add_client(request: Request, provider_id: str, form: CsrfForm) -> Response:
        actor = web.require(request, "coordinator", "provider")
        provider = bank.get_provider(actor, provider_id)
        keys = ("id", "name", "address", "phone", "needs", "carer_gender", "postcode", "lat", "lon")
        values: dict[str, Any] = {k: forms.text(form, k) for k in keys}
        errors: dict[str, str] = {}
        if not _ID.match(values["id"]):
            errors["id"] = "Enter the client's reference: letters, digits, - or _ only"
        if not values["name"]:
            errors["name"] = "Enter the client's name"
        if values["carer_gender"] not in ("", "female", "male"):
            errors["carer_gender"] = "Select a preference"
        place = _location(form, errors)
        if not errors:
            try:
                bank.get_client(Actor.system(), values["id"])
                errors["id"] = "There is already a client with this reference"
            except NotFound:
                pass
        if errors or place is None:
            return new_record_page(request, "client", values, errors, status=400, provider=provider)
        client = Client(
            id=values["id"],
            provider_id=provider.id,
            location=place,
            carer_gender=values["carer_gender"] or None,
        )
        bank.put_client(actor, client)
        directory.put(
            web.ctx,
            actor,
            "client",
            client.id,
            name=values["name"],
            address=values["address"],
            phone=values["phone"],
            needs=values["needs"],
        )
        web.session(request).flash(f"{values['name']} is added.")
        back = (
            f"/app/coordinator/providers/{provider.id}"
            if actor.role == "coordinator"
            else "/app/provider/clients"
        )
        return web.redirect(request, back)

    @router.get("/app/coordinator/providers/{provider_id}")
    def provider_details(request: Request, provider_id: str) -> Response:
        actor = web.require(request, "coordinator")
        return provider_page(request, actor, bank.get_provider(actor, provider_id))

    @router.get("/app/provider/clients")
    def own_clients(request: Request) -> Response:
        actor = web.require(request, "provider")
        assert actor.subject_id is not None
        return provider_page(request, actor, bank.get_provider(actor, actor.subject_id))

    @router.post("/app/coordinator/providers/{provider_id}")
    def save_provider(request: Request, provider_id: str, form: CsrfForm) -> Response:
        actor = web.require(request, "coordinator")
        provider = bank.get_provider(actor, provider_id)
        values = {k: forms.text(form, k) for k in ("name", "phone", "email", "address", "pay_rate")}
        errors: dict[str, str] = {}
        pay = None
        if values["pay_rate"]:
            pay = _number(form, "pay_rate", "pay rate in pounds an hour", errors, 1, 999)
        if not values["name"]:
            errors["name"] = "Enter the provider's name"
        if errors:
            return provider_page(request, actor, provider, values, errors, status=400)
        try:
            directory.put(
                web.ctx,
                actor,
                "provider",
                provider.id,
                name=values["name"],
                phone=values["phone"],
                email=values["email"],
                address=values["address"],
                pay_rate=pay,
            )
        except InvalidInput as e:
            return provider_page(request, actor, provider, values, _problems(e), status=400)
        web.session(request).flash(f"{values['name']}'s details are saved.")
        return web.redirect(request, f"/app/coordinator/providers/{provider.id}")

    def client_page(
        request: Request,
        actor: Actor,
        client: Client,
        values: dict[str, Any] | None = None,
        errors: dict[str, str] | None = None,
        status: int = 200,
    ) -> Response:
        about = directory.details(web.ctx, "client", [client.id])[client.id]
        if values is None:
            values = {
                "name": about.name or "",
                "address": about.address or "",
                "phone": about.phone or "",
                "needs": about.needs or "",
                "carer_gender": client.carer_gender or "",
            }
        back = (
            f"/app/coordinator/providers/{client.provider_id}"
            if actor.role == "coordinator"
            else "/app/provider/clients"
        )
        return web.render(
            request,
            "coordinator/client.html",
            status=status,
            title=about.name or "A client",
            client=client,
            values=values,
            errors=errors or {},
            back=back,
            genders=[("", "No preference"), ("female", "Female"), ("male", "Male")],
        )

    @router.get("/app/clients/{client_id}")
    def client_details(request: Request, client_id: str) -> Response:
        actor = web.require(request, "coordinator", "provider")
        return client_page(request, actor, bank.get_client(actor, client_id))

    @router.post("/app/clients/{client_id}")
    def save_client(request: Request, client_id: str, form: CsrfForm) -> Response:
        actor = web.require(request, "coordinator", "provider")
        client = bank.get_client(actor, client_id)
        values = {
            k: forms.text(form, k) for k in ("name", "address", "phone", "needs", "carer_gender")
        }
        errors: dict[str, str] = {}
        if not values["name"]:
            errors["name"] = "Enter the client's name"
        if values["carer_gender"] not in ("", "female", "male"):
            errors["carer_gender"] = "Select a preference"
        if errors:
            return client_page(request, actor, client, values, errors, status=400)
        try:
            directory.put(
                web.ctx,
                actor,
                "client",
                client.id,
                name=values["name"],
                address=values["address"],
                phone=values["phone"],
                needs=values["needs"],
            )
            gender = values["carer_gender"] or None
            if gender != client.carer_gender:
                bank.put_client(actor, client.model_copy(update={"carer_gender": gender}))
        except InvalidInput as e:
            return client_page(request, actor, client, values, _problems(e), status=400)
        web.session(request).flash(f"{values['name']}'s details are saved.")
        back = (
            f"/app/coordinator/providers/{client.provider_id}"
            if actor.role == "coordinator"
            else "/app/provider/clients"
        )
        return web.redirect(request, back)
