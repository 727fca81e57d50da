"""The distributed solve on a local Ray: a region-sized week, and how it scales.

    python -m benchmarks.scaling [--boroughs 10 --workers 5000 --gaps 40000]
                                 [--time-limit 600] [--scale-boroughs 4
                                 --scale-workers 400 --scale-gaps 2400
                                 --scale-region-gaps 600 --scale-time-limit 10]
                                 [--only region|scaling]

1. **The region week**: ``--boroughs`` Bury-like boroughs side by side (synthetic
   geography beyond Bury), solved by :func:`flexbank.distributed.solve` on a local Ray
   with 2 CPUs, wall-clock mode (2 CP-SAT threads per part) in ``--time-limit`` s:
   when the first valid plan of the whole week was at the driver, hours per priority
   against the phone round of the *whole* week (computed in a Ray worker, not the
   driver) and against the bound (the regions' linear relaxations, each with every
   worker who reaches the region, added up), the independent checker's verdict, and
   the driver's peak memory (``ru_maxrss`` of this process, which also generated the
   week; the parts are built in Ray's worker processes).
2. **Scaling**: a smaller region week in deterministic mode (``workers=1``: the same
   plan whatever runs it) on a local Ray with 1 and then 2 CPUs, one CPU per task: the
   time to that same plan (so to the same quality), and per phase the largest part's
   time (the critical path) against the sum of all parts; from them, the projection
   for N CPUs (see :func:`projection`).

Writes ``benchmarks/scaling-results.json`` and ``benchmarks/scaling-results.md``
(included in ``results.md`` by :mod:`benchmarks.report`). The machine is shared: the
times are noisy, so the table gives ratios too.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from flexbank.models import PRIORITIES, Scenario

HERE = Path(__file__).parent
JSON_OUT = HERE / "scaling-results.json"
MD_OUT = HERE / "scaling-results.md"


#: Where the whole week's phone round is kept between runs (212 s on the 5,000 x 40,000
#: week, alone on this machine; 430 s when it explained its unfilled gaps too): one file
#: per week and phone-round code, so a changed week or a changed phone round is rung
#: round again.
CACHE = HERE / ".cache"
#: The code the phone round's result depends on.
PHONE_ROUND_CODE = (
    "matching/baseline.py",
    "matching/legality.py",
    "matching/problem.py",
    "matching/plan.py",
    "compliance",
    "geo.py",
    "policy.py",
)


def _whole_week_phone_round(scenario: Scenario) -> dict[str, float]:
    """The coordinator's phone round over the whole week at once (the baseline): its
    covered hours, without explaining the unfilled gaps (no figure here reads them)."""
    from flexbank.matching.plan import baseline_hours

    return baseline_hours(scenario)


def phone_round_key(scenario: Scenario) -> str:
    """The week's and the phone-round code's fingerprint."""
    import flexbank

    root = Path(flexbank.__file__).parent
    digest = hashlib.sha256(scenario.model_dump_json().encode())
    for name in PHONE_ROUND_CODE:
        path = root / name
        for file in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            digest.update(file.read_bytes())
    return digest.hexdigest()[:20]


def cached_phone_round(scenario: Scenario, compute: Any) -> tuple[dict[str, float], bool]:
    """The whole week's phone round, from the cache when this week and code have one
    (then True), else ``compute(scenario)``, kept for the next run."""
    path = CACHE / f"phone-round-{phone_round_key(scenario)}.json"
    if path.exists():
        return json.loads(path.read_text()), True
    found = compute(scenario)
    CACHE.mkdir(exist_ok=True)
    path.write_text(json.dumps(found))
    return found, False


def region_week(args: argparse.Namespace) -> dict[str, Any]:
    import ray

    from flexbank.checker import check_plan
    from flexbank.distributed import RayExecutor, solve
    from flexbank.sample.region import generate_region

    clock = time.monotonic()
    scenario = generate_region(args.boroughs, args.workers, args.gaps, args.seed)
    generated = time.monotonic() - clock
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        executor = RayExecutor()
        clock = time.monotonic()
        trace: dict[str, dict[str, Any]] = {}  # the plan's hours as each phase ended

        def note(p: Any) -> None:
            trace[p.phase] = {"elapsed": round(p.elapsed, 1)} | {
                k: round(h, 2) for k, h in p.covered.items()
            }

        plan = solve(
            scenario,
            executor=executor,
            time_limit=args.time_limit,
            workers=2,
            seed=0,
            progress=note,
        )
        wall = time.monotonic() - clock
        peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
        clock = time.monotonic()
        phone, cached = cached_phone_round(
            scenario, lambda week: ray.get(ray.remote(_whole_week_phone_round).remote(week))
        )
        phone_seconds = time.monotonic() - clock
    finally:
        ray.shutdown()
    clock = time.monotonic()
    violations = check_plan(scenario, plan)
    check_seconds = time.monotonic() - clock
    extra = plan.metrics.model_extra or {}
    bound = plan.metrics.upper_bound_hours
    return {
        "scenario": scenario.name,
        "workers": len(scenario.workers),
        "gaps": len(scenario.gaps),
        "time_limit": args.time_limit,
        "generate_seconds": round(generated, 1),
        "wall_seconds": round(wall, 1),
        "first_valid_seconds": extra.get("first_feasible_seconds"),
        "covered": {p: getattr(plan.metrics.covered_hours, p) for p in PRIORITIES},
        "bound": {p: getattr(bound, p) for p in PRIORITIES} if bound else {},
        "phone_round": phone,
        "phone_round_seconds": round(phone_seconds, 1),
        "phone_round_cached": cached,
        "region_phone_rounds": extra.get("first_plan_covered_hours"),
        "violations": len(violations),
        "violations_by_rule": dict(Counter(f"{v.rule} {v.name}" for v in violations)),
        "violation_examples": [v.message for v in violations[:5]],
        "bound_source": extra.get("bound_source"),
        "check_seconds": round(check_seconds, 1),
        "peak_driver_gb": round(peak_gb, 2),
        "parts": extra.get("parts"),
        "boundary_workers": extra.get("boundary_workers"),
        "workers_placed": extra.get("workers_placed"),
        "repaired": extra.get("repaired"),
        "phases": extra.get("phases"),
        "hours_after_each_phase": trace,
        "subproblems": extra.get("subproblems"),
    }


def scaling(args: argparse.Namespace) -> dict[str, Any]:
    import ray

    from flexbank.checker import check_plan, quality
    from flexbank.distributed import RayExecutor, solve
    from flexbank.sample.region import generate_region

    scenario = generate_region(args.scale_boroughs, args.scale_workers, args.scale_gaps, args.seed)
    runs = []
    keys = []
    for cpus in (1, 2):
        ray.init(num_cpus=cpus, include_dashboard=False, log_to_driver=False)
        try:
            executor = RayExecutor()
            clock = time.monotonic()
            plan = solve(
                scenario,
                executor=executor,
                time_limit=args.scale_time_limit,
                workers=1,
                seed=0,
                max_region_gaps=args.scale_region_gaps,
            )
            wall = time.monotonic() - clock
        finally:
            ray.shutdown()
        extra = plan.metrics.model_extra or {}
        keys.append(list(quality(scenario, plan).key()))
        runs.append(
            {
                "cpus": cpus,
                "wall_seconds": round(wall, 1),
                "violations": len(check_plan(scenario, plan)),
                "covered": {p: getattr(plan.metrics.covered_hours, p) for p in PRIORITIES},
                "phases": extra.get("phases"),
                "subproblems": extra.get("subproblems"),
            }
        )
    return {
        "scenario": scenario.name,
        "workers": len(scenario.workers),
        "gaps": len(scenario.gaps),
        "time_limit": args.scale_time_limit,
        "region_gaps": args.scale_region_gaps,
        "same_plan_quality": keys[0] == keys[1],
        "runs": runs,
    }


def phase_costs(run: dict[str, Any]) -> list[dict[str, Any]]:
    """Per phase of a run: its wall time, the sum of its parts' times and the largest."""
    out = []
    for phase in run["phases"]:
        parts = [s["seconds"] for s in run["subproblems"] if s["phase"] == phase["phase"]]
        out.append(
            {
                "phase": phase["phase"],
                "wall": phase["seconds"],
                "sum": sum(parts),
                "largest": max(parts, default=0.0),
                "jobs": len(parts),
            }
        )
    return out


