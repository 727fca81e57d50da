"""The greedy baseline: every solution it returns keeps the published hard rules, and its
own cost accounting agrees with the independent evaluator."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.published.baseline import decode, solve
from benchmarks.published.evaluate import evaluate
from benchmarks.published.readers import read_instance

DATA = Path(__file__).resolve().parents[2] / "benchmarks" / "published" / "data"
SAMPLES = [
    DATA / "mankowska-hhcrsp-2014" / "InstanzCPLEX_HCSRP_10_1.txt",
    DATA / "mankowska-hhcrsp-2014" / "InstanzCPLEX_HCSRP_25_3.txt",
    DATA / "kummer-hhcrsp-2021" / "json-iolab" / "HHCRSP_25_5_42_0.8_C_RC.json",
    DATA / "iolab-hhcrsp-extended-small" / "000-cesena-p20-d4-i0.25-pt0.74-0.07-0.19-c5-6-4-5.json",
    DATA / "iolab-hhcrsp-extended-small" / "toy.json",
]


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name[:14])
@pytest.mark.parametrize("seed", [0, 1])
def test_baseline_solutions_keep_every_hard_rule(path: Path, seed: int) -> None:
    inst = read_instance(path)
    result = solve(inst, restarts=4, seed=seed, moves=30)
    check = evaluate(inst, result.solution)
    assert check.violations == []
    assert check.travel == pytest.approx(result.travel)
    assert check.total_tardiness == pytest.approx(result.total_tardiness)
    assert check.max_tardiness == pytest.approx(result.max_tardiness)
    assert check.total_extra_time == pytest.approx(result.extra_time)
    assert check.objective == pytest.approx(result.objective)


@pytest.mark.parametrize("alpha", [0.0, 1.0])
def test_any_order_decodes_to_a_valid_solution(alpha: float) -> None:
    inst = read_instance(SAMPLES[1])
    for order in (list(inst.patients), list(reversed(inst.patients))):
        assert evaluate(inst, decode(inst, order, alpha).solution).violations == []


def test_the_search_never_returns_worse_than_its_first_order() -> None:
    inst = read_instance(SAMPLES[1])
    first = decode(inst, sorted(inst.patients, key=lambda p: p.window), 0.0)
    assert solve(inst, restarts=2, moves=50).score <= first.score
