"""The sample generator: deterministic, valid, and shaped like Bury's flex bank."""

from __future__ import annotations

import datetime as dt
import json
import statistics
from collections import Counter
from functools import cache
from importlib import resources
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from flexbank.cli import app
from flexbank.models import Location, Scenario
from flexbank.sample import ATTRIBUTION, care_homes, generate, generate_dict, postcodes
from flexbank.validation import load_scenario

LONDON = ZoneInfo("Europe/London")
CALL_WINDOWS = (
    (7 * 60, 10 * 60),
    (12 * 60, 14 * 60),
    (16 * 60 + 30, 18 * 60 + 30),
    (19 * 60 + 30, 22 * 60),
)


@cache
def scenario(workers: int, gaps: int, seed: int) -> Scenario:
    return generate(workers, gaps, seed)


def as_json(s: Scenario) -> str:
    return json.dumps(s.model_dump(mode="json"), indent=1, ensure_ascii=False)


def hours(start: dt.datetime, end: dt.datetime) -> float:
    return (end - start).total_seconds() / 3600


# ------------------------------------------------------------------ determinism


def test_same_arguments_give_identical_json() -> None:
    assert as_json(generate(40, 250, 5)) == as_json(generate(40, 250, 5))
    assert generate_dict(10, 30, 9) == generate_dict(10, 30, 9)


def test_different_seeds_differ() -> None:
    assert as_json(generate(40, 250, 5)) != as_json(generate(40, 250, 6))


# --------------------------------------------------------------------- validity


def _mondays() -> st.SearchStrategy[dt.date]:
    return st.integers(0, 120).map(lambda k: dt.date(2026, 1, 5) + dt.timedelta(weeks=k))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    workers=st.integers(0, 12),
    gaps=st.integers(0, 60),
    seed=st.integers(0, 2**32),
    start=_mondays(),
    days=st.integers(1, 14),
)
def test_valid_for_any_small_size(
    workers: int, gaps: int, seed: int, start: dt.date, days: int
) -> None:
    s = generate(workers, gaps, seed, start=start, days=days)
    assert len(s.workers) == workers and len(s.gaps) == gaps
    # round trip through the reader: the JSON written is valid too
    again = load_scenario(as_json(s))
    assert again == s
    for gap in s.gaps:
        assert s.horizon.start <= gap.start < s.horizon.end


@pytest.mark.parametrize(("workers", "gaps", "seed"), [(60, 400, 1), (200, 1500, 2), (5, 7, 3)])
def test_tiers_are_valid_and_sized(workers: int, gaps: int, seed: int) -> None:
    s = scenario(workers, gaps, seed)
    assert (len(s.workers), len(s.gaps)) == (workers, gaps)
    assert s.policy == {} and s.pinned == []
    assert [w.id for w in s.workers] == [f"W{i:04d}" for i in range(1, workers + 1)]
    assert [g.id for g in s.gaps] == [f"G{i:05d}" for i in range(1, gaps + 1)]
    assert all(c.id.startswith("C") and len(c.id) == 5 for c in s.clients)
    assert {p.id[:2] for p in s.providers} <= {"CH", "HC", "SL"}


def test_horizon_and_as_of_are_local_midnights_in_utc() -> None:
    s = generate(3, 5, 1)
    assert s.horizon.start.isoformat() == "2026-11-30T00:00:00+00:00"
    assert s.horizon.end.isoformat() == "2026-12-07T00:00:00+00:00"
    assert s.as_of.isoformat() == "2026-11-29T14:00:00+00:00"
    summer = generate(3, 20, 1, start=dt.date(2027, 7, 5))
    assert summer.horizon.start.isoformat() == "2027-07-04T23:00:00+00:00"
    assert summer.as_of.isoformat() == "2027-07-04T13:00:00+00:00"
    text = as_json(summer)
    assert "+01:00" not in text and "+00:00" in text


def test_as_of_can_be_given() -> None:
    when = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)
    assert generate(3, 5, 1, as_of=when).as_of == when


def test_start_must_be_a_monday() -> None:
    with pytest.raises(ValueError, match="not a Monday"):
        generate(3, 5, 1, start=dt.date(2026, 12, 1))


def test_largest_tier_is_quick_and_shaped() -> None:
    s = scenario(1000, 8000, 1)
    kinds = Counter(p.kind for p in s.providers)
    assert kinds["care_home"] == len(care_homes())
    assert 90 <= len(s.providers) <= 120
    assert 1000 <= len(s.clients) <= 2500


