"""The pages without a browser: sign-in, CSRF, role rules, forms and every page's
status, through Starlette's TestClient on the real SqlBank."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient
from web_support import PROVIDER_ID, URGENT, Service, csrf_of, signed_in, worker_client

from flexbank.models import Location
from flexbank.policy import Policy
from flexbank.services.contract import Actor
from flexbank.web.common import SESSION_COOKIE, safe_next
from flexbank.web.coordinator import Engagement, day_round, week_view
from flexbank.web.provider import read_gap_form


@pytest.fixture(scope="module")
def coordinator(service: Service) -> TestClient:
    return signed_in(service, service.coordinator_token)


@pytest.fixture(scope="module")
def provider(service: Service) -> TestClient:
    return signed_in(service, service.provider_token)


@pytest.fixture(scope="module")
def worker_id(service: Service) -> str:
    return service.scenario.workers[0].id


@pytest.fixture(scope="module")
def worker(service: Service, worker_id: str) -> TestClient:
    return worker_client(service, worker_id)


# ---------------------------------------------------------------------- sign-in


def test_signed_out_pages_redirect_to_sign_in(service: Service) -> None:
    client = TestClient(service.app)
    response = client.get("/app/coordinator/compliance", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=/app/coordinator/compliance"
    assert client.get("/", follow_redirects=False).headers["location"] == "/app"


def test_sign_in_with_a_token_lands_on_the_role_home(service: Service) -> None:
    client = TestClient(service.app)
    page = client.get("/sign-in?next=/app/coordinator/workers")
    response = client.post(
        "/sign-in",
        data={
            "token": service.coordinator_token,
            "csrf_token": csrf_of(page.text),
            "next": "/app/coordinator/workers",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/app/coordinator/workers"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    assert service.coordinator_token not in cookie  # the token is never stored


def test_a_wrong_token_shows_the_error_summary(service: Service) -> None:
    client = TestClient(service.app)
    page = client.get("/sign-in")
    response = client.post(
        "/sign-in", data={"token": "fb_nonsense", "csrf_token": csrf_of(page.text)}
    )
    assert response.status_code == 401
    assert "There is a problem" in response.text
    assert '<a href="#token">Enter a valid access token</a>' in response.text
    assert "<title>Error:" in response.text


def test_a_forged_or_expired_worker_link_is_refused(service: Service) -> None:
    client = TestClient(service.app)
    response = client.get("/sign-in/link?token=forged")
    assert response.status_code == 403
    assert "This link has expired or is not valid" in response.text


def test_a_tampered_session_cookie_counts_as_signed_out(service: Service) -> None:
    client = signed_in(service, service.coordinator_token)
    raw = client.cookies[SESSION_COOKIE]
    client.cookies.set(SESSION_COOKIE, raw[:-3] + "abc")
    response = client.get("/app/coordinator", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/sign-in")


def test_only_local_pages_are_followed_after_sign_in() -> None:
    assert safe_next("/app/worker", "/x") == "/app/worker"
    for evil in ("https://evil.example", "//evil.example/app", "/app//evil", "/\\evil", ""):
        assert safe_next(evil, "/x") == "/x"


# ------------------------------------------------------------------------- CSRF


def test_every_post_without_the_csrf_token_is_refused(
    service: Service, coordinator: TestClient, provider: TestClient, worker: TestClient
) -> None:
    posts = [
        (TestClient(service.app), "/sign-in", {"token": service.coordinator_token}),
        (coordinator, "/sign-out", {}),
        (coordinator, "/app/coordinator/runs", {"days": "1", "time_limit": "1"}),
        (coordinator, "/app/coordinator/runs/1/publish", {}),
        (provider, "/app/provider/gaps/new", {"kind": "shift"}),
        (provider, "/app/gaps/G00001/cancel", {}),
        (worker, "/app/worker/offers/1/accept", {}),
        (worker, "/app/worker/offers/1/decline", {}),
        (worker, "/app/worker/availability", {}),
        (worker, "/app/worker/availability/remove", {}),
    ]
    for client, path, data in posts:
        for token in (None, "wrong"):
            body = dict(data) if token is None else {**data, "csrf_token": token}
            response = client.post(path, data=body, follow_redirects=False)
            assert response.status_code == 403, path
            assert "Your form has expired" in response.text, path
    # nothing happened: still signed in, no run started
    assert coordinator.get("/app/coordinator").status_code == 200
    assert service.bank.list_runs(Actor.system()) == []


def test_a_csrf_token_of_another_session_is_refused(
    service: Service, coordinator: TestClient
) -> None:
    other = TestClient(service.app)
    foreign = csrf_of(other.get("/sign-in").text)
    response = coordinator.post("/sign-out", data={"csrf_token": foreign})
    assert response.status_code == 403


# ------------------------------------------------------------------------- roles


def test_a_worker_cannot_open_coordinator_or_provider_pages(worker: TestClient) -> None:
    for path in (
        "/app/coordinator",
        "/app/coordinator/runs",
        "/app/coordinator/compliance",
        "/app/coordinator/workers",
        "/app/coordinator/workers/W0001",
        "/app/provider",
        "/app/provider/gaps/new",
        "/app/gaps/G00001",
        "/app/reports",
    ):
        response = worker.get(path, follow_redirects=False)
        assert response.status_code == 403, path
        assert "You cannot open this page" in response.text


def test_a_provider_cannot_open_coordinator_or_worker_pages(provider: TestClient) -> None:
    for path in ("/app/coordinator", "/app/coordinator/compliance", "/app/worker"):
        assert provider.get(path, follow_redirects=False).status_code == 403, path


def test_a_provider_sees_only_its_own_gaps(service: Service, provider: TestClient) -> None:
    others = [g for g in service.scenario.gaps if g.provider_id != PROVIDER_ID]
    response = provider.get(f"/app/gaps/{others[0].id}")
    assert response.status_code == 404
    assert "Page not found" in response.text


def test_a_worker_sees_only_their_own_offers(service: Service, worker: TestClient) -> None:
    offers = service.bank.list_offers(Actor.system())
    mine = service.scenario.workers[0].id
    foreign = [o for o in offers if o.worker_id != mine]
    if foreign:
        assert worker.get(f"/app/worker/offers/{foreign[0].id}").status_code == 404
    assert worker.get("/app/worker/offers/999999").status_code == 404


def test_a_coordinator_opens_every_coordinator_page(
    service: Service, coordinator: TestClient
) -> None:
    wid = service.scenario.workers[3].id
    for path in (
        "/app/coordinator",
        "/app/coordinator/runs",
        "/app/coordinator/compliance",
        "/app/coordinator/compliance?days=90",
        "/app/coordinator/workers",
        f"/app/coordinator/workers/{wid}",
        f"/app/coordinator/workers/{wid}?week=2026-11-30",
        f"/app/coordinator/workers/{wid}/day?date=2026-11-30",
        "/app/reports",
        "/app/reports?weeks=8&provider=CH02",
        f"/app/gaps/{service.scenario.gaps[0].id}",
        f"/app/gaps/{service.scenario.gaps[0].id}/cancel",
    ):
        response = coordinator.get(path)
        assert response.status_code == 200, (path, response.text[:500])


def test_worker_pages_open(worker: TestClient) -> None:
    for path in (
        "/app/worker",
        "/app/worker/bookings",
        "/app/worker/availability",
        "/app/worker/documents",
    ):
        response = worker.get(path)
        assert response.status_code == 200, path
        assert 'name="viewport"' in response.text


# ------------------------------------------------------------------------- forms


def test_posting_an_empty_gap_lists_every_error_in_page_order(provider: TestClient) -> None:
    page = provider.get("/app/provider/gaps/new")
    response = provider.post(
        "/app/provider/gaps/new", data={"csrf_token": csrf_of(page.text), "headcount": "0"}
    )
    assert response.status_code == 400
    links = re.findall(r'<li><a href="#([\w-]+)">', response.text)
    assert links == ["kind", "reason", "priority", "date-day", "start", "end", "headcount"]
    assert 'aria-describedby="date-hint date-day-error"' in response.text
    assert "govuk-input--error" in response.text


def test_read_gap_form_turns_an_end_before_the_start_into_a_night() -> None:
    now = dt.datetime(2026, 11, 29, 14, tzinfo=dt.UTC)
    values = {
        "kind": "shift",
        "reason": "sickness",
        "priority": "urgent",
        "date": {"day": "30", "month": "11", "year": "2026"},
        "start": "20:00",
        "end": "08:00",
        "headcount": "1",
    }
    gap, errors = read_gap_form(values, {}, "Europe/London", now)
    assert errors == {} and gap is not None
    assert gap.end - gap.start == dt.timedelta(hours=12)
    bad = {**values, "date": {"day": "31", "month": "2", "year": "2026"}, "start": "25:00"}
    _, errors = read_gap_form(bad, {}, "Europe/London", now)
    assert errors["date-day"].startswith("The date must be a real date")
    assert "24-hour time" in errors["start"]
    past = {**values, "date": {"day": "1", "month": "1", "year": "2026"}}
    _, errors = read_gap_form(past, {}, "Europe/London", now)
    assert errors == {"date-day": "The start must be in the future"}
    visit = {**values, "kind": "visit"}
    _, errors = read_gap_form(visit, {}, "Europe/London", now)
    assert errors == {"client": "Choose the client for a home-care visit"}


def test_a_provider_posts_follows_and_cancels_a_gap(service: Service, provider: TestClient) -> None:
    page = provider.get("/app/provider/gaps/new")
    key = re.search(r'name="key" value="([^"]+)"', page.text)
    assert key
    form = {
        "csrf_token": csrf_of(page.text),
        "key": key.group(1),
        "kind": "shift",
        "reason": "holiday",
        "priority": "routine",
        "date-day": "3",
        "date-month": "12",
        "date-year": "2026",
        "start": "14:30",
        "end": "22:30",
        "headcount": "1",
        "skills": ["dementia"],
        "carer_gender": "",
    }
    response = provider.post("/app/provider/gaps/new", data=form, follow_redirects=False)
    assert response.status_code == 303
    gap_url = response.headers["location"]
    again = provider.post("/app/provider/gaps/new", data=form, follow_redirects=False)
    assert again.headers["location"] == gap_url  # the same idempotency key: one gap
    # the same gap from a fresh form (back, reload, resubmit): a warning, no second gap
    fresh = {**form, "key": "another-key"}
    warned = provider.post("/app/provider/gaps/new", data=fresh, follow_redirects=False)
    assert warned.status_code == 200
    assert "already posted a gap for the same place at this time" in warned.text
    assert 'name="confirm" value="yes"' in warned.text
    mine = service.bank.list_gaps(Actor.system(), provider_id=PROVIDER_ID)
    assert sum(1 for g in mine if g.id == gap_url.rsplit("/", 1)[1]) == 1
    assert len(mine) == len({g.id for g in mine})
    count = len(mine)
    confirmed = provider.post(
        "/app/provider/gaps/new", data={**fresh, "confirm": "yes"}, follow_redirects=False
    )
    assert confirmed.status_code == 303 and confirmed.headers["location"] != gap_url
    assert len(service.bank.list_gaps(Actor.system(), provider_id=PROVIDER_ID)) == count + 1
    service.bank.cancel_gap(Actor.system(), confirmed.headers["location"].rsplit("/", 1)[1])
    shown = provider.get(gap_url)
    assert "is posted" in shown.text and "Dementia" in shown.text
    gap_id = gap_url.rsplit("/", 1)[1]
    assert gap_id in provider.get("/app/provider").text
    cancel = provider.get(f"{gap_url}/cancel")
    done = provider.post(f"{gap_url}/cancel", data={"csrf_token": csrf_of(cancel.text)})
    assert done.status_code == 200 and "is cancelled" in done.text
    assert service.bank.get_gap(Actor.system(), gap_id).status == "cancelled"


def test_a_worker_adds_and_removes_availability(
    service: Service, worker: TestClient, worker_id: str
) -> None:
    page = worker.get("/app/worker/availability")
    bad = worker.post(
        "/app/worker/availability",
        data={"csrf_token": csrf_of(page.text), "date-day": "", "start": "9", "end": "x"},
    )
    assert bad.status_code == 400
    assert '<a href="#date-day">Enter the date</a>' in bad.text
    assert '<a href="#end">' in bad.text
    before = len(service.bank.get_worker(Actor.system(), worker_id).availability)
    added = worker.post(
        "/app/worker/availability",
        data={
            "csrf_token": csrf_of(page.text),
            "date-day": "12",
            "date-month": "12",
            "date-year": "2026",
            "start": "09:00",
            "end": "13:30",
        },
    )
    assert added.status_code == 200 and "You are available" in added.text
    periods = service.bank.get_worker(Actor.system(), worker_id).availability
    assert len(periods) == before + 1
    new = next(p for p in periods if p.start.date() == dt.date(2026, 12, 12))
    removed = worker.post(
        "/app/worker/availability/remove",
        data={
            "csrf_token": csrf_of(added.text),
            "start": new.start.isoformat(),
            "end": new.end.isoformat(),
        },
    )
    assert "no longer available" in removed.text
    assert len(service.bank.get_worker(Actor.system(), worker_id).availability) == before


def test_urgent_gap_accepted_through_the_pages(service: Service, provider: TestClient) -> None:
    """The browser flow's path without a browser: post, be offered, accept."""
    page = provider.get("/app/provider/gaps/new")
    response = provider.post(
        "/app/provider/gaps/new",
        data={
            "csrf_token": csrf_of(page.text),
            "kind": "shift",
            "reason": "sickness",
            "priority": "emergency",
            "date-day": URGENT["day"],
            "date-month": URGENT["month"],
            "date-year": URGENT["year"],
            "start": "08:00",
            "end": "14:00",
            "headcount": "1",
        },
        follow_redirects=False,
    )
    gap_id = response.headers["location"].rsplit("/", 1)[1]
    offers = service.bank.gap_offers(Actor.system(), gap_id)
    assert offers, "the urgent gap was offered to no one"
    offer = offers[0]
    client = worker_client(service, offer.worker_id, offer.id)
    offer_page = client.get(f"/app/worker/offers/{offer.id}")
    assert "Accept" in offer_page.text
    accepted = client.post(
        f"/app/worker/offers/{offer.id}/accept", data={"csrf_token": csrf_of(offer_page.text)}
    )
    assert accepted.status_code == 200
    assert "You are booked" in accepted.text
    assert service.bank.get_gap(Actor.system(), gap_id).status == "filled"


