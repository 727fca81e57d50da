"""flexbank's routing mode on every published instance: ``results.md`` and ``results.json``.

``python -m benchmarks.published.run`` (``make bench-published``) runs the issue 13 protocol:
every instance of Mankowska A-E, Kummer (10 and 25 patients) and iolab's extended set, one
after the other in this process, each solved by :func:`flexbank.matching.routing.solve_routes`
(2 threads; 60 s an instance for A-C, Kummer and extended, 120 s for D and E), warm-started
from ``baseline`` (greedy append with restarts and an order local search, a second or two),
and scored by the independent evaluator against the published bounds. The full protocol
takes up to about 2 h 20 min (most small instances are proven optimal in seconds).

- ``--family A B`` runs only those families, ``--instance A1 B3`` only those instances;
- ``--seconds 10`` replaces every time limit (the tables then say so);
- ``--merge`` keeps the rows of ``results.json`` that this run does not redo, so that a
  protocol can be run in parts;
- ``--out DIR`` writes elsewhere.

Each instance gives two scored solutions: the routing pass's continuous-time schedule (what
the published objective is defined on) and the plan, the same routes timed in whole
minutes as the flexbank format requires, which the independent checker also judges.
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
from pathlib import Path
from typing import Any

from benchmarks.published import baseline
from benchmarks.published.catalog import FAMILIES, Entry, entries
from benchmarks.published.evaluate import Evaluation, evaluate
from benchmarks.published.readers import read_instance, read_iolab_solution
from benchmarks.published.scenario import (
    gap_id,
    solution_from_plan,
    solution_from_routes,
    to_scenario,
)
from flexbank.checker import check_plan
from flexbank.matching.routing import solve_routes
from flexbank.validation import load_scenario

HERE = Path(__file__).resolve().parent
COMMAND = "python -m benchmarks.published.run"
#: the issue's time limits, seconds an instance
LIMITS = {"A": 60, "B": 60, "C": 60, "D": 120, "E": 120, "Kummer": 60, "extended": 60}
THREADS = 2
MANKOWSKA = ("A", "B", "C", "D", "E")


def _figures(result: Evaluation) -> dict[str, Any]:
    return {
        "objective": round(result.objective, 4),
        "travel": round(result.travel, 4),
        "total_tardiness": round(result.total_tardiness, 4),
        "max_tardiness": round(result.max_tardiness, 4),
        "extra_time": round(result.total_extra_time, 4),
        "violations": result.violations,
    }


def run_one(
    entry: Entry,
    seconds: float | None = None,
    restarts: int = 40,
    moves: int | None = None,
) -> dict[str, Any]:
    """One instance: the baseline, flexbank's routing mode warm-started from it, and the
    evaluator's and the checker's verdicts, as a ``results.json`` row."""
    instance = read_instance(entry.path)
    limit = LIMITS[entry.family] if seconds is None else seconds
    started = time.process_time()
    found = baseline.solve(instance, restarts=restarts, moves=moves)
    baseline_cpu = time.process_time() - started
    scenario = load_scenario(to_scenario(instance))
    hint = {
        r.caregiver: [gap_id(v.patient, v.service) for v in r.visits] for r in found.solution.routes
    }
    starts = {
        gap_id(v.patient, v.service): v.start for r in found.solution.routes for v in r.visits
    }
    wall = time.perf_counter()
    routing = solve_routes(scenario, seconds=limit, threads=THREADS, hint=hint, hint_starts=starts)
    wall = time.perf_counter() - wall
    exact = evaluate(instance, solution_from_routes(instance, routing.routes, routing.exact_starts))
    plan = routing.plan
    in_plan = evaluate(instance, solution_from_plan(instance, plan.model_dump(mode="json")))
    checker = [str(v) for v in check_plan(scenario, plan)]
    if plan.status == "no_solution":
        checker.append("no plan found in time")
    published = None
    if entry.solution is not None:
        published = evaluate(instance, read_iolab_solution(entry.solution)[0])
    return {
        "family": entry.family,
        "instance": entry.label,
        "patients": len(instance.patients),
        "caregivers": len(instance.caregivers),
        "flexbank": _figures(exact),
        "plan": _figures(in_plan),
        "checker_violations": checker,
        "baseline": round(evaluate(instance, found.solution).objective, 4),
        "baseline_cpu_seconds": round(baseline_cpu, 3),
        "seconds_limit": limit,
        "wall_seconds": round(wall, 2),
        "proven_optimal": routing.proven_optimal,
        "neighbourhoods": routing.neighbourhoods,
        "improvements": routing.improvements,
        "model_lower_bound": round(routing.lower_bound, 4),
        "lower_bound": entry.lower_bound,
        "best_known": entry.best_known,
        "best_2024": entry.best_2024,
        "published_solution": round(published.objective, 4) if published else None,
        "commit": _commit(),
    }


def reference(row: dict[str, Any]) -> float | None:
    """The best published objective: best known (2020 or GA), or 2024, or a solution file."""
    known = [row[k] for k in ("best_known", "best_2024", "published_solution") if row[k]]
    return min(known) if known else None


def gap(value: float, ref: float | None) -> str:
    if ref is None or ref == 0:
        return "–"
    return f"{(value - ref) / ref * 100 + 0.0:+.1f}%".replace("-0.0%", "+0.0%")


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def holds(row: dict[str, Any]) -> bool:
    """Every published hard rule holds in the schedule and in the plan, and the plan passes
    flexbank's checker."""
    return not (
        row["flexbank"]["violations"] or row["plan"]["violations"] or row["checker_violations"]
    )


