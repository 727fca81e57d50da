"""Contract version 2 in the database: the migration keeps existing rows at the
version 1 defaults, and a version 2 bank carries the new fields back into /2 scenarios."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from service_support import COORD
from sqlalchemy.orm import Session

from flexbank.adapters import database
from flexbank.adapters.scenario import build_scenario, worker_row
from flexbank.sample import generate
from flexbank.services.bank import SqlBank
from flexbank.settings import Settings


def _build(url: str, when: object) -> tuple[object, object]:
    scenario = generate(workers=6, gaps=6, seed=3)
    with Session(database.engine_for(url)) as session:
        return build_scenario(
            session,
            as_of=scenario.as_of,
            start=scenario.horizon.start,
            end=scenario.horizon.end,
            timezone=scenario.timezone,
            name=str(when),
        )


def test_migration_0002_keeps_version_1_rows(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    database.upgrade(url, "0001")
    old = generate(workers=3, gaps=0, seed=5).workers[0]
    row = worker_row(old)
    values = {c.name: getattr(row, c.key) for c in row.__table__.columns}
    values.pop("night_health_assessment")
    values.pop("employment_start")
    engine = sa.create_engine(url)
    workers = sa.Table("workers", sa.MetaData(), autoload_with=engine)
    assert "employment_start" not in workers.columns
    with engine.begin() as conn:
        conn.execute(workers.insert().values(**values))
    engine.dispose()
    database.dispose(url)
    database.upgrade(url, "0002")
    assert database.current_revision(url) == "0002"
    database.upgrade(url)  # and on to the head, for the rest of the service
    scenario, plan = _build(url, "after")
    assert scenario.format == "flexbank.scenario/1" and plan.format == "flexbank.plan/1"
    # (availability and commitments are rows of their own, not inserted here)
    assert scenario.workers[0] == old.model_copy(update={"availability": [], "commitments": []})
    database.dispose(url)


def test_a_version_2_bank_gives_version_2_scenarios(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'v2.db'}"
    database.upgrade(url)
    bank = SqlBank(Settings(data_dir=tmp_path, database_url=url, secret_key="k"))
    two = generate(workers=30, gaps=10, seed=2, version=2)
    bank.import_scenario(COORD, two)
    stored = {w.id: w for w in bank.list_workers(COORD)}
    for worker in two.workers:
        assert stored[worker.id].night_health_assessment == worker.night_health_assessment
        assert stored[worker.id].employment_start == worker.employment_start
        assert stored[worker.id].dbs == worker.dbs
        assert stored[worker.id].reg19 == worker.reg19
    scenario, plan = _build(url, "v2")
    assert scenario.format == "flexbank.scenario/2" and plan.format == "flexbank.plan/2"
    database.dispose(url)
