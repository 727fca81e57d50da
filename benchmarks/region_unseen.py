"""The region week's targets on weeks nobody tuned on: other seeds of the same size.

    python -m benchmarks.region_unseen [--seeds 2 3] [--boroughs 10 --workers 5000
                                        --gaps 40000 --time-limit 600]

:mod:`benchmarks.scaling` measures the 5,000 x 40,000 week of seed 1, the week the
distributed solve's phases were looked at on. This runs the same measurement
(:func:`benchmarks.scaling.region_week`: a local Ray with 2 CPUs, the whole week's
phone round in a Ray worker, the independent checker) on weeks of other seeds, and
judges the same targets. Writes ``benchmarks/region-unseen-results.json`` and
``.md`` (included in ``results.md`` by :mod:`benchmarks.report`); a seed run again
replaces its row.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from benchmarks.scaling import judged, region_week
from flexbank.models import PRIORITIES

HERE = Path(__file__).parent
JSON_OUT = HERE / "region-unseen-results.json"
MD_OUT = HERE / "region-unseen-results.md"


def render(weeks: dict[str, dict[str, Any]]) -> str:
    lines = [
        "### The region week's targets on weeks not tuned on",
        "",
        "Other seeds of the 5,000 x 40,000 week, measured as above (local Ray, 2 CPUs, "
        "600 s); hours as ratios to the whole week's phone round.",
        "",
        "| seed | emergency | urgent | routine | emergency gap to bound | first plan s | "
        "returned s | violations | driver GB | targets | command |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for seed, week in sorted(weeks.items(), key=lambda kv: int(kv[0])):
        covered, phone, bound = week["covered"], week["phone_round"], week["bound"]
        ratios = [f"{covered[p] / phone[p]:.3f}" if phone[p] else "–" for p in PRIORITIES]
        gap = (bound["emergency"] - covered["emergency"]) / bound["emergency"]
        lines.append(
            f"| {seed} | {' | '.join(ratios)} | {gap:.2%} | "
            f"{week['first_valid_seconds']:.1f} | {week['wall_seconds']:.1f} | "
            f"{week['violations']} | {week['peak_driver_gb']:.2f} | "
            f"{'; '.join(judged(week))} | `{week['command']}` |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[2])
    parser.add_argument("--boroughs", type=int, default=10)
    parser.add_argument("--workers", type=int, default=5000)
    parser.add_argument("--gaps", type=int, default=40000)
    parser.add_argument("--time-limit", type=float, default=600.0)
    args = parser.parse_args(argv)
    weeks: dict[str, dict[str, Any]] = json.loads(JSON_OUT.read_text()) if JSON_OUT.exists() else {}
    for seed in args.seeds:
        one = argparse.Namespace(**{**vars(args), "seed": seed})
        command = (
            f"python -m benchmarks.region_unseen --seeds {seed} --boroughs {args.boroughs} "
            f"--workers {args.workers} --gaps {args.gaps} --time-limit {args.time_limit:g}"
        )
        week = region_week(one) | {"command": command}
        week.pop("subproblems", None)
        weeks[str(seed)] = week
        JSON_OUT.write_text(json.dumps(weeks, indent=1) + "\n")
    MD_OUT.write_text(render(weeks))
    print(MD_OUT.read_text(), file=sys.stdout)


if __name__ == "__main__":
    main()
