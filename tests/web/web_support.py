"""Helpers of the web tests: the service under test (a SqlBank on SQLite with a Bury
sample, the API and the pages in one app) and browser helpers (axe-core, screenshots)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from flexbank.adapters import database
from flexbank.models import Scenario
from flexbank.sample import generate
from flexbank.services.bank import SqlBank
from flexbank.services.contract import Actor
from flexbank.services.directory import sample_details
from flexbank.settings import Settings
from flexbank.web import mount_static, web_router, worker_link

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "out" / "screenshots"
README_SHOTS = ROOT / "docs" / "screenshots"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
#: The provider used in the tests (a care home of the sample) and the urgent gap
#: it posts: 07:00-15:00 on the horizon's first day, 17 hours after the sample's now.
PROVIDER_ID = "CH01"
URGENT = {"day": "30", "month": "11", "year": "2026", "start": "07:00", "end": "15:00"}


class Clock:
    """The bank's and the pages' now: the sample's as_of, settable."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@dataclass
class Service:
    bank: SqlBank
    settings: Settings
    scenario: Scenario
    clock: Clock
    app: FastAPI
    coordinator_token: str
    provider_token: str
    other_provider_token: str

    def worker_link(self, worker_id: str, offer_id: int | None = None) -> str:
        return worker_link(self.settings, worker_id, offer_id)


def build_service(data_dir: Path) -> Service:
    settings = Settings(
        data_dir=data_dir,
        secret_key="web-tests-secret",
        base_url="http://127.0.0.1:8000",
        solver_workers=1,
        channels=[],
    )
    database.upgrade(settings.resolved_database_url())
    scenario = generate(workers=60, gaps=150, seed=7)
    clock = Clock(scenario.as_of)
    bank = SqlBank(settings, clock=clock)
    bank.import_scenario(Actor.system(), scenario)
    sample_details(bank.ctx)
    try:
        from flexbank.api.app import create_app

        app = create_app(bank, settings)
    except ImportError:  # the pages do not need the API
        app = FastAPI()
    app.include_router(web_router(bank, settings))
    mount_static(app)
    return Service(
        bank=bank,
        settings=settings,
        scenario=scenario,
        clock=clock,
        app=app,
        coordinator_token=bank.create_token("coordinator", None, "Flex team"),
        provider_token=bank.create_token("provider", PROVIDER_ID, "Care home manager"),
        other_provider_token=bank.create_token("provider", "HC01", "Home care manager"),
    )


def check_axe(page: Any) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.2 A/AA violations on the page as it is now."""
    page.wait_for_load_state()
    page.add_script_tag(path=str(AXE))
    violations: list[dict[str, Any]] = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))"
        ".violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))",
        WCAG_TAGS,
    )
    return violations


def shoot(page: Any, name: str, readme: bool = False, readme_full_page: bool = False) -> None:
    """A full-page screenshot in out/screenshots/; with ``readme``, also one for the
    README in docs/screenshots/ (the viewport only, unless ``readme_full_page``)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    if readme:
        README_SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(README_SHOTS / f"{name}.png"), full_page=readme_full_page)


def sign_in(page: Any, base: str, token: str) -> None:
    page.goto(f"{base}/sign-in")
    page.get_by_label("Access token").fill(token)
    with page.expect_navigation():  # the next step must see the signed-in page, not this one
        page.get_by_role("button", name="Sign in").click()


# ------------------------------------------------------------- signed-in clients

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def signed_in(service: Service, token: str) -> TestClient:
    client = TestClient(service.app)
    page = client.get("/sign-in")
    response = client.post(
        "/sign-in",
        data={"token": token, "csrf_token": csrf_of(page.text), "next": ""},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return client


def worker_client(service: Service, worker_id: str, offer_id: int | None = None) -> TestClient:
    client = TestClient(service.app)
    link = service.worker_link(worker_id, offer_id).replace(service.settings.base_url, "")
    response = client.get(link, follow_redirects=False)
    assert response.status_code == 303
    return client
