"""The split of a large week into regions (pure), the merge and its re-check, and the
distributed solve in this process: every plan passes the independent checker."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flexbank.checker import check_plan
from flexbank.distributed import InProcess, solve
from flexbank.matching import boundary, region_stages, regions
from flexbank.matching.baseline import phone_round
from flexbank.matching.merge import in_minutes, merged_plan, recheck
from flexbank.matching.plan import baseline_plan
from flexbank.matching.problem import Problem
from flexbank.models import PRIORITIES, Pin, Scenario
from flexbank.sample.region import BOROUGH_LON, generate_region


def two_borough_week(seed: int = 4) -> Scenario:
    return generate_region(2, 50, 300, seed=seed)


def test_every_gap_and_every_reaching_worker_is_in_exactly_one_region() -> None:
    week = two_borough_week()
    parts = regions.split(week, max_gaps=90)
    gaps = [g for r in parts.regions for g in r.gaps]
    workers = [w for r in parts.regions for w in r.workers]
    assert sorted(gaps) == sorted(g.id for g in week.gaps)
    assert len(workers) == len(set(workers)) == len(parts.home)
    assert len(parts.regions) >= 4
    biggest_place = max(
        sum(1 for g in week.gaps if parts.place_of[g.id] == p) for p in set(parts.place_of.values())
    )
    assert all(len(r.gaps) <= 90 + biggest_place for r in parts.regions)


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), max_gaps=st.integers(40, 400))
def test_reach_holds_every_candidate_pair(seed: int, max_gaps: int) -> None:
    """The reach test is a necessary condition: every pair that passes the compliance
    checks is within reach, and a pair across regions belongs to a boundary worker."""
    week = generate_region(2, 30, 160, seed=seed)
    parts = regions.split(week, max_gaps=max_gaps)
    problem = Problem(week)
    boundary = parts.boundary
    for c in problem.candidates:
        worker = problem.workers[c.worker].id
        gap = problem.gaps[c.gap].id
        assert parts.place_of[gap] in set(parts.reached_places[worker].tolist())
        if parts.region_of_gap(gap) != parts.home[worker]:
            assert parts.region_of_gap(gap) in boundary[worker]


def test_boroughs_far_apart_are_separate_components_with_no_boundary() -> None:
    week = two_borough_week()
    far = 40 * BOROUGH_LON  # the second borough moved hundreds of km east

    def moved(item, field):  # type: ignore[no-untyped-def]
        place = getattr(item, field)
        if place is None or not item.id.startswith("B02"):
            return item
        return item.model_copy(update={field: place.model_copy(update={"lon": place.lon + far})})

    apart = week.model_copy(
        update={
            "workers": [moved(w, "home") for w in week.workers],
            "providers": [moved(p, "location") for p in week.providers],
            "clients": [moved(c, "location") for c in week.clients],
            "gaps": [moved(g, "location") for g in week.gaps],
        }
    )
    parts = regions.split(apart, max_gaps=10_000)
    assert len(parts.regions) == 2
    assert {r.component for r in parts.regions} == {0, 1}
    assert parts.boundary == {}
    assert boundary.seam_rounds(parts) == []
    for region in parts.regions:
        assert len({g.split("-")[0] for g in region.gaps}) == 1


def region_phone_rounds(week: Scenario, parts: regions.Split) -> regions.Holding:
    """The merged plan of every region's phone round, (gap id, worker id) -> start."""
    holding: regions.Holding = {}
    for region in parts.regions:
        problem = Problem(regions.region_scenario(week, parts, region))
        for (w, g), start in phone_round(problem, {}).items():
            holding[(problem.gaps[g].id, problem.workers[w].id)] = problem.instant(start)
    return holding


def test_a_neighbourhood_holds_the_free_places_and_what_its_workers_hold() -> None:
    week = two_borough_week()
    parts = regions.split(week, max_gaps=90)
    holding = region_phone_rounds(week, parts)
    pair = boundary.seam_rounds(parts)[0][0]
    found = boundary.neighbourhood(week, parts, pair, holding)
    assert found is not None
    gaps = {g.id: g for g in week.gaps}
    held = {}
    for gap_id, worker_id in holding:
        held.setdefault(gap_id, []).append(worker_id)
    for gap in found.scenario.gaps:
        others = [w for w in held.get(gap.id, []) if w not in found.workers]
        mine = [w for w in held.get(gap.id, []) if w in found.workers]
        assert gap.headcount >= len(mine)
        assert gap.headcount <= gaps[gap.id].headcount - len(others)
    assert set(found.current) == {p for p in holding if p[1] in found.workers}
    assert {w.id for w in found.scenario.workers} == set(found.workers)
    assert all(parts.home[w] in pair for w in found.workers)


