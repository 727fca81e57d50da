"""Fingerprints of the matching problem of sample weeks: the CP-SAT model, the candidate
pairs and the phone round, each as a short hash (issue 13: road times and dependencies
cost nothing when absent).

    python scripts/model_fingerprint.py                       # this tree
    git archive OLD flexbank | tar -x -C /tmp/old
    PYTHONPATH=/tmp/old python scripts/model_fingerprint.py   # another commit's core

Identical lines mean identical models, candidates and phone rounds.
"""

from __future__ import annotations

import hashlib

from flexbank.matching.baseline import phone_round
from flexbank.matching.model import MatchModel
from flexbank.matching.problem import Problem
from flexbank.sample import generate

WEEKS = [(60, 400, 1, 2), (60, 400, 1, 1), (30, 120, 7, 2)]


def short(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def main() -> None:
    for workers, gaps, seed, version in WEEKS:
        problem = Problem(generate(workers, gaps, seed=seed, version=version))
        candidates = [
            (c.worker, c.gap, c.starts, c.continuity, c.home_minutes) for c in problem.candidates
        ]
        proto = MatchModel(problem, {}).model.Proto()
        rounds = sorted(phone_round(problem, {}).items())
        print(
            f"{workers} workers, {gaps} gaps, seed {seed}, /{version}: model "
            f"{short(str(proto).encode())} candidates {short(repr(candidates).encode())} "
            f"phone round {short(repr(rounds).encode())}"
        )


if __name__ == "__main__":
    main()
