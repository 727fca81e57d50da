"""The published-benchmark catalogue and the results table (tiny budgets; no timing asserts)."""

from __future__ import annotations

import datetime as dt

from benchmarks.published.catalog import entries, extended, kummer, mankowska
from benchmarks.published.run import gap, holds, render, run_one, summary


def test_the_catalogue_has_every_copied_instance_with_its_bounds() -> None:
    m = mankowska()
    assert [e.label for e in m[:3]] == ["A1", "A2", "A3"]
    assert {e.family for e in m} == set("ABCDE") and len(m) == 50
    a1 = m[0]
    assert (a1.lower_bound, a1.best_known, a1.best_2024) == (218.2, 218.2, 218.2)
    e1 = next(e for e in m if e.label == "E1")
    assert e1.path.name.endswith(".txt.gz") and e1.best_2024 is not None
    k = kummer()
    assert len(k) == 39  # 38 JSON conversions and one original text file
    first = next(e for e in k if e.label == "HHCRSP_10_3_88_1.6_R_C")
    assert (first.best_known, first.lower_bound) == (150.7, 16.6873)
    x = extended()
    assert len(x) == 23 and sum(e.solution is not None for e in x) == 3


def test_gap_is_relative_to_the_reference() -> None:
    assert gap(110.0, 100.0) == "+10.0%"
    assert gap(99.0, 100.0) == "-1.0%"
    assert gap(100.0 - 1e-9, 100.0) == "+0.0%"
    assert gap(5.0, None) == "–"


def test_a_small_run_renders_one_table_per_family() -> None:
    picked = [e for e in entries() if e.label in ("A1", "HHCRSP_10_3_88_1.6_R_C")]
    picked += [e for e in extended() if e.solution is None][:1]
    rows = [run_one(e, seconds=3, restarts=2, moves=5) for e in picked]
    text = render(rows, 1.0, dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    assert "## Mankowska et al. 2014, family A" in text
    assert "## Kummer" in text and "## iolab extended" in text
    a1 = next(line for line in text.splitlines() if line.startswith("| A1 |"))
    # A1's optimum is 218.20 (lower bound = best known); the plan and the checker agree
    assert a1.startswith("| A1 | 218.20 | 218.20 | 218.20 | 218.20 | 218.20 |")
    assert a1.endswith("| yes |") and "(optimal)" in a1
    assert all(holds(r) for r in rows)
    assert "at a shorter limit than the issue's" in summary(rows[:1], "A")
