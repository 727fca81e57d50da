"""Migration 0003 matches the tables (no drift on either database) and goes down and
up again; read-only units of work do not wait for a writer on SQLite."""

from __future__ import annotations

import time

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from flexbank.adapters import database
from flexbank.adapters.orm import Base
from flexbank.adapters.uow import UnitOfWork


def test_the_migrations_match_the_tables_and_go_down_and_up(database_url: str) -> None:
    engine = database.engine_for(database_url)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    config = database.alembic_config(database_url)
    command.downgrade(config, "0001")
    assert database.current_revision(database_url) == "0001"
    database.upgrade(database_url)
    head = ScriptDirectory.from_config(config).get_current_head()
    assert database.current_revision(database_url) == head


def test_a_reader_does_not_wait_for_a_writer_on_sqlite(database_url: str) -> None:
    engine = database.engine_for(database_url)
    with UnitOfWork(engine) as writer:
        writer.session.execute(text("SELECT 1"))  # holds the write lock on SQLite
        started = time.monotonic()
        with UnitOfWork(engine, read_only=True) as reader:
            assert reader.session.execute(text("SELECT count(*) FROM gaps")).scalar() == 0
        assert time.monotonic() - started < 5  # the busy timeout is 60 s
