"""The coordinator's control room: the banner for unbooked emergency and urgent gaps,
offering a gap to the best workers now (the urgent post's path), the call list, and
"booked by phone" after the accept's last check of every rule; the open-gap list's
pagination, filters and search; publishing behind a confirmation."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from web_support import Service, csrf_of, signed_in

from flexbank.services import control_room, directory, phone_booking
from flexbank.services.contract import Actor, Conflict, GapOut

SYSTEM = Actor.system()


@pytest.fixture(scope="module")
def coordinator(service: Service) -> TestClient:
    return signed_in(service, service.coordinator_token)


def _act_now(service: Service) -> list[GapOut]:
    gaps = service.bank.list_gaps(SYSTEM)
    return control_room.needs_action(gaps, service.clock(), 24)


def test_the_banner_lists_unbooked_emergency_and_urgent_gaps_within_24_hours(
    service: Service,
) -> None:
    now = service.clock()
    found = _act_now(service)
    assert found, "the sample has emergency and urgent gaps tomorrow morning"
    for gap in found:
        assert gap.priority in ("emergency", "urgent")
        assert gap.status == "open" and not gap.booked_workers
        assert gap.start <= now + dt.timedelta(hours=24)
    assert [g.priority for g in found] == sorted(
        (g.priority for g in found), key=("emergency", "urgent").index
    )
    routine = [g for g in service.bank.list_gaps(SYSTEM) if g.priority == "routine"]
    assert not {g.id for g in routine} & {g.id for g in found}
    later = [g for g in service.bank.list_gaps(SYSTEM) if g.start > now + dt.timedelta(hours=24)]
    assert not {g.id for g in later} & {g.id for g in found}


def test_the_dashboard_shows_the_banner_with_names_and_the_buttons(
    coordinator: TestClient, service: Service
) -> None:
    page = coordinator.get("/app/coordinator")
    assert page.status_code == 200
    banner = page.text[page.text.index('id="act-now"') : page.text.index("app-figures")]
    first = _act_now(service)[0]
    client = directory.details(service.bank.ctx, "client", [first.client_id or ""])
    provider = service.bank.get_provider(SYSTEM, first.provider_id)
    assert provider.name in banner
    if first.client_id:
        assert client[first.client_id].name in banner
    assert f'action="/app/coordinator/gaps/{first.id}/offer-now"' in banner
    assert f'href="/app/coordinator/gaps/{first.id}/call-list"' in banner
    assert "And 1" not in page.text and "more.</p>" not in page.text


def test_open_gaps_are_paginated_filtered_and_searchable(
    coordinator: TestClient, service: Service
) -> None:
    first = coordinator.get("/app/coordinator")
    assert 'aria-label="Page 2"' in first.text
    assert re.search(r"Showing 1 to 25 of \d+", first.text)
    second = coordinator.get("/app/coordinator?page=2")
    assert "Showing 26 to" in second.text
    emergency = coordinator.get("/app/coordinator?priority=emergency")
    table = emergency.text[emergency.text.index('id="open-gaps-table"') :]
    assert "Emergency" in table and ">Routine<" not in table and ">Urgent<" not in table
    gap = next(g for g in _act_now(service) if g.client_id)
    name = directory.details(service.bank.ctx, "client", [gap.client_id or ""])[
        gap.client_id or ""
    ].name
    assert name
    found = coordinator.get("/app/coordinator", params={"q": name})
    table = found.text[found.text.index('id="open-gaps-table"') :]
    assert f"/app/gaps/{gap.id}" in table
    assert "Showing 1 to" in found.text
    none = coordinator.get("/app/coordinator", params={"q": "nobody-by-this-name"})
    assert "No open gaps match these filters" in none.text


def test_offer_to_the_best_now_uses_the_urgent_ranking_and_offers(
    coordinator: TestClient, service: Service
) -> None:
    gap = _act_now(service)[-1]
    page = coordinator.get("/app/coordinator")
    done = coordinator.post(
        f"/app/coordinator/gaps/{gap.id}/offer-now",
        data={"csrf_token": csrf_of(page.text), "back": "/app/coordinator"},
    )
    assert done.status_code == 200
    offers = service.bank.gap_offers(SYSTEM, gap.id)
    assert 1 <= len(offers) <= service.settings.urgent_top_k
    assert all(o.status == "offered" and o.urgent for o in offers)
    expiry = service.clock() + dt.timedelta(minutes=service.settings.urgent_offer_minutes)
    assert all(o.expires_at <= expiry for o in offers)
    names = [service.bank.get_worker(SYSTEM, o.worker_id).name for o in offers]
    assert f"Offered now to {len(offers)} worker" in done.text
    assert all(n in done.text for n in names)
    # the same ranking as an urgent post: the call list's first eligible workers
    ranked = [c.worker_id for c in control_room.call_list(service.bank.ctx, SYSTEM, gap.id)]
    assert [o.worker_id for o in offers] == ranked[: len(offers)]
    again = control_room.offer_now(service.bank.ctx, SYSTEM, gap.id)
    assert again.offers == [] and "have not answered yet" in again.why_none
    # the open gaps offered to one of them
    mine = coordinator.get("/app/coordinator", params={"worker": offers[0].worker_id})
    table = mine.text[mine.text.index('id="open-gaps-table"') :]
    assert f"/app/gaps/{gap.id}" in table


def test_the_call_list_ranks_everyone_with_phones_and_plain_reasons(
    coordinator: TestClient, service: Service
) -> None:
    gap = _act_now(service)[0]
    people = control_room.call_list(service.bank.ctx, SYSTEM, gap.id)
    assert len({p.worker_id for p in people}) == len(people) == len(service.scenario.workers)
    eligible = [p for p in people if p.eligible]
    assert people[: len(eligible)] == eligible  # those who can take it come first
    assert all(p.phone for p in people)
    page = coordinator.get(f"/app/coordinator/gaps/{gap.id}/call-list")
    assert page.status_code == 200
    assert people[0].name in page.text and people[0].phone in page.text
    assert "[" not in page.text.split("<main", 1)[1].split("</main>")[0]  # no rule codes
    for code in ("availability", "distance", "overlap", "short_visit"):
        assert f">{code}<" not in page.text
    only = coordinator.get(f"/app/coordinator/gaps/{gap.id}/call-list?reason=eligible")
    assert only.text.count('name="worker" value=') == sum(1 for p in eligible if not p.booked)


def _bookable_gap(service: Service) -> Any:
    """A gap to act on now that someone on its call list may take."""
    return next(
        g
        for g in _act_now(service)
        if any(p.eligible for p in control_room.call_list(service.bank.ctx, SYSTEM, g.id))
    )


def test_booked_by_phone_books_after_the_last_check_and_tells_the_provider(
    coordinator: TestClient, service: Service
) -> None:
    gap = _bookable_gap(service)
    people = control_room.call_list(service.bank.ctx, SYSTEM, gap.id)
    cannot = next(p for p in people if not p.eligible and p.code == "availability")
    with pytest.raises(Conflict) as refused:
        phone_booking.book_by_phone(service.bank.ctx, SYSTEM, gap.id, cannot.worker_id)
    assert "availability" in refused.value.codes
    chosen = next(p for p in people if p.eligible)
    page = coordinator.get(f"/app/coordinator/gaps/{gap.id}/call-list")
    done = coordinator.post(
        f"/app/coordinator/gaps/{gap.id}/book-by-phone",
        data={"csrf_token": csrf_of(page.text), "worker": chosen.worker_id},
    )
    assert done.status_code == 200
    assert f"{chosen.name} is booked by phone" in done.text
    after = service.bank.get_gap(SYSTEM, gap.id)
    assert chosen.worker_id in after.booked_workers
    if after.headcount == 1:
        assert after.status == "filled"
    # the provider's message names the worker, their phone and the arrival time
    from sqlalchemy import select

    from flexbank.adapters.orm import NotificationRow

    with service.bank.ctx.uow() as uow:
        bodies = list(
            uow.session.scalars(
                select(NotificationRow.body).where(
                    NotificationRow.recipient_role == "provider",
                    NotificationRow.recipient_id == gap.provider_id,
                    NotificationRow.kind == "booking",
                )
            )
        )
    assert any(chosen.name in b and (chosen.phone or "") in b and "arrives" in b for b in bodies)
    assert not any("W0" in b or "G0" in b for b in bodies)
    # booked twice: refused with the same words the page shows
    again = coordinator.post(
        f"/app/coordinator/gaps/{gap.id}/book-by-phone",
        data={"csrf_token": csrf_of(page.text), "worker": chosen.worker_id},
    )
    assert "cannot be booked" in again.text
    # the gap page shows who is coming, with a phone and an arrival time
    shown = coordinator.get(f"/app/gaps/{gap.id}")
    panel = shown.text[shown.text.index('id="booked-people"') :]
    assert chosen.name in panel and (chosen.phone or "") in panel and "arrives" in panel


def _a_booking(service: Service) -> Any:
    """A booking of the bank: one made earlier in this module, or one booked by phone
    here (under xdist this test may run without the test above in its process)."""
    booked = [b for b in service.bank.list_bookings(SYSTEM) if b.status == "booked"]
    if not booked:
        gap = _bookable_gap(service)
        people = control_room.call_list(service.bank.ctx, SYSTEM, gap.id)
        chosen = next(p for p in people if p.eligible)
        phone_booking.book_by_phone(service.bank.ctx, SYSTEM, gap.id, chosen.worker_id)
        booked = [b for b in service.bank.list_bookings(SYSTEM) if b.status == "booked"]
    return booked[0]


def test_a_clashing_phone_booking_is_refused_by_the_same_check(service: Service) -> None:
    booked = _a_booking(service)
    gaps = service.bank.list_gaps(SYSTEM, status="open")
    clash = next(
        (
            g
            for g in gaps
            if g.start < booked.end and booked.start < g.end and g.start > service.clock()
        ),
        None,
    )
    if clash is None:
        pytest.skip("no open gap overlaps a booking in this sample")
    with pytest.raises(Conflict) as refused:
        phone_booking.book_by_phone(service.bank.ctx, SYSTEM, clash.id, booked.worker_id)
    assert refused.value.codes


def test_publish_asks_first_and_says_how_many_offers_to_how_many_workers(
    coordinator: TestClient, service: Service
) -> None:
    run = service.bank.run_allocation(SYSTEM, days=1, time_limit=2)
    assert run.plan is not None
    page = coordinator.get(f"/app/coordinator/runs/{run.id}")
    assert "Objective" not in page.text and "Bound" not in page.text
    assert "manual:" not in page.text and ">Feasible<" not in page.text
    before = len(service.bank.list_offers(SYSTEM))
    # a POST without the confirmation sends nothing and asks
    asked = coordinator.post(
        f"/app/coordinator/runs/{run.id}/publish", data={"csrf_token": csrf_of(page.text)}
    )
    assert "Send the offers?" in asked.text
    assert len(service.bank.list_offers(SYSTEM)) == before
    counts = re.search(
        r"This sends <strong>(\d+) offers?</strong> to <strong>(\d+) worker", asked.text
    )
    assert counts
    done = coordinator.post(
        f"/app/coordinator/runs/{run.id}/publish",
        data={"csrf_token": csrf_of(asked.text), "confirm": "yes"},
    )
    sent = len(service.bank.list_offers(SYSTEM)) - before
    assert sent == int(counts.group(1))
    assert f"{sent} offers sent to {counts.group(2)} worker" in done.text


def test_a_plan_below_the_phone_round_says_why_in_hours(
    coordinator: TestClient, service: Service
) -> None:
    # a plan that kept more emergency hours than the phone round at the cost of
    # routine ones (as the optimiser may: rules.md section 3) says so under the table
    from flexbank.adapters.orm import RunRow

    run = service.bank.run_allocation(SYSTEM, days=1, time_limit=2)
    page = coordinator.get(f"/app/coordinator/runs/{run.id}")
    assert "fewer than a phone round would cover" not in page.text
    with service.bank.ctx.uow() as uow:
        row = uow.session.get(RunRow, run.id)
        assert row is not None
        metrics = dict(row.metrics)
        metrics["covered_hours"] = {"emergency": 4.0, "urgent": 1.0, "routine": 0.0}
        metrics["baseline_covered_hours"] = {"emergency": 2.0, "urgent": 1.0, "routine": 4.0}
        row.metrics = metrics
        uow.commit()
    page = coordinator.get(f"/app/coordinator/runs/{run.id}")
    assert (
        "Routine: 4 hours fewer than a phone round would cover, because the same workers "
        "cover 2 hours more emergency work." in page.text
    )
