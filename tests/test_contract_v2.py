"""Contract version 2: the format (/2 fields accepted, rejected in /1), compliance v2
(dbs results, the sixth Schedule 3 flag, training validity, night assessments, short
visits, min_age) with messages and lapse dates, the schema, and upgrade-format."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from compliance_factories import gap, iso, judge, scenario, worker
from typer.testing import CliRunner

from flexbank.cli import app
from flexbank.compliance import build_register, pair_codes
from flexbank.models import Plan, Scenario
from flexbank.validation import FormatError, load_plan, load_scenario

DATA = Path(__file__).parent / "data"
V2_COURSES = ("fire_safety", "health_safety")


def v2_worker(**over: Any) -> dict[str, Any]:
    """A compliant worker in version 2: six flags, six courses, a night assessment."""
    base = worker()
    base["reg19"] = {**base["reg19"], "qualifications_verified": True}
    base["training"] = [
        *base["training"],
        *({"course": c, "completed": "2026-01-01", "expires": None} for c in V2_COURSES),
    ]
    base["night_health_assessment"] = "2026-09-01"
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = {**base[key], **value}
        else:
            base[key] = value
    return base


def v2_judge(w: dict[str, Any], g: dict[str, Any] | None = None, **kw: Any) -> list[str]:
    compliance, wid, gid = judge(w, g, format="flexbank.scenario/2", **kw)
    return compliance.check_pair(wid, gid).codes


def messages(w: dict[str, Any], g: dict[str, Any] | None = None, **kw: Any) -> list[str]:
    compliance, wid, gid = judge(w, g, format="flexbank.scenario/2", **kw)
    return [f.message for f in compliance.check_pair(wid, gid).failures]


# ------------------------------------------------------------------------ format


def test_v2_example_loads_round_trips_and_its_plan_is_valid() -> None:
    text = (DATA / "bury-small-v2.scenario.json").read_text()
    loaded = load_scenario(text)
    assert loaded.version == 2
    assert load_scenario(loaded.model_dump_json()) == loaded
    plan = load_plan((DATA / "bury-small-v2.plan.json").read_text(), loaded)
    assert plan.version == 2


def test_v1_file_written_back_has_no_v2_fields() -> None:
    loaded = load_scenario((DATA / "bury-small.scenario.json").read_text())
    written = json.loads(loaded.model_dump_json())
    for w in written["workers"]:
        assert "night_health_assessment" not in w
        assert "qualifications_verified" not in w["reg19"]
        assert "result" not in w["dbs"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("night_health_assessment", "2026-01-01"),
        ("employment_start", "2026-10-01"),
        ("dbs", {"result": "clear"}),
        ("reg19", {"qualifications_verified": True}),
    ],
)
def test_v2_fields_are_unknown_in_v1(field: str, value: Any) -> None:
    w = worker()
    w[field] = {**w[field], **value} if isinstance(value, dict) else value
    with pytest.raises(FormatError) as error:
        load_scenario(scenario([w]))
    assert "unknown field in flexbank.scenario/1" in str(error.value)


def test_v2_policy_names_are_unknown_in_v1_and_min_age_below_18_invalid_in_v2() -> None:
    with pytest.raises(FormatError, match=r"\$\.policy\.break_minutes: unknown field"):
        load_scenario(scenario(policy={"break_minutes": 15}))
    with pytest.raises(FormatError, match=r"\$\.policy\.min_age: 17 is below 18"):
        load_scenario(scenario([v2_worker()], format="flexbank.scenario/2", policy={"min_age": 17}))
    # /1 keeps accepting it, as version 1 did
    assert load_scenario(scenario(policy={"min_age": 17})).version == 1


def test_v2_needs_the_sixth_flag_and_an_employment_start_by_as_of() -> None:
    w = v2_worker()
    del w["reg19"]["qualifications_verified"]
    with pytest.raises(FormatError, match="qualifications_verified: required"):
        load_scenario(scenario([w], format="flexbank.scenario/2"))
    with pytest.raises(FormatError, match="employment_start: 2026-12-01 is after as_of"):
        load_scenario(
            scenario([v2_worker(employment_start="2026-12-01")], format="flexbank.scenario/2")
        )


def test_plan_codes_of_the_other_version_are_rejected() -> None:
    def plan(version: int, code: str) -> dict[str, Any]:
        reason = {"code": code, "workers": 1, "message": "x"}
        return {"format": f"flexbank.plan/{version}", "scenario": "s", "status": "feasible",
                "unfilled": [{"gap_id": "G1", "missing": 1, "reasons": [reason]}]}  # fmt: skip

    assert load_plan(plan(1, "rest")).version == 1
    assert load_plan(plan(2, "break")).version == 2
    with pytest.raises(FormatError, match=r"'rest' is a flexbank\.plan/1 code"):
        load_plan(plan(2, "rest"))
    with pytest.raises(FormatError, match=r"'daily_rest' is a flexbank\.plan/2 code"):
        load_plan(plan(1, "daily_rest"))


def test_schemas_name_both_versions() -> None:
    scenario_schema = Scenario.model_json_schema()
    assert set(scenario_schema["properties"]["format"]["enum"]) == {
        "flexbank.scenario/1",
        "flexbank.scenario/2",
        "flexbank.scenario/2.1",
    }
    worker_schema = scenario_schema["$defs"]["Worker"]["properties"]
    assert "night_health_assessment" in worker_schema and "employment_start" in worker_schema
    assert set(Plan.model_json_schema()["properties"]["format"]["enum"]) == {
        "flexbank.plan/1",
        "flexbank.plan/2",
        "flexbank.plan/2.1",
    }
    assert "travel_matrices" in scenario_schema["properties"]
    assert "after" in scenario_schema["$defs"]["Gap"]["properties"]


# -------------------------------------------------------------------- compliance


def test_dbs_results_in_v2() -> None:
    assert v2_judge(v2_worker()) == []
    assert v2_judge(v2_worker(dbs={"result": "barred"})) == ["dbs"]
    assert v2_judge(v2_worker(dbs={"result": "information_disclosed"})) == ["dbs"]
    assert "no risk assessment" in messages(v2_worker(dbs={"result": "information_disclosed"}))[0]
    assessed = {"result": "information_disclosed", "risk_assessed_on": "2026-03-01"}
    assert v2_judge(v2_worker(dbs=assessed)) == []
    later = {"result": "information_disclosed", "risk_assessed_on": "2026-12-01"}
    assert v2_judge(v2_worker(dbs=later)) == ["dbs"]
    assert v2_judge(v2_worker(dbs={"issued": "2026-12-01"})) == ["dbs"]


def test_update_service_new_information_or_a_future_check_fails_however_recent() -> None:
    route = {"update_service": True, "issued": "2026-06-01", "last_status_check": "2026-11-01"}
    assert v2_judge(v2_worker(dbs=route)) == []
    assert v2_judge(v2_worker(dbs={**route, "last_status_result": "new_information"})) == ["dbs"]
    assert v2_judge(v2_worker(dbs={**route, "last_status_check": "2026-12-01"})) == ["dbs"]
    # the same future status check in /1 is just not used: the recent certificate passes
    compliance, wid, gid = judge(worker(dbs={**worker()["dbs"], **route,
                                             "last_status_check": "2026-12-01"}))  # fmt: skip
    assert compliance.check_pair(wid, gid).ok


def test_sixth_schedule_3_flag() -> None:
    w = v2_worker(reg19={"qualifications_verified": False})
    assert v2_judge(w) == ["reg19"]
    assert "qualifications verified" in messages(w)[0]


def test_training_without_expiry_lapses_after_its_validity_in_v2() -> None:
    # completed 2026-01-01 without expiry: moving handling lasts 12 months (v2 default)
    late = gap(start=iso(dt.date(2027, 1, 5), "08:00"), end=iso(dt.date(2027, 1, 5), "16:00"))
    assert v2_judge(v2_worker(), late) == ["training"]
    assert v2_judge(v2_worker(), late, policy={"training_validity_months": {"moving_handling": 13,
                                               "basic_life_support": 13}}) == []  # fmt: skip
    compliance, wid, gid = judge(worker(), late)  # /1: no expiry, never lapses
    assert compliance.check_pair(wid, gid).ok


def test_the_two_new_default_courses() -> None:
    w = v2_worker()
    w["training"] = [t for t in w["training"] if t["course"] != "fire_safety"]
    assert v2_judge(w) == ["training"]
    assert "fire_safety (no record)" in messages(w)[0]


def test_night_assessment_for_night_gaps_only() -> None:
    day = dt.date(2026, 12, 2)
    night = gap(start=iso(day, "21:00"), end=iso(day + dt.timedelta(days=1), "07:00"))
    evening = gap(start=iso(day, "14:00"), end=iso(day + dt.timedelta(days=1), "01:00"))
    assert v2_judge(v2_worker(night_health_assessment=None), night) == ["night_assessment"]
    assert v2_judge(v2_worker(night_health_assessment=None), evening) == []  # 2 night hours
    assert v2_judge(v2_worker(night_health_assessment="2025-11-01"), night) == ["night_assessment"]
    assert v2_judge(v2_worker(), night) == []
    assert "none recorded" in messages(v2_worker(night_health_assessment=None), night)[0]


def test_short_visit_needs_an_engagement_in_v2() -> None:
    client = {"id": "C1", "provider_id": "P1", "location": {"lat": 53.5933, "lon": -2.2966}}
    short = gap(kind="visit", client_id="C1", start=iso(dt.date(2026, 12, 2), "08:00"),
                end=iso(dt.date(2026, 12, 2), "08:15"))  # fmt: skip
    never = [{"provider_id": "P1", "client_id": "C1", "engagements": 0}]
    once = [{"provider_id": "P1", "client_id": "C1", "engagements": 1}]
    assert v2_judge(v2_worker(history=never), short, clients=[client]) == ["short_visit"]
    assert v2_judge(v2_worker(history=once), short, clients=[client]) == []
    compliance, wid, gid = judge(worker(history=never), short, clients=[client])
    assert compliance.check_pair(wid, gid).ok  # /1: the entry is enough


def test_register_shows_lapse_dates_of_undated_training_and_night_assessment() -> None:
    loaded = load_scenario(scenario([v2_worker()], format="flexbank.scenario/2"))
    entry = build_register(loaded, days=400).entries[0]
    lapses = {lapse.code: lapse for lapse in entry.verdict.lapses}
    assert lapses["training"].on == dt.date(2027, 1, 2)  # 2026-01-01 + 12 months, day after
    assert "no expiry date" in lapses["training"].message
    assert lapses["night_assessment"].on == dt.date(2027, 9, 2)  # 2026-09-01 + 365 days
    assert entry.status == "lapsing"


def test_pairs_keep_v1_verdicts_when_upgraded_except_night_gaps(tmp_path: Path) -> None:
    out = tmp_path / "up.json"
    result = CliRunner().invoke(
        app, ["upgrade-format", str(DATA / "bury-small.scenario.json"), str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "qualifications_verified" in result.output
    old = load_scenario((DATA / "bury-small.scenario.json").read_text())
    new = load_scenario(out)
    assert new.version == 2
    assert all(w.dbs.result == "clear" and w.reg19.qualifications_verified for w in new.workers)
    before = {(p.worker_id, p.gap_id): p.codes for p in pair_codes(old)}
    after = {(p.worker_id, p.gap_id): p.codes for p in pair_codes(new)}
    for key, codes in after.items():
        assert tuple(c for c in codes if c != "night_assessment") == before[key]
    again = CliRunner().invoke(app, ["upgrade-format", str(out), str(tmp_path / "x.json")])
    assert again.exit_code == 2


def test_exported_schemas_are_current() -> None:
    """docs/spec/schema holds the JSON Schemas of both versions (`flexbank schema`)."""
    docs = Path(__file__).parent.parent / "docs" / "spec" / "schema"
    for kind, model in (("scenario", Scenario), ("plan", Plan)):
        exported = json.loads((docs / f"{kind}.schema.json").read_text())
        assert exported == model.model_json_schema(mode="validation")
