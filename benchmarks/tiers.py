"""Scale tiers: the optimiser against the coordinator's phone round on sample scenarios.

Each tier is a seeded :func:`flexbank.sample.generate` scenario (real Bury geography,
one week from 2026-11-30). One run of a tier, in its own process (see :mod:`.job`):
generate, plan the phone round, solve with progress events, check both plans with the
independent checker, and optionally time :func:`flexbank.matching.rank.rank` on top of
both plans.
"""

from __future__ import annotations

import gc
import random
import resource
import statistics
import time
from dataclasses import dataclass
from typing import Any

from flexbank.checker import check_plan, quality
from flexbank.matching import baseline_plan, solve
from flexbank.matching.rank import rank, ranker_for
from flexbank.models import PRIORITIES, Plan, Scenario
from flexbank.sample import as_version_1, generate_dict
from flexbank.validation import load_scenario


@dataclass(frozen=True)
class Tier:
    key: str
    title: str
    workers: int
    gaps: int
    seed: int
    limits: tuple[float, ...]  # one run per time limit (seconds)
    rank_gaps: int = 0  # time rank() on this many gaps (in the first run only)
    reference: bool = False  # also run the plain staged CP-SAT (benchmarks.reference)
    unseen: bool = False  # a week never used while tuning the solver
    version: int = 2  # the contract version of the sample week
    as_version_1: bool = False  # also solve the same week read as version 1


TIERS: tuple[Tier, ...] = (
    Tier("borough", "Borough", 60, 400, 1, (30.0,), reference=True, as_version_1=True),
    Tier("large_borough", "Large borough", 120, 900, 2, (60.0,), reference=True, as_version_1=True),
    Tier("city", "City", 400, 3000, seed=3, limits=(120.0,)),
    Tier("city_region", "City region", 1000, 8000, seed=4, limits=(300.0,), rank_gaps=200),
    # weeks whose seeds were never run while the solver was tuned
    Tier(
        "borough_unseen",
        "Borough, unseen week",
        60,
        400,
        2027,
        (30.0,),
        reference=True,
        unseen=True,
    ),
    Tier(
        "large_borough_unseen",
        "Large borough, unseen week",
        120,
        900,
        2028,
        (60.0,),
        reference=True,
        unseen=True,
    ),
)
TIER_BY_KEY = {t.key: t for t in TIERS}

#: Targets of the issue, judged in the report.
PROVEN_TIERS = ("borough", "large_borough")  # emergency and urgent proven optimal
PROVEN_STAGES = ("emergency", "urgent")
ROUTINE_GAP_PERCENT = 5.0  # routine within 5% of the bound (or proven) there
CITY_GAP_PERCENT = 2.0  # emergency and urgent within 2% of the bound (city, city region)
CITY_REGION_ROUTINE_GAP_PERCENT = 15.0
CITY_FEASIBLE_SECONDS = 15.0
CITY_MEMORY_GB = 4.0
RANK_MS = 50.0


def max_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def hours_of(plan: Plan) -> dict[str, float]:
    covered = plan.metrics.covered_hours
    return {p: float(getattr(covered, p)) for p in PRIORITIES}


def bound_of(plan: Plan) -> dict[str, float] | None:
    bound = plan.metrics.upper_bound_hours
    return None if bound is None else {p: float(getattr(bound, p)) for p in PRIORITIES}


def gap_percent(covered: float, bound: float | None) -> float | None:
    """How far below its proven bound a figure is, in percent of the bound."""
    if bound is None:
        return None
    if bound <= 0:
        return 0.0
    return round(max(0.0, bound - covered) / bound * 100, 3)


def ratio(value: float, reference: float) -> float | None:
    if reference == 0:
        return None if value else 1.0
    return round(value / reference, 4)


def old_plan_as(scenario: Scenario, plan: Plan) -> Plan:
    """A version 1 plan's assignments as a plan of the version 2 reading of its week."""
    return Plan(
        format="flexbank.plan/2" if scenario.format.endswith("/2") else plan.format,
        scenario=scenario.name,
        status=plan.status,
        assignments=plan.assignments,
    )


