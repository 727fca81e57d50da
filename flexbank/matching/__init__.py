"""Matching: the CP-SAT optimiser, the phone-round baseline, ranking and explanations; and
the visit-routing mode of the published benchmarks (``solve_routes``)."""

from __future__ import annotations

from flexbank.matching.plan import baseline_plan, solve
from flexbank.matching.routing import Routing, RoutingError, solve_routes

__all__ = ["Routing", "RoutingError", "baseline_plan", "solve", "solve_routes"]
