"""The service layer's contract: who is asking, what can go wrong, what goes in and out.

The REST API, the scheduler and the command line call the service layer only through
:class:`Bank` (implemented in :mod:`flexbank.services.bank`). Records reuse the
interchange format's models (:mod:`flexbank.models`) so a scenario file, the database
and the API speak about providers, clients, workers and gaps in the same words.

Every method that changes state is one transaction: it either commits whole or
leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from flexbank.models import Client as Client
from flexbank.models import (
    GapKind,
    GapReason,
    Gender,
    Instant,
    Location,
    Plan,
    Priority,
    Provider,
    Scenario,
    Worker,
)
from flexbank.models import Period as Period
from flexbank.validation import Problem

if TYPE_CHECKING:  # the optimiser loads only when a run starts
    from flexbank.matching.solver import Progress
    from flexbank.services.paging import Page

Role = Literal["coordinator", "provider", "worker"]
OfferStatus = Literal["offered", "accepted", "declined", "expired", "withdrawn"]
BookingStatus = Literal["booked", "flagged", "cancelled"]
GapStatus = Literal["open", "filled", "cancelled"]
RunStatus = Literal["running", "succeeded", "failed", "published"]


@dataclass(frozen=True)
class Actor:
    """Who is calling: a coordinator (everything), a provider or a worker (their own)."""

    role: Role
    subject_id: str | None = None  # provider id or worker id; None for coordinators
    name: str = ""

    @classmethod
    def system(cls) -> Actor:
        """The scheduler and the command line act as a coordinator named 'system'."""
        return cls("coordinator", None, "system")


# ------------------------------------------------------------------------- errors


class ServiceError(Exception):
    """Base of the errors the service layer raises on purpose."""


class NotFound(ServiceError):
    """No such record (or the actor may not know it exists). HTTP 404."""


class Forbidden(ServiceError):
    """The actor's role does not allow this. HTTP 403."""


