"""Run every benchmark and write ``results.md``, ``results.json`` and ``objective.png``.

``python -m benchmarks.run`` (``make bench``): the tiers (borough 60 x 400 in 30 s,
large borough 120 x 900 in 60 s, city 400 x 3,000 in 120 s, city region 1,000 x 8,000
in 300 s with ``rank`` latency, and two unseen weeks; the plain staged CP-SAT of
:mod:`benchmarks.reference` beside the borough-sized ones) and Timefold's SMALL and
LARGE demo data, each run in a fresh process; about 20 minutes on 2 cores.
``--quick``: borough and Timefold SMALL only, written to ``benchmarks/quick/``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from benchmarks.plot import plot_objective
from benchmarks.report import render
from benchmarks.tiers import TIERS

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
#: Runs whose progress events are kept and plotted.
PLOTTED = ("borough", "large_borough")


@dataclass(frozen=True)
class Job:
    kind: str  # "tier" or "timefold"
    name: str
    limit: float
    rank: bool = False

    def argv(self, out: Path) -> list[str]:
        args = [self.kind, self.name, f"{self.limit:g}", "--out", str(out)]
        return [*args, "--rank"] if self.rank else args

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "limit": self.limit, "rank": self.rank}


def jobs(quick: bool) -> list[Job]:
    out = []
    for tier in TIERS:
        if quick and tier.key != "borough":
            continue
        for i, limit in enumerate(tier.limits):
            out.append(Job("tier", tier.key, limit, rank=bool(tier.rank_gaps) and i == 0))
    out.append(Job("timefold", "SMALL", 30.0))
    if not quick:
        out.append(Job("timefold", "LARGE", 60.0))
    return out


def run_job(job: Job, timeout: float) -> dict[str, Any]:
    """Run one job in a fresh interpreter; its result, wall time and peak memory."""
    with tempfile.TemporaryDirectory(prefix="flexbank-bench-") as tmp:
        out = Path(tmp) / "result.json"
        clock = time.monotonic()
        proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.job", *job.argv(out)],
            cwd=ROOT,
        )
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.monotonic() - clock
        record: dict[str, Any] = {
            "job": job.describe(),
            "returncode": proc.returncode,
            "wall_seconds": round(wall, 2),
            "max_rss_mb": round(usage.ru_maxrss / 1024, 1),  # Linux: kB
            "result": None,
        }
        if proc.returncode == 0 and out.exists():
            record["result"] = json.loads(out.read_text(encoding="utf-8"))
        elif wall >= timeout:
            record["error"] = f"killed after the {timeout:.0f} s timeout"
        else:
            record["error"] = f"exit code {proc.returncode}"
        return record


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    ram_gb = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
                break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "ram_gb": ram_gb,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "ortools": _version("ortools"),
        "flexbank": f"{_version('flexbank')} ({_commit()})",
    }


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _commit() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "no git"
    return f"commit {head}{' with local changes' if dirty else ''}"


def slim(results: dict[str, Any], keep_events: Iterable[str]) -> dict[str, Any]:
    """Progress events only for the plotted runs (the rest keep their count)."""
    keep = set(keep_events)
    for run in results["runs"]:
        result = run.get("result")
        if not result or "events" not in result:
            continue
        name = run["job"]["name"]
        result["event_count"] = len(result["events"])
        if name not in keep:
            del result["events"]
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="borough and Timefold SMALL only")
    parser.add_argument("--out", type=Path, help="output folder (default benchmarks/)")
    parser.add_argument(
        "--render",
        action="store_true",
        help="only rewrite results.md and objective.png from an existing results.json",
    )
    args = parser.parse_args(argv)
    out_dir = args.out or (HERE / "quick" if args.quick else HERE)
    out_dir.mkdir(parents=True, exist_ok=True)
    if args.render:
        write_outputs(json.loads((out_dir / "results.json").read_text(encoding="utf-8")), out_dir)
        return 0
    command = "python -m benchmarks.run" + (" " + " ".join(argv or sys.argv[1:])).rstrip()
    clock = time.monotonic()
    results: dict[str, Any] = {
        "command": command.strip(),
        "mode": "quick" if args.quick else "full",
        "machine": machine(),
        "runs": [],
    }
    for job in jobs(args.quick):
        print(f"[bench] {job.kind} {job.name} {job.limit:g} s ...", flush=True)
        record = run_job(job, timeout=job.limit * 4 + 300)
        results["runs"].append(record)
        status = "ok" if record["result"] else record.get("error")
        print(
            f"[bench] {job.kind} {job.name}: {status}, {record['wall_seconds']:.0f} s, "
            f"peak {record['max_rss_mb']:.0f} MB",
            flush=True,
        )
    results["total_seconds"] = round(time.monotonic() - clock, 1)
    slim(results, PLOTTED)
    write_outputs(results, out_dir)
    print(f"[bench] wrote {out_dir / 'results.md'} in {results['total_seconds'] / 60:.1f} min")
    return 0 if all(run["result"] for run in results["runs"]) else 1


def write_outputs(results: dict[str, Any], out_dir: Path) -> None:
    """``objective.png``, ``results.json`` and ``results.md`` in ``out_dir``."""
    plotted = [
        (run["result"]["title"], run["result"])
        for run in results["runs"]
        if run["job"]["kind"] == "tier"
        and run["job"]["name"] in PLOTTED
        and (run.get("result") or {}).get("events")
    ]
    plot_name = None
    if plotted:
        plot_objective(plotted, out_dir / "objective.png")
        plot_name = "objective.png"
    (out_dir / "results.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    (out_dir / "results.md").write_text(render(results, plot_name), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
