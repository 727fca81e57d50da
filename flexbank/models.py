"""The flexbank interchange format (``flexbank.scenario/1`` and ``/2``, ``flexbank.plan/1``
and ``/2``).

Version 2 extends version 1 (docs/spec/problem-format.md): its new fields are optional
here, and a version 1 file that gives one is rejected naming it (in version 1 it is an
unknown field). ``Scenario.version`` and ``Plan.version`` say which rules judge a file.

These pydantic models are the implementation of ``docs/spec/problem-format.md``. They
check the shape of every field (types, ranges, unknown fields, naive datetimes); the
checks that need the whole file (duplicate ids, dangling references, the horizon) live
in :mod:`flexbank.validation`, which reports every problem at once with its JSON path.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)

from flexbank import reasons

SCENARIO_FORMAT = "flexbank.scenario/1"
PLAN_FORMAT = "flexbank.plan/1"
SCENARIO_FORMAT_2 = "flexbank.scenario/2"
PLAN_FORMAT_2 = "flexbank.plan/2"
ScenarioFormat = Literal["flexbank.scenario/1", "flexbank.scenario/2", "flexbank.scenario/2.1"]
PlanFormat = Literal["flexbank.plan/1", "flexbank.plan/2", "flexbank.plan/2.1"]
SCENARIO_FORMAT_2_1: ScenarioFormat = "flexbank.scenario/2.1"
PLAN_FORMAT_2_1: PlanFormat = "flexbank.plan/2.1"
SCENARIO_FORMATS: dict[int, ScenarioFormat] = {1: "flexbank.scenario/1", 2: "flexbank.scenario/2"}
PLAN_FORMATS: dict[int, PlanFormat] = {1: "flexbank.plan/1", 2: "flexbank.plan/2"}

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
DbsResult = Literal["clear", "information_disclosed", "barred"]
StatusResult = Literal["no_change", "new_information"]
PlanStatus = Literal["optimal", "feasible", "no_solution"]


class Strict(BaseModel):
    """Base of every format model: unknown fields are errors, values are not coerced."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


#: The version 2 fields of each model (in a version 1 file they are unknown fields).
V2_FIELDS: dict[type[BaseModel], tuple[str, ...]] = {}


#: The version 2.1 fields of each model (docs/spec/problem-format.md, "Version 2.1"):
#: unknown fields in a /1 or /2 file, written out only when set (not None, not empty).
V21_FIELDS: dict[type[BaseModel], tuple[str, ...]] = {}


