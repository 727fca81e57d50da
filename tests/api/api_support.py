"""Helpers of the API tests: a real SqlBank on SQLite (or PostgreSQL) holding a small
Bury sample whose days cover today and tomorrow, demo tokens, and a TestClient."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from flexbank.api import create_app
from flexbank.cli.service import DemoGap, find_demo_gap, sample_start
from flexbank.models import Scenario
from flexbank.sample import generate
from flexbank.services.contract import Actor, Bank
from flexbank.settings import Settings

PG_ADMIN = os.environ.get("FLEXBANK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class World:
    """A bank with a sample loaded; ``own``/``other`` name records of the demo actors."""

    bank: Any
    settings: Settings
    scenario: Scenario
    demo: DemoGap
    http: TestClient
    tokens: dict[str, str] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)

    def headers(self, who: str) -> dict[str, str]:
        return auth(self.tokens[who]) if who in self.tokens else {}

    def gap_json(self, **changes: Any) -> dict[str, Any]:
        data = self.demo.gap.model_dump(mode="json", exclude_defaults=True)
        return {**data, **changes}

    def others_than(self, worker_id: str) -> list[str]:
        return [w.id for w in self.scenario.workers if w.id != worker_id]


def make_settings(data_dir: Path, url: str | None = None, **changes: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "database_url": url,
        "secret_key": "test-signing-secret",
        "solver_time_limit": 3.0,
        "channels": ["log"],
        **changes,
    }
    return Settings(**values)


def make_bank(settings: Settings) -> Bank:
    from flexbank.adapters.database import upgrade
    from flexbank.services.bank import SqlBank

    upgrade(settings.resolved_database_url())
    bank: Bank = SqlBank(settings)
    return bank


def build_world(settings: Settings, workers: int = 16, gaps: int = 40, seed: int = 11) -> World:
    bank = make_bank(settings)
    now = dt.datetime.now(dt.UTC)
    # from the Monday of this week to the end of tomorrow's, so that the next urgent
    # window is inside the week on a Sunday too
    monday = sample_start(now - dt.timedelta(days=1), ZoneInfo(settings.timezone))
    scenario = generate(workers, gaps, seed, start=monday, days=8)
    bank.import_scenario(Actor.system(), scenario)
    demo = find_demo_gap(scenario, now, settings)
    assert demo is not None, "no worker of the sample can take an urgent visit now"
    providers = [p.id for p in scenario.providers]
    other_provider = next(p for p in providers if p != demo.provider_id)
    # a worker who has never visited the demo visit's client: the client is none of theirs
    other_worker = next(
        w.id
        for w in scenario.workers
        if w.id != demo.worker_id and all(h.client_id != demo.gap.client_id for h in w.history)
    )
    world = World(
        bank=bank,
        settings=settings,
        scenario=scenario,
        demo=demo,
        http=TestClient(create_app(bank, settings)),
        ids={
            "provider": demo.provider_id,
            "other_provider": other_provider,
            "worker": demo.worker_id,
            "other_worker": other_worker,
        },
    )
    world.tokens = {
        "coordinator": bank.create_token("coordinator", None, "test coordinator"),
        "provider": bank.create_token("provider", demo.provider_id, "own provider"),
        "other_provider": bank.create_token("provider", other_provider, "other provider"),
        "worker": bank.create_token("worker", demo.worker_id, "own worker"),
        "other_worker": bank.create_token("worker", other_worker, "other worker"),
    }
    return world
