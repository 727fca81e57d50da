"""A bounded load benchmark of the service over real HTTP on loopback (not a test).

    python -m benchmarks.load [--clients 20] [--seconds 20] [--max-requests 20000]
                              [--databases sqlite,postgresql] [--gaps 10000]

For each database: a fresh database with the Bury sample (60 workers, 400 gaps) plus
``--gaps`` more gaps, ``flexbank serve`` as one process on 127.0.0.1, then

1. mixed load: ``--clients`` threads for ``--seconds`` (at most ``--max-requests``),
   80% reads (a provider's gap page, a worker's offers, a provider's bookings, one
   gap) and 20% writes (a provider posts a routine gap, cancels one);
2. the first page (100) of ``GET /gaps`` over all gaps, as coordinator and provider;
3. three write rounds (``--seconds`` / 2 each, same clients, posts and cancels only)
   with the server's resident memory before and after each.

It reports throughput, p50/p95/p99 latency, 5xx count and memory as a Markdown
table. Everything is bounded: loopback only, a fixed number of clients, a time and a
request cap per phase; PostgreSQL is skipped when it is not reachable.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
HOST = "127.0.0.1"


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0  # 5xx and transport errors
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, seconds: float, status: int) -> None:
        with self.lock:
            self.latencies.append(seconds)
            if status >= 500:
                self.errors += 1


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


# ------------------------------------------------------------------ setup


@contextmanager
def database(kind: str, data_dir: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{data_dir / 'flexbank.db'}"
        return
    import psycopg

    name = f"flexbank_load_{secrets.token_hex(5)}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        from flexbank.adapters.database import dispose

        dispose()
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Loaded:
    tokens: dict[str, str]
    provider_id: str
    client_id: str | None
    gap_ids: list[str]
    gap: dict[str, Any]


def load(url: str, data_dir: Path, extra_gaps: int) -> Loaded:
    from flexbank.adapters.database import upgrade
    from flexbank.adapters.orm import GapRow
    from flexbank.cli.service import sample_start
    from flexbank.sample import generate
    from flexbank.services.bank import SqlBank
    from flexbank.services.contract import Actor
    from flexbank.settings import Settings

    settings = Settings(data_dir=data_dir, database_url=url, secret_key="load")
    upgrade(url)
    bank = SqlBank(settings)
    now = dt.datetime.now(dt.UTC)
    scenario = generate(60, 400, 2026, start=sample_start(now, ZoneInfo(settings.timezone)))
    bank.import_scenario(Actor.system(), scenario)
    template = next(g for g in scenario.gaps if g.client_id is not None)
    with bank.ctx.uow() as uow:
        for i in range(extra_gaps):
            start = template.start + dt.timedelta(days=30 + i // 40, minutes=15 * (i % 40))
            uow.session.add(
                GapRow(
                    id=f"L{i:06d}",
                    provider_id=template.provider_id,
                    client_id=template.client_id,
                    kind=template.kind,
                    reason=template.reason,
                    priority="routine",
                    start=start,
                    end=start + (template.end - template.start),
                    location=None,
                    skills=[],
                    headcount=1,
                    excluded_workers=[],
                    status="open",
                    posted_at=now,
                    posted_by="load",
                )
            )
        uow.commit()
    worker = scenario.workers[0].id
    tokens = {
        "coordinator": bank.create_token("coordinator", None, "load"),
        "provider": bank.create_token("provider", template.provider_id, "load"),
        "worker": bank.create_token("worker", worker, "load"),
    }
    gap = {
        "client_id": template.client_id,
        "kind": template.kind,
        "reason": "sickness",
        "priority": "routine",
        "start": (now + dt.timedelta(days=20)).replace(microsecond=0).isoformat(),
        "end": (now + dt.timedelta(days=20, hours=1)).replace(microsecond=0).isoformat(),
    }
    return Loaded(
        tokens, template.provider_id, template.client_id, [g.id for g in scenario.gaps], gap
    )


@contextmanager
def server(url: str, data_dir: Path) -> Iterator[tuple[str, int]]:
    port = free_port()
    exe = Path(sys.executable).with_name("flexbank")
    env = {
        **os.environ,
        "FLEXBANK_DATABASE_URL": url,
        "FLEXBANK_DATA_DIR": str(data_dir),
        "FLEXBANK_SECRET_KEY": "load",
        "FLEXBANK_CHANNELS": '["log"]',
    }
    process = subprocess.Popen(
        [str(exe), "serve", "--host", HOST, "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://{HOST}:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            raise RuntimeError("flexbank serve did not start")
        yield base, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)


# ------------------------------------------------------------------ load


Action = Callable[[httpx.Client], int]


def actions(loaded: Loaded, writes_only: bool) -> tuple[list[Action], list[Action]]:
    p = {"Authorization": f"Bearer {loaded.tokens['provider']}"}
    w = {"Authorization": f"Bearer {loaded.tokens['worker']}"}
    mine: list[str] = []
    mine_lock = threading.Lock()

    def own_gaps(c: httpx.Client) -> int:
        return c.get("/gaps", params={"limit": 50}, headers=p).status_code

    def offers(c: httpx.Client) -> int:
        return c.get("/offers", params={"limit": 50}, headers=w).status_code

    def bookings(c: httpx.Client) -> int:
        return c.get("/bookings", params={"limit": 50}, headers=p).status_code

    def one_gap(c: httpx.Client) -> int:
        gap_id = loaded.gap_ids[secrets.randbelow(len(loaded.gap_ids))]
        return c.get(f"/gaps/{gap_id}", headers=p).status_code

    def post(c: httpx.Client) -> int:
        answer = c.post("/gaps", json=loaded.gap, headers=p)
        if answer.status_code == 201:
            with mine_lock:
                mine.append(answer.json()["id"])
        return answer.status_code

    def cancel(c: httpx.Client) -> int:
        with mine_lock:
            gap_id = mine.pop() if mine else None
        if gap_id is None:
            return post(c)
        return c.delete(f"/gaps/{gap_id}", headers=p).status_code

    reads: list[Action] = [] if writes_only else [own_gaps, offers, bookings, one_gap]
    return reads, [post, cancel]


def drive(
    base: str, loaded: Loaded, clients: int, seconds: float, cap: int, writes_only: bool
) -> tuple[Tally, float]:
    tally = Tally()
    reads, writes = actions(loaded, writes_only)
    budget = threading.Semaphore(cap)
    stop_at = time.monotonic() + seconds

    def client_loop(seed: int) -> None:
        with httpx.Client(base_url=base, timeout=30) as c:
            i = seed
            while time.monotonic() < stop_at and budget.acquire(blocking=False):
                i += 1
                pool = writes if not reads or i % 5 == 0 else reads
                act = pool[i % len(pool)]
                t0 = time.perf_counter()
                try:
                    status = act(c)
                except httpx.TransportError:
                    status = 599
                tally.add(time.perf_counter() - t0, status)

    started = time.monotonic()
    threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return tally, time.monotonic() - started


def list_page_ms(base: str, token: str, n: int = 20) -> float:
    h = {"Authorization": f"Bearer {token}"}
    times = []
    with httpx.Client(base_url=base, timeout=30) as c:
        for _ in range(n):
            t0 = time.perf_counter()
            answer = c.get("/gaps", params={"limit": 100}, headers=h)
            times.append(time.perf_counter() - t0)
            assert answer.status_code == 200
    return statistics.median(times) * 1000


def bench(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"flexbank-load-{kind}-") as tmp:
        data_dir = Path(tmp)
        with database(kind, data_dir) as url:
            loaded = load(url, data_dir, args.gaps)
            with server(url, data_dir) as (base, pid):
                mixed, elapsed = drive(
                    base, loaded, args.clients, args.seconds, args.max_requests, False
                )
                coordinator_page = list_page_ms(base, loaded.tokens["coordinator"])
                provider_page = list_page_ms(base, loaded.tokens["provider"])
                memory = [rss_mb(pid)]
                for _ in range(3):
                    drive(base, loaded, args.clients, args.seconds / 2, args.max_requests, True)
                    memory.append(rss_mb(pid))
    lat = mixed.latencies
    return {
        "database": kind,
        "requests": len(lat),
        "rps": len(lat) / elapsed,
        "p50": percentile(lat, 0.50) * 1000,
        "p95": percentile(lat, 0.95) * 1000,
        "p99": percentile(lat, 0.99) * 1000,
        "errors": mixed.errors,
        "page_coordinator": coordinator_page,
        "page_provider": provider_page,
        "memory": memory,
    }


def table(rows: list[dict[str, Any]], args: argparse.Namespace) -> str:
    lines = [
        f"{args.clients} clients, {args.seconds:g} s mixed (80% reads), "
        f"{400 + args.gaps} gaps; then three write rounds of {args.seconds / 2:g} s.",
        "",
        "| database | requests | rps | p50 ms | p95 ms | p99 ms | 5xx "
        "| first page of /gaps, coordinator ms | provider ms "
        "| RSS MB before, after rounds 1-3 | growth |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        mem = r["memory"]
        growth = (mem[-1] - mem[1]) / mem[1] * 100 if mem[1] else float("nan")
        lines.append(
            f"| {r['database']} | {r['requests']} | {r['rps']:.0f} | {r['p50']:.0f} "
            f"| {r['p95']:.0f} | {r['p99']:.0f} | {r['errors']} "
            f"| {r['page_coordinator']:.0f} | {r['page_provider']:.0f} "
            f"| {', '.join(f'{m:.0f}' for m in mem)} | {growth:+.0f}% (rounds 1-3) |"
        )
    return "\n".join(lines)


def _pg_reachable() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN, connect_timeout=3):
            return True
    except Exception:
        return False


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--max-requests", type=int, default=20_000)
    parser.add_argument("--gaps", type=int, default=10_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args(argv)
    args.clients = max(1, min(args.clients, 64))
    args.seconds = max(1.0, min(args.seconds, 120.0))
    args.max_requests = max(1, min(args.max_requests, 200_000))
    rows = []
    for kind in args.databases.split(","):
        if kind == "postgresql" and not _pg_reachable():
            print("PostgreSQL is not reachable at 127.0.0.1:5432: skipped", file=sys.stderr)
            continue
        rows.append(bench(kind, args))
    print(table(rows, args))


if __name__ == "__main__":
    main()