# ---------------------------------------------------------------------- workers


def test_workforce_shape() -> None:
    s = scenario(200, 1500, 2)
    workers = s.workers
    female = sum(w.gender == "female" for w in workers) / len(workers)
    assert 0.7 <= female <= 0.9
    modes = Counter(w.travel_mode for w in workers)
    assert modes["walk"] + modes["public_transport"] + modes["cycle"] >= 0.4 * len(workers)
    for w in workers:
        limits = {"walk": (2, 5), "public_transport": (8, 8), "drive": (15, 25), "cycle": (5, 10)}
        low, high = limits[w.travel_mode]
        assert low <= w.max_travel_km <= high
        assert len(w.previous_weekly_hours) == 16
    assert 16 <= statistics.median(w.max_hours_per_week for w in workers) <= 20
    assert all(
        12 <= w.max_hours_per_week <= 24
        for w in workers
        if w.right_to_work.weekly_hour_limit is None
    )

    visa = [w for w in workers if w.right_to_work.weekly_hour_limit is not None]
    assert visa and all(w.right_to_work.weekly_hour_limit == 20 for w in visa)
    assert all(
        w.right_to_work.check == "online" and w.right_to_work.permission_expires for w in visa
    )
    scopes = Counter(w.right_to_work.limit_scope for w in visa)
    assert scopes["all_work"] > 0 and scopes["outside_main_job"] > 0
    students = [w for w in visa if w.right_to_work.limit_scope == "all_work"]
    christmas = dt.date(2026, 12, 25)
    assert all(
        any(r.start <= christmas <= r.end for r in w.right_to_work.limit_lifted) for w in students
    )
    supplementary = [w for w in visa if w.right_to_work.limit_scope == "outside_main_job"]
    assert all(any(c.main_job for c in w.commitments) for w in supplementary)
    checks = Counter(w.right_to_work.check for w in workers)
    assert checks["list_a"] and checks["idsp"] and checks["list_b_group2"]

    main_jobs = [w for w in workers if any(c.main_job for c in w.commitments)]
    assert len(main_jobs) >= 0.5 * len(workers)
    for w in main_jobs:
        weekly = sum(hours(c.start, c.end) for c in w.commitments if c.main_job)
        assert 30 <= weekly <= 37.5
    assert (
        all(w.availability for w in workers[:50])
        or sum(bool(w.availability) for w in workers) > 190
    )
    assert any(w.wtd_opt_out for w in workers)
    near_limit = [w for w in workers if statistics.mean(w.previous_weekly_hours) > 46]
    assert near_limit
    assert statistics.median(h for w in main_jobs for h in w.previous_weekly_hours) >= 30


def test_availability_mostly_fits_around_main_jobs() -> None:
    s = scenario(200, 1500, 2)
    clashes = total = 0
    for w in s.workers:
        for a in w.availability:
            total += 1
            clashes += any(c.start < a.end and a.start < c.end for c in w.commitments)
    assert 0 < clashes <= 0.1 * total


def test_compliance_records_and_defects() -> None:
    s = scenario(200, 1500, 2)
    today = s.as_of.date()
    horizon_last = (s.horizon.end - dt.timedelta(minutes=1)).date()
    mandatory = {
        "safeguarding_adults",
        "moving_handling",
        "infection_prevention",
        "basic_life_support",
    }
    skills = Counter(k.name for w in s.workers for k in w.skills)
    assert set(skills) == {
        "medication",
        "peg_feeding",
        "hoist",
        "dementia",
        "catheter",
        "end_of_life",
        "complex_care",
    }
    assert any(k.expires for w in s.workers for k in w.skills)
    reg19_missing = [w for w in s.workers if False in vars(w.reg19).values()]
    training_missing = [w for w in s.workers if {t.course for t in w.training} != mandatory]
    expired_training = [
        w for w in s.workers if any(t.expires and t.expires < today for t in w.training)
    ]
    lapsing = [
        w
        for w in s.workers
        if any(t.expires and today <= t.expires < horizon_last for t in w.training)
        or (
            w.right_to_work.permission_expires
            and today <= w.right_to_work.permission_expires < horizon_last
        )
        or any(k.expires and today <= k.expires < horizon_last for k in w.skills)
        or (
            not w.dbs.update_service
            and today <= w.dbs.issued + dt.timedelta(days=1095) < horizon_last
        )
    ]
    stale_dbs = [
        w for w in s.workers if not w.dbs.update_service and (today - w.dbs.issued).days > 1095
    ]
    assert reg19_missing and expired_training and lapsing and stale_dbs
    assert (
        len(reg19_missing) + len(training_missing) + len(expired_training) + len(stale_dbs)
        < 0.2 * 200
    )
    assert all(w.dbs.update_service == (w.dbs.last_status_check is not None) for w in s.workers)


