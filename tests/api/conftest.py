"""Fixtures for the API tests (helpers in api_support.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from api_support import PG_ADMIN, World, build_world, make_settings

from flexbank.settings import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    w = build_world(settings)
    yield w
    _dispose(settings)


def _dispose(settings: Settings) -> None:
    from flexbank.adapters.database import dispose

    dispose(settings.resolved_database_url())


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database, dropped afterwards (skips when none is reachable)."""
    psycopg = pytest.importorskip("psycopg")
    try:
        admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3)
    except Exception as exc:  # pragma: no cover - depends on the machine
        pytest.skip(f"no PostgreSQL at {PG_ADMIN}: {exc}")
    name = f"flexbank_api_{uuid.uuid4().hex[:10]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    url = f"{base}/{name}"
    try:
        yield url
    finally:
        from flexbank.adapters.database import dispose

        dispose(url)
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
