"""flexbank: shift matching for a shared bank of flexible care workers.

The public API: read a scenario (:func:`load_scenario`), plan it (:func:`solve`),
rank workers for one urgent gap on top of a plan (:func:`rank`), check any plan
against every hard rule (:func:`check_plan`). The optimiser is imported on first use,
so ``import flexbank`` stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flexbank.models import Plan, Scenario
from flexbank.validation import FormatError, Problem, load_plan, load_scenario

if TYPE_CHECKING:
    from flexbank.checker import check_plan
    from flexbank.matching import baseline_plan, solve
    from flexbank.matching.rank import rank

__all__ = [
    "FormatError",
    "Plan",
    "Problem",
    "Scenario",
    "baseline_plan",
    "check_plan",
    "load_plan",
    "load_scenario",
    "rank",
    "solve",
]
__version__ = "0.1.0"

_LAZY = {
    "solve": "flexbank.matching",
    "baseline_plan": "flexbank.matching",
    "rank": "flexbank.matching.rank",
    "check_plan": "flexbank.checker",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'flexbank' has no attribute {name!r}")