class Conflict(ServiceError):
    """The request is well formed but the state does not allow it (e.g. the gap is
    full, the offer has expired, accepting would break a hard rule). HTTP 409; the
    message says why, with rule codes where a rule is the reason."""

    def __init__(self, message: str, codes: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.codes = list(codes)


class InvalidInput(ServiceError):
    """Input that reads but makes no sense (dangling ids, end before start). HTTP 422
    with every problem and its JSON path, like the file loader."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = list(problems)


# ------------------------------------------------------------------------ schemas


class Schema(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GapIn(Schema):
    """A provider's post of a gap (the format's Gap without id and provider)."""

    client_id: str | None = None
    kind: GapKind
    reason: GapReason
    priority: Priority
    start: Instant
    end: Instant
    start_tolerance_minutes: int = Field(default=0, ge=0)
    location: Location | None = None
    skills: list[Annotated[str, Field(min_length=1, max_length=64)]] = []
    headcount: int = Field(default=1, ge=1, le=50)
    carer_gender: Gender | None = None
    excluded_workers: list[str] = []


class GapOut(Schema):
    id: str
    provider_id: str
    client_id: str | None
    kind: GapKind
    reason: GapReason
    priority: Priority
    start: Instant
    end: Instant
    start_tolerance_minutes: int
    location: Location
    skills: list[str]
    headcount: int
    carer_gender: Gender | None
    excluded_workers: list[str]
    status: GapStatus
    urgent: bool  # starts within the urgent window of when it was posted
    posted_at: Instant
    offers_open: int  # offers waiting for an answer
    booked_workers: list[str]


class OfferOut(Schema):
    id: int
    gap_id: str
    worker_id: str
    provider_id: str
    provider_name: str
    start: Instant
    end: Instant
    location: Location
    distance_km: float  # from the worker's home
    priority: Priority
    status: OfferStatus
    urgent: bool
    offered_at: Instant
    expires_at: Instant
    responded_at: Instant | None = None
    run_id: int | None = None


class BookingOut(Schema):
    id: int
    gap_id: str
    worker_id: str
    provider_id: str
    start: Instant
    end: Instant
    status: BookingStatus
    created_at: Instant
    flag_reason: str | None = None


class RunOut(Schema):
    id: int
    key: str  # "daily:2026-11-30" for the scheduled run, "manual:<n>" otherwise
    status: RunStatus
    horizon_start: Instant
    horizon_end: Instant
    started_at: Instant
    finished_at: Instant | None = None
    published_at: Instant | None = None
    metrics: dict[str, object] = {}
    error: str | None = None
    plan: Plan | None = None  # with assignments, unfilled gaps and their reasons


class WorkerReasonOut(Schema):
    worker_id: str
    code: str  # a rules.md section 4 code, or "assigned"
    message: str


class AuditOut(Schema):
    id: int
    at: Instant
    actor: str
    action: str
    entity: str
    entity_id: str
    detail: dict[str, object] = {}


class WeekHours(Schema):
    key: str  # provider id or worker id
    week: dt.date  # Monday of the local ISO week
    hours: float


class ReportOut(Schema):
    """Fill rate, time to fill, hours supplied and agency spend avoided."""

    gaps_posted: int
    places_posted: int  # sum of headcounts
    places_filled: int
    fill_rate: float  # places filled / places posted (cancelled gaps left out)
    median_minutes_to_fill: float | None  # post to accept
    hours_by_provider_week: list[WeekHours]
    hours_by_worker_week: list[WeekHours]
    hours_filled: float
    agency_premium_per_hour: float
    agency_spend_avoided: float  # hours filled x premium


class ReportFilter(Schema):
    provider_id: str | None = None
    reason: GapReason | None = None
    start: dt.date | None = None  # gaps starting on or after (local date)
    end: dt.date | None = None  # gaps starting on or before (local date)


class ImportSummary(Schema):
    providers: int
    clients: int
    workers: int
    gaps: int
    bookings: int  # pins imported as bookings


# ------------------------------------------------------------------- the facade


class Bank(Protocol):
    """The service layer. Role rules are enforced here, not in the API:

    - coordinator: everything;
    - provider: its own record, its own clients, its own gaps (post, list, cancel,
      follow), bookings on its own gaps, reports restricted to itself;
    - worker: its own profile and availability, its own offers (list, accept,
      decline) and bookings.
    A provider or worker asking for someone else's record gets NotFound (so ids of
    others are not confirmed); an action outside the role gets Forbidden.
    """

    # records -----------------------------------------------------------------
    def list_providers(self, actor: Actor, page: Page | None = None) -> list[Provider]: ...
    def get_provider(self, actor: Actor, provider_id: str) -> Provider: ...
    def put_provider(self, actor: Actor, provider: Provider) -> Provider: ...
    def delete_provider(self, actor: Actor, provider_id: str) -> None: ...

    def list_clients(
        self, actor: Actor, provider_id: str | None = None, page: Page | None = None
    ) -> list[Client]: ...
    def get_client(self, actor: Actor, client_id: str) -> Client: ...
    def put_client(self, actor: Actor, client: Client) -> Client: ...
    def delete_client(self, actor: Actor, client_id: str) -> None: ...

    def list_workers(self, actor: Actor, page: Page | None = None) -> list[Worker]: ...
    def get_worker(self, actor: Actor, worker_id: str) -> Worker: ...
    def put_worker(self, actor: Actor, worker: Worker) -> Worker: ...
    def delete_worker(self, actor: Actor, worker_id: str) -> None: ...
    def add_availability(self, actor: Actor, worker_id: str, period: Period) -> Worker: ...
    def remove_availability(self, actor: Actor, worker_id: str, period: Period) -> Worker: ...
    def verify_record(self, actor: Actor, worker_id: str, record: str, note: str = "") -> AuditOut:
        """A coordinator records that they verified a compliance record
        (``right_to_work``, ``dbs``, ``reg19``, ``training``, ``skills``, ``experience``)."""
        ...

    def audit_trail(
        self,
        actor: Actor,
        entity: str | None = None,
        entity_id: str | None = None,
        page: Page | None = None,
    ) -> list[AuditOut]: ...

    # gaps --------------------------------------------------------------------
    def post_gap(
        self, actor: Actor, provider_id: str, gap: GapIn, idempotency_key: str | None = None
    ) -> tuple[GapOut, bool]:
        """Post a gap; returns (gap, created). The same idempotency key from the same
        provider returns the first gap and created=False. An urgent gap (starting
        within ``urgent_within_hours`` of now) is ranked at once and offered to the top
        ``urgent_top_k`` workers with an expiry of ``urgent_offer_minutes``."""
        ...

    def list_gaps(
        self,
        actor: Actor,
        provider_id: str | None = None,
        status: GapStatus | None = None,
        start: dt.date | None = None,
        end: dt.date | None = None,
        page: Page | None = None,
    ) -> list[GapOut]: ...
    def get_gap(self, actor: Actor, gap_id: str) -> GapOut: ...
    def cancel_gap(self, actor: Actor, gap_id: str) -> GapOut:
        """Cancel: open offers are withdrawn, bookings cancelled, workers notified."""
        ...

    def gap_offers(self, actor: Actor, gap_id: str, page: Page | None = None) -> list[OfferOut]: ...

    # allocation --------------------------------------------------------------
    def run_allocation(
        self,
        actor: Actor,
        start: dt.date | None = None,
        days: int | None = None,
        time_limit: float | None = None,
        progress: Callable[[Progress], None] | None = None,
    ) -> RunOut:
        """Plan the open gaps of the horizon (default: tomorrow, ``horizon_days``),
        keeping bookings as pins. Stores the plan; publishes nothing. ``progress``
        receives the solver's objective and bound as they improve."""
        ...

    def list_runs(self, actor: Actor, page: Page | None = None) -> list[RunOut]: ...
    def get_run(self, actor: Actor, run_id: int) -> RunOut: ...
    def explain(self, actor: Actor, run_id: int, gap_id: str) -> list[WorkerReasonOut]: ...
    def publish_run(self, actor: Actor, run_id: int) -> list[OfferOut]:
        """Turn the plan's assignments into offers (expiring after
        ``offer_expiry_hours``), skipping those already booked or offered."""
        ...

    # offers and bookings -----------------------------------------------------
    def list_offers(
        self,
        actor: Actor,
        worker_id: str | None = None,
        status: OfferStatus | None = None,
        page: Page | None = None,
    ) -> list[OfferOut]: ...
    def accept_offer(self, actor: Actor, offer_id: int) -> OfferOut:
        """Accept: in one transaction, re-check every hard rule at this instant (the
        independent checker on the worker's bookings plus this one, and compliance
        at now), never more bookings than the headcount, never overlapping bookings
        for the worker; a double-handed call is booked when all its workers have
        accepted. Raises Conflict with the rule codes when it cannot be booked."""
        ...

    def decline_offer(self, actor: Actor, offer_id: int, reason: str = "") -> OfferOut:
        """Decline: the gap is re-matched with ``flexbank.rank`` (cascade)."""
        ...

    def respond_by_link(self, token: str, action: Literal["accept", "decline"]) -> OfferOut:
        """Accept or decline through the signed, expiring link sent with an offer."""
        ...

    def offer_link_token(self, offer_id: int) -> str: ...

    def list_bookings(
        self,
        actor: Actor,
        provider_id: str | None = None,
        worker_id: str | None = None,
        page: Page | None = None,
    ) -> list[BookingOut]: ...

    # exchange and reports ----------------------------------------------------
    def import_scenario(self, actor: Actor, scenario: Scenario) -> ImportSummary: ...
    def export_plan(self, actor: Actor, run_id: int) -> Plan: ...
    def report(self, actor: Actor, filters: ReportFilter) -> ReportOut: ...

    # scheduled sweeps (idempotent; a doubled or missed trigger does no harm) ----
    def expire_offers(self, now: dt.datetime | None = None) -> int:
        """Expire offers past their expiry and cascade each gap; returns how many."""
        ...

    def recover_stale_runs(self, now: dt.datetime | None = None) -> list[RunOut]:
        """Fail every ``running`` allocation whose lease lapsed (its process died),
        saying why; the daily one is then run again, once."""
        ...

    def run_daily_allocation(self, now: dt.datetime | None = None) -> RunOut | None:
        """The scheduled allocation for the day of ``now``: claims the run key
        ``daily:<local date>`` (unique; plus a PostgreSQL advisory lock), runs, and
        publishes when ``daily_allocation_publish``. None when already claimed."""
        ...

    def compliance_sweep(self, now: dt.datetime | None = None) -> dict[str, int]:
        """Documents lapsing within ``lapse_warning_days`` -> notifications (once per
        document and date) to worker and coordinator; bookings whose worker will not
        be compliant on the day -> flagged, and their gaps re-matched."""
        ...

    def dispatch_notifications(self, now: dt.datetime | None = None) -> dict[str, int]:
        """Send due outbox messages through the channels, with retries and backoff."""
        ...

    # access ------------------------------------------------------------------
    def create_token(self, role: Role, subject_id: str | None, name: str = "") -> str:
        """A new API token (shown once; only its hash is stored)."""
        ...

    def authenticate(self, token: str) -> Actor | None: ...
    def revoke_token(self, token: str) -> bool: ...
    def rotate_token(self, token: str) -> tuple[str, dt.datetime]:
        """A new token for the same role and subject; the old one is revoked."""
        ...

    def open_session(
        self, actor: Actor, token: str | None = None, offer_id: int | None = None
    ) -> str:
        """A server-side web session (its id goes in a cookie); Conflict if the
        token is not valid or the offer it is limited to is not open."""
        ...

    def session_actor(self, session_id: str) -> tuple[Actor, int | None] | None:
        """The actor of a live session and the offer it is limited to, or None."""
        ...

    def end_session(self, session_id: str) -> None: ...
