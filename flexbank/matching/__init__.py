"""Matching: the CP-SAT optimiser, the phone-round baseline, ranking and explanations."""

from __future__ import annotations

from flexbank.matching.plan import baseline_plan, solve

__all__ = ["baseline_plan", "solve"]
