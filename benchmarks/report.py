"""``results.md`` from the raw results (the same dict that goes to ``results.json``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from benchmarks.tiers import (
    CITY_FEASIBLE_SECONDS,
    CITY_GAP_PERCENT,
    CITY_MEMORY_GB,
    CITY_REGION_ROUTINE_GAP_PERCENT,
    PROVEN_STAGES,
    PROVEN_TIERS,
    RANK_MS,
    ROUTINE_GAP_PERCENT,
    TIER_BY_KEY,
    gap_percent,
    ratio,
)

PRIORITIES = ("emergency", "urgent", "routine")


def fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(fmt(c) if not isinstance(c, str) else c for c in row) + " |")
    return lines


def run_label(run: dict[str, Any]) -> str:
    result = run.get("result") or {}
    name = run["job"]["name"]
    tier = TIER_BY_KEY.get(name) if run["job"]["kind"] == "tier" else None
    title = result.get("title") or result.get("size") or (tier.title if tier else name)
    return f"{title} ({fmt(run['job']['limit'], 0)} s)"


def tier_runs(results: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in results["runs"] if r["job"]["kind"] == "tier"]


def timefold_runs(results: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in results["runs"] if r["job"]["kind"] == "timefold"]


def _failed(run: dict[str, Any]) -> str | None:
    if run.get("result") is None:
        return run.get("error") or f"exit code {run.get('returncode')}"
    return None


# ----------------------------------------------------------------- judgments


def below_baseline(result: dict[str, Any]) -> list[str]:
    """Priorities where the solver covered fewer hours than the phone round."""
    solver, base = result["solver"]["covered_hours"], result["baseline"]["covered_hours"]
    return [p for p in PRIORITIES if solver[p] < base[p] - 1e-6]


def first_difference(result: dict[str, Any]) -> tuple[str, float] | None:
    """The first priority where solver and phone round differ, and solver minus phone."""
    solver, base = result["solver"]["covered_hours"], result["baseline"]["covered_hours"]
    for p in PRIORITIES:
        if abs(solver[p] - base[p]) > 1e-6:
            return p, solver[p] - base[p]
    return None


def gaps_to_bound(result: dict[str, Any]) -> dict[str, float | None]:
    solver = result["solver"]
    bound = solver.get("upper_bound_hours") or {}
    return {p: gap_percent(solver["covered_hours"][p], bound.get(p)) for p in PRIORITIES}


def disagreements(plan_result: dict[str, Any]) -> list[str]:
    """Priorities whose covered hours in the plan's metrics and the checker's differ."""
    mine, theirs = plan_result["covered_hours"], plan_result["checker_covered_hours"]
    return [p for p in PRIORITIES if abs(mine[p] - theirs[p]) > 0.01]


def _runs_by_tier(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["job"]["name"]: r["result"] for r in tier_runs(results) if r.get("result")}


def _gap_verdict(result: dict[str, Any], limits: dict[str, float]) -> tuple[str, bool]:
    gaps = gaps_to_bound(result)
    proven = result["solver"].get("stages_proven") or {}
    parts, ok = [], True
    for p, limit in limits.items():
        gap = gaps[p]
        good = proven.get(p) or (gap is not None and gap <= limit)
        ok = ok and bool(good)
        parts.append(f"{p} {fmt(gap, 2)}%{' (proven)' if proven.get(p) else ''}")
    return ", ".join(parts), ok


def reference_order(result: dict[str, Any]) -> str | None:
    """'ahead', 'level' or 'behind' the plain staged CP-SAT, in the section 3 order."""
    reference = result.get("reference")
    if not reference:
        return None
    mine, theirs = result["solver"]["key"], reference["key"]
    for a, b in zip(mine, theirs, strict=True):
        if abs(a - b) > 1e-6:
            return "ahead" if a > b else "behind"
    return "level"


def targets(results: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(target, what happened, met?) for each target of the issue that was run."""
    out: list[tuple[str, str, str]] = []
    runs = _runs_by_tier(results)
    for key in PROVEN_TIERS:
        res = runs.get(key)
        if res is None:
            continue
        proven = res["solver"].get("stages_proven") or {}
        label = f"{res['title']} ({res['workers']} x {res['gaps']}, {fmt(res['time_limit'], 0)} s)"
        stages_ok = all(proven.get(p) for p in PROVEN_STAGES)
        out.append(
            (
                f"{label}: emergency and urgent hours proven optimal",
                ", ".join(
                    f"{p} {'proven' if proven.get(p) else 'not proven'}" for p in PROVEN_STAGES
                ),
                "met" if stages_ok else "missed",
            )
        )
        text, ok = _gap_verdict(res, {"routine": ROUTINE_GAP_PERCENT})
        out.append((f"{label}: routine within 5% of the bound or proven", text, _met(ok)))
    for key, limits in (
        ("city", {"emergency": CITY_GAP_PERCENT, "urgent": CITY_GAP_PERCENT}),
        (
            "city_region",
            {
                "emergency": CITY_GAP_PERCENT,
                "urgent": CITY_GAP_PERCENT,
                "routine": CITY_REGION_ROUTINE_GAP_PERCENT,
            },
        ),
    ):
        res = runs.get(key)
        if res is None:
            continue
        label = (
            f"{res['title']} ({res['workers']:,} x {res['gaps']:,}, {fmt(res['time_limit'], 0)} s)"
        )
        text, ok = _gap_verdict(res, limits)
        wanted = ", ".join(f"{p} {fmt(v, 0)}%" for p, v in limits.items())
        out.append((f"{label}: within the bound ({wanted})", text, _met(ok)))
    region = runs.get("city_region")
    if region is not None:
        first = region["solver"].get("first_feasible_wall_seconds")
        out.append(
            (
                "City region: first valid plan under 15 s (problem building included)",
                f"{fmt(first)} s",
                _met(first is not None and first <= CITY_FEASIBLE_SECONDS),
            )
        )
    peaks = [
        (r["result"]["title"], (r.get("max_rss_mb") or 0) / 1024)
        for r in tier_runs(results)
        if r.get("result") and r["job"]["name"] == "city_region"
    ]
    if peaks:
        peak = max(v for _, v in peaks)
        out.append(
            ("City region under 4 GB", f"peak RSS {fmt(peak, 2)} GB", _met(peak < CITY_MEMORY_GB))
        )
    done = [r for r in tier_runs(results) if r.get("result")]
    if done:
        below = [
            f"{run_label(r)}: {', '.join(below_baseline(r['result']))}"
            for r in done
            if below_baseline(r["result"])
        ]
        out.append(
            (
                "Every tier at least the phone round on every priority",
                "; ".join(below) if below else f"all {len(done)} runs",
                _met(not below),
            )
        )
        compared = [(r, reference_order(r["result"])) for r in done if r["result"].get("reference")]
        if compared:
            behind = [run_label(r) for r, order in compared if order == "behind"]
            out.append(
                (
                    "Level with or ahead of a plain staged CP-SAT given the same time "
                    "(section 3 order)",
                    "; ".join(f"{run_label(r)}: {order}" for r, order in compared),
                    _met(not behind),
                )
            )
    region_runs = [r for r in done if r["job"]["name"] == "city_region"]
    for r in region_runs:
        rank = r["result"].get("rank")
        if not rank:
            continue
        for plan_name, label in (("solver_plan", "optimiser's"), ("baseline_plan", "phone")):
            timing = rank[plan_name]["cold_ms"]
            verdict = (
                "met"
                if timing["max"] < RANK_MS
                else "met for median and p95"
                if timing["p95"] < RANK_MS
                else "missed"
            )
            out.append(
                (
                    f"rank under 50 ms per call at city-region size ({label} plan)",
                    f"median {fmt(timing['median'])} ms, p95 {fmt(timing['p95'])} ms, "
                    f"max {fmt(timing['max'])} ms over {rank[plan_name]['gaps']} gaps",
                    verdict,
                )
            )
    every = [r for r in results["runs"] if r.get("result")]
    if every:
        dirty = []
        for r in every:
            res = r["result"]
            if r["job"]["kind"] == "tier":
                n = res["solver"]["violations"] + res["baseline"]["violations"]
                n += (res.get("reference") or {}).get("violations", 0)
                for name in ("solver", "baseline"):
                    if disagreements(res[name]):
                        dirty.append(
                            f"{run_label(r)}: the checker's covered hours differ from the "
                            f"{name} plan's metrics ({', '.join(disagreements(res[name]))})"
                        )
            else:
                n = len(res["checker_violations"]) + len(res["timefold_violations"])
            if n:
                dirty.append(f"{run_label(r)}: {n} violations")
        out.append(
            (
                "Every plan passes the independent checker (0 violations, same covered hours)",
                "; ".join(dirty) if dirty else f"all {len(every)} runs, every plan",
                _met(not dirty),
            )
        )
    for r in timefold_runs(results):
        res = r.get("result")
        if not res:
            continue
        proved = (
            res["bound_hours"] is not None and res["covered_hours"] >= res["bound_hours"] - 1e-6
        )
        out.append(
            (
                f"Timefold {res['size']}: fills all that can be filled, and proves it",
                f"{res['filled']} of {res['shifts']} shifts; bound {fmt(res['bound_shifts'], 0)} "
                f"shifts; {len(res['timefold_violations'])} Timefold-rule violations",
                _met(proved and not res["timefold_violations"]),
            )
        )
    return out


