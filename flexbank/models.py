"""The flexbank interchange format (``flexbank.scenario/1`` and ``flexbank.plan/1``).

These pydantic models are the implementation of ``docs/spec/problem-format.md``. They
check the shape of every field (types, ranges, unknown fields, naive datetimes); the
checks that need the whole file (duplicate ids, dangling references, the horizon) live
in :mod:`flexbank.validation`, which reports every problem at once with its JSON path.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    model_validator,
)

SCENARIO_FORMAT = "flexbank.scenario/1"
PLAN_FORMAT = "flexbank.plan/1"

#: An instant with an explicit UTC offset; written back in the same ISO form.
Instant = Annotated[AwareDatetime, PlainSerializer(lambda d: d.isoformat(), return_type=str)]
Id = Annotated[str, Field(min_length=1)]

Gender = Literal["female", "male", "other"]
TravelMode = Literal["walk", "cycle", "public_transport", "drive"]
ProviderKind = Literal["care_home", "home_care", "supported_living", "other"]
GapKind = Literal["shift", "visit"]
GapReason = Literal[
    "sickness",
    "holiday",
    "winter_pressure",
    "emergency_home_care",
    "service_closure",
    "vacancy",
    "other",
]
Priority = Literal["emergency", "urgent", "routine"]
PRIORITIES: tuple[Priority, ...] = ("emergency", "urgent", "routine")
CheckKind = Literal["list_a", "list_b_group1", "list_b_group2", "online", "idsp"]
LimitScope = Literal["all_work", "outside_main_job"]
DbsLevel = Literal["basic", "standard", "enhanced"]
PlanStatus = Literal["optimal", "feasible", "no_solution"]


class Strict(BaseModel):
    """Base of every format model: unknown fields are errors, values are not coerced."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Location(Strict):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    postcode: str | None = None


class Period(Strict):
    """A stretch of time, ``start`` inclusive and ``end`` exclusive."""

    start: Instant
    end: Instant

    @model_validator(mode="after")
    def _end_after_start(self) -> Period:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class DateRange(Strict):
    """Dates inclusive at both ends."""

    start: dt.date
    end: dt.date

    @model_validator(mode="after")
    def _end_not_before_start(self) -> DateRange:
        if self.end < self.start:
            raise ValueError("end must not be before start")
        return self


class Provider(Strict):
    id: Id
    name: str
    kind: ProviderKind
    location: Location


class Client(Strict):
    id: Id
    provider_id: Id
    location: Location
    carer_gender: Gender | None = None
    excluded_workers: list[Id] = []
    preferred_workers: list[Id] = []


class Skill(Strict):
    name: Id
    expires: dt.date | None = None


class TrainingRecord(Strict):
    course: Id
    completed: dt.date
    expires: dt.date | None = None


class Experience(Strict):
    role: str
    sector: str
    country: str
    start: dt.date
    end: dt.date | None = None

    @model_validator(mode="after")
    def _end_not_before_start(self) -> Experience:
        if self.end is not None and self.end < self.start:
            raise ValueError("end must not be before start")
        return self


class RightToWork(Strict):
    check: CheckKind
    checked_on: dt.date
    permission_expires: dt.date | None = None
    weekly_hour_limit: float | None = Field(default=None, gt=0)
    limit_scope: LimitScope = "all_work"
    limit_lifted: list[DateRange] = []

    @model_validator(mode="after")
    def _time_limited_needs_expiry(self) -> RightToWork:
        # rules.md section 1, right_to_work: invalid input, rejected when read.
        if self.permission_expires is None:
            if self.check == "list_b_group1":
                raise ValueError("a list_b_group1 check needs permission_expires")
            if self.weekly_hour_limit is not None:
                raise ValueError("a check with a weekly_hour_limit needs permission_expires")
        return self


class Dbs(Strict):
    level: DbsLevel
    adults_barred_list: bool
    issued: dt.date
    update_service: bool
    last_status_check: dt.date | None = None


class Reg19(Strict):
    photo_id_verified: bool
    conduct_evidence: bool
    reasons_for_leaving_verified: bool
    employment_history_complete: bool
    health_declaration: bool


class Commitment(Period):
    location: Location | None = None
    label: str | None = None
    main_job: bool = False


class HistoryEntry(Strict):
    provider_id: Id
    client_id: Id | None = None
    engagements: int = Field(default=1, ge=0)


class Worker(Strict):
    id: Id
    name: str
    gender: Gender
    date_of_birth: dt.date
    home: Location
    travel_mode: TravelMode
    max_travel_km: float = Field(ge=0)
    skills: list[Skill] = []
    training: list[TrainingRecord] = []
    experience: list[Experience] = []
    right_to_work: RightToWork
    dbs: Dbs
    reg19: Reg19
    availability: list[Period] = []
    commitments: list[Commitment] = []
    max_hours_per_week: float = Field(ge=0)
    wtd_opt_out: bool = False
    previous_weekly_hours: list[Annotated[float, Field(ge=0, le=168)]] = []
    history: list[HistoryEntry] = []


class Gap(Period):
    id: Id
    provider_id: Id
    client_id: Id | None = None
    kind: GapKind
    reason: GapReason
    priority: Priority
    start_tolerance_minutes: int = Field(default=0, ge=0)
    location: Location | None = None
    skills: list[Id] = []
    headcount: int = Field(default=1, ge=1)
    carer_gender: Gender | None = None
    excluded_workers: list[Id] = []


class Pin(Strict):
    gap_id: Id
    worker_id: Id
    start: Instant | None = None


class Scenario(Strict):
    format: Literal["flexbank.scenario/1"]
    name: str
    timezone: str = "Europe/London"
    as_of: Instant
    horizon: Period
    policy: dict[str, object] = {}
    providers: list[Provider] = []
    clients: list[Client] = []
    workers: list[Worker] = []
    gaps: list[Gap] = []
    pinned: list[Pin] = []


# ---------------------------------------------------------------------------- plans


class Assignment(Strict):
    gap_id: Id
    worker_id: Id
    start: Instant
    end: Instant


class Reason(Strict):
    code: str
    workers: int = Field(ge=0)
    message: str


class Unfilled(Strict):
    gap_id: Id
    missing: int = Field(ge=1)
    reasons: list[Reason] = []


class Released(Strict):
    gap_id: Id
    worker_id: Id
    codes: list[str]


class HoursByPriority(Strict):
    emergency: float = 0.0
    urgent: float = 0.0
    routine: float = 0.0


class Metrics(BaseModel):
    """Open to extra entries (the only open object of the format)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    covered_hours: HoursByPriority = HoursByPriority()
    continuity: int = 0
    travel_minutes: int = 0
    solve_seconds: float = 0.0
    upper_bound_hours: HoursByPriority | None = None


class Plan(Strict):
    format: Literal["flexbank.plan/1"]
    scenario: str
    status: PlanStatus
    assignments: list[Assignment] = []
    unfilled: list[Unfilled] = []
    released: list[Released] = []
    metrics: Metrics = Metrics()
