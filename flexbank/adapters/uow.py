"""Unit of work: one database transaction, rolled back unless committed.

>>> with UnitOfWork(engine) as uow:
...     uow.session.add(row)
...     uow.commit()

SQL stays in the adapters and the service modules; the pure core never sees a session.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from types import TracebackType

from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from flexbank.adapters.orm import GapRow, WorkerRow


class UnitOfWork:
    def __init__(self, engine: Engine, *, read_only: bool = False) -> None:
        # read-only: on SQLite a deferred BEGIN, so readers do not queue for the write
        # lock (WAL gives them a consistent snapshot); writers keep BEGIN IMMEDIATE
        self.engine = engine.execution_options(flexbank_read_only=True) if read_only else engine
        self.dialect = engine.dialect.name
        self._session: Session | None = None
        self.committed = False

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("the unit of work is not open")
        return self._session

    @property
    def postgres(self) -> bool:
        return self.dialect == "postgresql"

    def __enter__(self) -> UnitOfWork:
        self._session = Session(self.engine, expire_on_commit=False, autoflush=True)
        self.committed = False
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # close() rolls back whatever was not committed; loaded rows stay readable
        session = self.session
        self._session = None
        session.close()

    def commit(self) -> None:
        self.session.commit()
        self.committed = True

    def rollback(self) -> None:
        self.session.rollback()

    # ------------------------------------------------------------ locking

    def lock_worker(self, worker_id: str) -> WorkerRow | None:
        """Lock the worker row (PostgreSQL FOR UPDATE; SQLite holds the write lock).
        The global lock order: a transaction locks gaps before workers, workers in
        order of id (:mod:`flexbank.services.booking`)."""
        return self.session.scalars(
            select(WorkerRow)
            .where(WorkerRow.id == worker_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).first()

    def lock_gaps(self, gap_ids: Iterable[str]) -> list[GapRow]:
        """Lock the gaps that exist among ``gap_ids``, in order of id."""
        return list(
            self.session.scalars(
                select(GapRow)
                .where(GapRow.id.in_(sorted(set(gap_ids))))
                .order_by(GapRow.id)
                .with_for_update()
            )
        )

    def lock_workers(self, worker_ids: Iterable[str]) -> list[WorkerRow]:
        """Lock the workers that exist among ``worker_ids``, in order of id."""
        return list(
            self.session.scalars(
                select(WorkerRow)
                .where(WorkerRow.id.in_(sorted(set(worker_ids))))
                .order_by(WorkerRow.id)
                .with_for_update()
            )
        )

    def lock_gap(self, gap_id: str) -> GapRow | None:
        return self.session.scalars(
            select(GapRow)
            .where(GapRow.id == gap_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).first()

    def try_advisory_lock(self, name: str) -> bool:
        """PostgreSQL: a transaction-scoped advisory lock, without waiting. SQLite: True
        (BEGIN IMMEDIATE already serialises writers)."""
        if not self.postgres:
            return True
        key = zlib.crc32(name.encode()) - 2**31
        got = self.session.execute(
            text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": key}
        ).scalar_one()
        return bool(got)