def _uk_care_days(s: Scenario, worker_index: int) -> int:
    today = s.as_of.date()
    days: set[dt.date] = set()
    for e in s.workers[worker_index].experience:
        if e.country == "GB" and e.sector in ("adult_social_care", "health"):
            d, end = e.start, min(e.end or today, today)
            while d <= end:
                days.add(d)
                d += dt.timedelta(days=1)
    return len(days)


def test_experience_mostly_over_nine_months_with_a_few_just_under() -> None:
    s = scenario(200, 1500, 2)
    counts = [_uk_care_days(s, i) for i in range(len(s.workers))]
    under = [c for c in counts if c < 274]
    assert under and len(under) <= 0.1 * len(counts)
    assert any(200 <= c < 274 for c in under)
    overlapping = 0
    for w in s.workers:
        care = sorted(
            (e.start, e.end or s.as_of.date())
            for e in w.experience
            if e.country == "GB" and e.sector in ("adult_social_care", "health")
        )
        overlapping += any(b[0] <= a[1] for a, b in pairwise(care))
    assert overlapping > 0


# ------------------------------------------------------------------------- gaps


def test_gap_mix() -> None:
    s = scenario(60, 400, 1)
    priorities = Counter(g.priority for g in s.gaps)
    assert set(priorities) == {"emergency", "urgent", "routine"}
    assert 0.04 <= priorities["emergency"] / 400 <= 0.18
    assert 0.15 <= priorities["urgent"] / 400 <= 0.35
    assert 0.5 <= priorities["routine"] / 400 <= 0.8
    reasons = {g.reason for g in s.gaps}
    assert {"sickness", "holiday", "winter_pressure", "emergency_home_care", "vacancy"} <= reasons
    ehc = Counter(g.priority for g in s.gaps if g.reason == "emergency_home_care")
    assert ehc["emergency"] + ehc["urgent"] > 0.8 * sum(ehc.values())

    visits = [g for g in s.gaps if g.kind == "visit"]
    shifts = [g for g in s.gaps if g.kind == "shift"]
    assert visits and shifts and len(visits) > len(shifts)
    assert any(g.headcount == 2 for g in visits)
    assert {g.start_tolerance_minutes for g in visits} == {0, 15, 30}
    assert all(g.client_id is not None for g in visits)
    assert all(g.client_id is None for g in shifts)
    assert {round(hours(g.start, g.end) * 60) for g in visits} <= {15, 20, 30, 45, 60}
    assert sum(hours(g.start, g.end) > 12 for g in shifts) in range(1, 5)
    assert {g.headcount for g in shifts} == {1, 2}


def test_short_calls_go_to_clients_someone_knows() -> None:
    s = scenario(200, 1500, 2)
    short = [g for g in s.gaps if g.kind == "visit" and hours(g.start, g.end) < 0.5]
    assert short
    known = {h.client_id for w in s.workers for h in w.history if h.client_id}
    assert all(g.client_id in known for g in short)
    doubles = [g for g in s.gaps if g.kind == "visit" and g.headcount == 2]
    assert doubles and sum("hoist" in g.skills for g in doubles) > 0.5 * len(doubles)


def test_visits_at_care_call_times_and_shifts_at_shift_times() -> None:
    s = scenario(60, 400, 1)
    for g in s.gaps:
        local = g.start.astimezone(LONDON)
        minute = local.hour * 60 + local.minute
        if g.kind == "visit":
            assert any(lo <= minute < hi for lo, hi in CALL_WINDOWS), g
        else:
            assert local.strftime("%H:%M") in {
                "07:00",
                "08:00",
                "09:00",
                "14:00",
                "15:00",
                "20:00",
                "22:00",
            }


def test_clients_and_continuity() -> None:
    s = scenario(200, 1500, 2)
    genders = Counter(c.carer_gender for c in s.clients)
    assert genders["female"] > 0
    assert any(c.preferred_workers for c in s.clients)
    assert any(c.excluded_workers for c in s.clients)
    assert any(g.excluded_workers for g in s.gaps)
    with_history = [w for w in s.workers if w.history]
    assert len(with_history) > 0.5 * len(s.workers)
    assert any(h.client_id for w in s.workers for h in w.history)
    assert any(h.client_id is None for w in s.workers for h in w.history)


