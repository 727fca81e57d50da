"""Plain words for what the service says in codes: rule codes, statuses, the words of
the format (``moving_handling``, ``reg19``), priorities and plan states. People read
these; they never see a code, a rule number or a solver's term."""

from __future__ import annotations

#: Why a worker cannot take a gap, as a coordinator says it on the phone.
RULE_TEXT: dict[str, str] = {
    "experience": "has less than 9 months of UK care experience",
    "right_to_work": "their right to work does not cover that day",
    "dbs": "their DBS check is not enhanced with the barred list, or is out of date",
    "reg19": "their pre-employment checks are not complete",
    "training": "their mandatory training is missing or out of date",
    "age": "is under 18 on that day",
    "skill": "does not have a skill this gap needs",
    "gender": "the client asked for a carer of another gender",
    "excluded": "the client or provider asked not to have them",
    "short_visit": "short visits go only to a carer the client knows",
    "distance": "lives further away than they will travel",
    "availability": "has not said they are free then",
    "length": "the gap is longer than anyone may work in one go",
    "overlap": "is busy then, or could not travel there in time",
    "rest": "would not get enough rest between shifts",
    "daily_rest": "would not get 11 hours' rest between shifts",
    "weekly_rest": "would not get a day off that week",
    "break": "would work too long without a break",
    "night_assessment": "needs a night worker's health assessment first",
    "working_time": "would go over 48 hours a week on average",
    "visa_hours": "would go over the hours their visa allows",
    "offered_hours": "would go over the hours a week they offered",
    "double_up": "cannot start at the same time as the other carer",
    "outcompeted": "is free, but the plan uses them on a more urgent gap",
    "headcount": "the gap already has all the workers it needs",
    "eligible": "can take it",
    "booked": "is booked on it",
    "expired": "the offer has run out of time",
    "started": "the gap has already started",
    "filled": "the gap is already filled",
    "cancelled": "the gap was cancelled",
    "offered": "the offer is still waiting for an answer",
    "accepted": "the offer is already accepted",
    "declined": "the offer was declined",
    "withdrawn": "the offer was withdrawn",
}

#: Reasons (filter) shown on call lists, in the order a coordinator thinks of them.
REASON_GROUPS: tuple[tuple[str, str], ...] = (
    ("eligible", "Can take it"),
    ("availability", "Not free then"),
    ("overlap", "Busy then"),
    ("distance", "Too far"),
    ("compliance", "Checks or training"),
    ("hours", "Hours or rest"),
    ("other", "Other reasons"),
)
_COMPLIANCE = {"experience", "right_to_work", "dbs", "reg19", "training", "age", "skill"}
_HOURS = {"rest", "daily_rest", "weekly_rest", "break", "working_time", "visa_hours"}
_HOURS |= {"offered_hours", "night_assessment"}


def reason_group(code: str) -> str:
    if code in ("eligible", "availability", "overlap", "distance"):
        return code
    if code in _COMPLIANCE:
        return "compliance"
    if code in _HOURS:
        return "hours"
    return "other"


def rule_text(code: str) -> str:
    return RULE_TEXT.get(code, code.replace("_", " "))


def sentence(code: str) -> str:
    """The rule's text as a sentence of its own: 'Has not said they are free then.'"""
    text = rule_text(code)
    return text[:1].upper() + text[1:] + "."


def rules_text(codes: list[str]) -> str:
    """'their DBS check ... and does not have a skill this gap needs'."""
    texts = [rule_text(c) for c in dict.fromkeys(codes)]
    if len(texts) <= 1:
        return texts[0] if texts else ""
    return ", ".join(texts[:-1]) + " and " + texts[-1]


#: The format's words as people say them.
WORDS: dict[str, str] = {
    "reg19": "Pre-employment checks",
    "dbs": "DBS check",
    "right_to_work": "Right to work",
    "moving_handling": "Moving and handling",
    "safeguarding_adults": "Safeguarding adults",
    "infection_prevention": "Infection prevention",
    "basic_life_support": "Basic life support",
    "end_of_life": "End of life care",
    "peg_feeding": "PEG feeding",
    "complex_care": "Complex care",
    "emergency_home_care": "Emergency home care",
    "winter_pressure": "Winter pressure",
    "service_closure": "Service closure",
    "care_home": "Care home",
    "home_care": "Home care",
    "supported_living": "Supported living",
    "public_transport": "Public transport",
    "list_a": "List A document",
    "list_b_group1": "List B group 1 (time-limited)",
    "list_b_group2": "List B group 2 (checking service)",
    "online": "Online check (share code)",
    "idsp": "Digital identity check",
    "optimal": "Best possible plan",
    "feasible": "Good plan (the solver ran out of time before proving it is the best)",
    "no_solution": "No plan found",
    "succeeded": "Ready to review",
}


def word(code: str | None) -> str:
    if not code:
        return ""
    return WORDS.get(code, code.replace("_", " ").capitalize())


def run_name(key: str, run_id: int) -> str:
    """'Daily allocation for Mon 30 Nov' or 'Allocation 3 (started by hand)'."""
    if key.startswith("daily:"):
        return f"Daily allocation of {key.split(':', 1)[1]}"
    return f"Allocation {run_id} (started by hand)"
