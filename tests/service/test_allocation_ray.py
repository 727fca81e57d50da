"""The daily allocation on Ray (FLEXBANK_RAY_ADDRESS): the plan is solved region by
region, re-checked, stored like any other, and its progress names the parts done."""

from __future__ import annotations

import pytest
from service_support import COORD

from flexbank.adapters.orm import RunRow
from flexbank.checker import check_plan
from flexbank.services import allocation
from flexbank.services.bank import SqlBank
from flexbank.settings import Settings
from flexbank.web.run_progress import parts_rows

ray = pytest.importorskip("ray")
pytestmark = pytest.mark.slow


def test_the_setting_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLEXBANK_RAY_ADDRESS", "ray://head:10001")
    assert Settings().ray_address == "ray://head:10001"
    monkeypatch.delenv("FLEXBANK_RAY_ADDRESS")
    assert Settings().ray_address is None


def test_an_allocation_run_on_ray_is_checked_and_stored(settings, clock, channel, scenario):
    on_ray = settings.model_copy(update={"ray_address": "local", "ray_region_gaps": 12})
    bank = SqlBank(on_ray, channels=[channel], clock=clock)
    bank.import_scenario(COORD, scenario)
    events = []
    run = bank.run_allocation(
        COORD, start=scenario.horizon.start.date(), days=7, time_limit=3, progress=events.append
    )
    assert run.status == "succeeded", run.error
    assert run.metrics["mode"] == "distributed"
    assert run.metrics["parts"] >= 2
    with bank.ctx.uow() as uow:
        row = uow.session.get(RunRow, run.id)
        uow.session.expunge(row)
    week, _ = allocation.scenario_for(bank.ctx, row, clock())
    assert check_plan(week, run.plan) == []
    last = events[-1]
    assert last.phase == "done"
    rows = parts_rows(events[-2])
    assert rows[0]["stage"].startswith("Parts of the week planned")
    assert [r["stage"] for r in rows[1:]] == ["Emergency", "Urgent", "Routine"]
    assert all(w.id not in str(rows) for w in scenario.workers)