class WithV2Fields(Strict):
    """A model with optional version 2 (or 2.1) fields: written out only when set (a /1
    file read and written again stays a /1 file)."""

    @model_serializer(mode="wrap")
    def _drop_unset_v2(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        for name in V2_FIELDS.get(type(self), ()):
            if data.get(name) is None:
                data.pop(name, None)
        for name in V21_FIELDS.get(type(self), ()):
            if data.get(name) in (None, []):
                data.pop(name, None)
        return data


class Location(WithV2Fields):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    postcode: str | None = None
    # /2.1: the id of a travel matrix place this location is
    place: Id | None = None


#: A travel matrix entry: minutes, or None for "no entry" (the estimate is used).
MatrixEntry = Annotated[float, Field(ge=0, allow_inf_nan=False)] | None


class MatrixPlace(Strict):
    """A row and column of a travel matrix (/2.1)."""

    id: Id
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class TravelMatrix(Strict):
    """Road travel minutes between places, for some travel modes (/2.1)."""

    source: Id
    modes: Annotated[list[TravelMode], Field(min_length=1)]
    places: list[MatrixPlace]
    minutes: list[list[MatrixEntry]]


class Dependency(Strict):
    """A gap's start depends on another gap's start (/2.1, rule 13)."""

    gap_id: Id
    min_minutes: int = Field(ge=0)
    max_minutes: int | None = Field(default=None, ge=0)
    other_worker: bool = False

    @model_validator(mode="after")
    def _max_not_below_min(self) -> Dependency:
        if self.max_minutes is not None and self.max_minutes < self.min_minutes:
            raise ValueError(
                f"max_minutes {self.max_minutes} is below min_minutes {self.min_minutes}"
            )
        return self


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


class Dbs(WithV2Fields):
    level: DbsLevel
    adults_barred_list: bool
    issued: dt.date
    update_service: bool
    last_status_check: dt.date | None = None
    # /2
    result: DbsResult | None = None  # None: clear
    risk_assessed_on: dt.date | None = None
    last_status_result: StatusResult | None = None  # None: no_change


class Reg19(WithV2Fields):
    photo_id_verified: bool
    conduct_evidence: bool
    reasons_for_leaving_verified: bool
    employment_history_complete: bool
    health_declaration: bool
    # /2 (Schedule 3 paragraph 6); a /2 file must give it
    qualifications_verified: bool | None = None


class Commitment(Period):
    location: Location | None = None
    label: str | None = None
    main_job: bool = False


class HistoryEntry(Strict):
    provider_id: Id
    client_id: Id | None = None
    engagements: int = Field(default=1, ge=0)


class Worker(WithV2Fields):
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
    # /2
    night_health_assessment: dt.date | None = None
    employment_start: dt.date | None = None
    # /2.1
    max_travel_minutes: float | None = Field(default=None, gt=0, allow_inf_nan=False)

    @property
    def has_version_2_records(self) -> bool:
        """Whether the worker's records are those of version 2 (all six Schedule 3 flags)."""
        return self.reg19.qualifications_verified is not None

    def as_version_1(self) -> Worker:
        """The worker as a version 1 file has them: the version 2 fields left out (the
        two version 2 default courses stay, as records of other courses)."""
        data = self.model_dump(mode="json")
        for model, where in ((Worker, data), (Dbs, data["dbs"]), (Reg19, data["reg19"])):
            for name in V2_FIELDS[model]:
                where.pop(name, None)
        return Worker.model_validate_json(json.dumps(data))


class Gap(Period, WithV2Fields):
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
    # /2.1
    after: list[Dependency] = []
    late_minutes_allowed: int | None = Field(default=None, ge=0)

    @property
    def lateness_allowed(self) -> int:
        """Minutes it may start after ``start + start_tolerance_minutes`` (/2.1)."""
        return self.late_minutes_allowed or 0


class Pin(Strict):
    gap_id: Id
    worker_id: Id
    start: Instant | None = None


V2_FIELDS.update(
    {
        Dbs: ("result", "risk_assessed_on", "last_status_result"),
        Reg19: ("qualifications_verified",),
        Worker: ("night_health_assessment", "employment_start"),
    }
)
V21_FIELDS.update(
    {
        Location: ("place",),
        Worker: ("max_travel_minutes",),
        Gap: ("after", "late_minutes_allowed"),
    }
)


def _local_date(instant: dt.datetime, tz: str) -> dt.date:
    try:
        return instant.astimezone(ZoneInfo(tz)).date()
    except (ZoneInfoNotFoundError, ValueError):
        return instant.date()  # the unknown timezone is reported by validation


def _v2_fields_given(worker: Worker, path: str) -> list[str]:
    found = []
    for item, where in (
        (worker, path),
        (worker.dbs, f"{path}.dbs"),
        (worker.reg19, f"{path}.reg19"),
    ):
        for name in V2_FIELDS[type(item)]:
            if name in item.model_fields_set:
                found.append(f"{where}.{name}")
    return found


def _v21_fields_given(scenario: Scenario) -> list[str]:
    """The paths of the /2.1 fields a scenario gives (for a /1 or /2 file, unknown)."""
    found = ["travel_matrices"] if "travel_matrices" in scenario.model_fields_set else []

    def given(item: BaseModel, path: str) -> None:
        for name in V21_FIELDS.get(type(item), ()):
            if name in item.model_fields_set:
                found.append(f"{path}.{name}")

    for i, provider in enumerate(scenario.providers):
        given(provider.location, f"providers[{i}].location")
    for i, client in enumerate(scenario.clients):
        given(client.location, f"clients[{i}].location")
    for i, worker in enumerate(scenario.workers):
        given(worker, f"workers[{i}]")
        given(worker.home, f"workers[{i}].home")
        for j, commitment in enumerate(worker.commitments):
            if commitment.location is not None:
                given(commitment.location, f"workers[{i}].commitments[{j}].location")
    for i, gap in enumerate(scenario.gaps):
        given(gap, f"gaps[{i}]")
        if gap.location is not None:
            given(gap.location, f"gaps[{i}].location")
    return found


class Scenario(Strict):
    format: ScenarioFormat
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
    # /2.1
    travel_matrices: list[TravelMatrix] = []

    @property
    def version(self) -> int:
        """The major version (2 for ``flexbank.scenario/2.1``)."""
        return int(self.format.rsplit("/", 1)[1].split(".")[0])

    @property
    def minor(self) -> int:
        """The minor version (1 for ``flexbank.scenario/2.1``, else 0)."""
        number = self.format.rsplit("/", 1)[1]
        return int(number.split(".")[1]) if "." in number else 0

    @property
    def plan_format(self) -> PlanFormat:
        """The format of this scenario's plans (``flexbank.plan/2.1`` for a /2.1 file)."""
        return PLAN_FORMAT_2_1 if self.minor else PLAN_FORMATS[self.version]

    @model_serializer(mode="wrap")
    def _drop_empty_matrices(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        if not data.get("travel_matrices"):
            data.pop("travel_matrices", None)
        return data

    @model_validator(mode="after")
    def _fields_of_its_version(self) -> Scenario:
        problems = []
        if not self.minor:
            problems += [
                f"{path}: unknown field in {self.format} (a flexbank.scenario/2.1 field)"
                for path in _v21_fields_given(self)
            ]
        for i, worker in enumerate(self.workers):
            path = f"workers[{i}]"
            if self.version == 1:
                problems += [
                    f"{name}: unknown field in flexbank.scenario/1 (a flexbank.scenario/2 field)"
                    for name in _v2_fields_given(worker, path)
                ]
                continue
            if worker.reg19.qualifications_verified is None:
                problems.append(
                    f"{path}.reg19.qualifications_verified: required in flexbank.scenario/2 "
                    "(all six Schedule 3 flags)"
                )
            start = worker.employment_start
            if start is not None and start > _local_date(self.as_of, self.timezone):
                problems.append(f"{path}.employment_start: {start} is after as_of")
        if problems:
            raise ValueError("; ".join(problems))
        return self


# ---------------------------------------------------------------------------- plans


class Assignment(Strict):
    gap_id: Id
    worker_id: Id
    start: Instant
    end: Instant


#: Reason codes that exist in one version of the plan format only (from the registry).
_ONLY_IN = {r.code: r.versions[0] for r in reasons.REASONS if len(r.versions) == 1}
_SINCE_MINOR = {r.code: r.since_minor for r in reasons.REASONS if r.since_minor}


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
    format: PlanFormat
    scenario: str
    status: PlanStatus
    assignments: list[Assignment] = []
    unfilled: list[Unfilled] = []
    released: list[Released] = []
    metrics: Metrics = Metrics()

    @property
    def version(self) -> int:
        """The major version (2 for ``flexbank.plan/2.1``)."""
        return int(self.format.rsplit("/", 1)[1].split(".")[0])

    @property
    def minor(self) -> int:
        number = self.format.rsplit("/", 1)[1]
        return int(number.split(".")[1]) if "." in number else 0

    @model_validator(mode="after")
    def _codes_of_its_version(self) -> Plan:
        problems = []
        for i, entry in enumerate(self.unfilled):
            for j, reason in enumerate(entry.reasons):
                only = _ONLY_IN.get(reason.code)
                if reason.code in _SINCE_MINOR and self.minor < _SINCE_MINOR[reason.code]:
                    problems.append(
                        f"unfilled[{i}].reasons[{j}].code: {reason.code!r} is a "
                        f"flexbank.plan/2.{_SINCE_MINOR[reason.code]} code, not valid in "
                        f"{self.format}"
                    )
                elif only is not None and only != self.version:
                    problems.append(
                        f"unfilled[{i}].reasons[{j}].code: {reason.code!r} is a "
                        f"flexbank.plan/{only} code, not valid in {self.format}"
                    )
        if problems:
            raise ValueError("; ".join(problems))
        return self
