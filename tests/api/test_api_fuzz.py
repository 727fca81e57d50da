"""Schemathesis against the app: every operation, as a coordinator and as a
provider, on SQLite and PostgreSQL, a bounded number of generated cases each; no
answer may be a 5xx (issue 9, point 7)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from api_support import PG_ADMIN, World, build_world, make_settings

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from schemathesis.generation.modes import GenerationMode  # noqa: E402

EXAMPLES = int(os.environ.get("FLEXBANK_FUZZ_EXAMPLES", "16"))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fuzzed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    from flexbank.adapters.database import dispose

    tmp: Path = tmp_path_factory.mktemp(f"fuzz-{request.param}")
    url = None
    admin = None
    name = f"flexbank_fuzz_{uuid.uuid4().hex[:10]}"
    if request.param == "postgresql":
        psycopg = pytest.importorskip("psycopg")
        try:
            admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3)
        except Exception as exc:  # pragma: no cover - depends on the machine
            pytest.skip(f"no PostgreSQL at {PG_ADMIN}: {exc}")
        admin.execute(f'CREATE DATABASE "{name}"')
        base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
        url = f"{base}/{name}"
    settings_ = make_settings(tmp, url, solver_time_limit=0.5, max_body_bytes=200_000)
    world = build_world(settings_)
    try:
        yield world
    finally:
        dispose(settings_.resolved_database_url())
        if admin is not None:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.close()


@pytest.mark.slow
def test_no_server_errors(fuzzed: World) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzzed.http.app)
    failures: list[str] = []
    statuses: dict[int, int] = {}
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        strategy = st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        )

        @given(case=strategy)
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.explicit, Phase.generate],
        )
        def run(case) -> None:  # type: ignore[no-untyped-def]
            for role in ("provider", "coordinator"):
                response = case.call(headers={"Authorization": f"Bearer {fuzzed.tokens[role]}"})
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                if response.status_code >= 500:
                    failures.append(
                        f"{role}: {case.method} {case.formatted_path} {case.query or ''} "
                        f"-> {response.status_code}: {response.text[:200]}"
                    )

        run()
    print("answers by status:", dict(sorted(statuses.items())))
    assert operations >= 30
    assert len(statuses) >= 4  # the cases reach past the front door: 2xx and 4xx
    assert failures == [], "\n".join(dict.fromkeys(failures))
