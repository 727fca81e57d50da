"""flexbank: shift matching for a shared bank of flexible care workers."""

from __future__ import annotations

from flexbank.models import Plan, Scenario
from flexbank.validation import FormatError, Problem, load_plan, load_scenario

__all__ = ["FormatError", "Plan", "Problem", "Scenario", "load_plan", "load_scenario"]
__version__ = "0.1.0"
