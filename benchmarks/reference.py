"""A plain staged CP-SAT, the comparison the optimiser must be level with or ahead of.

One model over every candidate pair of the week (flexbank's :class:`MatchModel`, so the
same rules), solved in the order of rules.md section 3 from the phone round, each
stage holding the value the one before reached: what an engineer would write first,
with no priority-staged models, no decomposition, no ringing back and no
neighbourhoods. Its plan goes through the same independent checker.
"""

from __future__ import annotations

import time
from typing import Any

from flexbank.checker import check_plan, quality
from flexbank.matching.baseline import phone_round
from flexbank.matching.neighbourhood import pin
from flexbank.matching.plan import build_plan, sort_pins
from flexbank.matching.problem import Problem
from flexbank.matching.solver import Outcome
from flexbank.matching.staged import StagedSolve
from flexbank.models import PRIORITIES, Scenario


def staged_cp_sat(scenario: Scenario, limit: float, workers: int = 2) -> dict[str, Any]:
    """Covered hours, proofs and validity of the plain staged CP-SAT within ``limit`` s
    (problem building included)."""
    clock = time.monotonic()
    problem = Problem(scenario)
    pins = sort_pins(problem)
    start = phone_round(problem, pins.kept)
    staged = StagedSolve(problem, start, workers=workers, seed=0)
    pin(staged, pins.kept, pins.fixed_starts)
    built = time.monotonic() - clock
    found = staged.run(max(limit - built, 1.0))
    plan = build_plan(problem, Outcome(assignment=found, baseline=start), pins.released)
    q = quality(scenario, plan)
    return {
        "covered_hours": {p: round(q.covered_hours.get(p, 0.0), 4) for p in PRIORITIES},
        "key": list(q.key()),
        "stages_proven": {p: staged.proven.get(p, False) for p in PRIORITIES},
        "model_build_seconds": round(built, 3),
        "wall_seconds": round(time.monotonic() - clock, 3),
        "violations": len(check_plan(scenario, plan)),
    }


__all__ = ["staged_cp_sat"]