def test_settled_emergency_engagements_are_held_once_by_their_workers_regions() -> None:
    week = two_borough_week(seed=6)
    parts = regions.split(week, max_gaps=90)
    assert len(parts.regions) >= 3
    stage = region_stages.priority_scenario(week, parts, 0, "emergency")
    assert stage is not None
    assert {g.priority for g in stage.gaps} == {"emergency"}
    reaching = {w for w, p in parts.reached_places.items() if len(p)}
    assert {w.id for w in stage.workers} <= reaching
    problem = Problem(stage)
    settled = {
        (problem.gaps[g].id, problem.workers[w].id): problem.instant(s)
        for (w, g), s in phone_round(problem, {}).items()
    }
    crossing = [pair for pair in settled if parts.region_of_gap(pair[0]) != parts.home[pair[1]]]
    assert crossing  # some emergency gaps go to workers living in another region
    gaps = {g.id: g for g in week.gaps}
    held: list[tuple[str, str]] = []
    for region in parts.regions:
        sub = region_stages.region_scenario(week, parts, region, settled)
        pins = {(p.gap_id, p.worker_id): p.start for p in sub.pinned}
        mine = {pair: s for pair, s in settled.items() if pair[1] in region.workers}
        assert {pair: pins[pair] for pair in mine} == mine  # held at their starts
        held += list(mine)
        by_id = {g.id: g for g in sub.gaps}
        for gap_id in region.gaps:
            others = sum(1 for g, w in settled if g == gap_id and w not in region.workers)
            free = gaps[gap_id].headcount - others
            if free <= 0:
                assert gap_id not in by_id
            else:
                assert by_id[gap_id].headcount == free
    assert sorted(held) == sorted(settled)


def test_crossings_hold_what_the_whole_week_sends_across_and_fit_the_settled_hours() -> None:
    week = two_borough_week(seed=6)
    parts = regions.split(week, max_gaps=90)
    problem = Problem(week)
    whole = {
        (problem.gaps[g].id, problem.workers[w].id): problem.instant(s)
        for (w, g), s in phone_round(problem, {}).items()
    }
    gaps = {g.id: g for g in week.gaps}
    urgent = {pair: s for pair, s in whole.items() if gaps[pair[0]].priority == "emergency"}
    # one worker's emergency hours settled otherwise: that worker is planned afresh
    moved = next(iter(urgent))
    settled = {pair: s for pair, s in urgent.items() if pair != moved}
    found = region_stages.crossings(week, parts, whole, settled)
    assert found
    assert all(whole[pair] == s for pair, s in found.items())
    assert all(gaps[g].priority != "emergency" for g, _ in found)
    assert all(w != moved[1] for _, w in found)
    for g, w in found:
        if parts.home[w] == parts.region_of_gap(g):  # only beside one who crosses
            assert gaps[g].headcount >= 2 and any(
                parts.home[o] != parts.region_of_gap(g) for h, o in found if h == g
            )
    # every other crossing of the whole week's plan is held
    for (g, w), s in whole.items():
        crosses = parts.home[w] != parts.region_of_gap(g)
        if crosses and w != moved[1] and gaps[g].priority != "emergency":
            together = [o for h, o in whole if h == g]
            if gaps[g].headcount < 2 or moved[1] not in together:
                assert found[(g, w)] == s
    # held by the regions: each once, by its worker's home region, as a valid part
    held = {**settled, **found}
    pinned: list[tuple[str, str]] = []
    for region in parts.regions:
        sub = region_stages.region_scenario(week, parts, region, held)
        pinned += [(p.gap_id, p.worker_id) for p in sub.pinned if p.worker_id in region.workers]
    assert sorted(pinned) == sorted(held)
    assert recheck(problem, in_minutes(problem, held)) == 0


