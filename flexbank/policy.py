"""Policy thresholds of ``rules.md``: defaults, overridden by a scenario's ``policy``.

Every number a council might want to change lives here under the name rules.md gives
it, so a threshold changes by data (a scenario's ``policy`` object, or the service's
settings), never by code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

DEFAULT_MANDATORY_TRAINING = (
    "safeguarding_adults",
    "moving_handling",
    "infection_prevention",
    "basic_life_support",
)
#: rules.md version 2 adds two default courses.
DEFAULT_MANDATORY_TRAINING_2 = (*DEFAULT_MANDATORY_TRAINING, "fire_safety", "health_safety")
#: rules.md version 2: how long a training record without ``expires`` lasts.
DEFAULT_TRAINING_VALIDITY_MONTHS = {"moving_handling": 12, "basic_life_support": 12, "default": 36}

#: Policy names that exist only in a version 2 scenario.
V2_NAMES = (
    "training_validity_months",
    "night_start",
    "night_end",
    "night_min_hours",
    "night_assessment_max_age_days",
    "break_minutes",
    "break_after_hours",
)


class Speeds(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    walk: float = Field(default=4.5, gt=0)
    cycle: float = Field(default=12.0, gt=0)
    public_transport: float = Field(default=15.0, gt=0)
    drive: float = Field(default=30.0, gt=0)


class Policy(BaseModel):
    """The policy parameters of rules.md, by the names in brackets there."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # section 1: compliance
    min_uk_care_experience_days: int = Field(default=274, ge=0)
    dbs_max_age_days: int = Field(default=1095, ge=0)
    dbs_status_check_max_age_days: int = Field(default=365, ge=0)
    mandatory_training: tuple[str, ...] = DEFAULT_MANDATORY_TRAINING
    min_age: int = Field(default=18, ge=0)
    short_visit_minutes: int = Field(default=30, ge=0)
    # section 0: travel
    speeds_kmh: Speeds = Speeds()
    detour_factor: float = Field(default=1.3, ge=1.0)
    # section 2: hard rules of a plan
    max_engagement_hours: float = Field(default=12, gt=0)
    daily_rest_hours: float = Field(default=11, ge=0)
    max_duty_span_hours: float = Field(default=13, gt=0)
    weekly_rest_hours: float = Field(default=24, ge=0, le=168)
    wtd_average_hours: float = Field(default=48, gt=0)
    wtd_reference_weeks: int = Field(default=17, ge=1)
    # version 2
    training_validity_months: dict[str, int] = DEFAULT_TRAINING_VALIDITY_MONTHS
    night_start: str = "23:00"
    night_end: str = "06:00"
    night_min_hours: float = Field(default=3, ge=0)
    night_assessment_max_age_days: int = Field(default=365, ge=0)
    break_minutes: int = Field(default=20, ge=0)
    break_after_hours: float = Field(default=6, gt=0)

    @field_validator("night_start", "night_end")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        try:
            dt.time.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a local time HH:MM") from None
        if len(value) != 5:
            raise ValueError(f"{value!r} is not a local time HH:MM")
        return value

    @field_validator("training_validity_months")
    @classmethod
    def _merge_validity(cls, value: dict[str, int]) -> dict[str, int]:
        # an override of a policy object changes only the entries it names
        if any(months < 0 for months in value.values()):
            raise ValueError("months must not be negative")
        return {**DEFAULT_TRAINING_VALIDITY_MONTHS, **value}

    def validity_months(self, course: str) -> int:
        table = self.training_validity_months
        return table.get(course, table.get("default", 36))

    @property
    def wtd_limit_minutes(self) -> float:
        """Most working minutes in any run of ``wtd_reference_weeks`` weeks."""
        return self.wtd_average_hours * self.wtd_reference_weeks * 60


def version_problems(overrides: dict[str, object] | None, version: int) -> list[tuple[str, str]]:
    """(name, problem) for overrides a format version does not allow (beyond their shape):
    the version 2 names in a version 1 scenario; in version 2, a ``min_age`` below 18."""
    values = overrides or {}
    if version == 1:
        return [
            (name, "unknown field in flexbank.scenario/1 (a flexbank.scenario/2 policy name)")
            for name in V2_NAMES
            if name in values
        ]
    age = values.get("min_age")
    if isinstance(age, int) and age < 18:
        return [("min_age", f"{age} is below 18: the limits for young workers are not encoded")]
    return []


def policy_from(overrides: dict[str, object] | None, version: int = 1) -> Policy:
    """The defaults of a format version with a scenario's overrides applied.

    Unknown names are errors, and so is anything :func:`version_problems` reports.
    """
    problems = version_problems(overrides, version)
    if problems:
        raise ValueError("; ".join(f"policy.{name}: {text}" for name, text in problems))
    values = dict(overrides or {})
    if version >= 2:
        values.setdefault("mandatory_training", DEFAULT_MANDATORY_TRAINING_2)
    return Policy.model_validate(values)


@dataclass(frozen=True)
class Limits:
    """The section 2 thresholds in whole minutes, read by the model and the roster rules."""

    max_engagement: int
    daily_rest: int
    duty_span: int
    weekly_rest: int
    reference_weeks: int
    week_average: float  # wtd_average_hours in minutes
    wtd_window: float  # the most working minutes in a full window
    break_idle: int  # rule 12: idle time under this joins the stretch
    break_after: int  # rule 12: a stretch spans at most this

    @classmethod
    def of(cls, policy: Policy) -> Limits:
        return cls(
            max_engagement=round(policy.max_engagement_hours * 60),
            daily_rest=round(policy.daily_rest_hours * 60),
            duty_span=round(policy.max_duty_span_hours * 60),
            weekly_rest=round(policy.weekly_rest_hours * 60),
            reference_weeks=policy.wtd_reference_weeks,
            week_average=policy.wtd_average_hours * 60,
            wtd_window=policy.wtd_limit_minutes,
            break_idle=policy.break_minutes,
            break_after=round(policy.break_after_hours * 60),
        )


__all__ = ["Limits", "Policy", "Speeds", "ValidationError", "policy_from", "version_problems"]
