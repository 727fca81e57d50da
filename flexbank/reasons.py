"""The one registry of reason codes (rules.md sections 1, 2 and 4).

Every code a plan, a ranking, an explanation or the checker can give is listed here
once, with the rule of rules.md it comes from and its plain-English texts. Legality,
problem, explain, rank and the checker read this table; none of them keeps its own
list. Adding a rule means adding one :class:`Reason` here (and its rule in the model,
the roster rules and the checker).

Texts for people never name a rule number or a code: ``many`` completes "N worker(s)
...", ``one`` completes "<worker> ...", and ``detail`` is a template over the policy
(and ``visa_limit``, ``offered``) for the ranker's one-line reasons.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Reason:
    code: str
    rule: str  # where in rules.md: "1" for a section 1 check, else the section 2 rule
    versions: tuple[int, ...]  # format versions whose plans may carry the code
    many: str
    one: str
    detail: str = ""
    compliance: bool = False
    since_minor: int = 0  # version 2 minor version that introduced it (2.1: 1)

    def describe(self, params: Mapping[str, object]) -> str:
        """The ranker's sentence, with the policy's numbers filled in."""
        return (self.detail or self.one).format(**params)


_BOTH = (1, 2)

#: Every reason, in the order of rules.md section 4 for version 2 (the /1 order is the
#: same with ``rest`` in place of ``daily_rest``, ``weekly_rest`` and ``break``).
REASONS: tuple[Reason, ...] = (
    Reason("experience", "1", _BOTH, "have under the required UK care experience",
           "has under the required UK care experience", compliance=True),
    Reason("right_to_work", "1", _BOTH, "have no right-to-work check valid for the gap's dates",
           "has no right-to-work check valid for the gap's dates", compliance=True),
    Reason("dbs", "1", _BOTH, "have no enhanced DBS (adults' barred list) current for the gap",
           "has no enhanced DBS (adults' barred list) current for the gap", compliance=True),
    Reason("reg19", "1", _BOTH, "have an incomplete Regulation 19 file",
           "has an incomplete Regulation 19 file", compliance=True),
    Reason("training", "1", _BOTH, "have mandatory training missing or expired by the gap",
           "has mandatory training missing or expired by the gap", compliance=True),
    Reason("night_assessment", "1", (2,),
           "have no night health assessment current for this night work",
           "has no night health assessment current for this night work", compliance=True),
    Reason("age", "1", _BOTH, "are under the minimum age on the gap's date",
           "is under the minimum age on the gap's date", compliance=True),
    Reason("skill", "1", _BOTH, "lack a required skill", "lacks a required skill",
           compliance=True),
    Reason("gender", "1", _BOTH, "do not match the carer gender required",
           "does not match the carer gender required", compliance=True),
    Reason("excluded", "1", _BOTH, "are excluded by the provider or client",
           "is excluded by the provider or client", compliance=True),
    Reason("short_visit", "1", _BOTH,
           "do not know the client (short calls go only to known carers)",
           "does not know the client (short calls go only to known carers)", compliance=True),
    Reason("distance", "1", _BOTH, "live beyond their travel limit",
           "lives beyond their travel limit", compliance=True),
    Reason("availability", "1", _BOTH, "are not available for the whole engagement",
           "is not available for the whole engagement",
           "not available for the whole engagement at any allowed start", compliance=True),
    Reason("length", "6", _BOTH,
           "cannot work an engagement this long (over the maximum engagement length)",
           "cannot work an engagement this long (over the maximum engagement length)",
           "the gap is longer than the longest engagement allowed"),
    Reason("overlap", "5", _BOTH, "are busy then (other work, with travel time)",
           "is busy then (other work, with travel time)",
           "busy then: another engagement, or not enough time to travel between them"),
    Reason("rest", "7, 8", (1,), "would break daily or weekly rest",
           "would break daily or weekly rest",
           "would break rest rules: {daily_rest_hours:g} h between duty periods, duty "
           "periods of at most {max_duty_span_hours:g} h, and {weekly_rest_hours:g} h "
           "unbroken rest each week"),
    Reason("daily_rest", "7", (2,),
           "would break daily rest (a working day too long, or too little rest between)",
           "would break daily rest (a working day too long, or too little rest between)",
           "would work a day of over {max_duty_span_hours:g} h, or rest under "
           "{daily_rest_hours:g} h between working days"),
    Reason("weekly_rest", "8", (2,), "would have no full day of rest that week",
           "would have no full day of rest that week",
           "would have no unbroken {weekly_rest_hours:g} h of rest that week"),
    Reason("break", "12", (2,),
           "would work back-to-back too long without a rest break",
           "would work back-to-back too long without a rest break",
           "would work over {break_after_hours:g} h back to back without a "
           "{break_minutes:g}-minute break"),
    Reason("working_time", "9", _BOTH, "would go over the 48-hour average",
           "would go over the 48-hour average",
           "would take working time over {wtd_average_hours:g} h a week on average over "
           "{wtd_reference_weeks} weeks"),
    Reason("visa_hours", "10", _BOTH, "would go over their visa's weekly hour limit",
           "would go over their visa's weekly hour limit",
           "would go over the visa's {visa_limit:g}-hour weekly limit"),
    Reason("offered_hours", "11", _BOTH, "would go over the hours they offered this week",
           "would go over the hours they offered that week",
           "would go over the {offered:g} hours a week they offered"),
    Reason("double_up", "2", _BOTH,
           "could not be paired with enough others at one start time",
           "is free, but not enough workers are free at one start time",
           "cannot start at the same time as the other carers on this visit"),
    Reason("dependency", "13", (2,),
           "could not be placed: the visit this one depends on is not filled at a time "
           "that allows it",
           "is free, but the visit this one depends on is not filled at a time that allows it",
           "depends on another visit that is not filled at a time that allows it",
           since_minor=1),
    Reason("outcompeted", "section 3", _BOTH,
           "are eligible and free but placed on a better gap",
           "is eligible and free but placed on a better gap"),
)  # fmt: skip

BY_CODE: dict[str, Reason] = {r.code: r for r in REASONS}

#: The hard rules of rules.md section 2 by number, with their short names (rule 12 is
#: version 2 only).
RULE_NAMES: dict[int, str] = {
    1: "eligible",
    2: "headcount",
    3: "timing",
    4: "pinned",
    5: "overlap",
    6: "length",
    7: "daily_rest",
    8: "weekly_rest",
    9: "working_time",
    10: "visa_hours",
    11: "offered_hours",
    12: "break",
    13: "dependency",
}


def _in(reason: Reason, version: int, minor: int) -> bool:
    return version in reason.versions and minor >= reason.since_minor


def section_4_order(version: int, minor: int = 0) -> tuple[str, ...]:
    """Every code a plan of this format version may carry, in rules.md section 4 order."""
    return tuple(r.code for r in REASONS if _in(r, version, minor))


def compliance_codes(version: int, minor: int = 0) -> tuple[str, ...]:
    return tuple(r.code for r in REASONS if r.compliance and _in(r, version, minor))


def plan_codes(version: int, minor: int = 0) -> tuple[str, ...]:
    """The codes after the compliance ones (``length`` ... ``outcompeted``)."""
    return tuple(r.code for r in REASONS if not r.compliance and _in(r, version, minor))


#: The roster rules' codes (rules 5, 7-12) as the version 2 names them, in order.
ROSTER_CODES: tuple[str, ...] = (
    "overlap",
    "daily_rest",
    "weekly_rest",
    "break",
    "working_time",
    "visa_hours",
    "offered_hours",
)


def in_version(code: str, version: int) -> str:
    """A version 2 roster code as a plan of ``version`` spells it (/1: one ``rest``)."""
    if version == 1 and code in ("daily_rest", "weekly_rest", "break"):
        return "rest"
    return code


def many(code: str) -> str:
    found = BY_CODE.get(code)
    return found.many if found else code


def one(code: str) -> str:
    found = BY_CODE.get(code)
    return found.one if found else code


__all__ = [
    "BY_CODE",
    "REASONS",
    "ROSTER_CODES",
    "RULE_NAMES",
    "Reason",
    "compliance_codes",
    "in_version",
    "many",
    "one",
    "plan_codes",
    "section_4_order",
]