def _met(ok: bool) -> str:
    return "met" if ok else "missed"


# -------------------------------------------------------------------- render


def render(results: dict[str, Any], plot_name: str | None = "objective.png") -> str:
    machine = results.get("machine", {})
    lines = [
        "# flexbank benchmarks",
        "",
        f"Command: `{results.get('command', 'python -m benchmarks.run')}` "
        f"({results.get('mode', 'full')} mode; `make bench` runs `python -m benchmarks.run`). "
        f"Total time {fmt((results.get('total_seconds') or 0) / 60)} min. "
        "Raw numbers: `results.json`.",
        "",
        "## Machine",
        "",
        *table(
            ["", ""],
            [
                ["date (UTC)", machine.get("date", "–")],
                ["CPU", machine.get("cpu", "–")],
                [
                    "cores",
                    f"{machine.get('cores', '–')} logical, "
                    f"{machine.get('usable_cores', '–')} usable",
                ],
                ["RAM", f"{fmt(machine.get('ram_gb'))} GB"],
                ["OS", machine.get("os", "–")],
                ["Python", machine.get("python", "–")],
                ["OR-Tools", machine.get("ortools", "–")],
                ["flexbank", machine.get("flexbank", "–")],
            ],
        ),
        "",
        "Every run is a fresh process (`python -m benchmarks.job ...`); its peak memory is the",
        "child's maximum resident set size from `wait4`. CP-SAT runs with 2 workers.",
        "",
        "## Targets",
        "",
        *table(["target", "result", "verdict"], targets(results)),
        "",
    ]
    failed = [f"- {run_label(r)}: {_failed(r)}" for r in results["runs"] if _failed(r)]
    if failed:
        lines += ["**Runs that failed:**", "", *failed, ""]
    observations = _observations(results)
    if observations:
        lines += ["## Observations", "", *observations, ""]
    lines += _tier_sections(results)
    lines += _rank_section(results)
    lines += _timefold_section(results)
    if plot_name:
        lines += [
            "## Objective and bound over time",
            "",
            "From the solver's progress events (every improving solution of every stage).",
            "Covered-hour stages are in minutes; the dotted line is the phone round. In the",
            "large-neighbourhood search each mark is one neighbourhood's sub-model solve, where",
            "it ended: its objective (dot) and its bound (end of the line), local to it.",
            "",
            f"![objective and bound per stage]({plot_name})",
            "",
        ]
    lines += _notes()
    load = Path(__file__).with_name("load-results.md")
    if load.exists():  # the service's load benchmark (python -m benchmarks.load)
        lines += ["", load.read_text(encoding="utf-8").rstrip()]
    scaling = Path(__file__).with_name("scaling-results.md")
    if scaling.exists():  # the distributed solve on Ray (python -m benchmarks.scaling)
        lines += ["", scaling.read_text(encoding="utf-8").rstrip()]
    unseen = Path(__file__).with_name("region-unseen-results.md")
    if unseen.exists():  # the region week's other seeds (python -m benchmarks.region_unseen)
        lines += ["", unseen.read_text(encoding="utf-8").rstrip()]
    lines += published_section()
    return "\n".join(lines) + "\n"


