"""One test (or a few) per compliance rule of rules.md section 1, at its boundaries."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from compliance_factories import (
    AS_OF_DATE,
    HOME_LAT,
    HOME_LON,
    client,
    codes,
    gap,
    iso,
    judge,
    load,
    location,
    training,
    worker,
)

from flexbank import reasons
from flexbank.compliance import (
    CODES,
    RULES,
    WORKER_CODES,
    Compliance,
    Verdict,
    birthday,
    experience_days,
)
from flexbank.geo import distance_km
from flexbank.models import Experience, Location
from flexbank.policy import Policy

DAY = dt.timedelta(days=1)


def verdict(w: dict[str, Any] | None = None, g: dict[str, Any] | None = None, **kw: Any) -> Verdict:
    compliance, worker_id, gap_id = judge(w, g, **kw)
    return compliance.check_pair(worker_id, gap_id)


def message(v: Verdict, code: str) -> str:
    return next(f.message for f in v.failures if f.code == code)


def experience(start: dt.date | str, end: dt.date | str | None = None, **over: Any) -> dict:
    return {
        "role": "care_assistant",
        "sector": "adult_social_care",
        "country": "GB",
        "start": str(start),
        "end": None if end is None else str(end),
        **over,
    }


def shift_on(day: dt.date, start: str = "08:00", end: str = "16:00", **over: Any) -> dict:
    return gap(start=iso(day, start), end=iso(day, end), **over)


# ------------------------------------------------------------------- registry


def test_registry_is_in_rules_md_order_with_worker_codes_first() -> None:
    assert tuple(rule.code for rule in RULES) == CODES
    # the worker-only checks come first, with the (gap-dependent) night check among them
    assert tuple(c for c in CODES[:7] if c != "night_assessment") == WORKER_CODES
    assert reasons.compliance_codes(2) == CODES
    assert reasons.compliance_codes(1) == tuple(c for c in CODES if c != "night_assessment")
    assert len(CODES) == 13
    for rule in RULES:
        assert rule.description
        for name in rule.params:  # every parameter named is a real policy parameter
            assert name in Policy.model_fields


def test_a_compliant_worker_passes_every_check() -> None:
    v = verdict()
    assert v.ok and v.codes == [] and v.failures == ()


# ----------------------------------------------------------------- experience


def test_experience_exactly_274_days_passes_and_273_fails() -> None:
    exactly = worker(experience=[experience(AS_OF_DATE - 273 * DAY)])  # null end: to as_of
    one_short = worker(experience=[experience(AS_OF_DATE - 272 * DAY)])
    assert "experience" not in codes(exactly)
    v = verdict(one_short)
    assert v.codes == ["experience"]
    assert "273 days" in message(v, "experience") and "274 needed" in message(v, "experience")


def test_experience_overlaps_count_once() -> None:
    start = dt.date(2025, 1, 1)
    # 200 + 200 days but overlapping by 127: the union is 273 days.
    periods = [
        experience(start, start + 199 * DAY),
        experience(start + 73 * DAY, start + 272 * DAY, sector="health"),
    ]
    assert "experience" in codes(worker(experience=periods))
    periods.append(experience(start + 273 * DAY, start + 273 * DAY))  # one more day
    assert "experience" not in codes(worker(experience=periods))


def test_experience_ignores_other_countries_sectors_and_the_future() -> None:
    long_ago = dt.date(2010, 1, 1)
    assert "experience" in codes(worker(experience=[experience(long_ago, country="IE")]))
    assert "experience" in codes(worker(experience=[experience(long_ago, sector="retail")]))
    future = experience(AS_OF_DATE + DAY)
    assert "experience" in codes(worker(experience=[future]))
    assert "experience" in codes(worker(experience=[]))


def test_experience_days_clips_to_as_of_and_counts_both_ends() -> None:
    def exp(start: str, end: str | None, **over: Any) -> Experience:
        return Experience.model_validate_json(json.dumps(experience(start, end, **over)))

    assert experience_days([exp("2026-11-29", None)], AS_OF_DATE) == 1
    assert experience_days([exp("2026-11-01", "2027-06-01")], AS_OF_DATE) == 29  # clipped
    assert experience_days([exp("2026-11-01", "2026-11-10")], AS_OF_DATE) == 10
    assert experience_days([exp("2026-11-30", None)], AS_OF_DATE) == 0
    # Adjacent periods neither overlap nor lose a day.
    pair = [exp("2026-11-01", "2026-11-10"), exp("2026-11-11", "2026-11-20")]
    assert experience_days(pair, AS_OF_DATE) == 20
    same_day = [exp("2026-11-01", "2026-11-10"), exp("2026-11-10", "2026-11-20")]
    assert experience_days(same_day, AS_OF_DATE) == 20
    nested = [exp("2026-01-01", None), exp("2026-03-01", "2026-04-01")]
    assert experience_days(nested, AS_OF_DATE) == (AS_OF_DATE - dt.date(2026, 1, 1)).days + 1


# -------------------------------------------------------------- right to work


def test_list_b_group2_valid_exactly_six_months() -> None:
    w = worker(right_to_work={"check": "list_b_group2", "checked_on": "2026-06-15"})
    assert "right_to_work" not in codes(w, shift_on(dt.date(2026, 12, 15)))
    v = verdict(w, shift_on(dt.date(2026, 12, 16)))
    assert v.codes == ["right_to_work"]
    text = message(v, "right_to_work")
    assert "List B Group 2" in text and "2026-06-15" in text
    assert "valid only through 2026-12-15" in text and "2026-12-16" in text


def test_list_b_group2_month_end_lands_on_last_day() -> None:
    w = worker(right_to_work={"check": "list_b_group2", "checked_on": "2026-08-31"})
    assert "right_to_work" not in codes(w, shift_on(dt.date(2027, 2, 28)))
    assert "right_to_work" in codes(w, shift_on(dt.date(2027, 3, 1)))


@pytest.mark.parametrize("check", ["list_b_group1", "online"])
def test_permission_expiring_on_the_gap_end_date_passes_and_the_day_before_fails(
    check: str,
) -> None:
    end = dt.date(2026, 12, 10)
    night = gap(start=iso(end - DAY, "20:00"), end=iso(end, "08:00"))  # ends on `end`

    def rtw(expires: dt.date) -> dict:
        return {"check": check, "checked_on": "2026-01-01", "permission_expires": str(expires)}

    assert "right_to_work" not in codes(worker(right_to_work=rtw(end)), night)
    v = verdict(worker(right_to_work=rtw(end - DAY)), night)
    assert v.codes == ["right_to_work"]
    assert "2026-12-09" in message(v, "right_to_work")
    assert "the gap ends 2026-12-10" in message(v, "right_to_work")


def test_gap_ending_at_midnight_ends_the_day_before() -> None:
    w = worker(right_to_work={"check": "list_b_group2", "checked_on": "2026-06-15"})
    late = gap(start=iso(dt.date(2026, 12, 15), "16:00"), end=iso(dt.date(2026, 12, 16)))
    assert "right_to_work" not in codes(w, late)


@pytest.mark.parametrize("check", ["list_a", "idsp", "online"])
def test_unlimited_right_to_work(check: str) -> None:
    w = worker(right_to_work={"check": check, "checked_on": "2026-01-01"})
    assert "right_to_work" not in codes(w, shift_on(dt.date(2027, 12, 1)))


def test_right_to_work_checked_after_as_of_fails() -> None:
    w = worker(right_to_work={"check": "list_a", "checked_on": str(AS_OF_DATE + DAY)})
    v = verdict(w)
    assert v.codes == ["right_to_work"]
    assert "not done yet" in message(v, "right_to_work")
    same_day = worker(right_to_work={"check": "list_a", "checked_on": str(AS_OF_DATE)})
    assert codes(same_day) == []


# ------------------------------------------------------------------------ dbs


def dbs(issued: dt.date, **over: Any) -> dict:
    return {
        "level": "enhanced",
        "adults_barred_list": True,
        "issued": str(issued),
        "update_service": False,
        **over,
    }


def test_dbs_exactly_1095_days_passes_1096_fails() -> None:
    day = dt.date(2026, 12, 1)
    assert "dbs" not in codes(worker(dbs=dbs(day - 1095 * DAY)), shift_on(day))
    v = verdict(worker(dbs=dbs(day - 1096 * DAY)), shift_on(day))
    assert v.codes == ["dbs"]
    text = message(v, "dbs")
    assert (
        "DBS issued 2023-12-01" in text
        and "(1096 days)" in text
        and "over 3 years old on 2026-12-01" in text
    )
    assert "not on the Update Service" in text


def test_dbs_age_is_judged_on_the_gap_start_date() -> None:
    # A night shift starting on the last allowed day passes although it ends a day later.
    day = dt.date(2026, 12, 1)
    night = gap(start=iso(day, "20:00"), end=iso(day + DAY, "08:00"))
    assert "dbs" not in codes(worker(dbs=dbs(day - 1095 * DAY)), night)


def test_update_service_status_check_within_365_days() -> None:
    day = dt.date(2026, 12, 1)
    old = day - 2000 * DAY
    within = dbs(old, update_service=True, last_status_check=str(day - 365 * DAY))
    over = dbs(old, update_service=True, last_status_check=str(day - 366 * DAY))
    assert "dbs" not in codes(worker(dbs=within), shift_on(day))
    v = verdict(worker(dbs=over), shift_on(day))
    assert v.codes == ["dbs"]
    assert "366 days old" in message(v, "dbs")


def test_recent_status_check_without_update_service_does_not_count() -> None:
    day = dt.date(2026, 12, 1)
    stale = dbs(day - 2000 * DAY, update_service=False, last_status_check="2026-11-20")
    v = verdict(worker(dbs=stale), shift_on(day))
    assert v.codes == ["dbs"]
    assert "not on the Update Service" in message(v, "dbs")


def test_status_check_after_as_of_is_not_yet_done() -> None:
    day = dt.date(2026, 12, 2)
    future = dbs(day - 2000 * DAY, update_service=True, last_status_check="2026-12-01")
    assert "dbs" in codes(worker(dbs=future), shift_on(day))
    none_yet = dbs(day - 2000 * DAY, update_service=True)
    assert "no status check" in message(verdict(worker(dbs=none_yet), shift_on(day)), "dbs")


def test_dbs_level_and_barred_list() -> None:
    fresh = dt.date(2026, 6, 1)
    v = verdict(worker(dbs=dbs(fresh, level="standard")))
    assert v.codes == ["dbs"] and "standard level" in message(v, "dbs")
    v = verdict(worker(dbs=dbs(fresh, adults_barred_list=False)))
    assert v.codes == ["dbs"] and "Barred List" in message(v, "dbs")


# ---------------------------------------------------------------------- reg19


def test_reg19_names_every_missing_check() -> None:
    flags = {
        "photo_id_verified": True,
        "conduct_evidence": False,
        "reasons_for_leaving_verified": True,
        "employment_history_complete": True,
        "health_declaration": False,
    }
    v = verdict(worker(reg19=flags))
    assert v.codes == ["reg19"]
    text = message(v, "reg19")
    assert "conduct_evidence" in text and "health_declaration" in text
    assert "photo_id_verified" not in text


# ------------------------------------------------------------------- training


def test_training_expiring_on_the_gap_end_date_passes_and_the_day_before_fails() -> None:
    end = dt.date(2026, 12, 10)
    assert "training" not in codes(
        worker(training=training(moving_handling=str(end))), shift_on(end)
    )
    v = verdict(worker(training=training(moving_handling=str(end - DAY))), shift_on(end))
    assert v.codes == ["training"]
    assert "moving_handling (expires 2026-12-09" in message(v, "training")


def test_training_already_expired_missing_or_completed_after_as_of() -> None:
    records = training(basic_life_support="2026-11-01")
    assert (
        message(verdict(worker(training=records)), "training")
        == "Missing mandatory training: basic_life_support (expired 2026-11-01)"
    )
    v = verdict(worker(training=training()[:3]))
    assert "basic_life_support (no record)" in message(v, "training")
    late = training()
    late[0] = {"course": "safeguarding_adults", "completed": str(AS_OF_DATE + DAY)}
    v = verdict(worker(training=late))
    assert v.codes == ["training"]
    assert "completed 2026-11-30, after 2026-11-29" in message(v, "training")
    late[0] = {"course": "safeguarding_adults", "completed": str(AS_OF_DATE)}
    assert codes(worker(training=late)) == []


def test_training_best_record_counts() -> None:
    records = [
        *training(),
        {"course": "moving_handling", "completed": "2025-01-01", "expires": "2025-06-01"},
    ]
    assert codes(worker(training=records)) == []


def test_policy_override_of_mandatory_training() -> None:
    only_one = worker(training=training()[:1])
    assert "training" in codes(only_one)
    assert codes(only_one, policy={"mandatory_training": ["safeguarding_adults"]}) == []


# ------------------------------------------------------------------------ age


def test_18th_birthday_on_the_shift_date_passes_and_the_day_after_fails() -> None:
    day = dt.date(2026, 12, 3)
    assert "age" not in codes(worker(date_of_birth="2008-12-03"), shift_on(day))
    v = verdict(worker(date_of_birth="2008-12-04"), shift_on(day))
    assert v.codes == ["age"]
    assert "18 on 2026-12-04" in message(v, "age")


def test_age_judged_on_the_start_date_of_a_night_shift() -> None:
    night = gap(start=iso(dt.date(2026, 12, 3), "20:00"), end=iso(dt.date(2026, 12, 4), "08:00"))
    assert "age" in codes(worker(date_of_birth="2008-12-04"), night)


def test_leap_day_birthday_counts_from_first_of_march() -> None:
    assert birthday(dt.date(2008, 2, 29), 18) == dt.date(2026, 3, 1)
    assert birthday(dt.date(2008, 2, 29), 16) == dt.date(2024, 2, 29)
    assert birthday(dt.date(2009, 3, 1), 18) == dt.date(2027, 3, 1)


# ---------------------------------------------------------------------- skill


def test_skill_expiry_no_record_and_multiple_records() -> None:
    end = dt.date(2026, 12, 10)
    g = shift_on(end, skills=["peg_feeding"])
    assert "skill" not in codes(worker(skills=[{"name": "peg_feeding", "expires": str(end)}]), g)
    v = verdict(worker(skills=[{"name": "peg_feeding", "expires": str(end - DAY)}]), g)
    assert v.codes == ["skill"]
    v = verdict(worker(skills=[{"name": "hoist"}]), g)
    assert message(v, "skill") == "Needs skill peg_feeding (no record)"
    two = [{"name": "peg_feeding", "expires": "2026-01-01"}, {"name": "peg_feeding"}]
    assert "skill" not in codes(worker(skills=two), g)


def test_every_skill_of_the_gap_is_needed() -> None:
    g = gap(skills=["hoist", "dementia"])
    assert "skill" in codes(worker(skills=[{"name": "hoist"}]), g)
    assert "skill" not in codes(worker(skills=[{"name": "hoist"}, {"name": "dementia"}]), g)


# --------------------------------------------------------------------- gender


def test_gender_from_the_gap_and_from_the_client() -> None:
    assert codes(worker(gender="male"), gap(carer_gender="female")) == ["gender"]
    assert codes(worker(gender="female"), gap(carer_gender="female")) == []
    visit = gap(kind="visit", client_id="C1")
    v = verdict(worker(gender="male"), visit, clients=[client(carer_gender="female")])
    assert v.codes == ["gender"]
    assert "Client C1 asks for a female carer" in message(v, "gender")
    assert codes(worker(gender="female"), visit, clients=[client(carer_gender="female")]) == []


# ------------------------------------------------------------------- excluded


def test_excluded_by_provider_or_client() -> None:
    assert codes(worker(id="W1"), gap(excluded_workers=["W1"])) == ["excluded"]
    visit = gap(kind="visit", client_id="C1")
    v = verdict(worker(id="W1"), visit, clients=[client(excluded_workers=["W1"])])
    assert v.codes == ["excluded"]
    assert "client C1" in message(v, "excluded")


# ---------------------------------------------------------------- short visit


def test_short_visit_needs_history_with_the_client() -> None:
    short = gap(
        kind="visit",
        client_id="C1",
        start=iso(dt.date(2026, 12, 1), "08:00"),
        end=iso(dt.date(2026, 12, 1), "08:20"),
    )
    clients = [client()]
    v = verdict(worker(), short, clients=clients)
    assert v.codes == ["short_visit"]
    assert "20-minute visit" in message(v, "short_visit")
    known = worker(history=[{"provider_id": "P1", "client_id": "C1", "engagements": 3}])
    assert codes(known, short, clients=clients) == []
    provider_only = worker(history=[{"provider_id": "P1", "engagements": 3}])
    assert codes(provider_only, short, clients=clients) == ["short_visit"]


def test_short_visit_boundaries() -> None:
    day = dt.date(2026, 12, 1)
    thirty = gap(kind="visit", client_id="C1", start=iso(day, "08:00"), end=iso(day, "08:30"))
    assert codes(worker(), thirty, clients=[client()]) == []
    short_shift = gap(kind="shift", start=iso(day, "08:00"), end=iso(day, "08:20"))
    assert codes(worker(), short_shift) == []
    no_client = gap(kind="visit", start=iso(day, "08:00"), end=iso(day, "08:20"))
    assert codes(worker(), no_client) == ["short_visit"]
    # The threshold is policy: 20 minutes is not short when the limit is 20.
    short = gap(kind="visit", client_id="C1", start=iso(day, "08:00"), end=iso(day, "08:20"))
    assert codes(worker(), short, clients=[client()], policy={"short_visit_minutes": 20}) == []


# ------------------------------------------------------------------- distance


def test_distance_at_the_limit_passes_just_over_fails() -> None:
    place = {"lat": HOME_LAT + 0.05, "lon": HOME_LON}
    km = distance_km(Location(lat=HOME_LAT, lon=HOME_LON), Location(**place))
    g = gap(location=location(**place))
    assert codes(worker(max_travel_km=km), g) == []
    v = verdict(worker(max_travel_km=round(km, 3) - 0.001), g)
    assert v.codes == ["distance"]
    assert "from the gap; limit" in message(v, "distance")


def test_distance_uses_the_client_location_when_the_gap_has_none() -> None:
    far = client(location=location(HOME_LAT + 0.2, HOME_LON))
    text = message(verdict(worker(), gap(kind="visit", client_id="C1"), clients=[far]), "distance")
    assert text.startswith("Home is 22.") and text.endswith("limit 10 km")


# --------------------------------------------------------------- availability


def test_availability_with_tolerance_fits_only_at_a_later_start() -> None:
    day = dt.date(2026, 12, 1)
    g = gap(start=iso(day, "17:00"), end=iso(day, "17:30"), start_tolerance_minutes=30)
    w = worker(availability=[{"start": iso(day, "17:20"), "end": iso(day, "18:00")}])
    compliance, wid, gid = judge(w, g)
    assert compliance.check_pair(wid, gid).ok
    lo, hi = (
        dt.datetime.fromisoformat(iso(day, "17:20")),
        dt.datetime.fromisoformat(iso(day, "17:30")),
    )
    assert compliance.allowed_starts(wid, gid) == [(lo, hi)]
    assert compliance.check_pair(wid, gid, start=lo).ok
    early = compliance.check_pair(wid, gid, start=lo - dt.timedelta(minutes=1))
    assert early.codes == ["availability"]
    assert "Not available 2026-12-01 17:19-17:49 (London time)" in message(early, "availability")
    # A start outside the tolerance is never allowed.
    late = compliance.check_pair(wid, gid, start=hi + dt.timedelta(minutes=1))
    assert late.codes == ["availability"]

    tight = gap(start=iso(day, "17:00"), end=iso(day, "17:30"), start_tolerance_minutes=19)
    v = verdict(w, tight)
    assert v.codes == ["availability"]
    assert message(v, "availability").startswith(
        "Not available 2026-12-01 17:00-17:30 nor at any later start up to 17:19 (London time)"
    )


def test_night_shift_across_midnight_must_fit_one_period() -> None:
    day = dt.date(2026, 12, 5)
    night = gap(start=iso(day, "20:00"), end=iso(day + DAY, "08:00"))
    whole = [{"start": iso(day, "19:00"), "end": iso(day + DAY, "08:00")}]
    split = [
        {"start": iso(day, "19:00"), "end": iso(day + DAY)},
        {"start": iso(day + DAY), "end": iso(day + DAY, "09:00")},
    ]
    assert codes(worker(availability=whole), night) == []
    v = verdict(worker(availability=split), night)
    assert v.codes == ["availability"]
    assert "2026-12-05 20:00 to 2026-12-06 08:00" in message(v, "availability")
    # Its end date is the 6th: training that expires on the 5th fails it.
    assert "training" in codes(worker(training=training(moving_handling="2026-12-05")), night)


def test_no_availability_at_all() -> None:
    v = verdict(worker(availability=[]))
    assert v.codes == ["availability"] and message(v, "availability") == "Offers no availability"


def test_allowed_starts_merge_across_periods_and_respect_whole_minutes() -> None:
    day = dt.date(2026, 12, 1)
    g = gap(start=iso(day, "10:00"), end=iso(day, "11:00"), start_tolerance_minutes=120)
    periods = [
        {"start": iso(day, "10:10"), "end": iso(day, "11:30")},  # starts 10:10..10:30
        {"start": iso(day, "10:20"), "end": iso(day, "11:45")},  # starts 10:20..10:45
        {"start": "2026-12-01T11:30:30+00:00", "end": iso(day, "13:00")},  # 11:31..12:00
    ]
    compliance, wid, gid = judge(worker(availability=periods), g)
    at = lambda hhmm: dt.datetime.fromisoformat(iso(day, hhmm))  # noqa: E731
    assert compliance.allowed_starts(wid, gid) == [
        (at("10:10"), at("10:45")),
        (at("11:31"), at("12:00")),
    ]
    assert compliance.allowed_starts(wid, gid)[0][0].utcoffset() == dt.timedelta(0)


# ------------------------------------------------------------- local time


def test_dates_are_local_in_summer_time() -> None:
    # 23:30 UTC on 1 June is 00:30 on 2 June in London: the gap ends on the 2nd.
    g = gap(start="2027-06-01T16:00:00+00:00", end="2027-06-01T23:30:00+00:00")
    avail = [{"start": "2027-06-01T00:00:00+00:00", "end": "2027-06-03T00:00:00+00:00"}]
    w = worker(training=training(basic_life_support="2027-06-01"), availability=avail)
    assert codes(w, g) == ["training"]
    assert codes(w, g, timezone="UTC") == []
    morning = [{"start": "2027-06-01T06:00:00+00:00", "end": "2027-06-01T12:00:00+00:00"}]
    v = verdict(worker(availability=morning), g)
    assert message(v, "availability") == (
        "Not available 2027-06-01 17:00 to 2027-06-02 00:30 (London time)"
    )


# --------------------------------------------------------- policy overrides


def test_policy_override_changes_thresholds() -> None:
    newcomer = worker(experience=[experience(AS_OF_DATE - 99 * DAY)])  # 100 days
    assert codes(newcomer) == ["experience"]
    assert codes(newcomer, policy={"min_uk_care_experience_days": 100}) == []
    day = dt.date(2026, 12, 1)
    two_years = worker(dbs=dbs(day - 731 * DAY))
    assert codes(two_years, shift_on(day)) == []
    assert codes(two_years, shift_on(day), policy={"dbs_max_age_days": 730}) == ["dbs"]
    young = worker(date_of_birth="2009-01-01")
    assert codes(young) == ["age"]
    assert codes(young, policy={"min_age": 16}) == []


# ------------------------------------------------------ verdicts and lapses


def test_verdict_lists_every_failure_in_codes_order_and_first_failure_agrees() -> None:
    w = worker(
        id="W1",
        gender="male",
        experience=[],
        reg19={
            "photo_id_verified": False,
            "conduct_evidence": True,
            "reasons_for_leaving_verified": True,
            "employment_history_complete": True,
            "health_declaration": True,
        },
        availability=[],
    )
    g = gap(carer_gender="female", excluded_workers=["W1"], skills=["hoist"])
    compliance, wid, gid = judge(w, g)
    v = compliance.check_pair(wid, gid)
    assert v.codes == ["experience", "reg19", "skill", "gender", "excluded", "availability"]
    assert compliance.first_failure(wid, gid) == "experience"
    assert compliance.codes(wid, gid) == v.codes
    assert not v.ok


def test_lapses_and_next_review() -> None:
    w = worker(
        right_to_work={"check": "list_b_group2", "checked_on": "2026-07-10"},  # to 2027-01-10
        training=training(infection_prevention="2026-12-20"),
        skills=[{"name": "hoist", "expires": "2027-02-01"}],
        dbs=dbs(dt.date(2024, 3, 1), update_service=True, last_status_check="2026-10-01"),
    )
    v = verdict(w, gap(skills=["hoist"]))
    assert v.ok
    assert [(lapse.code, lapse.on) for lapse in v.lapses] == [
        ("training", dt.date(2026, 12, 21)),
        ("right_to_work", dt.date(2027, 1, 11)),
        ("skill", dt.date(2027, 2, 2)),
        ("dbs", dt.date(2027, 10, 2)),  # max(2024-03-01 + 1095, 2026-10-01 + 365) + 1
    ]
    assert v.next_review == dt.date(2026, 12, 21)
    assert "infection_prevention" in v.lapses[0].message


def test_no_lapses_for_unlimited_checks() -> None:
    v = verdict(worker(dbs=dbs(dt.date(2026, 6, 1))))
    assert [lapse.code for lapse in v.lapses] == ["dbs"]
    assert v.next_review == dt.date(2026, 6, 1) + 1096 * DAY


def test_check_worker_on_a_day() -> None:
    w = worker(
        id="W1",
        right_to_work={"check": "list_b_group2", "checked_on": "2026-06-15"},
        skills=[],
        availability=[],
        gender="male",
    )
    compliance = Compliance(load([w], [gap(skills=["hoist"], carer_gender="female")]))
    assert compliance.check_worker_on("W1", dt.date(2026, 12, 15)).ok
    v = compliance.check_worker_on("W1", dt.date(2026, 12, 16))
    assert v.codes == ["right_to_work"]
    assert "the work is on 2026-12-16" in v.failures[0].message
    assert compliance.check_worker_on("W1", dt.date(2026, 12, 1)).next_review == dt.date(
        2026, 12, 16
    )


def test_workers_and_gaps_by_object_or_id() -> None:
    scenario = load()
    compliance = Compliance(scenario)
    w, g = scenario.workers[0], scenario.gaps[0]
    assert compliance.check_pair(w, g) == compliance.check_pair(w.id, g.id)
    # A changed copy of a worker is judged as given, not from the cache.
    older = w.model_copy(update={"date_of_birth": dt.date(2010, 1, 1)})
    assert compliance.check_pair(older, g).codes == ["age"]
    assert compliance.check_pair(w.id, g.id).ok