# ------------------------------------------------------------- week and round views


def test_week_view_counts_hours_travel_and_rest(service: Service) -> None:
    worker = service.scenario.workers[0]
    start = dt.datetime(2026, 11, 30, 7, tzinfo=dt.UTC)
    place = Location(lat=worker.home.lat + 0.01, lon=worker.home.lon)
    engagements = [
        Engagement("booking", start, start + dt.timedelta(hours=8), "G1", place, "G1"),
        Engagement(
            "booking",
            start + dt.timedelta(hours=16),
            start + dt.timedelta(hours=20),
            "G2",
            place,
            "G2",
        ),
    ]
    view = week_view(
        worker.model_copy(update={"commitments": [], "availability": []}),
        engagements,
        dt.date(2026, 11, 30),
        "Europe/London",
        Policy(),
    )
    assert view.bank_hours == 12
    assert view.short_rests == 1  # 8 hours between the two duties
    assert view.legs[0].minutes > 0 and view.legs[0].origin == "home"
    assert any(b.kind == "travel" for b in view.rows[0].blocks)
    plan = day_round(worker, engagements, dt.date(2026, 11, 30), "Europe/London", Policy())
    assert [s.number for s in plan.stops] == [1, 2]
    assert all(0 <= s.x <= plan.width and 0 <= s.y <= plan.height for s in plan.stops)


