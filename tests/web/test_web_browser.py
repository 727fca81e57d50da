"""The pages in a real browser (Playwright driving Debian's Chromium): the urgent-gap
flow across three people, form errors, role refusal, phone width, and axe-core's
WCAG 2.2 A/AA check of every page. Screenshots go to out/screenshots/ (and the
README's three to docs/screenshots/)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from playwright.sync_api import expect
from web_support import PROVIDER_ID, URGENT, Service, check_axe, shoot, sign_in

from flexbank.services.contract import Actor, ReportFilter

pytestmark = pytest.mark.usefixtures("browser_ready")

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}


def new_page(browser: Any, **options: Any) -> Any:
    context = browser.new_context(locale="en-GB", **options)
    return context.new_page()


def assert_no_violations(page: Any, name: str) -> None:
    violations = check_axe(page)
    assert violations == [], f"{name}: {violations}"


def fits_phone(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def post_urgent_gap(page: Any, base: str, start: str, end: str) -> str:
    page.goto(f"{base}/app/provider/gaps/new")
    page.get_by_label("A shift").check()
    page.get_by_label("Why do you need cover?").select_option("sickness")
    page.get_by_label("Emergency").check()
    page.get_by_label("Day").fill(URGENT["day"])
    page.get_by_label("Month").fill(URGENT["month"])
    page.get_by_label("Year").fill(URGENT["year"])
    page.get_by_label("Start time").fill(start)
    page.get_by_label("End time").fill(end)
    page.get_by_role("button", name="Post the gap").click()
    page.wait_for_url(re.compile(r"/app/gaps/G"))
    return str(page.url.rsplit("/", 1)[1])


def test_urgent_gap_posted_accepted_on_a_phone_and_seen_by_the_coordinator(
    browser: Any, live_url: str, service: Service
) -> None:
    coordinator = new_page(browser, viewport={"width": 1280, "height": 900})
    sign_in(coordinator, live_url, service.coordinator_token)
    coordinator.wait_for_url(f"{live_url}/app/coordinator")
    fill_rate = coordinator.locator(".app-figure", has=coordinator.locator("#fill-rate"))
    before = fill_rate.inner_text()  # the rate and its counts: "0% fill rate (0 of 137 places)"
    booked_before = service.bank.report(Actor.system(), _window(service)).places_filled
    shoot(coordinator, "coordinator-dashboard", readme=True)

    provider = new_page(browser, viewport={"width": 1280, "height": 900})
    sign_in(provider, live_url, service.provider_token)
    provider.goto(f"{live_url}/app/provider/gaps/new")
    shoot(provider, "provider-form", readme=True)
    gap_id = post_urgent_gap(provider, live_url, URGENT["start"], URGENT["end"])
    banner = provider.locator(".govuk-notification-banner--success")
    assert "offered at once to" in banner.inner_text()
    offered = int(provider.locator("#offered-count").inner_text())
    assert offered >= 1
    shoot(provider, "provider-gap-posted")

    offer = service.bank.gap_offers(Actor.system(), gap_id)[0]
    worker = new_page(browser, **PHONE)
    worker.goto(
        service.worker_link(offer.worker_id, offer.id).replace(service.settings.base_url, live_url)
    )
    worker.wait_for_url(f"{live_url}/app/worker/offers/{offer.id}")
    card = worker.locator("#offer-details")
    assert offer.provider_name in card.inner_text()
    assert "from your home" in card.inner_text()
    assert fits_phone(worker), "the offer page scrolls sideways at 360 px"
    shoot(worker, "worker-offer", readme=True, readme_full_page=True)
    worker.get_by_role("button", name=re.compile(r"^Accept")).click()
    worker.wait_for_url(f"{live_url}/app/worker/bookings")
    assert "You are booked" in worker.locator(".govuk-notification-banner").inner_text()
    assert offer.provider_name in worker.locator("main").inner_text()
    shoot(worker, "worker-booked")

    coordinator.reload()
    after = fill_rate.inner_text()
    booked_after = service.bank.report(Actor.system(), _window(service)).places_filled
    assert booked_after == booked_before + 1
    assert after != before, f"the fill rate stayed at {before}"
    coordinator.goto(f"{live_url}/app/gaps/{gap_id}")
    worker_name = service.bank.get_worker(Actor.system(), offer.worker_id).name
    assert worker_name in coordinator.locator("#accepted-by").inner_text()
    assert coordinator.locator("#booked-count").inner_text().startswith("1 of 1")
    shoot(coordinator, "coordinator-sees-booking")


def _window(service: Service) -> ReportFilter:
    first = service.clock().date()
    return ReportFilter(start=first, end=first + dt.timedelta(days=6))


def test_form_errors_use_the_error_summary(browser: Any, live_url: str, service: Service) -> None:
    page = new_page(browser)
    sign_in(page, live_url, service.provider_token)
    page.goto(f"{live_url}/app/provider/gaps/new")
    page.get_by_label("Start time").fill("25:99")
    page.get_by_role("button", name="Post the gap").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    assert page.title().startswith("Error:")
    # GOV.UK Frontend's JavaScript moves focus to the summary
    assert page.evaluate("document.activeElement.classList.contains('govuk-error-summary')")
    links = summary.locator("a")
    assert links.count() == 6
    assert page.locator(".govuk-error-message").count() == 6
    summary.get_by_role("link", name=re.compile("start time as a 24-hour time")).click()
    assert page.evaluate("document.activeElement.id") == "start"
    assert page.locator("#start").get_attribute("value") == "25:99"  # what was typed stays
    assert "govuk-input--error" in (page.locator("#start").get_attribute("class") or "")
    shoot(page, "provider-form-errors")


def test_a_worker_cannot_open_coordinator_pages(
    browser: Any, live_url: str, service: Service
) -> None:
    page = new_page(browser, **PHONE)
    wid = service.scenario.workers[1].id
    page.goto(service.worker_link(wid).replace(service.settings.base_url, live_url))
    page.wait_for_url(f"{live_url}/app/worker")
    for path in ("/app/coordinator", "/app/coordinator/compliance", "/app/provider"):
        response = page.goto(f"{live_url}{path}")
        assert response is not None and response.status == 403
        assert page.get_by_role("heading", name="You cannot open this page").is_visible()
    shoot(page, "worker-forbidden")


def test_every_page_passes_axe_and_worker_pages_fit_a_phone(
    browser: Any, live_url: str, service: Service
) -> None:
    pages: list[str] = []

    def check(page: Any, name: str) -> None:
        assert_no_violations(page, name)
        shoot(page, name)
        pages.append(name)

    anon = new_page(browser)
    anon.goto(f"{live_url}/sign-in")
    check(anon, "sign-in")
    with anon.expect_navigation():
        anon.get_by_role("button", name="Sign in").click()
    check(anon, "sign-in-error")

    # coordinator: start an allocation, watch it, review, explain, publish
    desk = new_page(browser)
    sign_in(desk, live_url, service.coordinator_token)
    check(desk, "coordinator-dashboard-axe")
    desk.goto(f"{live_url}/app/coordinator/runs")
    check(desk, "coordinator-runs")
    desk.get_by_label("Number of days").fill("2")
    desk.get_by_label("Time limit in seconds").fill("2")
    desk.get_by_role("button", name="Start the allocation").click()
    if "/jobs/" in desk.url:
        check(desk, "coordinator-run-progress")
    desk.wait_for_url(re.compile(r"/app/coordinator/runs/\d+$"), timeout=60_000)
    check(desk, "coordinator-run")
    run_id = int(desk.url.rsplit("/", 1)[1])
    run = service.bank.get_run(Actor.system(), run_id)
    assert run.plan is not None and run.plan.assignments
    first = run.plan.assignments[0]
    desk.goto(f"{live_url}/app/coordinator/runs/{run_id}/gaps/{first.gap_id}")
    check(desk, "coordinator-explain")
    if run.plan.unfilled:
        desk.goto(f"{live_url}/app/coordinator/runs/{run_id}/gaps/{run.plan.unfilled[0].gap_id}")
        check(desk, "coordinator-explain-unfilled")
    desk.goto(f"{live_url}/app/coordinator/runs/{run_id}")
    desk.get_by_role("button", name=re.compile("^Publish")).click()
    desk.wait_for_url(re.compile(r"/publish$"))
    counts = desk.locator("#publish-counts").inner_text()
    assert re.search(r"This sends \d+ offers? to \d+ workers?", counts), counts
    check(desk, "coordinator-publish-confirm")
    desk.get_by_role("button", name=re.compile("^Yes, send")).click()
    assert "The plan is published" in desk.locator(".govuk-notification-banner").inner_text()
    for name, path in (
        ("coordinator-compliance", "/app/coordinator/compliance"),
        ("coordinator-workers", "/app/coordinator/workers"),
        ("coordinator-week", f"/app/coordinator/workers/{first.worker_id}"),
        (
            "coordinator-day",
            f"/app/coordinator/workers/{first.worker_id}/day?date={first.start.date()}",
        ),
        ("coordinator-gap", f"/app/gaps/{first.gap_id}"),
        ("coordinator-cancel", f"/app/gaps/{first.gap_id}/cancel"),
        ("coordinator-reports", "/app/reports"),
        ("not-found", "/app/gaps/NOPE"),
    ):
        desk.goto(f"{live_url}{path}")
        check(desk, name)
        if name == "coordinator-day":  # the round diagram drew the planned visits
            assert desk.locator(".app-round .r-stop").count() >= 1

    # provider
    office = new_page(browser)
    sign_in(office, live_url, service.provider_token)
    for name, path in (
        ("provider-gaps", "/app/provider"),
        ("provider-new-gap", "/app/provider/gaps/new"),
        ("provider-reports", "/app/reports"),
    ):
        office.goto(f"{live_url}{path}")
        check(office, name)
    office.goto(f"{live_url}/app/provider/gaps/new")
    office.get_by_role("button", name="Post the gap").click()
    check(office, "provider-new-gap-errors")
    own = next(g for g in service.scenario.gaps if g.provider_id == PROVIDER_ID)
    office.goto(f"{live_url}/app/gaps/{own.id}")
    check(office, "provider-gap")

    # a worker with offers from the published plan, on a phone
    offered = service.bank.list_offers(Actor.system(), status="offered")
    assert offered, "publishing sent no offers"
    offer = offered[0]
    phone = new_page(browser, **PHONE)
    phone.goto(service.worker_link(offer.worker_id).replace(service.settings.base_url, live_url))
    for name, path in (
        ("worker-offers", "/app/worker"),
        ("worker-offer-page", f"/app/worker/offers/{offer.id}"),
        ("worker-bookings", "/app/worker/bookings"),
        ("worker-availability", "/app/worker/availability"),
        ("worker-documents", "/app/worker/documents"),
        ("worker-forbidden-axe", "/app/coordinator"),
    ):
        phone.goto(f"{live_url}{path}")
        check(phone, name)
        assert fits_phone(phone), f"{name} scrolls sideways at 360 px"
    phone.goto(f"{live_url}/app/worker/availability")
    phone.get_by_role("button", name="Add this time").click()
    check(phone, "worker-availability-errors")
    phone.get_by_role("button", name="Menu").click()  # the navigation collapses on phones
    expect(phone.get_by_role("link", name="Documents")).to_be_visible()
    assert len(pages) >= 27
