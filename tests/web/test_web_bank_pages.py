"""Running the bank from the pages: workers and their documents, providers' pay rates
and clients' names, import, CSV exports, the audit trail, tokens, sign-in by email,
weekly availability, what a worker sees on an offer, implausible gaps, and the
notifications one can see (links in the development log, the outbox pump)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from web_support import PROVIDER_ID, Service, csrf_of, signed_in, worker_client

from flexbank.adapters.channels import LogChannel
from flexbank.adapters.orm import AvailabilityRow, NotificationRow
from flexbank.services import directory, patterns, sign_in_links
from flexbank.services.contract import Actor, GapIn
from flexbank.services.notifications import OutgoingMessage
from flexbank.services.outbox_pump import OutboxPump
from flexbank.settings import Settings
from flexbank.web.provider import plausibility

SYSTEM = Actor.system()


@pytest.fixture(scope="module")
def coordinator(service: Service) -> TestClient:
    return signed_in(service, service.coordinator_token)


@pytest.fixture(scope="module")
def provider(service: Service) -> TestClient:
    return signed_in(service, service.provider_token)


def _main(html: str) -> str:
    return html.split("<main", 1)[1].split("</main>", 1)[0]


# ------------------------------------------------------------------ workers


def _worker_form(csrf: str, **extra: object) -> dict[str, object]:
    form: dict[str, object] = {
        "csrf_token": csrf,
        "id": "W9001",
        "name": "Joan Pilling",
        "gender": "female",
        "dob-day": "4",
        "dob-month": "5",
        "dob-year": "1980",
        "phone": "07700 900999",
        "email": "joan.pilling@example.org",
        "postcode": "BL9 0AA",
        "lat": "53.593",
        "lon": "-2.298",
        "travel_mode": "drive",
        "max_travel_km": "12",
        "max_hours": "20",
        "skills": ["dementia", "hoist"],
        "rtw_check": "list_a",
        "rtw_checked-day": "1",
        "rtw_checked-month": "3",
        "rtw_checked-year": "2024",
        "dbs_level": "enhanced",
        "dbs_issued-day": "1",
        "dbs_issued-month": "6",
        "dbs_issued-year": "2025",
        "dbs_barred": "yes",
        "reg19": ["photo_id_verified", "conduct_evidence"],
    }
    form.update(extra)
    return form


def test_a_coordinator_adds_a_worker_and_verifies_their_documents(
    coordinator: TestClient, service: Service
) -> None:
    page = coordinator.get("/app/coordinator/workers/new")
    bad = coordinator.post(
        "/app/coordinator/workers/new", data=_worker_form(csrf_of(page.text), name="", lat="x")
    )
    assert bad.status_code == 400
    assert '<a href="#name">Enter the worker' in bad.text and '<a href="#lat">' in bad.text
    done = coordinator.post("/app/coordinator/workers/new", data=_worker_form(csrf_of(page.text)))
    assert done.status_code == 200 and "Joan Pilling&#39;s details are saved" in done.text
    worker = service.bank.get_worker(SYSTEM, "W9001")
    assert worker.name == "Joan Pilling" and {s.name for s in worker.skills} == {
        "dementia",
        "hoist",
    }
    assert worker.dbs.adults_barred_list and not worker.reg19.health_declaration
    contact = directory.details(service.bank.ctx, "worker", ["W9001"])["W9001"]
    assert contact.phone == "07700 900999" and contact.email == "joan.pilling@example.org"
    assert "Missing: reasons for leaving checked" in done.text
    verified = coordinator.post(
        "/app/coordinator/workers/W9001/verify",
        data={"csrf_token": csrf_of(done.text), "record": "dbs"},
    )
    assert "DBS check of Joan Pilling is recorded as verified" in verified.text
    row = verified.text[verified.text.index(">DBS check<") :]
    assert "By Flex team" in row.split("</tr>")[0]
    trained = coordinator.post(
        "/app/coordinator/workers/W9001/training",
        data={
            "csrf_token": csrf_of(done.text),
            "course": "moving_handling",
            "completed-day": "2",
            "completed-month": "2",
            "completed-year": "2026",
        },
    )
    assert "Moving and handling training is recorded" in trained.text
    assert [t.course for t in service.bank.get_worker(SYSTEM, "W9001").training] == [
        "moving_handling"
    ]
    changed = coordinator.post(
        "/app/coordinator/workers/W9001/edit",
        data=_worker_form(csrf_of(done.text), name="Joan Pilling-Holt", max_hours="16"),
    )
    assert changed.status_code == 200
    after = service.bank.get_worker(SYSTEM, "W9001")
    assert after.name == "Joan Pilling-Holt" and after.max_hours_per_week == 16
    assert [t.course for t in after.training] == ["moving_handling"]  # kept
    listed = coordinator.get("/app/coordinator/workers", params={"q": "Pilling-Holt"})
    assert "Joan Pilling-Holt" in listed.text and "Showing 1 to 1 of 1" in listed.text


# ------------------------------------------------------------------ providers, clients


def test_pay_rates_and_client_names_are_kept_in_the_pages(
    coordinator: TestClient, provider: TestClient, service: Service
) -> None:
    page = coordinator.get(f"/app/coordinator/providers/{PROVIDER_ID}")
    saved = coordinator.post(
        f"/app/coordinator/providers/{PROVIDER_ID}",
        data={
            "csrf_token": csrf_of(page.text),
            "name": "Walshaw Hall",
            "address": "1 Walshaw Road, Bury BL8 3AA",
            "phone": "0161 496 0001",
            "email": "office@walshaw.example.org",
            "pay_rate": "14.10",
        },
    )
    assert "details are saved" in saved.text
    about = directory.details(service.bank.ctx, "provider", [PROVIDER_ID])[PROVIDER_ID]
    assert about.pay_rate == 14.10 and about.phone == "0161 496 0001"
    # a provider edits its own client's name; another provider's client is not found
    other = next(c for c in service.scenario.clients if c.provider_id != PROVIDER_ID)
    assert provider.get(f"/app/clients/{other.id}").status_code == 404
    own = [c for c in service.scenario.clients if c.provider_id == PROVIDER_ID]
    if own:
        form = provider.get(f"/app/clients/{own[0].id}")
        done = provider.post(
            f"/app/clients/{own[0].id}",
            data={
                "csrf_token": csrf_of(form.text),
                "name": "Edna Schofield",
                "address": "3 Bell Lane",
                "phone": "",
                "needs": "Hoist transfer",
                "carer_gender": "",
            },
        )
        assert "Edna Schofield" in done.text
    # the provider sees its pay rate but cannot change it
    clients = provider.get("/app/provider/clients")
    assert "£14.10 an hour" in clients.text and 'name="pay_rate"' not in clients.text


# ------------------------------------------------------------------ admin


def test_import_shows_every_problem_of_the_file(coordinator: TestClient) -> None:
    page = coordinator.get("/app/coordinator/import")
    bad = {"format": "flexbank.scenario/1", "name": "x", "workers": [{"id": "W1"}]}
    answer = coordinator.post(
        "/app/coordinator/import",
        data={"csrf_token": csrf_of(page.text)},
        files={"file": ("bad.json", json.dumps(bad).encode(), "application/json")},
    )
    assert answer.status_code == 400
    problems = re.findall(r'<li><a href="#file">([^<]+)</a></li>', answer.text)
    assert "$.as_of: required field is missing" in [p.replace("&#39;", "'") for p in problems]
    assert any(p.startswith("$.workers[0].") for p in problems)
    empty = coordinator.post("/app/coordinator/import", data={"csrf_token": csrf_of(page.text)})
    assert "Choose a scenario file to import" in empty.text


def test_csv_exports_of_reports_and_registers(coordinator: TestClient, service: Service) -> None:
    gaps = coordinator.get("/app/exports/gaps.csv")
    assert gaps.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(gaps.text)))
    assert rows and {"provider", "client", "start", "gap id"} <= set(rows[0])
    names = {p.name for p in service.bank.list_providers(SYSTEM)}
    assert all(r["provider"] in names for r in rows)
    register = list(
        csv.DictReader(io.StringIO(coordinator.get("/app/exports/compliance.csv").text))
    )
    assert len(register) == len(service.bank.list_workers(SYSTEM))
    report = list(csv.DictReader(io.StringIO(coordinator.get("/app/exports/report.csv").text)))
    assert len(report) == 8 and "fill rate %" in report[0]
    bookings = coordinator.get("/app/exports/bookings.csv")
    assert bookings.text.startswith("start,end,hours,worker")


def test_the_audit_trail_names_people_and_pages(coordinator: TestClient) -> None:
    page = coordinator.get("/app/coordinator/audit")
    assert page.status_code == 200 and "Showing 1 to" in page.text
    workers = coordinator.get("/app/coordinator/audit", params={"entity": "worker"})
    body = _main(workers.text)
    assert "Joan Pilling" in body or "Scenario" not in body


def test_tokens_are_made_and_revoked_in_the_pages(
    coordinator: TestClient, service: Service
) -> None:
    page = coordinator.get("/app/coordinator/tokens")
    worker_id = service.scenario.workers[2].id
    made = coordinator.post(
        "/app/coordinator/tokens",
        data={
            "csrf_token": csrf_of(page.text),
            "role": "worker",
            "subject_worker": worker_id,
            "name": "Rota app",
        },
    )
    token = re.search(r'<code class="app-token">([^<]+)</code>', made.text)
    assert token
    actor = service.bank.authenticate(token.group(1))
    assert actor is not None and actor.subject_id == worker_id
    token_id = re.findall(r"/app/coordinator/tokens/(\d+)/revoke", made.text)[0]
    coordinator.post(
        f"/app/coordinator/tokens/{token_id}/revoke", data={"csrf_token": csrf_of(made.text)}
    )
    assert service.bank.authenticate(token.group(1)) is None
    missing = coordinator.post(
        "/app/coordinator/tokens", data={"csrf_token": csrf_of(made.text), "role": "provider"}
    )
    assert missing.status_code == 400 and "Choose the provider" in missing.text


# ------------------------------------------------------------------ sign-in by email


def test_sign_in_by_an_emailed_one_time_link(service: Service) -> None:
    worker = service.scenario.workers[3]
    email = f"{worker.id.lower()}@example.org"
    client = TestClient(service.app)
    page = client.get("/sign-in")
    sent = client.post("/sign-in/email", data={"csrf_token": csrf_of(page.text), "email": email})
    assert "Check your email" in sent.text
    unknown = client.post(
        "/sign-in/email", data={"csrf_token": csrf_of(page.text), "email": "no@one.example"}
    )
    assert _main(unknown.text).replace("no@one.example", email) == _main(sent.text)
    with service.bank.ctx.uow() as uow:
        link = uow.session.scalars(
            select(NotificationRow.link)
            .where(NotificationRow.kind == "sign_in", NotificationRow.recipient_id == worker.id)
            .order_by(NotificationRow.id.desc())
        ).first()
    assert link and link.startswith(service.settings.base_url + sign_in_links.PATH)
    path = link.replace(service.settings.base_url, "")
    first = client.get(path, follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/app/worker"
    assert "Your offers" in client.get("/app/worker").text
    second = TestClient(service.app).get(path)
    assert second.status_code == 403 and "was used already" in second.text


def test_the_log_channel_prints_links_only_on_a_development_install(
    caplog: pytest.LogCaptureFixture, tmp_path: object
) -> None:
    assert Settings(base_url="http://127.0.0.1:8000").links_in_log()
    assert not Settings(base_url="https://flex.bury.gov.uk").links_in_log()
    assert not Settings(base_url="http://127.0.0.1:8000", log_links=False).links_in_log()
    message = OutgoingMessage(
        id=7,
        recipient_role="worker",
        recipient_id="W1",
        email=None,
        phone=None,
        subject="s",
        body="b",
        link="http://127.0.0.1:8000/sign-in/email?token=T",
        kind="sign_in",
    )
    caplog.set_level(logging.INFO)
    LogChannel(show_links=True).send(message)
    assert "link=http://127.0.0.1:8000/sign-in/email?token=T" in caplog.text
    caplog.clear()
    LogChannel().send(message)
    assert "token=T" not in caplog.text


def test_the_outbox_pump_sends_pending_messages(service: Service) -> None:
    from flexbank.services.bank import SqlBank

    sink: list[OutgoingMessage] = []

    class Sink:
        name = "sink"

        def send(self, message: OutgoingMessage) -> None:
            sink.append(message)

    bank = SqlBank(service.settings, channels=[Sink()], clock=service.clock)
    with bank.ctx.uow() as uow:
        pending = len(
            list(
                uow.session.scalars(
                    select(NotificationRow.id).where(NotificationRow.status == "pending")
                )
            )
        )
    assert pending
    OutboxPump(bank).pump_once()
    assert len(sink) >= 1


# ------------------------------------------------------------------ workers' pages


def test_weekly_patterns_become_periods_and_go_away_again(service: Service) -> None:
    worker_id = service.scenario.workers[5].id
    client = worker_client(service, worker_id)
    page = client.get("/app/worker/availability")
    done = client.post(
        "/app/worker/availability/weekly",
        data={
            "csrf_token": csrf_of(page.text),
            "weekday": "0",
            "w_start": "07:00",
            "w_end": "15:00",
        },
    )
    assert "You are available Mondays 07:00-15:00, every week" in done.text
    worker = service.bank.get_worker(SYSTEM, worker_id)
    mondays = [
        p
        for p in worker.availability
        if p.start.astimezone(dt.UTC).weekday() == 0 and p.end - p.start == dt.timedelta(hours=8)
    ]
    assert len(mondays) >= service.settings.pattern_weeks
    again = patterns.add_pattern(
        service.bank.ctx, Actor("worker", worker_id), worker_id, 0, dt.time(7), dt.time(15)
    )
    assert again[1] == 0  # nothing doubled
    pattern_id = re.findall(r"/app/worker/availability/weekly/(\d+)/remove", done.text)[0]
    client.post(
        f"/app/worker/availability/weekly/{pattern_id}/remove",
        data={"csrf_token": csrf_of(done.text)},
    )
    with service.bank.ctx.uow() as uow:
        left = list(
            uow.session.scalars(
                select(AvailabilityRow).where(AvailabilityRow.worker_id == worker_id)
            )
        )
    assert len(left) == len(worker.availability) - len(mondays)


def test_an_offer_shows_what_a_worker_needs_and_no_accept_where_it_cannot_succeed(
    service: Service,
) -> None:
    from flexbank.services import control_room, phone_booking

    gaps = control_room.needs_action(service.bank.list_gaps(SYSTEM), service.clock(), 24)
    made = next(
        r.offers
        for g in gaps
        if (r := control_room.offer_now(service.bank.ctx, SYSTEM, g.id)).offers
    )
    offer = made[0]
    client = worker_client(service, offer.worker_id, offer.id)
    page = client.get(f"/app/worker/offers/{offer.id}")
    body = _main(page.text)
    about = directory.details(service.bank.ctx, "provider", [offer.provider_id])[offer.provider_id]
    assert "an hour" in body and "£" in body
    assert "geo:" in body and "openstreetmap.org/directions" in body
    assert "minutes from" in body
    if about.phone:
        assert about.phone in body
    assert "Visit offered" in body or "Shift offered" in body
    assert offer.gap_id not in body and offer.worker_id not in body
    assert f'action="/app/worker/offers/{offer.id}/accept"' in body
    # a twin of the gap, booked by phone for the same worker: the offer now clashes
    gap = service.bank.get_gap(SYSTEM, offer.gap_id)
    twin, _ = service.bank.post_gap(
        SYSTEM,
        gap.provider_id,
        GapIn(
            client_id=gap.client_id,
            kind=gap.kind,
            reason=gap.reason,
            priority="routine",
            start=gap.start,
            end=gap.end,
            skills=gap.skills,
            carer_gender=gap.carer_gender,
        ),
    )
    phone_booking.book_by_phone(service.bank.ctx, SYSTEM, twin.id, offer.worker_id)
    again = _main(client.get(f"/app/worker/offers/{offer.id}").text)
    provider_name = service.bank.get_provider(SYSTEM, gap.provider_id).name
    assert "You are already booked" in again and provider_name in again
    assert "/accept" not in again
    assert "rule" not in again.lower() and "[" not in again
    listed = _main(client.get("/app/worker").text)
    assert "You are already booked" in listed
    assert f"/app/worker/offers/{offer.id}/accept" not in listed


# ------------------------------------------------------------------ providers' checks


def test_long_and_far_ahead_gaps_are_warned_about_or_refused() -> None:
    settings = Settings()
    now = dt.datetime(2026, 11, 29, 14, tzinfo=dt.UTC)

    def gap(hours: float, days_ahead: float) -> GapIn:
        start = now + dt.timedelta(days=days_ahead)
        return GapIn(
            kind="shift",
            reason="sickness",
            priority="routine",
            start=start,
            end=start + dt.timedelta(hours=hours),
        )

    assert plausibility(gap(8, 2), settings, now) == ({}, [])
    errors, warnings = plausibility(gap(14, 2), settings, now)
    assert errors == {} and "14 hours long" in warnings[0]
    errors, _ = plausibility(gap(40, 2), settings, now)
    assert "at most 24 hours" in errors["end"]
    errors, warnings = plausibility(gap(8, 7 * 10), settings, now)
    assert errors == {} and "10 weeks" in warnings[0]
    errors, _ = plausibility(gap(8, 400), settings, now)
    assert "52 weeks" in errors["date-day"]


def test_providers_and_clients_are_added_in_the_pages(
    coordinator: TestClient, provider: TestClient, service: Service
) -> None:
    page = coordinator.get("/app/coordinator/providers/new")
    place = {"postcode": "BL9 0EJ", "lat": "53.59", "lon": "-2.29"}
    bad = coordinator.post(
        "/app/coordinator/providers/new",
        data={"csrf_token": csrf_of(page.text), "id": "bad id", "kind": "care_home", **place},
    )
    assert (
        bad.status_code == 400 and '<a href="#id">' in bad.text and '<a href="#name">' in bad.text
    )
    done = coordinator.post(
        "/app/coordinator/providers/new",
        data={
            "csrf_token": csrf_of(page.text),
            "id": "CH99",
            "name": "Elton Lodge",
            "kind": "care_home",
            "address": "2 Elton Road",
            "phone": "0161 496 0099",
            "email": "",
            **place,
        },
    )
    assert done.status_code == 200 and "Elton Lodge is added" in done.text
    assert service.bank.get_provider(SYSTEM, "CH99").name == "Elton Lodge"
    # a provider adds a client of its own
    form = provider.get(f"/app/providers/{PROVIDER_ID}/clients/new")
    added = provider.post(
        f"/app/providers/{PROVIDER_ID}/clients/new",
        data={
            "csrf_token": csrf_of(form.text),
            "id": "C9001",
            "name": "Harold Nuttall",
            "address": "9 Bury Old Road",
            "phone": "",
            "needs": "Uses a frame",
            "carer_gender": "male",
            **place,
        },
    )
    assert "Harold Nuttall is added" in added.text
    client = service.bank.get_client(SYSTEM, "C9001")
    assert client.provider_id == PROVIDER_ID and client.carer_gender == "male"
    assert (
        directory.details(service.bank.ctx, "client", ["C9001"])["C9001"].name == "Harold Nuttall"
    )
    assert provider.get("/app/providers/HC01/clients/new").status_code == 404
