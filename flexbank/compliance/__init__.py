"""Compliance (rules.md section 1): may worker W work gap G, and when to review them.

>>> from flexbank.compliance import Compliance
>>> verdict = Compliance(scenario).check_pair("W0001", "G00003")  # doctest: +SKIP
>>> verdict.ok, verdict.codes, verdict.next_review  # doctest: +SKIP
"""

from __future__ import annotations

from flexbank.compliance.assess import Compliance, Failure, Lapse, Verdict
from flexbank.compliance.register import Register, build_register, pair_codes
from flexbank.compliance.rules import (
    CODES,
    RULES,
    RULES_BY_CODE,
    WORKER_CODES,
    Rule,
    birthday,
    experience_days,
)

__all__ = [
    "CODES",
    "RULES",
    "RULES_BY_CODE",
    "WORKER_CODES",
    "Compliance",
    "Failure",
    "Lapse",
    "Register",
    "Rule",
    "Verdict",
    "birthday",
    "build_register",
    "experience_days",
    "pair_codes",
]