def _checked(scenario: Scenario, plan: Plan) -> dict[str, Any]:
    violations = check_plan(scenario, plan)
    q = quality(scenario, plan)
    return {
        "violations": len(violations),
        "violation_examples": [str(v) for v in violations[:10]],
        "checker_covered_hours": {p: round(q.covered_hours.get(p, 0.0), 4) for p in PRIORITIES},
        "continuity": q.continuity,
        "travel_minutes": q.travel_minutes,
    }


def proven_at(events: list[list[Any]]) -> float | None:
    """When the whole-problem solve had proven every priority stage with events (s)."""
    reached: dict[str, float | None] = {}
    for elapsed, phase, stage, objective, bound in events:
        if phase != "solve" or stage not in PRIORITIES:
            continue
        reached.setdefault(stage, None)
        if reached[stage] is None and objective >= bound - 1e-6:
            reached[stage] = elapsed
    if not reached or any(v is None for v in reached.values()):
        return None
    return max(v for v in reached.values() if v is not None)


def time_rank(scenario: Scenario, plan: Plan, count: int, seed: int = 0) -> dict[str, Any]:
    """Latency of ``rank`` (k=5) on ``count`` gaps drawn with ``seed``, on top of ``plan``.

    ``setup`` is the first call's one-off cost (the problem and one roster per worker,
    cached for the plan); ``cold`` is the first call per gap (its compliance pass is
    cached per gap afterwards); ``warm`` repeats the same gaps.
    """
    ids = [g.id for g in scenario.gaps]
    sample = random.Random(seed).sample(ids, min(count, len(ids)))
    with _GcClock() as gc_clock:
        clock = time.perf_counter()
        ranker_for(scenario, plan)
        setup = time.perf_counter() - clock
        cold, cold_gc, warm, offered = [], [], [], []
        for gap_id in sample:
            gc_clock.reset()
            clock = time.perf_counter()
            ranking = rank(scenario, plan, gap_id, k=5)
            cold.append((time.perf_counter() - clock) * 1000)
            cold_gc.append(gc_clock.ms)
            offered.append(len(ranking.best))
        for gap_id in sample:
            clock = time.perf_counter()
            rank(scenario, plan, gap_id, k=5)
            warm.append((time.perf_counter() - clock) * 1000)
    slowest = max(range(len(cold)), key=cold.__getitem__)
    return {
        "gaps": len(sample),
        "setup_ms": round(setup * 1000, 1),
        "cold_ms": _summary(cold),
        "cold_ms_without_gc": _summary([t - g for t, g in zip(cold, cold_gc, strict=True)]),
        "warm_ms": _summary(warm),
        "over_target": sum(1 for t in cold if t >= RANK_MS),
        "slowest": {
            "gap_id": sample[slowest],
            "ms": round(cold[slowest], 2),
            "gc_ms": round(cold_gc[slowest], 2),
        },
        "gaps_with_a_worker": sum(1 for n in offered if n),
    }


class _GcClock:
    """Time spent in the garbage collector since the last :meth:`reset` (ms)."""

    def __init__(self) -> None:
        self.ms = 0.0
        self._started = 0.0

    def __enter__(self) -> _GcClock:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._callback)

    def reset(self) -> None:
        self.ms = 0.0

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.ms += (time.perf_counter() - self._started) * 1000


def _summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return {
        "median": round(statistics.median(ordered), 2),
        "p95": round(p95, 2),
        "max": round(ordered[-1], 2),
        "mean": round(statistics.fmean(ordered), 2),
    }


