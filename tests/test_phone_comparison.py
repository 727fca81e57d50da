"""The plan against the phone round in words: a sentence per priority behind it."""

from __future__ import annotations

from flexbank.matching.phone_comparison import behind_phone_round

PHONE = {"emergency": 17.5, "urgent": 2.5, "routine": 5.25}


def test_nothing_is_said_when_no_priority_is_behind() -> None:
    assert behind_phone_round({"emergency": 18, "urgent": 2.5, "routine": 6}, PHONE) == []
    # a few seconds is rounding, not a trade
    assert behind_phone_round({"emergency": 17.5, "urgent": 2.5, "routine": 5.245}, PHONE) == []
    # a plan without a phone round to compare with says nothing
    assert behind_phone_round({"emergency": 1.0, "urgent": 0, "routine": 0}, {}) == []


def test_a_priority_behind_says_by_how_much_and_what_was_covered_instead() -> None:
    covered = {"emergency": 18.25, "urgent": 2.5, "routine": 4.75}
    assert behind_phone_round(covered, PHONE) == [
        "Routine: 30 minutes fewer than a phone round would cover, because the same "
        "workers cover 45 minutes more emergency work."
    ]


def test_only_higher_priorities_count_as_the_reason() -> None:
    # urgent is behind and routine ahead: routine hours are no reason for fewer urgent
    covered = {"emergency": 17.5, "urgent": 1.5, "routine": 7.25}
    assert behind_phone_round(covered, PHONE) == [
        "Urgent: 1 hour fewer than a phone round would cover."
    ]
    covered = {"emergency": 19.5, "urgent": 3.5, "routine": 2.25}
    assert behind_phone_round(covered, PHONE) == [
        "Routine: 3 hours fewer than a phone round would cover, because the same workers "
        "cover 2 hours more emergency work and 1 hour more urgent work."
    ]