def published_section() -> list[str]:
    """The published home-care instances' summary (``make bench-published``), if run."""
    from benchmarks.published.run import published_summary

    return published_summary()


def _observations(results: dict[str, Any]) -> list[str]:
    """Plain statements read off the numbers (nothing here is hand-written per run)."""
    out = []
    for r in tier_runs(results):
        res = r.get("result")
        if not res:
            continue
        solver = res["solver"]
        first = first_difference(res)
        if first is None:
            out.append(
                f"- {run_label(r)}: the optimiser's covered hours equal the phone round's on "
                "every priority (it returned the phone round or a plan tied with it on hours)."
            )
        hoods = solver.get("neighbourhoods") or {}
        if hoods:
            kinds = ", ".join(
                f"{kind} {fmt(v['improved'])} of {fmt(v['tries'])} "
                f"(+{fmt(v['gained_minutes'] / 60, 1)} h)"
                for kind, v in hoods.items()
            )
            out.append(
                f"- {run_label(r)}: {fmt(solver.get('candidates'))} candidate pairs in "
                f"{fmt(solver.get('parts'))} part(s); neighbourhoods that improved the plan, "
                f"by kind: {kinds}."
            )
    for r in timefold_runs(results):
        res = r.get("result")
        if not res:
            continue
        phone = res.get("baseline_covered_hours")
        if phone is not None and phone >= res["shift_hours_total"] - 1e-6:
            out.append(
                f"- Timefold {res['size']}: the phone round alone already fills every shift "
                f"({res['shifts']}) validly, {fmt(res.get('first_feasible_seconds'), 2)} s "
                f"into the solve, over a {res['days']}-day horizon."
            )
        bound = res["bound_hours"]
        if res["status"] != "optimal" and bound is not None and res["covered_hours"] >= bound:
            out.append(
                f"- Timefold {res['size']}: status is `{res['status']}` although the "
                "covered hours equal the upper bound: the neighbourhood search does not "
                "mark the plan optimal even when the simple bound proves it."
            )
    return out


