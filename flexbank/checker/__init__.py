"""The independent checker: is a plan valid (rules.md section 2), and how good is it
(section 3)?

It shares only the data models, the policy parameters, the scenario index, the
compliance module (section 1), the registry of rule names (:mod:`flexbank.reasons`) and
the geodesic distance with the solver; every rule of section 2, the local weeks, night
time, travel minutes and the quality figures are written here afresh from the text of
rules.md, so that the checker can catch the solver's mistakes.

>>> violations = check_plan(scenario, plan)   # [] means valid
>>> quality(scenario, plan).key()             # bigger is better
"""

from __future__ import annotations

from dataclasses import dataclass

from flexbank.checker.context import Context
from flexbank.checker.quality import Quality, compute
from flexbank.checker.rules import RULES
from flexbank.checker.violations import RULE_NAMES, Violation
from flexbank.models import Plan, Scenario


def check_plan(scenario: Scenario, plan: Plan) -> list[Violation]:
    """Every break of a hard rule of rules.md section 2, by rule; ``[]`` means valid."""
    ctx = Context(scenario, plan)
    return [v for rule in RULES for v in rule(ctx)]


def quality(scenario: Scenario, plan: Plan) -> Quality:
    """The section 3 figures of a plan (whether or not it is valid)."""
    return compute(Context(scenario, plan))


@dataclass
class CheckReport:
    violations: list[Violation]
    quality: Quality

    @property
    def valid(self) -> bool:
        return not self.violations

    def to_dict(self) -> dict[str, object]:
        return {
            "valid": self.valid,
            "violations": [v.to_dict() for v in self.violations],
            "quality": self.quality.to_dict(),
        }


def check(scenario: Scenario, plan: Plan) -> CheckReport:
    """Violations and quality together, sharing one look at the plan."""
    ctx = Context(scenario, plan)
    return CheckReport([v for rule in RULES for v in rule(ctx)], compute(ctx))


__all__ = [
    "RULE_NAMES",
    "CheckReport",
    "Quality",
    "Violation",
    "check",
    "check_plan",
    "quality",
]