def _holds(row: dict[str, Any]) -> str:
    if holds(row):
        return "yes"
    count = len(row["flexbank"]["violations"]) + len(row["plan"]["violations"])
    return f"**no** ({count} published, {len(row['checker_violations'])} checker)"


def _mean(values: list[float]) -> str:
    if not values:
        return "–"
    return f"{sum(values) / len(values) + 0.0:+.1f}%".replace("-0.0%", "+0.0%")


def _rel(value: float, ref: float | None) -> list[float]:
    return [(value - ref) / ref * 100] if ref else []


def _time(row: dict[str, Any]) -> str:
    proven = " (optimal)" if row["proven_optimal"] else ""
    return f"{row['wall_seconds']:.1f} / {row['seconds_limit']:g}{proven}"


def _mankowska_table(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| instance | flexbank | whole-minute plan | lower bound | best known 2020 | best 2024 "
        "| gap to LB | gap to 2024 | gap to 2020 | s / limit | baseline | hard rules hold |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        obj = r["flexbank"]["objective"]
        lines.append(
            f"| {r['instance']} | {obj:.2f} | {r['plan']['objective']:.2f} "
            f"| {_num(r['lower_bound'])} | {_num(r['best_known'])} | {_num(r['best_2024'])} "
            f"| {gap(obj, r['lower_bound'])} | {gap(obj, r['best_2024'])} "
            f"| {gap(obj, r['best_known'])} | {_time(r)} | {r['baseline']:.2f} | {_holds(r)} |"
        )
    return lines


def _kummer_table(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| instance | patients | flexbank | whole-minute plan | LP lower bound | GA upper bound "
        "| gap to LB | gap to GA | s / limit | baseline | hard rules hold |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        obj = r["flexbank"]["objective"]
        lines.append(
            f"| {r['instance']} | {r['patients']} | {obj:.2f} | {r['plan']['objective']:.2f} "
            f"| {_num(r['lower_bound'])} | {_num(r['best_known'])} "
            f"| {gap(obj, r['lower_bound'])} | {gap(obj, r['best_known'])} | {_time(r)} "
            f"| {r['baseline']:.2f} | {_holds(r)} |"
        )
    return lines


def _extended_table(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| instance | patients | caregivers | flexbank | travel | total tardiness "
        "| max tardiness | extra time | iolab solution | gap to it | s / limit | baseline "
        "| hard rules hold |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        f = r["flexbank"]
        ref = r["published_solution"]
        lines.append(
            f"| {r['instance']} | {r['patients']} | {r['caregivers']} | {f['objective']:.2f} "
            f"| {f['travel']:.0f} | {f['total_tardiness']:.0f} | {f['max_tardiness']:.0f} "
            f"| {f['extra_time']:.0f} | {_num(ref)} | {gap(f['objective'], ref)} "
            f"| {_time(r)} | {r['baseline']:.2f} | {_holds(r)} |"
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


def _commits_note(rows: list[dict[str, Any]]) -> str:
    """Which commit produced which rows (a run in parts with ``--merge`` keeps older rows;
    older rows say it is not recorded)."""
    by: dict[str, dict[str, int]] = {}
    for r in rows:
        families = by.setdefault(r.get("commit", "not recorded (runs up to 5520b2e)"), {})
        families[r["family"]] = families.get(r["family"], 0) + 1
    parts = [
        f"{commit}: " + ", ".join(f"{f} ({n})" for f, n in families.items())
        for commit, families in by.items()
    ]
    return "Rows by the commit that produced them: " + "; ".join(parts) + "."


def _limits_note(rows: list[dict[str, Any]]) -> str:
    short = [r["instance"] for r in rows if r["seconds_limit"] < LIMITS[r["family"]]]
    if not short:
        return "every instance at the issue's limit"
    return f"**{len(short)} at a shorter limit than the issue's** (see s / limit)"


def summary(rows: list[dict[str, Any]], family: str) -> str:
    """One family's line for ``benchmarks/results.md``."""
    ok = sum(holds(r) for r in rows)
    objs = [(r, r["flexbank"]["objective"]) for r in rows]
    if family in MANKOWSKA:
        at_opt = sum(
            (r["lower_bound"] is not None and obj <= r["lower_bound"] + 0.05)
            or (r["best_2024"] is not None and obj <= r["best_2024"] + 0.05)
            for r, obj in objs
        )
        beats = sum(r["best_known"] is not None and obj < r["best_known"] - 0.05 for r, obj in objs)
        return (
            f"{len(rows)} instances: mean gap to the 2024 best "
            f"{_mean([g for r, o in objs for g in _rel(o, r['best_2024'])])}, to the 2020 "
            f"best known {_mean([g for r, o in objs for g in _rel(o, r['best_known'])])}, to "
            f"the lower bound {_mean([g for r, o in objs for g in _rel(o, r['lower_bound'])])}; "
            f"{at_opt} at the best known (within 0.05), {beats} better than the 2020 best "
            "known (by more than 0.05); "
            f"hard rules hold in {ok} of {len(rows)}; {_limits_note(rows)}."
        )
    if family == "Kummer":
        within = sum(r["best_known"] and o <= r["best_known"] * 1.05 for r, o in objs)
        return (
            f"{len(rows)} instances: mean gap to the GA upper bound "
            f"{_mean([g for r, o in objs for g in _rel(o, r['best_known'])])}, "
            f"{within} within 5% of it; to the LP lower bound "
            f"{_mean([g for r, o in objs for g in _rel(o, r['lower_bound'])])}; hard rules hold "
            f"in {ok} of {len(rows)}; {_limits_note(rows)}."
        )
    return (
        f"{len(rows)} instances, no published bounds; hard rules hold in {ok} of {len(rows)}; "
        f"{_limits_note(rows)}."
    )


TITLES = {
    **{f: f"Mankowska et al. 2014, family {f}" for f in MANKOWSKA},
    "Kummer": "Kummer, Buriol & de Araújo 2021 (road times, Porto Alegre)",
    "extended": "iolab extended (homes, shifts, incompatibilities)",
}


def render(rows: Iterable[dict[str, Any]], seconds: float, when: dt.datetime) -> str:
    rows = list(rows)
    lines = [
        "# Published home-care routing benchmarks: flexbank's routing mode",
        "",
        f"Produced by `{COMMAND}` (`make bench-published`; options in its docstring) on "
        f"{when:%Y-%m-%d %H:%M} UTC, commit {_commit()}, {platform.python_implementation()} "
        f"{platform.python_version()}, {os.cpu_count()} CPUs shared with other work, "
        f"{THREADS} CP-SAT threads, {seconds:.0f} s in the last run. {_commits_note(rows)}",
        "",
        "The solver is `flexbank.matching.routing.solve_routes` (every visit served, least "
        "(travel + total tardiness + max tardiness) / 3), warm-started from "
        "`benchmarks/published/baseline.py`. **flexbank** is the objective of its "
        "continuous-time schedule (times in thousandths of a minute, as the published "
        "problems are stated); **whole-minute plan** is the same routes timed in whole "
        "minutes, as flexbank's plan format requires (fractional travel rounded up to the "
        "minute). Both are computed by the independent evaluator "
        "(`benchmarks/published/evaluate.py`) from the routes, never taken from the "
        'solver. "Hard rules hold": in both, every service served once by a qualified, '
        "compatible caregiver, no start before its window opens, routes continuous with "
        "travel, double services synchronised; and the plan passes flexbank's independent "
        "checker (rules 1-13 with the travel matrix and the dependencies). Gaps are "
        "(flexbank - reference) / reference. s / limit: wall seconds of the solve on the "
        "shared machine / its time limit; (optimal): CP-SAT proved the continuous schedule "
        "optimal. Baseline: the warm start's objective.",
        "",
    ]
    for family in FAMILIES:
        mine = [r for r in rows if r["family"] == family]
        if not mine:
            continue
        if family in MANKOWSKA:
            table = _mankowska_table(mine)
        elif family == "Kummer":
            table = _kummer_table(mine)
        else:
            table = _extended_table(mine)
        patients = f" ({mine[0]['patients']} patients)" if family in MANKOWSKA else ""
        lines += [f"## {TITLES[family]}{patients}", "", summary(mine, family), "", *table, ""]
    return "\n".join(lines)


def published_summary(path: Path = HERE / "results.json") -> list[str]:
    """A section for ``benchmarks/results.md``: one line per family of the last run."""
    if not path.exists():
        return []
    rows = json.loads(path.read_text(encoding="utf-8"))
    lines = [
        "",
        "## Published home-care routing instances (issue 13)",
        "",
        f"`make bench-published` (`{COMMAND}`): flexbank's routing mode against the "
        "published lower bounds and best known solutions; every table in "
        "[published/results.md](published/results.md).",
        "",
    ]
    for family in FAMILIES:
        mine = [r for r in rows if r["family"] == family]
        if mine:
            lines.append(f"- **{TITLES[family]}**: {summary(mine, family)}")
    return lines


def _order(row: dict[str, Any]) -> tuple[int, int, str]:
    label = row["instance"]
    digits = "".join(ch for ch in label[1:4] if ch.isdigit()) if row["family"] in MANKOWSKA else ""
    return FAMILIES.index(row["family"]), int(digits or 0), label


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--family", nargs="*", choices=FAMILIES, default=list(FAMILIES))
    parser.add_argument("--instance", nargs="*", default=None, help="only these labels")
    parser.add_argument("--seconds", type=float, default=None, help="replace every limit")
    parser.add_argument("--merge", action="store_true", help="keep rows not redone")
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args(argv)
    started, when = time.perf_counter(), dt.datetime.now(dt.UTC)
    picked = [
        e for e in entries(tuple(args.family)) if args.instance is None or e.label in args.instance
    ]
    out = args.out / "results.json"
    kept: dict[str, dict[str, Any]] = {}
    if args.merge and out.exists():
        kept = {r["instance"]: r for r in json.loads(out.read_text(encoding="utf-8"))}
    args.out.mkdir(parents=True, exist_ok=True)
    for entry in picked:
        row = run_one(entry, args.seconds)
        kept[entry.label] = row
        print(
            f"{entry.family:9} {entry.label:40} {row['flexbank']['objective']:10.2f} "
            f"{gap(row['flexbank']['objective'], reference(row)):>8} "
            f"{row['wall_seconds']:6.1f}s {'ok' if holds(row) else 'VIOLATIONS'}",
            flush=True,
        )
        rows = sorted(kept.values(), key=_order)
        out.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
        (args.out / "results.md").write_text(
            render(rows, time.perf_counter() - started, when), encoding="utf-8"
        )
    return 0 if all(holds(r) for r in kept.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
