"""Urgent ranking: the best legal workers first, everyone else with the first reason."""

from __future__ import annotations

from matching_factories import DAY, HOUR, at, commitment, gap, place, problem, scenario, worker

from flexbank.matching.baseline import phone_round
from flexbank.matching.legality import Roster
from flexbank.matching.problem import Problem
from flexbank.matching.rank import Ranker, rank, ranker_for
from flexbank.models import Assignment, Plan
from flexbank.sample import generate

TUE = DAY


def _cast() -> list[dict[str, object]]:
    busy = worker("W1", commitments=[commitment(TUE + 7 * HOUR, TUE + 9 * HOUR)])
    old_dbs = worker(
        "W2",
        dbs={
            "level": "enhanced",
            "adults_barred_list": True,
            "issued": "2020-01-01",
            "update_service": False,
        },
    )
    free = worker("W3", home=place(1))
    booked = worker("W4")  # gets gap B in the plan, which clashes with gap A
    full = worker("W5", max_hours_per_week=4)
    return [busy, old_dbs, free, booked, full]


def test_rank_rules_out_with_the_right_codes() -> None:
    gaps = [gap("A", TUE + 8 * HOUR, 8 * HOUR), gap("B", TUE + 12 * HOUR, 2 * HOUR)]
    p = problem(_cast(), gaps)
    ranking = Ranker(p, {(3, 1): TUE + 12 * HOUR}).rank("A")
    assert [r.worker_id for r in ranking.best] == ["W3"]
    codes = {r.worker_id: r.code for r in ranking.ruled_out}
    assert codes == {"W1": "overlap", "W2": "dbs", "W4": "overlap", "W5": "offered_hours"}
    assert all(r.message for r in ranking.ruled_out)
    assert "DBS" in next(r.message for r in ranking.ruled_out if r.code == "dbs")


def test_workers_on_the_gap_are_in_neither_list() -> None:
    p = problem(_cast(), [gap("A", TUE + 8 * HOUR, 8 * HOUR), gap("B", TUE + 12 * HOUR, HOUR)])
    ranking = Ranker(p, {(2, 0): TUE + 8 * HOUR}).rank("A")
    ids = [r.worker_id for r in ranking.best] + [r.worker_id for r in ranking.ruled_out]
    assert "W3" not in ids
    assert len(ids) == 4


def test_continuity_beats_travel() -> None:
    clients = [{"id": "C1", "provider_id": "P2", "location": place(2)}]
    visit = gap("V", TUE + 8 * HOUR, HOUR, where=2, kind="visit", provider_id="P2", client_id="C1")
    near = worker("W1", home=place(2))
    knows = worker("W2", home=place(0), history=[{"provider_id": "P2", "client_id": "C1"}])
    provider = worker("W3", home=place(1), history=[{"provider_id": "P2"}])
    p = problem([near, knows, provider], [visit], clients=clients)
    best = Ranker(p, {}).rank("V").best
    assert [(r.worker_id, r.continuity) for r in best] == [("W2", 2), ("W3", 1), ("W1", 0)]
    assert best[2].travel_minutes == 0
    assert "knows the client" in best[0].reason
    assert Ranker(p, {}).rank("V", k=1).best == best[:1]


def test_travel_from_the_previous_engagement_and_fairness() -> None:
    # both equally far from home; W2 has a visit next door just before
    gaps = [gap("A", TUE + 12 * HOUR, HOUR, where=3), gap("B", TUE + 10 * HOUR, HOUR, where=3)]
    p = problem([worker("W1"), worker("W2")], gaps)
    best = Ranker(p, {(1, 1): TUE + 10 * HOUR}).rank("A").best
    assert (best[0].worker_id, best[0].travel_minutes) == ("W2", 0)
    assert "previous engagement" in best[0].reason
    # same travel: the worker with fewer of their offered hours used goes first
    gaps = [gap("A", TUE + 12 * HOUR, HOUR), gap("B", 3 * DAY, 4 * HOUR)]
    p = problem([worker("W1"), worker("W2")], gaps)
    best = Ranker(p, {(0, 1): 3 * DAY}).rank("A").best
    assert [r.worker_id for r in best] == ["W2", "W1"]


def test_the_start_waits_for_travel() -> None:
    w = worker("W1", commitments=[commitment(TUE + 6 * HOUR, TUE + 8 * HOUR, where=3)])
    p = problem([w], [gap("A", TUE + 8 * HOUR, HOUR, start_tolerance_minutes=30)])
    best = Ranker(p, {}).rank("A").best
    t = p.travel("drive", p.gaps[0].location, p.workers[0].fixed[0].location)
    assert best[0].start == p.instant(TUE + 8 * HOUR + t)


def _plan(p: Problem, assignment: dict[tuple[int, int], int]) -> Plan:
    return Plan(
        format="flexbank.plan/1",
        scenario=p.scenario.name,
        status="feasible",
        assignments=[
            Assignment(
                gap_id=p.gaps[g].id,
                worker_id=p.workers[w].id,
                start=p.instant(s),
                end=p.instant(s + p.gaps[g].length),
            )
            for (w, g), s in sorted(assignment.items())
        ],
    )


def test_top_worker_is_legal_to_add_on_a_sample_scenario() -> None:
    sample = generate(40, 200, 7)
    p = Problem(sample)
    assignment = phone_round(p)
    plan = _plan(p, assignment)
    by_worker: dict[int, dict[int, int]] = {}
    for (w, g), s in assignment.items():
        by_worker.setdefault(w, {})[g] = s
    ranked = 0
    for gap_slot in p.gaps[:60]:
        ranking = rank(sample, plan, gap_slot.id, k=3)
        assert len(ranking.best) <= 3
        on_gap = {p.workers[w].id for (w, g) in assignment if g == gap_slot.index}
        listed = [r.worker_id for r in ranking.best] + [r.worker_id for r in ranking.ruled_out]
        assert len(listed) == len(set(listed))
        assert not on_gap & set(listed)
        for r in ranking.ruled_out:
            assert r.code and r.message
        if not ranking.best:
            continue
        ranked += 1
        top = ranking.best[0]
        w = p.worker_by_id[top.worker_id].index
        start = p.minute(top.start)
        roster = Roster(p, w, by_worker.get(w, {}))
        assert roster.blocking_rule(gap_slot.index, start) is None
        roster.add(gap_slot.index, start)
        assert roster.violations() == []
        candidate = p.candidate_of[(w, gap_slot.index)]
        assert any(lo <= start <= hi for lo, hi in candidate.starts)
        keys = [(-r.continuity, r.travel_minutes) for r in ranking.best]
        assert keys == sorted(keys)
    assert ranked > 0
    # the Ranker is built once per (scenario, plan) objects
    assert ranker_for(sample, plan) is ranker_for(sample, plan)


def test_public_rank_maps_the_plan_back() -> None:
    sample = scenario(
        _cast(), [gap("A", TUE + 8 * HOUR, 8 * HOUR), gap("B", TUE + 12 * HOUR, 2 * HOUR)]
    )
    p = Problem(sample)
    plan = _plan(p, {(3, 1): TUE + 12 * HOUR})
    ranking = rank(sample, plan, "A")
    assert ranking.gap_id == "A"
    assert [r.worker_id for r in ranking.best] == ["W3"]
    assert ranking.best[0].start.isoformat() == at(TUE + 8 * HOUR)
