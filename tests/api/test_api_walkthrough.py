"""The newcomer walkthrough of docs/service.md, step by step: the CLI loads the sample
and prints tokens, ``flexbank serve`` runs as a real process on a free loopback port,
and the same requests as the curl commands post an urgent gap, accept the offer as the
worker and see the booking and the report change."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from flexbank.cli import app

DOC = Path(__file__).resolve().parents[2] / "docs" / "service.md"
EXPORT = re.compile(r"^export (\w+)=(\S+)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "FLEXBANK_DATA_DIR": str(tmp_path / "data"),
        "FLEXBANK_SECRET_KEY": "walkthrough-secret",
        "FLEXBANK_SOLVER_TIME_LIMIT": "3",
    }


@pytest.fixture
def loaded(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """``flexbank db upgrade`` then ``eval "$(flexbank db load-sample)"``."""
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    runner = CliRunner()
    upgraded = runner.invoke(app, ["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    assert "database is up to date: sqlite:///" in upgraded.output
    result = runner.invoke(app, ["db", "load-sample"])
    assert result.exit_code == 0, result.output
    exported: dict[str, str] = {
        m[1]: m[2] for line in result.output.splitlines() if (m := EXPORT.match(line))
    }
    assert set(exported) == {"COORDINATOR_TOKEN", "PROVIDER_TOKEN", "WORKER_TOKEN", "DEMO_DATE"}
    assert all(line.startswith(("#", "export ")) for line in result.output.splitlines())
    return exported


@pytest.fixture
def server(env: dict[str, str], loaded: dict[str, str]) -> Iterator[str]:
    """``flexbank serve`` as a process on 127.0.0.1 (stopped by its pid afterwards)."""
    port = _free_port()
    flexbank = Path(sys.executable).with_name("flexbank")
    command = (
        [str(flexbank)]
        if flexbank.exists()
        else [sys.executable, "-c", "from flexbank.cli import main; main()"]
    )
    process = subprocess.Popen(
        [*command, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"flexbank serve did not start: {process.stdout.read()}")  # type: ignore[union-attr]
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            output, _ = process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        # the access log shows paths, never tokens
        for key in ("COORDINATOR_TOKEN", "PROVIDER_TOKEN", "WORKER_TOKEN"):
            assert loaded[key] not in output


def test_the_readme_walkthrough(server: str, loaded: dict[str, str], env: dict[str, str]) -> None:
    assert DOC.exists(), "docs/service.md is the walkthrough this test follows"
    provider = {"Authorization": f"Bearer {loaded['PROVIDER_TOKEN']}"}
    worker = {"Authorization": f"Bearer {loaded['WORKER_TOKEN']}"}
    coordinator = {"Authorization": f"Bearer {loaded['COORDINATOR_TOKEN']}"}
    day = {"start": loaded["DEMO_DATE"], "end": loaded["DEMO_DATE"]}
    with httpx.Client(base_url=server, timeout=30) as http:
        assert http.get("/docs").status_code == 200
        before = http.get("/reports", params=day, headers=provider).json()

        gap_file = Path(env["FLEXBANK_DATA_DIR"]) / "demo-gap.json"
        posted = http.post(
            "/gaps",
            content=gap_file.read_bytes(),
            headers={**provider, "Content-Type": "application/json", "Idempotency-Key": "demo-1"},
        )
        assert posted.status_code == 201, posted.text
        gap = posted.json()
        assert gap["urgent"] is True and gap["offers_open"] >= 1

        offers = http.get("/offers", params={"status": "offered"}, headers=worker).json()
        offer = next(o for o in offers if o["gap_id"] == gap["id"])
        accepted = http.post(f"/offers/{offer['id']}/accept", headers=worker)
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["status"] == "accepted"

        bookings = http.get("/bookings", headers=provider).json()
        assert [b["gap_id"] for b in bookings if b["status"] == "booked"].count(gap["id"]) == 1
        assert any(
            b["gap_id"] == gap["id"] for b in http.get("/bookings", headers=coordinator).json()
        )

        after = http.get("/reports", params=day, headers=provider).json()
        assert after["places_filled"] == before["places_filled"] + 1
        assert after["hours_filled"] > before["hours_filled"]
        assert after["fill_rate"] > before["fill_rate"]
        assert after["agency_spend_avoided"] > before["agency_spend_avoided"]
        # posting the same file again with the same key is a replay, not a second gap
        again = http.post(
            "/gaps",
            content=gap_file.read_bytes(),
            headers={**provider, "Content-Type": "application/json", "Idempotency-Key": "demo-1"},
        )
        assert again.status_code == 200 and again.json()["id"] == gap["id"]
    assert json.loads(gap_file.read_text())["priority"] == "urgent"


def test_token_create(loaded: dict[str, str]) -> None:
    runner = CliRunner()
    made = runner.invoke(app, ["token", "create", "--role", "coordinator", "--name", "Sam"])
    assert made.exit_code == 0, made.output
    assert made.output.strip().startswith("fb_")
    assert runner.invoke(app, ["token", "create", "--role", "worker"]).exit_code == 2
    assert runner.invoke(app, ["token", "create", "--role", "boss"]).exit_code == 2
    unknown = runner.invoke(app, ["token", "create", "--role", "worker", "--subject", "W9999"])
    assert unknown.exit_code == 2
    assert (
        runner.invoke(app, ["token", "create", "--role", "worker", "--subject", "W0001"]).exit_code
        == 0
    )


def test_the_service_commands_are_registered() -> None:
    shown = CliRunner().invoke(app, ["--help"]).output
    for command in ("db", "token", "serve", "scheduler"):
        assert command in shown
    db = CliRunner().invoke(app, ["db", "--help"]).output
    assert "upgrade" in db and "load-sample" in db
    serve = CliRunner().invoke(app, ["serve", "--help"]).output
    assert "--with-scheduler" in serve
