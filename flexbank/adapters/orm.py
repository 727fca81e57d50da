"""The database tables (SQLAlchemy 2 declarative). These are storage rows, not the
interchange models: :mod:`flexbank.adapters.scenario` converts between the two.

Nested format records (locations, compliance records) are JSON columns, validated
through the pydantic models on the way in and out. Instants are stored in UTC and
read back as aware datetimes on every backend.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[dt.datetime]):
    """An aware datetime stored as UTC (naive UTC on SQLite, timestamptz elsewhere)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {  # noqa: RUF012
        dt.datetime: UtcDateTime,
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class ProviderRow(Base):
    __tablename__ = "providers"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    location: Mapped[dict[str, Any]]
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(50))


class ClientRow(Base):
    __tablename__ = "clients"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    provider_id: Mapped[str] = mapped_column(ForeignKey("providers.id"), index=True)
    location: Mapped[dict[str, Any]]
    carer_gender: Mapped[str | None] = mapped_column(String(16))
    excluded_workers: Mapped[list[Any]]
    preferred_workers: Mapped[list[Any]]


class WorkerRow(Base):
    __tablename__ = "workers"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    gender: Mapped[str] = mapped_column(String(16))
    date_of_birth: Mapped[dt.date]
    home: Mapped[dict[str, Any]]
    travel_mode: Mapped[str] = mapped_column(String(32))
    max_travel_km: Mapped[float] = mapped_column(Float)
    skills: Mapped[list[Any]]
    training: Mapped[list[Any]]
    experience: Mapped[list[Any]]
    right_to_work: Mapped[dict[str, Any]]
    dbs: Mapped[dict[str, Any]]
    reg19: Mapped[dict[str, Any]]
    max_hours_per_week: Mapped[float] = mapped_column(Float)
    wtd_opt_out: Mapped[bool] = mapped_column(Boolean, default=False)
    previous_weekly_hours: Mapped[list[Any]]
    history: Mapped[list[Any]]
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(50))
    # contract version 2 (the DBS results and the sixth Schedule 3 flag live in the
    # dbs and reg19 JSON); NULL for rows from before it
    night_health_assessment: Mapped[dt.date | None]
    employment_start: Mapped[dt.date | None]


class AvailabilityRow(Base):
    __tablename__ = "availability"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    worker_id: Mapped[str] = mapped_column(ForeignKey("workers.id", ondelete="CASCADE"), index=True)
    start: Mapped[dt.datetime]
    end: Mapped[dt.datetime]


class CommitmentRow(Base):
    __tablename__ = "commitments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    worker_id: Mapped[str] = mapped_column(ForeignKey("workers.id", ondelete="CASCADE"), index=True)
    start: Mapped[dt.datetime]
    end: Mapped[dt.datetime]
    location: Mapped[dict[str, Any] | None]
    label: Mapped[str | None] = mapped_column(String(200))
    main_job: Mapped[bool] = mapped_column(Boolean, default=False)


