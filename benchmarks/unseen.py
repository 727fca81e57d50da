"""Weeks nobody tuned on: the optimiser against the phone round (and, with
``--reference``, the plain staged CP-SAT) on sample weeks of any size and seeds.

``python -m benchmarks.unseen 120 900 60 3005 3006 3007 --reference``

One line per seed: covered hours per priority of the phone round and the optimiser,
their ratios, the stages proven, the checker's violations, and whether the plan is
level with or ahead of the staged CP-SAT in the order of rules.md section 3.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from benchmarks.tiers import ratio
from flexbank.checker import check_plan, quality
from flexbank.matching import baseline_plan, solve
from flexbank.models import PRIORITIES
from flexbank.sample import generate_dict
from flexbank.validation import load_scenario


def week(workers: int, gaps: int, seed: int, limit: float, reference: bool) -> dict[str, Any]:
    """One unseen week: the figures of its line."""
    scenario = load_scenario(generate_dict(workers, gaps, seed, version=2))
    phone = quality(scenario, baseline_plan(scenario))
    clock = time.monotonic()
    plan = solve(scenario, time_limit=limit, workers=2)
    seconds = time.monotonic() - clock
    mine = quality(scenario, plan)
    extra = plan.metrics.model_extra or {}
    out: dict[str, Any] = {
        "seed": seed,
        "phone": [round(phone.covered_hours.get(p, 0.0), 2) for p in PRIORITIES],
        "optimiser": [round(mine.covered_hours.get(p, 0.0), 2) for p in PRIORITIES],
        "proven": [bool(extra.get("stages_proven", {}).get(p)) for p in PRIORITIES],
        "violations": len(check_plan(scenario, plan)),
        "seconds": round(seconds, 1),
    }
    out["ratios"] = [ratio(o, p) for o, p in zip(out["optimiser"], out["phone"], strict=True)]
    if reference:
        from benchmarks.reference import staged_cp_sat

        staged = staged_cp_sat(scenario, limit)
        out["staged"] = [round(staged["covered_hours"][p], 2) for p in PRIORITIES]
        out["level_or_ahead"] = tuple(mine.key()) >= tuple(staged["key"])
    return out


def line(result: dict[str, Any]) -> str:
    def hours(values: list[float]) -> str:
        return " / ".join(f"{v:.2f}" for v in values)

    text = (
        f"seed {result['seed']}: phone {hours(result['phone'])}  optimiser "
        f"{hours(result['optimiser'])}  ratios "
        + " / ".join("–" if r is None else f"{r:.3f}" for r in result["ratios"])
        + "  proven "
        + "".join("P" if p else "-" for p in result["proven"])
        + f"  violations {result['violations']}  {result['seconds']} s"
    )
    if "staged" in result:
        verdict = "level or ahead" if result["level_or_ahead"] else "BEHIND"
        text += f"  staged CP-SAT {hours(result['staged'])} ({verdict})"
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.unseen")
    parser.add_argument("workers", type=int)
    parser.add_argument("gaps", type=int)
    parser.add_argument("limit", type=float, help="seconds per solve")
    parser.add_argument("seeds", type=int, nargs="+")
    parser.add_argument("--reference", action="store_true", help="also the staged CP-SAT")
    args = parser.parse_args(argv)
    for seed in args.seeds:
        print(line(week(args.workers, args.gaps, seed, args.limit, args.reference)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
