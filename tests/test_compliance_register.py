"""The compliance register: ``flexbank compliance`` and its data."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from compliance_factories import gap, scenario, training, worker
from typer.testing import CliRunner

from flexbank.cli import app
from flexbank.compliance import CODES, Compliance, build_register
from flexbank.validation import load_scenario

EXAMPLE = Path(__file__).parent / "data" / "bury-small.scenario.json"

runner = CliRunner()


def run(*args: str) -> Any:
    return runner.invoke(app, ["compliance", *args])


def write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def mixed_scenario() -> dict[str, Any]:
    """Four workers: ready, not ready (two reasons), lapsing on the 5th, lapsing on the 2nd."""
    return scenario(
        workers=[
            worker("W_READY"),
            worker("W_LAPSE_LATE", training=training(moving_handling="2026-12-04")),
            worker(
                "W_BAD",
                experience=[],
                dbs={
                    "level": "basic",
                    "adults_barred_list": True,
                    "issued": "2026-01-01",
                    "update_service": False,
                },
            ),
            worker(
                "W_LAPSE_SOON",
                right_to_work={"check": "list_b_group2", "checked_on": "2026-06-01"},
            ),
        ],
        gaps=[gap("G1"), gap("G2", skills=["hoist"]), gap("G3", excluded_workers=["W_READY"])],
    )


# ----------------------------------------------------------------------- data


def test_register_statuses_and_order() -> None:
    register = build_register(load_scenario(mixed_scenario()), days=14)
    order = [(e.worker_id, e.status) for e in register.entries]
    assert order == [
        ("W_BAD", "not_ready"),
        ("W_LAPSE_SOON", "lapsing"),  # right to work through 2026-12-01: lapses 12-02
        ("W_LAPSE_LATE", "lapsing"),  # training through 2026-12-04: lapses 12-05
        ("W_READY", "ready"),
    ]
    bad = register.entries[0]
    assert bad.verdict.codes == ["experience", "dbs"]
    assert register.entries[1].lapsing[0].on == dt.date(2026, 12, 2)
    assert register.counts() == {"not_ready": 1, "lapsing": 2, "ready": 1}


def test_days_window_decides_lapsing() -> None:
    loaded = load_scenario(mixed_scenario())
    # 2026-11-29 + 3 days = 2026-12-02: only the right-to-work lapse is within.
    statuses = {e.worker_id: e.status for e in build_register(loaded, days=3).entries}
    assert statuses == {
        "W_BAD": "not_ready",
        "W_LAPSE_SOON": "lapsing",
        "W_LAPSE_LATE": "ready",
        "W_READY": "ready",
    }
    statuses = {e.worker_id: e.status for e in build_register(loaded, days=2).entries}
    assert statuses["W_LAPSE_SOON"] == "ready"


# ------------------------------------------------------------------------ CLI


def test_json_shape(tmp_path: Path) -> None:
    result = run(str(write(tmp_path, mixed_scenario())), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["scenario"] == "test"
    assert data["as_of"] == "2026-11-29T14:00:00+00:00"
    assert data["days"] == 14
    assert "pairs" not in data
    assert [w["worker_id"] for w in data["workers"]] == [
        "W_BAD",
        "W_LAPSE_SOON",
        "W_LAPSE_LATE",
        "W_READY",
    ]
    for entry in data["workers"]:
        assert set(entry) >= {"worker_id", "name", "status", "failures", "lapses", "next_review"}
        assert entry["status"] in ("ready", "not_ready", "lapsing")
        for failure in entry["failures"]:
            assert set(failure) == {"code", "message"} and failure["code"] in CODES
        for lapse in entry["lapses"]:
            assert set(lapse) == {"code", "date", "message"}
            dt.date.fromisoformat(lapse["date"])
    soon = data["workers"][1]
    assert soon["next_review"] == "2026-12-02"
    assert soon["lapses"][0] == {
        "code": "right_to_work",
        "date": "2026-12-02",
        "message": soon["lapses"][0]["message"],
    }
    assert "2026-12-01" in soon["lapses"][0]["message"]
    assert [f["code"] for f in data["workers"][0]["failures"]] == ["experience", "dbs"]


def test_json_pairs_cover_every_worker_and_gap(tmp_path: Path) -> None:
    result = run(str(write(tmp_path, mixed_scenario())), "--json", "--pairs", "--days", "3")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["days"] == 3
    pairs = data["pairs"]
    keys = [(p["worker_id"], p["gap_id"]) for p in pairs]
    workers = ["W_READY", "W_LAPSE_LATE", "W_BAD", "W_LAPSE_SOON"]
    assert keys == [(w, g) for w in workers for g in ("G1", "G2", "G3")]
    codes = {(p["worker_id"], p["gap_id"]): p["codes"] for p in pairs}
    assert codes[("W_READY", "G1")] == []
    assert codes[("W_READY", "G2")] == ["skill"]
    assert codes[("W_READY", "G3")] == ["excluded"]
    assert codes[("W_BAD", "G2")] == ["experience", "dbs", "skill"]
    assert codes[("W_LAPSE_SOON", "G1")] == []  # the gap ends 2026-12-01: still valid


def test_table_lists_action_items_first(tmp_path: Path) -> None:
    result = run(str(write(tmp_path, mixed_scenario())))
    assert result.exit_code == 0, result.output
    out = result.stdout
    positions = [out.index(w) for w in ("W_BAD", "W_LAPSE_SOON", "W_LAPSE_LATE", "W_READY")]
    assert positions == sorted(positions)
    assert "1 not ready, 2 lapsing, 1 ready" in out
    with_pairs = run(str(write(tmp_path, mixed_scenario())), "--pairs")
    assert with_pairs.exit_code == 0 and "G3" in with_pairs.stdout


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        json.dumps({"format": "flexbank.scenario/1"}),
        json.dumps({**mixed_scenario(), "as_of": "2026-11-29T14:00:00"}),
    ],
)
def test_bad_input_exits_2(tmp_path: Path, content: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    result = run(str(path), "--json")
    assert result.exit_code == 2


def test_missing_file_exits_2(tmp_path: Path) -> None:
    assert run(str(tmp_path / "nope.json")).exit_code == 2


# ------------------------------------------------------------ the real example


@pytest.fixture(scope="module")
def example() -> dict[str, Any]:
    result = run(str(EXAMPLE), "--json", "--pairs")
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_example_pairs_are_complete_and_use_known_codes(example: dict[str, Any]) -> None:
    raw = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    workers = [w["id"] for w in raw["workers"]]
    gaps = [g["id"] for g in raw["gaps"]]
    pairs = example["pairs"]
    assert [(p["worker_id"], p["gap_id"]) for p in pairs] == [(w, g) for w in workers for g in gaps]
    for pair in pairs:
        assert set(pair["codes"]) <= set(CODES)
        assert pair["codes"] == sorted(pair["codes"], key=CODES.index)
    # Some pairs are allowed.
    assert any(p["codes"] == [] for p in pairs)


def test_example_facts_checked_by_hand(example: dict[str, Any]) -> None:
    workers = {w["worker_id"]: w for w in example["workers"]}
    # W0001: List B Group 2 checked 2026-06-15, valid through 2026-12-15.
    w1 = workers["W0001"]
    assert w1["status"] == "ready"  # lapses 2026-12-16, 17 days after as_of
    assert w1["next_review"] == "2026-12-16"
    assert w1["lapses"][0]["code"] == "right_to_work"
    assert "2026-12-15" in w1["lapses"][0]["message"]
    # W0005: GB care since 2026-05-10 -> 204 days to 2026-11-29, under 274.
    w5 = workers["W0005"]
    assert w5["status"] == "not_ready"
    assert [f["code"] for f in w5["failures"]] == ["experience"]
    assert "204 days" in w5["failures"][0]["message"]
    # W0007: safeguarding_adults expires 2026-12-01, so it lapses on 2026-12-02.
    w7 = workers["W0007"]
    assert w7["status"] == "lapsing" and w7["next_review"] == "2026-12-02"
    # Action items come first.
    assert [w["status"] for w in example["workers"]][:2] == ["not_ready", "lapsing"]

    codes = {(p["worker_id"], p["gap_id"]): p["codes"] for p in example["pairs"]}
    # G00000: a 20-minute visit for C0002 needing complex_care, 2026-12-03 08:45.
    # W0000 has no complex_care, no history with C0002 and is free only in the evening.
    assert codes[("W0000", "G00000")] == ["skill", "short_visit", "availability"]
    # W0004 has 14 engagements with C0002: the short visit is not the reason there.
    assert "short_visit" not in codes[("W0004", "G00000")]
    # W0005 fails experience everywhere; W0007 fails training for gaps ending after 12-01.
    assert all("experience" in codes[("W0005", g)] for g in {g for _, g in codes})
    assert "training" in codes[("W0007", "G00000")]  # ends 2026-12-03


def test_example_pairs_match_the_api() -> None:
    loaded = load_scenario(EXAMPLE)
    compliance = Compliance(loaded)
    for w in loaded.workers:
        for g in loaded.gaps:
            verdict = compliance.check_pair(w, g)
            assert compliance.first_failure(w.id, g.id) == (verdict.codes or [None])[0]
            assert (compliance.allowed_starts(w, g) == []) == ("availability" in verdict.codes)
