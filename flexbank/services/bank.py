"""SqlBank: the service layer (:class:`flexbank.services.contract.Bank`) over SQLite or
PostgreSQL. Thin: each method delegates to one module per idea.

>>> bank = SqlBank(Settings())           # doctest: +SKIP
>>> upgrade(settings.resolved_database_url())  # once, before use
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Literal

from sqlalchemy import select

from flexbank.adapters.database import engine_for
from flexbank.adapters.orm import BookingRow, GapRow, OfferRow
from flexbank.matching.solver import ProgressHook
from flexbank.models import Client, Period, Plan, Provider, Scenario, Worker
from flexbank.services import access, allocation, gaps, offers, records, reports, sweeps
from flexbank.services.context import Ctx, booking_out, offer_out, own_worker, utc_now
from flexbank.services.contract import (
    Actor,
    AuditOut,
    BookingOut,
    Conflict,
    Forbidden,
    GapIn,
    GapOut,
    GapStatus,
    ImportSummary,
    NotFound,
    OfferOut,
    OfferStatus,
    ReportFilter,
    ReportOut,
    Role,
    RunOut,
    WorkerReasonOut,
)
from flexbank.services.notifications import Channel, dispatch
from flexbank.services.paging import Page
from flexbank.services.tokens import LinkError
from flexbank.settings import Settings

ROLES = access.ROLES


class SqlBank:
    """The bank's service layer. ``flexbank.adapters.database.upgrade(url)`` must have
    been run once on the database."""

    def __init__(
        self,
        settings: Settings,
        *,
        channels: Sequence[Channel] = (),
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.settings = settings
        self.url = settings.resolved_database_url()
        self.engine = engine_for(self.url)
        self.channels = list(channels)
        self.ctx = Ctx(settings, self.engine, clock or utc_now, self.channels)

    def now(self) -> dt.datetime:
        return self.ctx.now()

    # records -----------------------------------------------------------------
    def list_providers(self, actor: Actor, page: Page | None = None) -> list[Provider]:
        return records.list_providers(self.ctx, actor, page)

    def get_provider(self, actor: Actor, provider_id: str) -> Provider:
        return records.get_provider(self.ctx, actor, provider_id)

    def put_provider(self, actor: Actor, provider: Provider) -> Provider:
        return records.put_provider(self.ctx, actor, provider)

    def delete_provider(self, actor: Actor, provider_id: str) -> None:
        records.delete_provider(self.ctx, actor, provider_id)

    def list_clients(
        self, actor: Actor, provider_id: str | None = None, page: Page | None = None
    ) -> list[Client]:
        return records.list_clients(self.ctx, actor, provider_id, page)

    def get_client(self, actor: Actor, client_id: str) -> Client:
        return records.get_client(self.ctx, actor, client_id)

    def put_client(self, actor: Actor, client: Client) -> Client:
        return records.put_client(self.ctx, actor, client)

    def delete_client(self, actor: Actor, client_id: str) -> None:
        records.delete_client(self.ctx, actor, client_id)

    def list_workers(self, actor: Actor, page: Page | None = None) -> list[Worker]:
        return records.list_workers(self.ctx, actor, page)

    def get_worker(self, actor: Actor, worker_id: str) -> Worker:
        return records.get_worker(self.ctx, actor, worker_id)

    def put_worker(self, actor: Actor, worker: Worker) -> Worker:
        return records.put_worker(self.ctx, actor, worker)

    def delete_worker(self, actor: Actor, worker_id: str) -> None:
        records.delete_worker(self.ctx, actor, worker_id)

    def add_availability(self, actor: Actor, worker_id: str, period: Period) -> Worker:
        return records.add_availability(self.ctx, actor, worker_id, period)

    def remove_availability(self, actor: Actor, worker_id: str, period: Period) -> Worker:
        return records.remove_availability(self.ctx, actor, worker_id, period)

    def verify_record(self, actor: Actor, worker_id: str, record: str, note: str = "") -> AuditOut:
        return records.verify_record(self.ctx, actor, worker_id, record, note)

    def audit_trail(
        self,
        actor: Actor,
        entity: str | None = None,
        entity_id: str | None = None,
        page: Page | None = None,
    ) -> list[AuditOut]:
        return records.audit_trail(self.ctx, actor, entity, entity_id, page)

    def set_contact(
        self,
        actor: Actor,
        kind: Literal["worker", "provider"],
        subject_id: str,
        email: str | None = None,
        phone: str | None = None,
    ) -> None:
        """Contact details used by the notification channels (outside the format)."""
        records.set_contact(self.ctx, actor, kind, subject_id, email, phone)

    # gaps --------------------------------------------------------------------
    def post_gap(
        self, actor: Actor, provider_id: str, gap: GapIn, idempotency_key: str | None = None
    ) -> tuple[GapOut, bool]:
        return gaps.post_gap(self.ctx, actor, provider_id, gap, idempotency_key)

    def list_gaps(
        self,
        actor: Actor,
        provider_id: str | None = None,
        status: GapStatus | None = None,
        start: dt.date | None = None,
        end: dt.date | None = None,
        page: Page | None = None,
    ) -> list[GapOut]:
        return gaps.list_gaps(self.ctx, actor, provider_id, status, start, end, page)

    def get_gap(self, actor: Actor, gap_id: str) -> GapOut:
        return gaps.get_gap(self.ctx, actor, gap_id)

    def cancel_gap(self, actor: Actor, gap_id: str) -> GapOut:
        return gaps.cancel_gap(self.ctx, actor, gap_id)

    def gap_offers(self, actor: Actor, gap_id: str, page: Page | None = None) -> list[OfferOut]:
        return gaps.gap_offers(self.ctx, actor, gap_id, page)

    # allocation --------------------------------------------------------------
    def run_allocation(
        self,
        actor: Actor,
        start: dt.date | None = None,
        days: int | None = None,
        time_limit: float | None = None,
        progress: ProgressHook | None = None,
    ) -> RunOut:
        return allocation.run_allocation(self.ctx, actor, start, days, time_limit, progress)

    def list_runs(self, actor: Actor, page: Page | None = None) -> list[RunOut]:
        return allocation.list_runs(self.ctx, actor, page)

    def get_run(self, actor: Actor, run_id: int) -> RunOut:
        return allocation.get_run(self.ctx, actor, run_id)

    def explain(self, actor: Actor, run_id: int, gap_id: str) -> list[WorkerReasonOut]:
        return allocation.explain(self.ctx, actor, run_id, gap_id)

    def publish_run(self, actor: Actor, run_id: int) -> list[OfferOut]:
        return allocation.publish(self.ctx, actor, run_id)

    # offers and bookings -----------------------------------------------------
    def list_offers(
        self,
        actor: Actor,
        worker_id: str | None = None,
        status: OfferStatus | None = None,
        page: Page | None = None,
    ) -> list[OfferOut]:
        if actor.role == "provider":
            raise Forbidden("a provider follows offers through its gaps")
        if actor.role == "worker":
            if worker_id is not None and worker_id != actor.subject_id:
                raise NotFound(f"no worker {worker_id!r}")
            worker_id = actor.subject_id
        page = page or Page()
        with self.ctx.read() as uow:
            now = self.ctx.now()
            query = select(OfferRow)
            if worker_id is not None:
                query = query.where(OfferRow.worker_id == worker_id)
            if status == "offered":  # the status as the worker sees it (expiry counts)
                query = query.where(OfferRow.status == "offered", OfferRow.expires_at > now)
            elif status == "expired":
                query = query.where(
                    (OfferRow.status == "expired")
                    | ((OfferRow.status == "offered") & (OfferRow.expires_at <= now))
                )
            elif status is not None:
                query = query.where(OfferRow.status == status)
            query = page.apply(query, OfferRow.id)
            rows = page.rows(uow.session.scalars(query))
            return [offer_out(self.ctx, uow.session, o, now) for o in rows]

    def accept_offer(self, actor: Actor, offer_id: int) -> OfferOut:
        return offers.accept(self.ctx, actor, offer_id)

    def decline_offer(self, actor: Actor, offer_id: int, reason: str = "") -> OfferOut:
        return offers.decline(self.ctx, actor, offer_id, reason)

    def respond_by_link(self, token: str, action: Literal["accept", "decline"]) -> OfferOut:
        try:
            offer_id, worker_id = self.ctx.links.read(token)
        except LinkError as e:
            if e.expired:
                raise Conflict(str(e), ["expired"]) from None
            raise Forbidden(str(e)) from None
        return offers.respond(self.ctx, offer_id, worker_id, action)

    def offer_link_token(self, offer_id: int) -> str:
        with self.ctx.uow() as uow:
            offer = uow.session.get(OfferRow, offer_id)
            if offer is None:
                raise NotFound(f"no offer {offer_id}")
            return self.ctx.links.token(offer.id, offer.worker_id)

    def list_bookings(
        self,
        actor: Actor,
        provider_id: str | None = None,
        worker_id: str | None = None,
        page: Page | None = None,
    ) -> list[BookingOut]:
        if actor.role == "provider":
            if provider_id is not None and provider_id != actor.subject_id:
                raise NotFound(f"no provider {provider_id!r}")
            provider_id = actor.subject_id
        elif actor.role == "worker":
            own_worker(actor, worker_id or actor.subject_id)
            worker_id = actor.subject_id
        page = page or Page()
        with self.ctx.read() as uow:
            query = select(BookingRow)
            if worker_id is not None:
                query = query.where(BookingRow.worker_id == worker_id)
            if provider_id is not None:
                query = query.join(GapRow, GapRow.id == BookingRow.gap_id).where(
                    GapRow.provider_id == provider_id
                )
            query = page.apply(query, BookingRow.start, BookingRow.id)
            rows = page.rows(uow.session.scalars(query))
            return [booking_out(self.ctx, uow.session, b) for b in rows]

    # exchange and reports ----------------------------------------------------
    def import_scenario(self, actor: Actor, scenario: Scenario) -> ImportSummary:
        return records.import_scenario(self.ctx, actor, scenario)

    def export_plan(self, actor: Actor, run_id: int) -> Plan:
        return allocation.export_plan(self.ctx, actor, run_id)

    def report(self, actor: Actor, filters: ReportFilter) -> ReportOut:
        return reports.report(self.ctx, actor, filters)

    # scheduled sweeps ----------------------------------------------------------
    def expire_offers(self, now: dt.datetime | None = None) -> int:
        return offers.expire_offers(self.ctx, now or self.ctx.now())

    def run_daily_allocation(self, now: dt.datetime | None = None) -> RunOut | None:
        return allocation.run_daily(self.ctx, now or self.ctx.now())

    def recover_stale_runs(self, now: dt.datetime | None = None) -> list[RunOut]:
        """Fail every running allocation whose lease lapsed (its process is gone)."""
        return allocation.recover_stale_runs(self.ctx, now or self.ctx.now())

    def due_daily_runs(self, now: dt.datetime | None = None) -> list[dt.date]:
        """Local days whose daily allocation is due and has not run (at most today)."""
        return allocation.due_daily_runs(self.ctx, now or self.ctx.now())

    def catch_up(self, now: dt.datetime | None = None) -> RunOut | None:
        """At scheduler start: run a missed daily allocation once (None if none due)."""
        now = now or self.ctx.now()
        self.recover_stale_runs(now)  # a run left by a dead process is not "done"
        if not self.due_daily_runs(now):
            return None
        return self.run_daily_allocation(now)

    def compliance_sweep(self, now: dt.datetime | None = None) -> dict[str, int]:
        return sweeps.compliance_sweep(self.ctx, now or self.ctx.now())

    def dispatch_notifications(self, now: dt.datetime | None = None) -> dict[str, int]:
        return dispatch(
            self.engine,
            self.channels,
            now or self.ctx.now(),
            max_attempts=self.settings.notification_max_attempts,
            coordinator_email=self.settings.coordinator_email,
        )

    # access ------------------------------------------------------------------
    def create_token(
        self, role: Role, subject_id: str | None, name: str = "", days: float | None = None
    ) -> str:
        return access.create_token(self.ctx, role, subject_id, name, days)

    def revoke_token(self, token: str) -> bool:
        return access.revoke_token(self.ctx, token)

    def rotate_token(self, token: str) -> tuple[str, dt.datetime]:
        return access.rotate_token(self.ctx, token)

    def authenticate(self, token: str) -> Actor | None:
        return access.authenticate(self.ctx, token)

    def open_session(
        self, actor: Actor, token: str | None = None, offer_id: int | None = None
    ) -> str:
        return access.open_session(self.ctx, actor, token, offer_id)

    def session_actor(self, session_id: str) -> tuple[Actor, int | None] | None:
        return access.session_actor(self.ctx, session_id)

    def end_session(self, session_id: str) -> None:
        access.end_session(self.ctx, session_id)
