"""Each role's whole job in a real browser (Playwright on Debian's Chromium), signing
in by an emailed link as people would: the coordinator acts on an emergency (offer
now, the call list, booked by phone), pages through and filters the open gaps and
keeps the bank's records; the care-home manager posts a gap, is warned about a
duplicate and sees who is coming; the care worker reads an offer on a phone, keeps a
weekly pattern and rereads their messages. Every page passes axe-core (WCAG 2.2 A/AA)
and shows names, not internal ids, rule codes or field names. Screenshots of the new
pages go to docs/screenshots/."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from web_support import PROVIDER_ID, Service, check_axe, shoot

from flexbank.adapters.orm import NotificationRow
from flexbank.services import control_room
from flexbank.services.contract import Actor

pytestmark = pytest.mark.usefixtures("browser_ready")

SYSTEM = Actor.system()
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
#: What people must never read: internal ids where a name exists, rule codes, field names.
RAW = (
    re.compile(r"\bW\d{4}\b"),  # worker ids
    re.compile(r"\bC\d{4}\b"),  # client ids
    re.compile(r"\bG-?[0-9A-F]{5,8}\b"),  # gap ids
    re.compile(r"\brule \d+\b"),
    re.compile(r"\[[a-z_]+(, [a-z_]+)*\]"),  # [overlap]
    re.compile(r"\b[a-z]+_[a-z_]+\b"),  # moving_handling, right_to_work
    re.compile(r"\b(Objective|Bound|Feasible|Reg19|Dbs)\b"),
)
#: The page's text as read: without the small "id second" labels and select options.
READ_TEXT = """() => {
  const main = document.querySelector('main').cloneNode(true);
  main.querySelectorAll('.app-id, select, script').forEach(e => e.remove());
  return main.innerText;
}"""


def new_page(browser: Any, **options: Any) -> Any:
    return browser.new_context(locale="en-GB", **options).new_page()


def check(page: Any, name: str, readme: bool = False) -> None:
    violations = check_axe(page)
    assert violations == [], f"{name}: {violations}"
    text = page.evaluate(READ_TEXT)
    for pattern in RAW:
        found = pattern.search(text)
        assert found is None, f"{name} shows {found.group(0)!r}" if found else ""
    shoot(page, name, readme=readme, readme_full_page=True)


def email_link(service: Service, role: str, subject: str | None) -> str:
    with service.bank.ctx.uow() as uow:
        query = select(NotificationRow.link).where(
            NotificationRow.kind == "sign_in", NotificationRow.recipient_role == role
        )
        if subject is not None:
            query = query.where(NotificationRow.recipient_id == subject)
        link = uow.session.scalars(query.order_by(NotificationRow.id.desc())).first()
    assert link, "no sign-in link in the outbox"
    return link


def sign_in_by_email(
    page: Any, base: str, service: Service, email: str, role: str, subject: str | None
) -> None:
    page.goto(f"{base}/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_role("button", name="Email me a link").click()
    # the form posts and the page is replaced: wait for the new one, not the old one
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    link = email_link(service, role, subject).replace(service.settings.base_url, base)
    page.goto(link)


def test_the_coordinator_acts_on_an_emergency_and_runs_the_bank(
    browser: Any, live_url: str, service: Service
) -> None:
    service.settings.coordinator_email = "flex.team@bury.example.org"
    desk = new_page(browser, viewport={"width": 1280, "height": 900})
    sign_in_by_email(desk, live_url, service, "flex.team@bury.example.org", "coordinator", None)
    desk.wait_for_url(f"{live_url}/app/coordinator")
    banner = desk.locator("#act-now")
    assert banner.is_visible() and "Needs someone now" in banner.inner_text()
    check(desk, "control-room", readme=True)

    # the call list of the first gap in the banner, and a booking by phone
    gaps = control_room.needs_action(service.bank.list_gaps(SYSTEM), service.clock(), 24)
    target = next(
        g
        for g in gaps
        if any(p.eligible for p in control_room.call_list(service.bank.ctx, SYSTEM, g.id))
    )
    desk.locator(f'a[href="/app/coordinator/gaps/{target.id}/call-list"]').first.click()
    desk.wait_for_url(re.compile(r"/call-list$"))
    check(desk, "call-list", readme=True)
    first = desk.locator("#call-list tbody tr").first
    name = first.locator("th a").inner_text()
    assert re.search(r"\d{4} \d", first.inner_text()), "no phone number on the call list"
    first.get_by_role("button", name=re.compile("^Booked by phone")).click()
    desk.wait_for_url(f"{live_url}/app/gaps/{target.id}")
    assert f"{name} is booked by phone" in desk.locator(".govuk-notification-banner").inner_text()
    coming = desk.locator("#booked-people").inner_text()
    assert name in coming and "arrives" in coming
    check(desk, "gap-booked-by-phone")

    # offer another emergency to the best workers now
    desk.goto(f"{live_url}/app/coordinator")
    desk.locator("#act-now").get_by_role(
        "button", name=re.compile("^Offer to the best now")
    ).first.click()
    assert "Offered now to" in desk.locator(".govuk-notification-banner").first.inner_text()

    # every list pages, filters and searches
    desk.get_by_role("link", name=re.compile("^Next")).click()
    desk.wait_for_url(re.compile(r"page=2"))
    assert "Showing 26 to" in desk.locator(".app-count").inner_text()
    desk.get_by_label("Priority").select_option("emergency")
    desk.get_by_role("button", name="Show gaps").click()
    tags = desk.locator("#open-gaps-table .govuk-tag").all_inner_texts()
    assert tags and set(tags) == {"Emergency"}
    check(desk, "control-room-filtered")

    # the bank's records
    for name, path in (
        ("run-the-bank", "/app/coordinator/bank"),
        ("workers", "/app/coordinator/workers"),
        ("worker-add", "/app/coordinator/workers/new"),
        (
            "worker-documents",
            f"/app/coordinator/workers/{service.scenario.workers[0].id}/documents",
        ),
        ("providers", "/app/coordinator/providers"),
        ("provider-details", f"/app/coordinator/providers/{PROVIDER_ID}"),
        ("provider-add", "/app/coordinator/providers/new"),
        ("client-add", f"/app/providers/{PROVIDER_ID}/clients/new"),
        ("client-details", f"/app/clients/{service.scenario.clients[0].id}"),
        ("import", "/app/coordinator/import"),
        ("exports", "/app/coordinator/exports"),
        ("audit-trail", "/app/coordinator/audit"),
        ("tokens", "/app/coordinator/tokens"),
    ):
        desk.goto(f"{live_url}{path}")
        check(desk, name, readme=name in ("worker-documents", "audit-trail"))
    desk.goto(f"{live_url}/app/coordinator/workers/{service.scenario.workers[0].id}/documents")
    desk.get_by_role("button", name=re.compile(r"I have seen it.*DBS check")).click()
    row = desk.locator("#documents-table tr", has_text="DBS check").inner_text()
    assert "By Flex team" in row
    desk.goto(f"{live_url}/app/coordinator/import")
    desk.get_by_role("button", name="Import").click()
    assert "Choose a scenario file" in desk.locator(".govuk-error-summary").inner_text()
    check(desk, "import-errors")


def test_the_care_home_manager_posts_is_warned_of_a_duplicate_and_sees_who_comes(
    browser: Any, live_url: str, service: Service
) -> None:
    office = new_page(browser, viewport={"width": 1280, "height": 900})
    email = f"{PROVIDER_ID.lower()}@example.org"
    sign_in_by_email(office, live_url, service, email, "provider", PROVIDER_ID)
    office.wait_for_url(f"{live_url}/app/provider")
    check(office, "provider-gaps")

    def fill() -> None:
        office.goto(f"{live_url}/app/provider/gaps/new")
        office.get_by_label("A shift").check()
        office.get_by_label("Why do you need cover?").select_option("holiday")
        office.get_by_label("Routine").check()
        office.get_by_label("Day").fill("2")
        office.get_by_label("Month").fill("12")
        office.get_by_label("Year").fill("2026")
        office.get_by_label("Start time").fill("09:10")
        office.get_by_label("End time").fill("17:10")

    fill()
    office.get_by_role("button", name="Post the gap").click()
    office.wait_for_url(re.compile(r"/app/gaps/G"))
    first = office.url
    assert "is posted" in office.locator(".govuk-notification-banner").inner_text()
    check(office, "provider-gap-posted")
    fill()  # the same gap again, from a fresh form
    office.get_by_role("button", name="Post the gap").click()
    warning = office.locator("#gap-warnings").inner_text()
    assert "already posted a gap for the same place at this time" in warning
    check(office, "provider-duplicate-warning", readme=True)
    office.get_by_role("link", name="Do not post it").click()
    mine = [
        g
        for g in service.bank.list_gaps(SYSTEM, provider_id=PROVIDER_ID)
        if g.start.hour == 9 and g.start.minute == 10
    ]
    assert len(mine) == 1 and first.endswith(mine[0].id)

    # a gap of theirs that the coordinator booked by phone: name, phone, arrival
    from flexbank.services import phone_booking

    for gap in service.bank.list_gaps(SYSTEM, provider_id=PROVIDER_ID, status="open"):
        if gap.start <= service.clock():
            continue
        people = control_room.call_list(service.bank.ctx, SYSTEM, gap.id)
        chosen = next((p for p in people if p.eligible), None)
        if chosen is not None:
            phone_booking.book_by_phone(service.bank.ctx, SYSTEM, gap.id, chosen.worker_id)
            break
    booked = next(
        (
            b
            for b in service.bank.list_bookings(SYSTEM, provider_id=PROVIDER_ID)
            if b.status == "booked"
        ),
        None,
    )
    if booked is not None:
        office.goto(f"{live_url}/app/gaps/{booked.gap_id}")
        worker = service.bank.get_worker(SYSTEM, booked.worker_id)
        assert worker.name in office.locator("#booked-people").inner_text()
        check(office, "provider-who-is-coming", readme=True)
    for name, path in (
        ("provider-messages", "/app/provider/messages"),
        ("provider-clients", "/app/provider/clients"),
    ):
        office.goto(f"{live_url}{path}")
        check(office, name)


def test_the_care_worker_decides_on_a_phone_and_keeps_a_weekly_pattern(
    browser: Any, live_url: str, service: Service
) -> None:
    gaps = control_room.needs_action(service.bank.list_gaps(SYSTEM), service.clock(), 24)
    offer = next(
        r.offers[0]
        for g in gaps
        if (r := control_room.offer_now(service.bank.ctx, SYSTEM, g.id)).offers
    )
    phone = new_page(browser, **PHONE)
    email = f"{offer.worker_id.lower()}@example.org"
    sign_in_by_email(phone, live_url, service, email, "worker", offer.worker_id)
    phone.wait_for_url(f"{live_url}/app/worker")
    phone.goto(f"{live_url}/app/worker/offers/{offer.id}")
    details = phone.locator("#offer-details").inner_text()
    for words in ("Address", "Travel", "Pay", "an hour", "Provider", "Needs"):
        assert words in details
    assert (
        phone.get_by_role("link", name="Open in your maps app")
        .get_attribute("href")
        .startswith("geo:")
    )
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    check(phone, "worker-offer-details", readme=True)
    phone.goto(f"{live_url}/app/worker/messages")
    assert "offered" in phone.locator("#messages").inner_text()
    check(phone, "worker-messages")
    phone.goto(f"{live_url}/app/worker/availability")
    phone.get_by_label("Day of the week").select_option("1")
    phone.get_by_label("From", exact=True).first.fill("07:00")
    phone.locator("#w_end").fill("15:00")
    phone.get_by_role("button", name="Add every week").click()
    assert "Tuesdays 07:00-15:00" in phone.locator("#weekly").inner_text()
    check(phone, "worker-weekly-availability", readme=True)
