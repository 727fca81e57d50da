"""Issue 9's repros over HTTP, each kept: bad input gets a 4xx naming the problem
(never a 5xx), the database being away gets a 503, references stay whole, a worker
cannot set the working-time fields, errors do not reveal which ids exist, and a
failing request logs no personal data."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from api_support import World, build_world, make_settings
from fastapi.testclient import TestClient
from sqlalchemy import text

from flexbank.adapters.database import dispose


def problems(response: Any) -> list[str]:
    return [p["path"] for p in response.json().get("problems", [])]


def test_unreadable_imports_are_422(world: World) -> None:
    h = {**world.headers("coordinator"), "Content-Type": "application/json"}
    bad_utf8 = world.http.post("/import/scenario", content=b'{"format": "\xff"}', headers=h)
    assert bad_utf8.status_code == 422
    deep = world.http.post("/import/scenario", content=b"[" * 100_000, headers=h)
    assert deep.status_code == 422
    deep_gap = world.http.post(
        "/gaps?provider_id=" + world.ids["provider"], content=b"[" * 100_000, headers=h
    )
    assert deep_gap.status_code == 422


def test_a_providers_import_is_refused_before_it_is_read(world: World) -> None:
    h = {**world.headers("provider"), "Content-Type": "application/json"}
    answer = world.http.post("/import/scenario", content=b'{"not": "a scenario"}', headers=h)
    assert answer.status_code == 403


def test_out_of_range_values_are_422(world: World) -> None:
    h = world.headers("provider")
    empty_skill = world.http.post("/gaps", json=world.gap_json(skills=[""]), headers=h)
    assert empty_skill.status_code == 422 and problems(empty_skill) == ["$.body.skills[0]"]
    huge = world.http.post("/gaps", json=world.gap_json(headcount=2**63), headers=h)
    assert huge.status_code == 422
    c = world.headers("coordinator")
    w = world.headers("worker")
    assert world.http.post(f"/offers/{2**31}/accept", headers=w).status_code == 422
    assert world.http.get(f"/allocations/{2**31}", headers=c).status_code == 422
    for path in ("/gaps", "/reports"):
        far = world.http.get(path, params={"start": "9999-12-31", "end": "9999-12-31"}, headers=c)
        assert far.status_code == 422, (path, far.text)
    run = world.http.post("/allocations", json={"start": "9999-12-31"}, headers=c)
    assert run.status_code == 422


def test_nul_and_overlong_text_are_refused(world: World) -> None:
    c = world.headers("coordinator")
    worker = world.http.get(f"/workers/{world.ids['worker']}", headers=c).json()
    nul = world.http.put(
        f"/workers/{worker['id']}", json={**worker, "name": "Zeb\x00Quux"}, headers=c
    )
    assert nul.status_code == 422 and problems(nul) == ["$.body.name"]
    assert world.http.get("/gaps/G%00X", headers=c).status_code == 422
    long_postcode = {**worker, "home": {**worker["home"], "postcode": "M" * 20_000}}
    answer = world.http.put(f"/workers/{worker['id']}", json=long_postcode, headers=c)
    assert answer.status_code == 422 and problems(answer) == ["$.body.home.postcode"]
    listed = world.http.get(f"/workers/{worker['id']}", headers=c).json()
    assert listed["home"]["postcode"] == worker["home"]["postcode"]


def test_a_body_over_the_limit_is_413(tmp_path: Path) -> None:
    world = build_world(make_settings(tmp_path, max_body_bytes=50_000))
    try:
        c = world.headers("coordinator")
        worker = world.http.get(f"/workers/{world.ids['worker']}", headers=c).json()
        big = {**worker, "home": {**worker["home"], "postcode": "M" * 20_000_000}}
        answer = world.http.put(f"/workers/{worker['id']}", json=big, headers=c)
        assert answer.status_code == 413
    finally:
        dispose(world.settings.resolved_database_url())


def test_moving_a_client_with_gaps_and_deleting_its_provider_are_409(world: World) -> None:
    c = world.headers("coordinator")
    posted = world.http.post("/gaps", json=world.gap_json(), headers=world.headers("provider"))
    assert posted.status_code == 201, posted.text
    client_id = posted.json()["client_id"]
    client = world.http.get(f"/clients/{client_id}", headers=c).json()
    moved = {**client, "provider_id": world.ids["other_provider"]}
    assert world.http.put(f"/clients/{client_id}", json=moved, headers=c).status_code == 409
    assert world.http.get(f"/clients/{client_id}", headers=c).json() == client
    deleted = world.http.delete(f"/providers/{world.ids['provider']}", headers=c)
    assert deleted.status_code == 409
    # a provider with clients but no gaps anywhere goes, clients with it
    provider = {**world.http.get(f"/providers/{world.ids['provider']}", headers=c).json()}
    provider["id"] = "HC-NEW"
    assert world.http.post("/providers", json=provider, headers=c).status_code == 201
    assert (
        world.http.post(
            "/clients", json={**client, "id": "C-NEW", "provider_id": "HC-NEW"}, headers=c
        ).status_code
        == 201
    )
    assert world.http.delete("/providers/HC-NEW", headers=c).status_code == 204
    assert world.http.get("/clients/C-NEW", headers=c).status_code == 404


def test_working_time_fields_are_the_coordinators_and_the_worker_can_ask(world: World) -> None:
    w = world.headers("worker")
    me = world.http.get(f"/workers/{world.ids['worker']}", headers=w).json()
    for change in ({"wtd_opt_out": not me["wtd_opt_out"]}, {"max_hours_per_week": 168}):
        answer = world.http.put(f"/workers/{me['id']}", json={**me, **change}, headers=w)
        assert answer.status_code == 403 and "request has been sent" in answer.json()["detail"]
    assert world.http.get(f"/workers/{me['id']}", headers=w).json() == me
    audit = world.http.get(f"/workers/{me['id']}/audit", headers=world.headers("coordinator"))
    assert [a["action"] for a in audit.json()].count("change_requested") == 2


def test_errors_do_not_reveal_which_worker_ids_exist(world: World) -> None:
    h = world.headers("provider")
    known = world.http.post(
        "/gaps", json=world.gap_json(excluded_workers=[world.ids["other_worker"]]), headers=h
    )
    unknown = world.http.post("/gaps", json=world.gap_json(excluded_workers=["W9999"]), headers=h)
    assert known.status_code == unknown.status_code == 201


def test_a_failing_request_logs_no_personal_data(
    world: World, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    c = world.headers("coordinator")
    worker = world.http.get(f"/workers/{world.ids['worker']}", headers=c).json()
    name = worker["name"]
    bank = world.bank

    def failing_put(actor: Any, record: Any) -> Any:
        # a statement that fails in the database with the worker's record as parameters
        with bank.ctx.uow() as uow:
            uow.session.execute(
                text("INSERT INTO workers (id, name) VALUES (:id, :name)"),
                {"id": record.id, "name": record.name},
            )
        raise AssertionError("unreachable")

    def crashing_get(actor: Any, worker_id: str) -> Any:
        raise RuntimeError(f"boom for {name}, born {worker['date_of_birth']}")

    monkeypatch.setattr(bank, "put_worker", failing_put)
    monkeypatch.setattr(bank, "get_worker", crashing_get)
    http = TestClient(world.http.app, raise_server_exceptions=False)
    caplog.set_level(logging.DEBUG)
    answer = http.put(f"/workers/{worker['id']}", json=worker, headers=c)
    assert answer.status_code in (409, 422, 503)
    crashed = http.get(f"/workers/{worker['id']}", headers=c)
    assert crashed.status_code == 500 and name not in crashed.text
    assert "RuntimeError" in caplog.text and "IntegrityError" in caplog.text
    assert name not in caplog.text
    assert worker["date_of_birth"] not in caplog.text


def test_postgresql_down_is_503_with_retry_after(tmp_path: Path, pg_url: str) -> None:
    world = build_world(make_settings(tmp_path, pg_url), workers=16, gaps=20)
    try:
        c = world.headers("coordinator")
        assert world.http.get("/gaps", headers=c).status_code == 200
        import psycopg
        from api_support import PG_ADMIN

        name = pg_url.rsplit("/", 1)[1]
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
        try:
            http = TestClient(world.http.app, raise_server_exceptions=False)
            down = http.get("/gaps", headers=c)
            assert down.status_code == 503 and down.headers["Retry-After"].isdigit()
        finally:
            with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
                admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        assert world.http.get("/gaps", headers=c).status_code == 200
    finally:
        dispose(world.settings.resolved_database_url())


def test_nul_in_text_on_postgresql_is_422(tmp_path: Path, pg_url: str) -> None:
    world = build_world(make_settings(tmp_path, pg_url), workers=16, gaps=20)
    try:
        c = world.headers("coordinator")
        worker = world.http.get(f"/workers/{world.ids['worker']}", headers=c).json()
        nul = world.http.put(
            f"/workers/{worker['id']}", json={**worker, "name": "Zeb\x00Quux"}, headers=c
        )
        assert nul.status_code == 422
        assert world.http.get("/workers/W%00", headers=c).status_code == 422
    finally:
        dispose(world.settings.resolved_database_url())