# ------------------------------------------------------------------------ places


def _known_places() -> set[tuple[str | None, float, float]]:
    places: set[tuple[str | None, float, float]] = {(p.postcode, p.lat, p.lon) for p in postcodes()}
    places |= {(h.postcode, h.lat, h.lon) for h in care_homes()}
    return places


def test_every_place_comes_from_the_shipped_bury_data() -> None:
    s = scenario(200, 1500, 2)
    known = _known_places()
    locations: list[Location] = [p.location for p in s.providers]
    locations += [c.location for c in s.clients]
    locations += [w.home for w in s.workers]
    locations += [c.location for w in s.workers for c in w.commitments if c.location]
    locations += [g.location for g in s.gaps if g.location]
    for loc in locations:
        assert (loc.postcode, loc.lat, loc.lon) in known, loc
    names = {h.name for h in care_homes()}
    assert all(p.name in names for p in s.providers if p.kind == "care_home")


def test_walkers_live_near_home_care_clients() -> None:
    from flexbank.geo import distance_km

    s = scenario(200, 1500, 2)
    walkers = [w for w in s.workers if w.travel_mode == "walk"]
    assert walkers
    reachable = [
        w
        for w in walkers
        if sum(distance_km(w.home, c.location) <= w.max_travel_km for c in s.clients) >= 5
    ]
    assert len(reachable) >= 0.6 * len(walkers)


def test_attribution_is_shipped_in_the_package() -> None:
    folder = resources.files("flexbank").joinpath("data", "bury")
    for name in ("SOURCE.md", "bury_postcodes.csv", "bury_care_homes_2019-08.csv"):
        assert folder.joinpath(name).is_file()
    notes = " ".join(folder.joinpath("SOURCE.md").read_text(encoding="utf-8").split())
    assert "Open Government Licence v3.0" in notes
    assert ATTRIBUTION in notes
    assert len(postcodes()) == 5193 and len(care_homes()) == 55


# --------------------------------------------------------------------------- CLI


def test_cli_writes_a_file_that_schema_accepts(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "s.json"
    args = ["sample", "--workers", "20", "--gaps", "120", "--seed", "7", "-o", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    checked = runner.invoke(app, ["schema", "scenario", str(out)])
    assert checked.exit_code == 0, checked.output
    first = out.read_text(encoding="utf-8")
    assert runner.invoke(app, args).exit_code == 0
    assert out.read_text(encoding="utf-8") == first
    assert load_scenario(out) == generate(20, 120, 7, version=2)


def test_cli_writes_to_standard_output_and_rejects_bad_start() -> None:
    runner = CliRunner()
    result = runner.invoke(
        app, ["sample", "--workers", "3", "--gaps", "5", "--start", "2027-01-04"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["horizon"]["start"] == "2027-01-04T00:00:00+00:00"
    bad = runner.invoke(app, ["sample", "--start", "2027-01-05"])
    assert bad.exit_code == 2


def test_version_2_sample_adds_its_records_over_the_same_week() -> None:
    """The /2 week is the /1 week plus the version 2 records (a separate random stream),
    with disclosed DBS results with and without risk assessments, night assessments and
    returners; read back as /1 it has the /1 week's gaps and workers."""
    from flexbank.sample import as_version_1, generate_dict

    data = generate_dict(200, 300, 1, version=2)
    two = load_scenario(data)
    one = generate(200, 300, 1)
    assert two.format == "flexbank.scenario/2"
    assert load_scenario(as_version_1(data)).gaps == one.gaps
    disclosed = [w for w in two.workers if w.dbs.result == "information_disclosed"]
    assert any(w.dbs.risk_assessed_on for w in disclosed)
    assert any(w.dbs.risk_assessed_on is None for w in disclosed)
    assert any(w.night_health_assessment for w in two.workers)
    returners = [w for w in two.workers if w.employment_start]
    assert returners
    assert all(w.reg19.qualifications_verified is not None for w in two.workers)
    undated = [t for w in two.workers for t in w.training if t.expires is None]
    assert undated and all(t.course in ("fire_safety", "health_safety") for t in undated)
    assert any(w.wtd_opt_out for w in two.workers)
