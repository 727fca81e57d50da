"""Hypothesis properties of the compliance checks."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from compliance_factories import AS_OF_DATE, client, gap, load, training, worker
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flexbank.compliance import CODES, RULES, Compliance, experience_days
from flexbank.geo import distance_km
from flexbank.models import Experience

DAY = dt.timedelta(days=1)
MINUTE = dt.timedelta(minutes=1)
UTC = dt.UTC
BASE = dt.datetime(2026, 12, 1, tzinfo=UTC)  # winter: London time is UTC

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])

dates = st.dates(min_value=dt.date(2015, 1, 1), max_value=dt.date(2028, 1, 1))


@st.composite
def experiences(draw: st.DrawFn) -> Experience:
    start = draw(dates)
    end = draw(st.none() | st.dates(min_value=start, max_value=dt.date(2028, 1, 1)))
    return Experience(
        role="care_assistant",
        sector=draw(st.sampled_from(["adult_social_care", "health", "retail"])),
        country=draw(st.sampled_from(["GB", "GB", "IE"])),
        start=start,
        end=end,
    )


def brute_force_days(periods: list[Experience], as_of: dt.date) -> int:
    days: set[dt.date] = set()
    for p in periods:
        if p.country != "GB" or p.sector not in ("adult_social_care", "health"):
            continue
        day, last = p.start, min(p.end or as_of, as_of)
        while day <= last:
            days.add(day)
            day += DAY
    return len(days)


@SETTINGS
@given(st.lists(experiences(), max_size=5), experiences())
def test_adding_an_experience_period_never_lowers_experience_days(
    periods: list[Experience], extra: Experience
) -> None:
    before = experience_days(periods, AS_OF_DATE)
    after = experience_days([*periods, extra], AS_OF_DATE)
    assert after >= before
    assert before == brute_force_days(periods, AS_OF_DATE)
    assert after == brute_force_days([*periods, extra], AS_OF_DATE)


# -------------------------------------------------- expiries are monotone in time

EXPIRY_CODES = ("right_to_work", "training", "skill", "dbs")
near = st.dates(min_value=dt.date(2023, 1, 1), max_value=dt.date(2027, 12, 1))


@st.composite
def expiring_workers(draw: st.DrawFn) -> dict[str, Any]:
    check = draw(st.sampled_from(["list_a", "list_b_group1", "list_b_group2", "online", "idsp"]))
    rtw: dict[str, Any] = {
        "check": check,
        "checked_on": str(draw(near.filter(lambda d: d <= AS_OF_DATE))),
    }
    if check == "list_b_group1" or (check == "online" and draw(st.booleans())):
        rtw["permission_expires"] = str(draw(near))
    expiries = {
        course: str(draw(near)) if draw(st.booleans()) else None
        for course in ("safeguarding_adults", "moving_handling", "infection_prevention")
    }
    status = draw(st.none() | near)
    dbs = {
        "level": "enhanced",
        "adults_barred_list": True,
        "issued": str(draw(near)),
        "update_service": draw(st.booleans()),
        **({"last_status_check": str(status)} if status is not None else {}),
    }
    skill_expiry = draw(st.none() | near)
    return worker(
        right_to_work=rtw,
        training=training(**expiries),
        dbs=dbs,
        skills=[{"name": "hoist", "expires": None if skill_expiry is None else str(skill_expiry)}],
    )


@SETTINGS
@given(
    expiring_workers(),
    st.integers(min_value=0, max_value=300),  # later gap: days after 2026-12-01
    st.integers(min_value=1, max_value=300),  # how much earlier the other gap is
    st.integers(min_value=0, max_value=23),  # start hour
    st.integers(min_value=1, max_value=14),  # length in hours
)
def test_a_check_passing_for_a_gap_passes_for_an_earlier_gap(
    w: dict[str, Any], later_day: int, earlier_by: int, hour: int, hours: int
) -> None:
    earlier_day = max(0, later_day - earlier_by)
    gaps = []
    for gid, day in (("later", later_day), ("earlier", earlier_day)):
        start = BASE + day * DAY + hour * dt.timedelta(hours=1)
        end = start + hours * dt.timedelta(hours=1)
        gaps.append(gap(gid, start=start.isoformat(), end=end.isoformat(), skills=["hoist"]))
    compliance = Compliance(load([w], gaps))
    later = compliance.check_pair("W1", "later").codes
    earlier = compliance.check_pair("W1", "earlier").codes
    for code in EXPIRY_CODES:
        if code not in later:
            assert code not in earlier, code


# -------------------------------------------- a verdict is the rules one by one


@st.composite
def pair_scenarios(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any], list[dict]]:
    day = draw(st.integers(min_value=0, max_value=6))
    start = BASE + day * DAY + draw(st.integers(min_value=0, max_value=24 * 12 - 1)) * 5 * MINUTE
    length = draw(st.integers(1, 8) | st.integers(min_value=1, max_value=14 * 12)) * 5 * MINUTE
    tolerance = draw(st.sampled_from([0, 0, 5, 15, 30, 60]))
    periods = []
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        p_start = start + draw(st.integers(min_value=-600, max_value=600)) * MINUTE
        p_end = p_start + draw(st.integers(min_value=1, max_value=900)) * MINUTE
        periods.append({"start": p_start.isoformat(), "end": p_end.isoformat()})
    if draw(st.booleans()):  # one period that holds some allowed start (or just misses)
        k = draw(st.integers(min_value=0, max_value=tolerance + 1))
        before, after = draw(st.integers(0, 60)), draw(st.integers(-1, 60))
        p_start = start + (k - before) * MINUTE if before else start + k * MINUTE
        p_end = start + k * MINUTE + length + after * MINUTE
        if p_end > p_start:
            periods.append({"start": p_start.isoformat(), "end": p_end.isoformat()})
    genders = st.sampled_from(["female", "male", "other"])
    c = client(
        carer_gender=draw(st.none() | genders),
        excluded_workers=["W1"] if draw(st.integers(0, 5)) == 0 else [],
        location={"lat": 53.59 + draw(st.floats(-0.1, 0.1)), "lon": -2.29},
    )
    g = gap(
        kind=draw(st.sampled_from(["shift", "visit"])),
        client_id=draw(st.sampled_from([None, "C1"])),
        start=start.isoformat(),
        end=(start + length).isoformat(),
        start_tolerance_minutes=tolerance,
        skills=draw(st.lists(st.sampled_from(["hoist", "dementia"]), max_size=2, unique=True)),
        carer_gender=draw(st.none() | st.none() | genders),
        excluded_workers=["W1"] if draw(st.integers(0, 5)) == 0 else [],
    )
    w = worker(
        gender=draw(genders),
        date_of_birth=str(draw(st.dates(dt.date(1990, 1, 1), dt.date(2009, 1, 1)))),
        skills=[{"name": "hoist", "expires": str(draw(near)) if draw(st.booleans()) else None}],
        training=training(moving_handling=str(draw(near)) if draw(st.booleans()) else None),
        experience=[
            {
                "role": "carer",
                "sector": "health",
                "country": "GB",
                "start": str(AS_OF_DATE - draw(st.integers(0, 1000)) * DAY),
            }
        ],
        max_travel_km=draw(st.floats(0, 15)),
        availability=periods,
        history=[{"provider_id": "P1", "client_id": "C1"}] if draw(st.booleans()) else [],
    )
    return w, g, [c]


def brute_force_available(g: dict[str, Any], periods: list[dict[str, Any]]) -> bool:
    start, end = dt.datetime.fromisoformat(g["start"]), dt.datetime.fromisoformat(g["end"])
    spans = [
        (dt.datetime.fromisoformat(p["start"]), dt.datetime.fromisoformat(p["end"]))
        for p in periods
    ]
    for k in range(g.get("start_tolerance_minutes", 0) + 1):
        s = start + k * MINUTE
        if any(a <= s and s + (end - start) <= b for a, b in spans):
            return True
    return False


@SETTINGS
@given(pair_scenarios())
def test_check_pair_codes_are_exactly_the_failing_rules(
    case: tuple[dict[str, Any], dict[str, Any], list[dict]],
) -> None:
    w, g, clients = case
    compliance = Compliance(load([w], [g], clients=clients))
    verdict = compliance.check_pair("W1", "G1")
    facts, job = compliance.facts("W1"), compliance.job("G1")
    failing = [rule.code for rule in RULES if rule.check(compliance.setting, facts, job)]
    assert verdict.codes == failing
    assert verdict.codes == sorted(verdict.codes, key=CODES.index)
    assert compliance.codes("W1", "G1") == failing
    assert compliance.first_failure("W1", "G1") == (failing[0] if failing else None)
    # the matcher's one-pass form: the allowed starts exactly when nothing fails
    expected = None if failing else compliance.start_offsets("W1", "G1")
    assert compliance.offsets_if_eligible("W1", "G1") == expected
    assert verdict.ok == (not failing)
    assert all(f.message for f in verdict.failures)
    # Lapses: passing checks only, after as_of, earliest first.
    assert not {lapse.code for lapse in verdict.lapses} & set(failing)
    assert all(lapse.on > AS_OF_DATE for lapse in verdict.lapses)
    assert [lapse.on for lapse in verdict.lapses] == sorted(lapse.on for lapse in verdict.lapses)
    assert verdict.next_review == (verdict.lapses[0].on if verdict.lapses else None)
    # Independent oracles for the gap checks.
    assert ("availability" in failing) == (not brute_force_available(g, w["availability"]))
    assert ("availability" in failing) == (compliance.allowed_starts("W1", "G1") == [])
    client_ = clients[0] if g["client_id"] == "C1" else None
    wanted = [g["carer_gender"], client_["carer_gender"] if client_ else None]
    assert ("gender" in failing) == any(x is not None and x != w["gender"] for x in wanted)
    excluded = "W1" in g["excluded_workers"] or bool(
        client_ and "W1" in client_["excluded_workers"]
    )
    assert ("excluded" in failing) == excluded
    minutes = (dt.datetime.fromisoformat(g["end"]) - dt.datetime.fromisoformat(g["start"])) / MINUTE
    short = g["kind"] == "visit" and minutes < 30
    knows = client_ is not None and bool(w["history"])
    assert ("short_visit" in failing) == (short and not knows)
    scenario_gap = compliance.index.gaps["G1"]
    km = distance_km(
        compliance.index.workers["W1"].home, compliance.index.location_of(scenario_gap)
    )
    assert ("distance" in failing) == (km > w["max_travel_km"])


@SETTINGS
@given(pair_scenarios())
def test_allowed_starts_are_exactly_the_fitting_whole_minutes(
    case: tuple[dict[str, Any], dict[str, Any], list[dict]],
) -> None:
    w, g, clients = case
    compliance = Compliance(load([w], [g], clients=clients))
    ranges = compliance.allowed_starts("W1", "G1")
    start = dt.datetime.fromisoformat(g["start"])
    length = dt.datetime.fromisoformat(g["end"]) - start
    spans = [
        (dt.datetime.fromisoformat(p["start"]), dt.datetime.fromisoformat(p["end"]))
        for p in w["availability"]
    ]
    allowed = {
        k
        for k in range(g["start_tolerance_minutes"] + 1)
        if any(a <= start + k * MINUTE and start + k * MINUTE + length <= b for a, b in spans)
    }
    covered = set()
    for lo, hi in ranges:
        assert lo <= hi
        covered |= set(range(int((lo - start) / MINUTE), int((hi - start) / MINUTE) + 1))
    assert covered == allowed
    # Maximal: ranges are sorted and separated by at least one disallowed minute.
    for (_, hi), (lo, _) in itertools.pairwise(ranges):
        assert lo - hi > MINUTE
    for lo, hi in ranges:
        for s in (lo, hi):
            assert compliance.check_pair("W1", "G1", start=s).codes.count("availability") == 0


@SETTINGS
@given(
    st.lists(st.tuples(st.integers(0, 3), st.integers(-3, 3)), min_size=1, max_size=12),
    st.floats(0, 12),
)
def test_a_worker_s_distance_verdict_per_place_is_the_one_a_fresh_check_gives(
    places: list[tuple[int, int]], limit: float
) -> None:
    """The distance check remembers its verdict per place for each worker; asked about
    gaps one after another (places repeated, some near the limit), every answer is the
    one a check that has seen nothing else gives."""
    sites = [{"lat": 53.59 + 0.03 * j, "lon": -2.29 + 0.03 * k} for k, j in places]
    gaps = [gap(f"G{i}", location=site) for i, site in enumerate(sites)]
    w = worker(max_travel_km=limit)
    remembering = Compliance(load([w], gaps))
    for i in range(len(gaps)):
        fresh = Compliance(load([w], gaps)).codes("W1", f"G{i}")
        assert remembering.codes("W1", f"G{i}") == fresh
        home = remembering.index.workers["W1"].home
        km = distance_km(home, remembering.index.location_of(remembering.index.gaps[f"G{i}"]))
        assert ("distance" in fresh) == (km > limit)