BOUND_WORDS = {"proof": "CP-SAT proof", "relaxation": "LP relaxation", "candidates": "candidates"}


def _tier_sections(results: dict[str, Any]) -> list[str]:
    done = [r for r in tier_runs(results) if r.get("result")]
    if not done:
        return []
    rows = []
    for r in done:
        res = r["result"]
        solver, base = res["solver"], res["baseline"]
        reference = res.get("reference") or {}
        bound = solver.get("upper_bound_hours") or {}
        sources = solver.get("bound_source") or {}
        gaps = gaps_to_bound(res)
        for p in PRIORITIES:
            ref = (reference.get("covered_hours") or {}).get(p)
            rows.append(
                [
                    run_label(r) + (" *unseen*" if res.get("unseen") else ""),
                    p,
                    base["covered_hours"][p],
                    solver["covered_hours"][p],
                    fmt(ratio(solver["covered_hours"][p], base["covered_hours"][p]), 3),
                    ref,
                    fmt(ratio(solver["covered_hours"][p], ref), 3) if ref is not None else "–",
                    bound.get(p),
                    BOUND_WORDS.get(sources.get(p, ""), "–"),
                    fmt(gaps[p], 2) + ("%" if gaps[p] is not None else ""),
                    "proven" if (solver.get("stages_proven") or {}).get(p) else "–",
                    fmt((solver.get("proof_seconds") or {}).get(p)),
                ]
            )
    lines = [
        "## 1. Tiers: covered hours against the phone round, a plain staged CP-SAT and the bound",
        "",
        "Sample scenarios from `flexbank.sample.generate(workers, gaps, seed)` (real Bury",
        "geography, one week from 2026-11-30); *unseen* weeks have seeds never run while the",
        "solver was tuned. *Phone round*: `baseline_plan` (gaps by priority then start, each",
        "to the nearest eligible worker who stays legal, every eligible worker asked).",
        "*Staged CP-SAT*: `benchmarks/reference.py`, one model over every candidate solved",
        "stage by stage from the phone round in the same time. *Bound*:",
        "`metrics.upper_bound_hours`, an upper bound on each priority's hours given the plan's",
        "hours of the higher priorities: the smaller of CP-SAT's proof (where it holds for the",
        "whole bank) and the LP relaxation (`flexbank/matching/bound.py`, GLOP); *gap* =",
        "(bound − optimiser) / bound. *Proven at*: seconds into the solve.",
        "",
        *table(
            [
                "run",
                "priority",
                "phone round h",
                "optimiser h",
                "ratio to phone",
                "staged CP-SAT h",
                "ratio to staged",
                "bound h",
                "bound from",
                "gap to bound",
                "stage",
                "proven at s",
            ],
            rows,
        ),
        "",
    ]
    rows2 = []
    for r in done:
        res = r["result"]
        solver, base = res["solver"], res["baseline"]
        rows2.append(
            [
                run_label(r),
                f"{res['workers']:,} / {res['gaps']:,} (seed {res['seed']})",
                solver.get("candidates"),
                solver.get("parts"),
                solver.get("mode"),
                solver["status"],
                f"{fmt(solver.get('gaps_filled'))} / {fmt(base.get('gaps_filled'))}",
                base["wall_seconds"],
                solver.get("first_feasible_wall_seconds"),
                solver.get("relaxation_seconds"),
                solver["wall_seconds"],
                fmt((r.get("max_rss_mb") or 0) / 1024, 2),
                f"{solver['violations']} / {base['violations']} / "
                f"{fmt((res.get('reference') or {}).get('violations'))}",
            ]
        )
    rows3 = []
    for r in done:
        res = r["result"]
        old = res.get("as_version_1")
        if not old:
            continue
        for p in PRIORITIES:
            new, before = res["solver"]["covered_hours"][p], old["covered_hours"][p]
            rows3.append(
                [
                    run_label(r),
                    p,
                    before,
                    new,
                    fmt(new - before, 2),
                    fmt(ratio(new, before), 3),
                    f"{old['violations_v1']} / {old['violations_v2']}",
                ]
            )
    if rows3:
        lines += [
            "## Contract version 2: what the new rules cost",
            "",
            "The same sample week solved as version 2 (the tables above) and read as version 1",
            "(`flexbank.sample.as_version_1`: its version 2 records left out), in the same time.",
            "*Violations*: the version 1 plan checked against version 1 / against version 2",
            "(how many version 2 rules a version 1 plan would break).",
            "",
            *table(
                [
                    "run",
                    "priority",
                    "as /1 h",
                    "as /2 h",
                    "difference h",
                    "ratio",
                    "violations of the /1 plan (/1 / /2)",
                ],
                rows3,
            ),
            "",
        ]
    lines += [
        "## 2. Tiers: time, memory, validity",
        "",
        "Times in seconds on the caller's clock from the `solve()` call (problem building",
        "included). *First valid plan*: the optimiser starts from the phone round, so this is",
        "when that plan existed; *LP s*: the relaxation's time; *returned*: when `solve()`",
        "returned. *Phone round*: a separate `baseline_plan()` call.",
        "",
        *table(
            [
                "run",
                "workers / gaps",
                "candidates",
                "parts",
                "mode",
                "status",
                "gaps filled (opt / phone)",
                "phone round s",
                "first valid plan s",
                "LP s",
                "returned s",
                "peak RSS GB",
                "checker violations (opt / phone / staged)",
            ],
            rows2,
        ),
        "",
    ]
    return lines