def run(tier: Tier, limit: float, *, with_rank: bool = False, workers: int = 2) -> dict[str, Any]:
    """One run of a tier; every figure of the results tables, in plain JSON types."""
    out: dict[str, Any] = {
        "tier": tier.key,
        "title": tier.title,
        "unseen": tier.unseen,
        "version": tier.version,
        "workers": tier.workers,
        "gaps": tier.gaps,
        "seed": tier.seed,
        "time_limit": limit,
        "cp_sat_workers": workers,
    }
    clock = time.monotonic()
    raw = generate_dict(tier.workers, tier.gaps, tier.seed, version=tier.version)
    scenario = load_scenario(raw)
    out["generate_seconds"] = round(time.monotonic() - clock, 3)

    clock = time.monotonic()
    base = baseline_plan(scenario)
    out["baseline_seconds"] = round(time.monotonic() - clock, 3)

    events: list[list[Any]] = []
    offsets: list[float] = []
    call = time.monotonic()

    def progress(event: Any) -> None:
        offsets.append(time.monotonic() - call - event.elapsed)
        events.append(
            [round(event.elapsed, 3), event.phase, event.stage, event.objective, event.bound]
        )

    plan = solve(scenario, time_limit=limit, workers=workers, progress=progress)
    wall = time.monotonic() - call
    extras = plan.metrics.model_extra or {}
    solve_seconds = float(plan.metrics.solve_seconds)
    # The optimiser's clock starts after the problem is built; progress events tell
    # how long that took, so its times can be put on the caller's clock.
    setup = min(offsets) if offsets else None
    first = float(extras.get("first_feasible_seconds", 0.0))
    out["solver"] = {
        "status": plan.status,
        "mode": extras.get("mode"),
        "candidates": extras.get("candidates"),
        "gaps_filled": extras.get("gaps_filled"),
        "covered_hours": hours_of(plan),
        "upper_bound_hours": bound_of(plan),
        "stages_proven": extras.get("stages_proven", {}),
        "bound_source": extras.get("bound_source", {}),
        "proof_seconds": extras.get("proof_seconds", {}),
        "parts": extras.get("parts"),
        "neighbourhoods": extras.get("neighbourhoods", {}),
        "relaxation_seconds": extras.get("relaxation_seconds"),
        "key": list(quality(scenario, plan).key()),
        "repaired": extras.get("repaired"),
        "solve_seconds": solve_seconds,
        "first_feasible_seconds": first,
        "setup_seconds": None if setup is None else round(setup, 3),
        "first_feasible_wall_seconds": None if setup is None else round(setup + first, 3),
        "wall_seconds": round(wall, 3),
        "proven_hours_at": proven_at(events),
        "last_event_seconds": events[-1][0] if events else None,
        "baseline_inside": extras.get("baseline_covered_hours"),
        "max_rss_mb_after_solve": round(max_rss_mb(), 1),
        **_checked(scenario, plan),
    }
    out["baseline"] = {
        "covered_hours": hours_of(base),
        "gaps_filled": (base.metrics.model_extra or {}).get("gaps_filled"),
        "wall_seconds": out["baseline_seconds"],
        **_checked(scenario, base),
    }
    out["events"] = events
    if tier.as_version_1:
        # contract version 2 against version 1 on the same week: what the new rules cost
        old = load_scenario(as_version_1(raw))
        old_plan = solve(old, time_limit=limit, workers=workers)
        out["as_version_1"] = {
            "covered_hours": hours_of(old_plan),
            "violations_v1": len(check_plan(old, old_plan)),
            "violations_v2": len(check_plan(scenario, old_plan_as(scenario, old_plan))),
        }
    if tier.reference:
        from benchmarks.reference import staged_cp_sat

        out["reference"] = staged_cp_sat(scenario, limit, workers=workers)
    if with_rank and tier.rank_gaps:
        out["rank"] = {
            "solver_plan": time_rank(scenario, plan, tier.rank_gaps),
            "baseline_plan": time_rank(scenario, base, tier.rank_gaps),
        }
    out["max_rss_mb_self"] = round(max_rss_mb(), 1)
    return out


__all__ = [
    "TIERS",
    "TIER_BY_KEY",
    "Tier",
    "bound_of",
    "gap_percent",
    "hours_of",
    "proven_at",
    "ratio",
    "run",
    "time_rank",
]