class GapRow(Base):
    __tablename__ = "gaps"
    __table_args__ = (
        UniqueConstraint("provider_id", "idempotency_key", name="uq_gaps_provider_idempotency"),
        Index("ix_gaps_status_start", "status", "start"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    provider_id: Mapped[str] = mapped_column(ForeignKey("providers.id"), index=True)
    client_id: Mapped[str | None] = mapped_column(ForeignKey("clients.id"))
    kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(32))
    priority: Mapped[str] = mapped_column(String(16))
    start: Mapped[dt.datetime]
    end: Mapped[dt.datetime]
    start_tolerance_minutes: Mapped[int] = mapped_column(Integer, default=0)
    location: Mapped[dict[str, Any] | None]
    skills: Mapped[list[Any]]
    headcount: Mapped[int] = mapped_column(Integer, default=1)
    carer_gender: Mapped[str | None] = mapped_column(String(16))
    excluded_workers: Mapped[list[Any]]
    status: Mapped[str] = mapped_column(String(16), default="open")
    posted_at: Mapped[dt.datetime]
    posted_by: Mapped[str] = mapped_column(String(200), default="")
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    filled_at: Mapped[dt.datetime | None]
    cancelled_at: Mapped[dt.datetime | None]


class RunRow(Base):
    __tablename__ = "allocation_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    status: Mapped[str] = mapped_column(String(16))
    horizon_start: Mapped[dt.datetime]
    horizon_end: Mapped[dt.datetime]
    started_at: Mapped[dt.datetime]
    finished_at: Mapped[dt.datetime | None]
    published_at: Mapped[dt.datetime | None]
    actor: Mapped[str] = mapped_column(String(200), default="")
    plan: Mapped[dict[str, Any] | None]
    metrics: Mapped[dict[str, Any] | None]
    error: Mapped[str | None] = mapped_column(Text)
    # reliability (migration 0003): the lease of the process running it, renewed by
    # its heartbeat; a run whose lease lapsed is failed by the stale-run recovery
    lease_expires_at: Mapped[dt.datetime | None]
    heartbeat_at: Mapped[dt.datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class OfferRow(Base):
    __tablename__ = "offers"
    __table_args__ = (
        Index("ix_offers_gap_status", "gap_id", "status"),
        Index("ix_offers_status_expires", "status", "expires_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    gap_id: Mapped[str] = mapped_column(ForeignKey("gaps.id"))
    worker_id: Mapped[str] = mapped_column(ForeignKey("workers.id"), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("allocation_runs.id"))
    start: Mapped[dt.datetime]
    end: Mapped[dt.datetime]
    status: Mapped[str] = mapped_column(String(16), default="offered")
    offered_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    responded_at: Mapped[dt.datetime | None]
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    rank: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)


class BookingRow(Base):
    __tablename__ = "bookings"
    __table_args__ = (Index("ix_bookings_gap_status", "gap_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    gap_id: Mapped[str] = mapped_column(ForeignKey("gaps.id"))
    worker_id: Mapped[str] = mapped_column(ForeignKey("workers.id"), index=True)
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("offers.id"))
    start: Mapped[dt.datetime]
    end: Mapped[dt.datetime]
    status: Mapped[str] = mapped_column(String(16), default="booked")
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime | None]
    flag_reason: Mapped[str | None] = mapped_column(Text)


class NotificationRow(Base):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_status_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    recipient_role: Mapped[str] = mapped_column(String(16))
    recipient_id: Mapped[str | None] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime]
    sent_at: Mapped[dt.datetime | None]
    dedupe_key: Mapped[str | None] = mapped_column(String(300), unique=True)


class TokenRow(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]
    expires_at: Mapped[dt.datetime | None]  # migration 0003; None: never (old tokens)


class AuditRow(Base):
    __tablename__ = "audit"
    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime]
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]]


# ------------------------------------------------- reliability and security (0003)
# Kept apart from the tables above: the indexes of the keyset-paginated lists and the
# server-side web sessions.

Index("ix_gaps_start_id", GapRow.start, GapRow.id)
Index("ix_gaps_provider_start_id", GapRow.provider_id, GapRow.start, GapRow.id)
Index("ix_bookings_start_id", BookingRow.start, BookingRow.id)
Index("ix_bookings_worker_start_id", BookingRow.worker_id, BookingRow.start, BookingRow.id)
Index("ix_offers_worker_id_id", OfferRow.worker_id, OfferRow.id)
Index("ix_clients_provider_id_id", ClientRow.provider_id, ClientRow.id)
Index("ix_allocation_runs_status_lease", RunRow.status, RunRow.lease_expires_at)


class WebSessionRow(Base):
    """A signed-in web session, server side: signing out, revoking (or expiry of) the
    token it was opened with, or the end of the offer it is limited to, ends it."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[str | None] = mapped_column(String(64))
    offer_id: Mapped[int | None] = mapped_column(Integer)  # limited to this offer's page
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    ended_at: Mapped[dt.datetime | None]