def _rank_section(results: dict[str, Any]) -> list[str]:
    rows = []
    for r in tier_runs(results):
        timing = (r.get("result") or {}).get("rank")
        if not timing:
            continue
        for plan_name, label in (
            ("solver_plan", "optimiser's plan"),
            ("baseline_plan", "phone round"),
        ):
            t = timing[plan_name]
            kinds = (
                ("cold_ms", "first call per gap"),
                ("cold_ms_without_gc", "first call per gap, GC pauses taken out"),
                ("warm_ms", "repeat call"),
            )
            for kind, call in kinds:
                if kind not in t:
                    continue
                slowest = t.get("slowest") or {}
                rows.append(
                    [
                        run_label(r),
                        label,
                        call,
                        t["gaps"],
                        t[kind]["median"],
                        t[kind]["p95"],
                        t[kind]["max"],
                        t.get("over_target") if kind == "cold_ms" else "",
                        (
                            f"{slowest.get('gap_id')} ({fmt(slowest.get('ms'))} ms, "
                            f"GC {fmt(slowest.get('gc_ms'))} ms)"
                            if kind == "cold_ms" and slowest
                            else ""
                        ),
                        t["setup_ms"],
                    ]
                )
    if not rows:
        return []
    return [
        "## 3. `rank` latency at city-region size",
        "",
        "`flexbank.matching.rank.rank(scenario, plan, gap_id, k=5)` on gaps drawn with a fixed",
        "seed, on top of a plan. *Setup* is the one-off first call for a (scenario, plan) pair",
        "(problem and one roster per worker, cached); the first call for a gap also runs its",
        "compliance pass (cached per gap); a repeat call reuses it. Garbage-collector pauses",
        "during a call are timed with `gc.callbacks` and shown taken out in a second row",
        "(the target is judged on the first row). Target: under 50 ms.",
        "",
        *table(
            [
                "run",
                "on top of",
                "call",
                "gaps",
                "median ms",
                "p95 ms",
                "max ms",
                "calls ≥ 50 ms",
                "slowest gap",
                "setup ms",
            ],
            rows,
        ),
        "",
    ]