def projection(run: dict[str, Any], cpus: int) -> float:
    """Seconds on ``cpus`` CPUs: per phase (they run one after another), the larger of
    its largest part and the sum of its parts shared over the CPUs, plus the driver's
    own time (the phases' wall time not spent in parts: splitting, merging, the
    re-check), as measured on 1 CPU. A lower estimate: it assumes parts pack perfectly
    and take as long on a cluster node as here."""
    total = 0.0
    for phase in phase_costs(run):
        if phase["jobs"] == 0:
            total += phase["wall"]
            continue
        total += max(phase["largest"], phase["sum"] / cpus)
    driver = run["wall_seconds"] - sum(p["seconds"] for p in run["phases"])
    return total + max(driver, 0.0)


def judged(region: dict[str, Any]) -> list[str]:
    """Each target of the region week, met or missed."""
    covered, phone, bound = region["covered"], region["phone_round"], region["bound"]
    below = [p for p in PRIORITIES if covered[p] < phone[p] - 1e-6]
    e_gap = (bound["emergency"] - covered["emergency"]) / bound["emergency"]
    # the plan is returned, re-checked and merged, within the limit or not at all
    late = region["wall_seconds"] > region["time_limit"]
    return [
        f"first plan {'met' if region['first_valid_seconds'] < 60 else 'missed'}",
        "phone round " + (f"missed on {', '.join(below)}" if below else "met"),
        f"emergency gap {e_gap:.2%} {'met' if e_gap <= 0.02 else 'missed'}",
        f"time {'missed' if late else 'met'}",
    ]


