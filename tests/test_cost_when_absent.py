"""Road times and dependencies cost nothing when absent: a version 2 week read as /2.1
without the new fields, or with a matrix that says what the estimate says, gives the same
candidates, the same CP-SAT model and the same phone round."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from flexbank.geo import travel_minutes
from flexbank.matching.baseline import phone_round
from flexbank.matching.model import MatchModel
from flexbank.matching.problem import Problem
from flexbank.models import Location, Scenario
from flexbank.policy import policy_from
from flexbank.sample import generate
from flexbank.validation import load_scenario


def fingerprint(scenario: Scenario) -> tuple[str, str, str]:
    """Hashes of the candidate list, the whole CP-SAT model and the phone round."""
    problem = Problem(scenario)
    candidates = [(c.worker, c.gap, c.starts, c.continuity, c.home_minutes)
                  for c in problem.candidates]  # fmt: skip
    proto = MatchModel(problem, {}).model.Proto()
    rounds = sorted(phone_round(problem, {}).items())
    return (
        hashlib.sha256(repr(candidates).encode()).hexdigest(),
        hashlib.sha256(str(proto).encode()).hexdigest(),
        hashlib.sha256(repr(rounds).encode()).hexdigest(),
    )


def as_21(scenario: Scenario, **extra: Any) -> Scenario:
    data = scenario.model_dump(mode="json")
    data["format"] = "flexbank.scenario/2.1"
    data.update(extra)
    return load_scenario(data)


@pytest.mark.slow
def test_a_week_read_as_2_1_without_new_fields_is_the_same_problem() -> None:
    week = generate(60, 400, seed=1, version=2)
    assert fingerprint(as_21(week)) == fingerprint(week)


@pytest.mark.slow
def test_a_matrix_of_the_estimates_gives_the_same_problem() -> None:
    week = generate(20, 80, seed=7, version=2)
    policy = policy_from(week.policy, week.version)
    points: dict[tuple[float, float], Location] = {}
    for w in week.workers:
        points[(w.home.lat, w.home.lon)] = w.home
    for c in week.clients:
        points[(c.location.lat, c.location.lon)] = c.location
    for p in week.providers:
        points[(p.location.lat, p.location.lon)] = p.location
    for g in week.gaps:
        if g.location is not None:
            points[(g.location.lat, g.location.lon)] = g.location
    places = list(points.values())
    modes = sorted({w.travel_mode for w in week.workers})
    matrices = [
        {
            "source": f"the estimate, {mode}",
            "modes": [mode],
            "places": [{"id": f"p{i}", "lat": p.lat, "lon": p.lon} for i, p in enumerate(places)],
            "minutes": [
                [0 if a is b else travel_minutes(a, b, mode, policy) for b in places]
                for a in places
            ],
        }
        for mode in modes
    ]
    same = as_21(week, travel_matrices=matrices)
    assert fingerprint(same) == fingerprint(week)
    # and the comparison can tell: one minute more on every entry is another problem
    for m in matrices:
        m["minutes"] = [[v + 1 if v else v for v in row] for row in m["minutes"]]
    assert fingerprint(as_21(week, travel_matrices=matrices)) != fingerprint(week)
