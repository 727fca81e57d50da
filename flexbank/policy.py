"""Policy thresholds of ``rules.md``: defaults, overridden by a scenario's ``policy``.

Every number a council might want to change lives here under the name rules.md gives
it, so a threshold changes by data (a scenario's ``policy`` object, or the service's
settings), never by code.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationError

DEFAULT_MANDATORY_TRAINING = (
    "safeguarding_adults",
    "moving_handling",
    "infection_prevention",
    "basic_life_support",
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

    @property
    def wtd_limit_minutes(self) -> float:
        """Most working minutes in any run of ``wtd_reference_weeks`` weeks."""
        return self.wtd_average_hours * self.wtd_reference_weeks * 60


def policy_from(overrides: dict[str, object] | None) -> Policy:
    """The defaults with a scenario's overrides applied; unknown names are errors."""
    return Policy.model_validate(overrides or {})


__all__ = ["Policy", "Speeds", "ValidationError", "policy_from"]
