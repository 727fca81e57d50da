"""One benchmark run in a fresh process, so that its peak memory is its own.

``python -m benchmarks.job tier borough 30 --out result.json [--rank]``
``python -m benchmarks.job timefold SMALL 30 --out result.json``
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.job")
    parser.add_argument("kind", choices=("tier", "timefold"))
    parser.add_argument("name")
    parser.add_argument("limit", type=float)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--rank", action="store_true", help="also time rank() (tiers)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    if args.kind == "tier":
        from benchmarks import tiers

        result = tiers.run(
            tiers.TIER_BY_KEY[args.name], args.limit, with_rank=args.rank, workers=args.workers
        )
    else:
        from benchmarks import timefold

        result = timefold.run(args.name, args.limit, workers=args.workers)
    args.out.write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
