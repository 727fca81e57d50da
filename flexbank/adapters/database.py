"""Engines for SQLite (the embedded default) and PostgreSQL, and schema upgrades.

SQLite: a file in the data directory, WAL journal, foreign keys on, a busy timeout,
and ``BEGIN IMMEDIATE`` for every transaction that may write, so writers are
serialised by SQLite itself (a transaction that reads and then writes can never be
overtaken); read-only units of work begin deferred and do not wait for writers.

PostgreSQL: psycopg 3, READ COMMITTED; the service layer takes row locks
(``SELECT ... FOR UPDATE``) where it re-checks before writing.

Both: ``hide_parameters`` (a database error never shows the values of the statement:
workers' names, dates of birth, home addresses, DBS and right-to-work records).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"

_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def normalise_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` mean psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def create(url: str) -> Engine:
    """A new engine for ``url`` (SQLite pragmas and BEGIN IMMEDIATE wired in)."""
    url = normalise_url(url)
    if is_sqlite(url):
        parsed = make_url(url)
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 60},
            pool_size=10,
            max_overflow=60,
            hide_parameters=True,
        )
        _sqlite_events(engine)
        return engine
    return create_engine(
        url,
        pool_size=10,
        max_overflow=60,
        pool_pre_ping=True,
        pool_timeout=10,
        hide_parameters=True,  # errors never carry names, dates of birth, addresses
        connect_args={"connect_timeout": 5},
    )


def _sqlite_events(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        # let SQLAlchemy (not pysqlite) decide when transactions begin
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        read_only = conn.get_execution_options().get("flexbank_read_only", False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def engine_for(url: str) -> Engine:
    """One shared engine per URL in this process."""
    url = normalise_url(url)
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = create(url)
        return engine


def dispose(url: str | None = None) -> None:
    """Close pooled connections (all engines, or the one for ``url``)."""
    with _lock:
        keys = [normalise_url(url)] if url else list(_engines)
        for key in keys:
            engine = _engines.pop(key, None)
            if engine is not None:
                engine.dispose()


def alembic_config(url: str) -> Any:
    """An Alembic configuration for ``url`` with the migrations shipped in the package."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    config.attributes["url"] = normalise_url(url)
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision`` (default: the newest)."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def current_revision(url: str) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine_for(url).connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