def render(results: dict[str, Any]) -> str:
    lines = ["## Region and national scale: the distributed solve on Ray", ""]
    lines += [
        f"Machine: {results['machine']}. Times vary with the load on the machine; ratios "
        "are given where they mean more.",
        "",
    ]
    region = results.get("region")
    if region:
        sources = region.get("bound_source") or {}
        lines += [
            f"### {region['workers']:,} workers x {region['gaps']:,} gaps, local Ray (2 CPUs), "
            f"{region['time_limit']:.0f} s",
            "",
            f"`{region['scenario']}`: {region['parts']} regions, {region['boundary_workers']:,} "
            f"of {region['workers_placed']:,} workers reach another region than their own "
            f"(boundary workers). Command: `{region['command']}`.",
            "",
            "| priority | phone round (whole week) h | distributed h | ratio | bound h | "
            "bound from | gap to bound |",
            "|---|---|---|---|---|---|---|",
        ]
        for p in PRIORITIES:
            phone = region["phone_round"][p]
            got = region["covered"][p]
            bound = region["bound"].get(p)
            ratio = f"{got / phone:.3f}" if phone else "–"
            gap = f"{(bound - got) / bound:.2%}" if bound else "–"
            source = sources.get(p, "relaxation")
            lines.append(
                f"| {p} | {phone:,.1f} | {got:,.1f} | {ratio} | {bound:,.1f} | {source} | {gap} |"
            )
        first = region["first_valid_seconds"]
        lines += [
            "",
            f"- First valid plan of the whole week at the driver: {first:.1f} s "
            f"(target 60 s: {'met' if first < 60 else 'missed'}); the solve returned after "
            f"{region['wall_seconds']:.1f} s.",
            f"- Independent checker: {region['violations']} violations "
            f"({region['repaired']} assignments dropped by the final re-check)"
            + (
                ": " + ", ".join(f"rule {k}: {n}" for k, n in region["violations_by_rule"].items())
                if region.get("violations_by_rule")
                else ""
            )
            + ".",
            f"- Targets: first valid plan under 60 s, every priority at least the whole "
            f"week's phone round, emergency within 2% of its bound, returned within "
            f"{region['time_limit']:.0f} s: " + "; ".join(judged(region)) + ".",
            f"- Peak memory of the driver: {region['peak_driver_gb']:.2f} GB (target 4 GB: "
            f"{'met' if region['peak_driver_gb'] < 4 else 'missed'}).",
            (
                "- The whole-week phone round was read from the cache of an earlier run of "
                "this week and phone-round code (`benchmarks/.cache`)"
                if region.get("phone_round_cached")
                else f"- The whole-week phone round took {region['phone_round_seconds']:.1f} s "
                "in one Ray worker"
            )
            + "; the regions' own phone rounds (the first plan) add up to "
            + ", ".join(f"{p} {h:,.1f} h" for p, h in region["region_phone_rounds"].items())
            + ".",
            "",
            "| phase | wall s | parts | sum of parts s | largest part s | "
            "plan after it: emergency / urgent / routine h |",
            "|---|---|---|---|---|---|",
        ]
        after = region.get("hours_after_each_phase") or {}
        for phase in phase_costs(region):
            hours = after.get(phase["phase"])
            plan = " / ".join(f"{hours[p]:,.1f}" for p in PRIORITIES) if hours else "–"
            lines.append(
                f"| {phase['phase']} | {phase['wall']:.1f} | {phase['jobs']} | "
                f"{phase['sum']:.1f} | {phase['largest']:.1f} | {plan} |"
            )
        lines += [
            "",
            "The emergency stage's plan is held by the regions, so it shows in the plan "
            "after the regions; a skipped boundary round had too little time left to "
            "build and solve its jobs.",
            "",
        ]
    scale = results.get("scaling")
    if scale:
        one, two = scale["runs"]
        lines += [
            f"### Scaling: {scale['workers']:,} x {scale['gaps']:,}, deterministic mode",
            "",
            f"`{scale['scenario']}`, regions of at most {scale['region_gaps']:,} gaps, "
            f"{scale['time_limit']:.0f} s of CP-SAT deterministic time shared out by phase, "
            "one CPU per task. Deterministic mode gives the same plan whatever runs it "
            f"(same quality on 1 and 2 CPUs: {'yes' if scale['same_plan_quality'] else 'NO'}), "
            f"so the time is the time to that quality. Command: `{scale['command']}`.",
            "",
            "| Ray CPUs | time to the plan s | speed-up | sum of all parts s | "
            "critical path s | violations |",
            "|---|---|---|---|---|---|",
        ]
        for run in (one, two):
            costs = phase_costs(run)
            critical = sum(c["largest"] if c["jobs"] else c["wall"] for c in costs)
            total = sum(c["sum"] for c in costs)
            lines.append(
                f"| {run['cpus']} | {run['wall_seconds']:.1f} | "
                f"{one['wall_seconds'] / run['wall_seconds']:.2f} | {total:.1f} | "
                f"{critical:.1f} | {run['violations']} |"
            )
        lines += [
            "",
            "Critical path: per phase, the largest part (phases run one after another);"
            " with unlimited CPUs the solve cannot be faster than that plus the driver's own"
            " work.",
            "",
            "| CPUs (e.g. nodes x cores) | projected s | projected speed-up |",
            "|---|---|---|",
        ]
        base = projection(one, 1)
        for n in (1, 2, 4, 8, 16, 64):
            t = projection(one, n)
            lines.append(f"| {n} | {t:.1f} | {base / t:.2f} |")
        lines += [
            "",
            "Projection, from the 1-CPU run: per phase, max(largest part, sum of parts / N),"
            " added over the phases, plus the driver's time outside the parts (split, merge,"
            " re-check). It assumes the parts pack perfectly and run as fast on a node as"
            " here; the measured 2-CPU time above shows how close that is on this machine.",
            "",
        ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--boroughs", type=int, default=10)
    parser.add_argument("--workers", type=int, default=5000)
    parser.add_argument("--gaps", type=int, default=40000)
    parser.add_argument("--time-limit", type=float, default=600.0)
    parser.add_argument("--scale-boroughs", type=int, default=4)
    parser.add_argument("--scale-workers", type=int, default=400)
    parser.add_argument("--scale-gaps", type=int, default=2400)
    parser.add_argument("--scale-region-gaps", type=int, default=600)
    parser.add_argument("--scale-time-limit", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", choices=("region", "scaling"))
    args = parser.parse_args(argv)
    results: dict[str, Any] = {}
    results["machine"] = (
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    command = "python -m benchmarks.scaling " + " ".join(argv if argv is not None else sys.argv[1:])
    if args.only in (None, "region"):
        results["region"] = region_week(args) | {"command": command.strip()}
    if args.only in (None, "scaling"):
        results["scaling"] = scaling(args) | {"command": command.strip()}
    if args.only and JSON_OUT.exists():  # keep the other part, as it is now
        results = json.loads(JSON_OUT.read_text()) | results
    JSON_OUT.write_text(json.dumps(results, indent=1) + "\n")
    MD_OUT.write_text(render(results))
    print(MD_OUT.read_text())


if __name__ == "__main__":
    main()