def test_recheck_drops_what_breaks_a_rule() -> None:
    week = two_borough_week()
    problem = Problem(week)
    plan = dict(phone_round(problem, {}))
    assert recheck(problem, plan) == 0
    # a second worker on a filled one-person gap, and a worker far from home
    (w, g), start = next((p, s) for p, s in plan.items() if problem.gaps[p[1]].headcount == 1)
    other = next(c.worker for c in problem.candidates if c.gap == g and c.worker != w)
    bad = dict(plan)
    bad[(other, g)] = start
    far = next(
        (x.index, y.index)
        for x in problem.workers
        for y in problem.gaps
        if problem.candidate(x.index, y.index) is None and (x.index, y.index) not in bad
    )
    bad[far] = problem.gaps[far[1]].start
    assert recheck(problem, bad) >= 2
    assert far not in bad and len(bad) < len(plan) + 1
    assert sum(1 for p in bad if p[1] == g) == 1
    assert check_plan(week, merged_plan(problem, bad, [], bounds={}, extra={})) == []
    assert recheck(problem, bad) == 0


@pytest.mark.slow
@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000))
def test_the_distributed_plan_passes_the_checker_and_beats_the_whole_weeks_phone_round(
    seed: int,
) -> None:
    week = generate_region(2, 40, 240, seed=seed)
    plan = solve(week, executor=InProcess(), time_limit=2, workers=1, seed=seed, max_region_gaps=80)
    assert check_plan(week, plan) == []
    extra = plan.metrics.model_extra or {}
    assert extra["repaired"] == 0  # valid as merged: the re-check had nothing to drop
    covered = tuple(round(getattr(plan.metrics.covered_hours, p), 4) for p in PRIORITIES)
    # the baseline is the whole week's phone round, whoever lives in which region
    whole = baseline_plan(week)
    phone = tuple(round(getattr(whole.metrics.covered_hours, p), 4) for p in PRIORITIES)
    assert tuple(round(extra["baseline_covered_hours"][p], 4) for p in PRIORITIES) == phone
    assert covered >= phone
    first = tuple(round(extra["first_plan_covered_hours"][p], 4) for p in PRIORITIES)
    assert covered >= first
    # emergency hours are settled across the week first
    assert plan.metrics.covered_hours.emergency >= whole.metrics.covered_hours.emergency
    # the bound holds for any plan of the whole week, such as its own phone round
    assert check_plan(week, whole) == []
    bound = plan.metrics.upper_bound_hours
    assert bound is not None
    for p in PRIORITIES:
        assert getattr(whole.metrics.covered_hours, p) <= getattr(bound, p) + 1e-6
        assert getattr(plan.metrics.covered_hours, p) <= getattr(bound, p) + 1e-6


def test_the_region_sample_is_bury_then_synthetic_boroughs() -> None:
    week = generate_region(3, 30, 90, seed=2)
    assert "synthetic" in week.name
    ids = [w.id for w in week.workers] + [g.id for g in week.gaps]
    assert len(ids) == len(set(ids))
    assert {w.id[:3] for w in week.workers} == {"B01", "B02", "B03"}
    # Bury's places keep their postcodes; the moved boroughs have none
    assert all(w.home.postcode for w in week.workers if w.id.startswith("B01"))
    assert not any(w.home.postcode for w in week.workers if not w.id.startswith("B01"))
    east = [w.home.lon for w in week.workers if w.id.startswith("B03")]
    west = [w.home.lon for w in week.workers if w.id.startswith("B01")]
    assert min(east) > max(west)
    assert generate_region(3, 30, 90, seed=2) == week


@pytest.mark.slow
def test_pins_are_kept_and_a_worker_pinned_in_two_regions_joins_them() -> None:
    week = two_borough_week()
    before = regions.split(week, max_gaps=90)
    problem = Problem(week)
    plan = phone_round(problem, {})
    spread: dict[int, list[tuple[int, int]]] = {}
    for w, g in plan:
        spread.setdefault(w, []).append((w, g))
    w, pairs = next(
        (w, pairs)
        for w, pairs in sorted(spread.items())
        if len({before.region_of_gap(problem.gaps[g].id) for _, g in pairs}) > 1
    )
    pins = [Pin(gap_id=problem.gaps[g].id, worker_id=problem.workers[w].id) for _, g in pairs]
    pinned = week.model_copy(update={"pinned": pins})
    after = regions.split(pinned, max_gaps=90)
    assert len({after.region_of_gap(p.gap_id) for p in pins}) == 1
    assert len(after.regions) < len(before.regions)
    result = solve(pinned, time_limit=2, workers=1, max_region_gaps=90)
    assert check_plan(pinned, result) == []
    held = {(a.gap_id, a.worker_id) for a in result.assignments}
    assert all((p.gap_id, p.worker_id) in held for p in pins)