def test_the_offer_link_of_a_notification_lands_on_the_offer_page(
    service: Service, provider: TestClient
) -> None:
    page = provider.get("/app/provider/gaps/new")
    response = provider.post(
        "/app/provider/gaps/new",
        data={
            "csrf_token": csrf_of(page.text),
            "kind": "shift",
            "reason": "sickness",
            "priority": "urgent",
            "date-day": URGENT["day"],
            "date-month": URGENT["month"],
            "date-year": URGENT["year"],
            "start": "07:00",
            "end": "12:00",
            "headcount": "1",
        },
        follow_redirects=False,
    )
    gap_id = response.headers["location"].rsplit("/", 1)[1]
    offers = service.bank.gap_offers(Actor.system(), gap_id)
    assert offers
    token = service.bank.offer_link_token(offers[0].id)
    client = TestClient(service.app)
    landed = client.get(f"/sign-in/offer?token={token}", follow_redirects=False)
    assert landed.headers["location"] == f"/app/worker/offers/{offers[0].id}"
    offer_page = client.get(landed.headers["location"])
    assert offer_page.status_code == 200 and "Decline" in offer_page.text
    declined = client.post(
        f"/app/worker/offers/{offers[0].id}/decline",
        data={"csrf_token": csrf_of(offer_page.text)},
    )
    assert "You declined the offer" in declined.text
    assert client.get("/sign-in/offer?token=bad").status_code == 403