def _timefold_section(results: dict[str, Any]) -> list[str]:
    runs = [r for r in timefold_runs(results) if r.get("result")]
    if not runs:
        return []
    rows = []
    for r in runs:
        res = r["result"]
        rows.append(
            [
                f"{res['size']} ({fmt(res['time_limit'], 0)} s)",
                f"{res['employees']} / {res['shifts']} / {res['days']}",
                res["filled"],
                f"{fmt(res['covered_hours'], 0)} / {fmt(res.get('baseline_covered_hours'), 0)}"
                f" / {fmt(res.get('shift_hours_total'), 0)}",
                fmt(res["bound_shifts"], 0),
                res["status"],
                res.get("mode"),
                res.get("first_feasible_seconds"),
                res.get("wall_seconds"),
                len(res["checker_violations"]),
                len(res["timefold_violations"]),
                fmt((r.get("max_rss_mb") or 0) / 1024, 2),
            ]
        )
    return [
        "## 4. Peer: Timefold's employee-scheduling demo on its own data",
        "",
        "Timefold's Python quickstart demo data (`data/timefold/`, Apache-2.0, see",
        "`SOURCE.txt`) turned into flexbank scenarios by `benchmarks/timefold.py` with the",
        "same hard rules: required skill, no overlap, at least 10 h between shifts (policy",
        "`daily_rest_hours` 10 and `max_duty_span_hours` = the longest shift, 8 h), at most",
        "one shift per day (implied by the 10 h rule for these shift times; the adapter",
        "checks that and refuses data where it is not), no shift touching an unavailable",
        "date (availability excludes those days), every shift `urgent` with headcount 1;",
        "everything else neutralised. *Bound*: flexbank's proven upper bound on covered",
        "hours, in shifts (all shifts are 8 h). *Timefold-rule violations*: the filled plan",
        "re-checked against Timefold's own hard rules, implemented directly in the adapter.",
        "For reference (`SOURCE.txt`): Timefold's own Python solver solves SMALL in about 1 s",
        "but is still at -4hard on LARGE (4 shifts without the required skill) after 30 s",
        "and after 120 s on a 2-core machine.",
        "",
        *table(
            [
                "data",
                "employees / shifts / days",
                "filled",
                "hours: optimiser / phone round / all shifts",
                "bound (shifts)",
                "status",
                "mode",
                "first feasible s",
                "returned s",
                "checker violations",
                "Timefold-rule violations",
                "peak RSS GB",
            ],
            rows,
        ),
        "",
    ]


def _notes() -> list[str]:
    return [
        "## How to read this",
        "",
        "- Status `optimal` means CP-SAT proved emergency, urgent and routine hours optimal.",
        "  In the large-neighbourhood search (mode `neighbourhoods`) nothing is proven",
        "  globally and the bound is the simple one: every gap filled by as many of its",
        "  candidates as its headcount allows. A large gap there says as much about that",
        "  bound as about the plan.",
        "- Covered hours are `plan.metrics`; the checker's own figures are in `results.json`",
        "  (`checker_covered_hours`) and must agree.",
        "- No wall-clock number here is asserted by the tests; the targets are judged above.",
    ]


__all__ = ["below_baseline", "fmt", "gaps_to_bound", "render", "table", "targets"]
