"""The coordinator's allocation page when the bank's allocation runs on Ray
(FLEXBANK_RAY_ADDRESS): the progress shows the parts of the week planned and the hours
so far in plain words, passes axe-core, and the run ends on the plan's page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from web_support import Service, build_service, check_axe, shoot, sign_in

from flexbank.adapters import database
from flexbank.services.contract import Actor

ray = pytest.importorskip("ray")
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("browser_ready")]


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """The web tests' bank, its allocation run on a local Ray, region by region."""
    svc = build_service(tmp_path_factory.mktemp("web-bank-ray"))
    svc.settings.ray_address = "local"
    svc.settings.ray_region_gaps = 50
    assert svc.bank.settings is svc.settings
    yield svc
    database.dispose(svc.settings.resolved_database_url())


def test_the_allocation_page_shows_the_parts_done_on_ray(
    browser: Any, live_url: str, service: Service
) -> None:
    desk = browser.new_context(locale="en-GB").new_page()
    sign_in(desk, live_url, service.coordinator_token)
    desk.goto(f"{live_url}/app/coordinator/runs")
    desk.get_by_label("Number of days").fill("7")
    desk.get_by_label("Time limit in seconds").fill("4")
    desk.get_by_role("button", name="Start the allocation").click()
    desk.wait_for_url(re.compile(r"/app/coordinator/runs/jobs/"))
    parts = desk.locator("[data-events] tr", has_text="Parts of the week planned")
    parts.first.wait_for(timeout=120_000)
    text = desk.locator("[data-run-progress]").inner_text()
    assert re.search(r"\d+ of \d+", text), text
    for word in ("Emergency", "Urgent", "Routine"):
        assert word in text
    for worker in service.scenario.workers:
        assert worker.id not in text
    assert not re.search(r"\bG\d{5}\b|subproblem|region \d", text)
    assert check_axe(desk) == []
    shoot(desk, "coordinator-run-progress-ray")
    desk.wait_for_url(re.compile(r"/app/coordinator/runs/\d+$"), timeout=300_000)
    run = service.bank.get_run(Actor.system(), int(desk.url.rsplit("/", 1)[1]))
    assert run.status == "succeeded" and run.metrics is not None
    assert run.metrics["mode"] == "distributed"
