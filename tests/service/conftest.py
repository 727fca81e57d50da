"""Fixtures for the service layer: a bank on SQLite and on PostgreSQL, a settable
clock, a recording channel, and a small realistic Bury scenario."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from service_support import COORD, FakeClock, RecordingChannel

from flexbank.adapters import database
from flexbank.models import Scenario
from flexbank.sample import generate
from flexbank.services.bank import SqlBank
from flexbank.settings import Settings

PG_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"


def _pg_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(
            "host=127.0.0.1 port=5432 user=postgres dbname=postgres", connect_timeout=3
        ):
            return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def pg_server() -> bool:
    ok = _pg_available()
    if not ok and os.environ.get("CI"):
        pytest.fail("PostgreSQL at 127.0.0.1:5432 is required in CI")
    return ok


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(sql)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'flexbank.db'}"
        database.upgrade(url)
        yield url
        database.dispose(url)
        return
    if not request.getfixturevalue("pg_server"):
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432")
    name = f"flexbank_test_{secrets.token_hex(6)}"
    _admin(f'CREATE DATABASE "{name}"')
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    try:
        database.upgrade(url)
        yield url
    finally:
        database.dispose(url)
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def scenario() -> Scenario:
    return generate(workers=40, gaps=24, seed=7)


@pytest.fixture
def clock(scenario: Scenario) -> FakeClock:
    return FakeClock(scenario.as_of)


@pytest.fixture
def channel() -> RecordingChannel:
    return RecordingChannel()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path,
        database_url=database_url,
        secret_key="test-secret",
        solver_time_limit=3.0,
        solver_workers=1,
        horizon_days=7,
    )


@pytest.fixture
def bank(settings: Settings, clock: FakeClock, channel: RecordingChannel) -> SqlBank:
    return SqlBank(settings, channels=[channel], clock=clock)


@pytest.fixture
def loaded(bank: SqlBank, scenario: Scenario) -> SqlBank:
    bank.import_scenario(COORD, scenario)
    return bank
