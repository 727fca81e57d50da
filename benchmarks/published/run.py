"""Run the baseline on every published instance and write ``results.md`` and ``results.json``.

``python -m benchmarks.published.run`` (``make bench-published``): every instance of
Mankowska A-E, Kummer (10 and 25 patients) and iolab's extended set, one after the other in
this process, each scored by the independent evaluator against the published bounds. A
second or two of CPU per instance, a few minutes in all. ``--family A B`` runs only those;
``--out DIR`` writes elsewhere.

The solver is ``baseline`` (greedy append with restarts and an order local search), **not
flexbank**: the table is the skeleton that flexbank's benchmark solve mode (issue 13) will
fill in.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.published import baseline
from benchmarks.published.catalog import FAMILIES, Entry, entries
from benchmarks.published.evaluate import Evaluation, evaluate
from benchmarks.published.readers import read_instance, read_iolab_solution

HERE = Path(__file__).resolve().parent
COMMAND = "python -m benchmarks.published.run"


@dataclass(frozen=True)
class Row:
    entry: Entry
    patients: int
    caregivers: int
    result: Evaluation  # the baseline's solution, as the evaluator scores it
    cpu_seconds: float
    published: Evaluation | None = None  # a published solution file, scored the same way

    @property
    def reference(self) -> float | None:
        """The best published objective: best known (2020 or GA), or 2024, or a solution file."""
        known = [v for v in (self.entry.best_known, self.entry.best_2024) if v is not None]
        if self.published is not None:
            known.append(self.published.objective)
        return min(known) if known else None


def run_one(entry: Entry, restarts: int = 40, moves: int | None = None) -> Row:
    instance = read_instance(entry.path)
    started = time.process_time()
    found = baseline.solve(instance, restarts=restarts, moves=moves)
    cpu = time.process_time() - started
    published = None
    if entry.solution is not None:
        published = evaluate(instance, read_iolab_solution(entry.solution)[0])
    return Row(
        entry,
        len(instance.patients),
        len(instance.caregivers),
        evaluate(instance, found.solution),
        cpu,
        published,
    )


def gap(value: float, reference: float | None) -> str:
    if reference is None or reference == 0:
        return "–"
    return f"{(value - reference) / reference * 100:+.1f}%"


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _holds(row: Row) -> str:
    return "yes" if row.result.feasible else f"**no** ({len(row.result.violations)})"


def _mean_gap(rows: list[Row], pick: str) -> str:
    gaps = []
    for row in rows:
        ref = row.reference if pick == "best" else row.entry.lower_bound
        if ref:
            gaps.append((row.result.objective - ref) / ref * 100)
    return f"{sum(gaps) / len(gaps):+.1f}%" if gaps else "–"


def _mankowska_table(rows: list[Row]) -> list[str]:
    lines = [
        "| instance | patients | baseline | lower bound | best known 2020 | best 2024 "
        "| gap to LB | gap to best known | CPU s | hard rules hold |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        e, obj = r.entry, r.result.objective
        lines.append(
            f"| {e.label} | {r.patients} | {obj:.2f} | {_num(e.lower_bound)} "
            f"| {_num(e.best_known)} | {_num(e.best_2024)} | {gap(obj, e.lower_bound)} "
            f"| {gap(obj, r.reference)} | {r.cpu_seconds:.1f} | {_holds(r)} |"
        )
    return lines


def _kummer_table(rows: list[Row]) -> list[str]:
    lines = [
        "| instance | patients | baseline | LP lower bound | GA upper bound "
        "| gap to LB | gap to GA | CPU s | hard rules hold |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        e, obj = r.entry, r.result.objective
        lines.append(
            f"| {e.label} | {r.patients} | {obj:.2f} | {_num(e.lower_bound)} "
            f"| {_num(e.best_known)} | {gap(obj, e.lower_bound)} | {gap(obj, e.best_known)} "
            f"| {r.cpu_seconds:.1f} | {_holds(r)} |"
        )
    return lines


def _extended_table(rows: list[Row]) -> list[str]:
    lines = [
        "| instance | patients | caregivers | baseline | travel | total tardiness "
        "| max tardiness | extra time | iolab solution | gap to it | CPU s | hard rules hold |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        res, obj = r.result, r.result.objective
        ref = r.published.objective if r.published is not None else None
        lines.append(
            f"| {r.entry.label} | {r.patients} | {r.caregivers} | {obj:.2f} | {res.travel:.0f} "
            f"| {res.total_tardiness:.0f} | {res.max_tardiness:.0f} "
            f"| {res.total_extra_time:.0f} | {_num(ref)} | {gap(obj, ref)} "
            f"| {r.cpu_seconds:.1f} | {_holds(r)} |"
        )
    return lines


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=HERE,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return out.stdout.strip()


def render(rows: Iterable[Row], seconds: float, when: dt.datetime) -> str:
    rows = list(rows)
    lines = [
        "# Published home-care routing benchmarks: baseline results",
        "",
        f"Produced by `{COMMAND}` (`make bench-published`) on {when:%Y-%m-%d %H:%M} UTC, "
        f"commit {_commit()}, {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs (shared), {seconds:.0f} s in all.",
        "",
        "**The solver here is `benchmarks/published/baseline.py`, a greedy baseline without "
        "CP-SAT, not flexbank**: these tables are the skeleton for flexbank's benchmark solve "
        "mode (issue 13). Every objective is computed by the independent evaluator "
        "(`benchmarks/published/evaluate.py`) from the solution's routes: "
        "(travel + total tardiness + max tardiness) / 3, tardiness = max(0, start - window "
        'end). "Hard rules hold": every service served once by a qualified, compatible '
        "caregiver, no start before its window opens, routes continuous with travel, double "
        'services synchronised. Gaps are (baseline - reference) / reference; "best known" '
        "is the better of the 2020 value (`bks.csv`) and the ITOR 2024 solution. CPU "
        "seconds are this process's, on a machine shared with other work.",
        "",
    ]
    for family in FAMILIES:
        mine = [r for r in rows if r.entry.family == family]
        if not mine:
            continue
        ok = sum(r.result.feasible for r in mine)
        if family in ("A", "B", "C", "D", "E"):
            title = f"## Mankowska et al. 2014, family {family} ({mine[0].patients} patients)"
            table = _mankowska_table(mine)
            at_best = sum(
                r.reference is not None and r.result.objective <= r.reference + 0.05 for r in mine
            )
            summary = (
                f"Mean gap to the best known {_mean_gap(mine, 'best')}, to the lower bound "
                f"{_mean_gap(mine, 'lb')}; {at_best} of {len(mine)} at the best known (0.05); "
                f"hard rules hold in {ok} of {len(mine)}."
            )
        elif family == "Kummer":
            title = "## Kummer, Buriol & de Araújo 2021 (road times, Porto Alegre)"
            table = _kummer_table(mine)
            summary = (
                f"Mean gap to the GA upper bound {_mean_gap(mine, 'best')}, to the LP lower "
                f"bound {_mean_gap(mine, 'lb')}; hard rules hold in {ok} of {len(mine)}."
            )
        else:
            title = "## iolab extended (homes, shifts, incompatibilities)"
            table = _extended_table(mine)
            summary = (
                "No published bounds. The three validation instances have iolab's solution "
                "files, scored here with the same formula (iolab publishes no weights; its "
                f"solver also minimises waiting and extra time). Hard rules hold in {ok} of "
                f"{len(mine)}. Extra time (back home after the shift) is reported, not in the "
                "objective."
            )
        lines += [title, "", summary, "", *table, ""]
    return "\n".join(lines)


def as_json(rows: Iterable[Row]) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        res = r.result
        out.append(
            {
                "family": r.entry.family,
                "instance": r.entry.label,
                "patients": r.patients,
                "caregivers": r.caregivers,
                "objective": round(res.objective, 4),
                "travel": round(res.travel, 4),
                "total_tardiness": round(res.total_tardiness, 4),
                "max_tardiness": round(res.max_tardiness, 4),
                "extra_time": round(res.total_extra_time, 4),
                "lower_bound": r.entry.lower_bound,
                "best_known": r.entry.best_known,
                "best_2024": r.entry.best_2024,
                "published_solution": round(r.published.objective, 4) if r.published else None,
                "cpu_seconds": round(r.cpu_seconds, 3),
                "violations": res.violations,
            }
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--family", nargs="*", choices=FAMILIES, default=list(FAMILIES))
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args(argv)
    started, when = time.perf_counter(), dt.datetime.now(dt.UTC)
    rows = []
    for entry in entries(tuple(args.family)):
        row = run_one(entry)
        rows.append(row)
        print(
            f"{entry.family:9} {entry.label:40} {row.result.objective:10.2f} "
            f"{gap(row.result.objective, row.reference):>8} {row.cpu_seconds:5.1f}s "
            f"{'ok' if row.result.feasible else 'VIOLATIONS'}",
            flush=True,
        )
    seconds = time.perf_counter() - started
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.md").write_text(render(rows, seconds, when), encoding="utf-8")
    (args.out / "results.json").write_text(
        json.dumps(as_json(rows), indent=1) + "\n", encoding="utf-8"
    )
    return 0 if all(r.result.feasible for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
