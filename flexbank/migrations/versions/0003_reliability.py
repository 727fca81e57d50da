"""reliability and security: run leases, token expiry, web sessions, list indexes

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: (index name, table, columns): the filters and keyset orders of the lists
INDEXES = (
    ("ix_gaps_start_id", "gaps", ["start", "id"]),
    ("ix_gaps_provider_start_id", "gaps", ["provider_id", "start", "id"]),
    ("ix_bookings_start_id", "bookings", ["start", "id"]),
    ("ix_bookings_worker_start_id", "bookings", ["worker_id", "start", "id"]),
    ("ix_offers_worker_id_id", "offers", ["worker_id", "id"]),
    ("ix_clients_provider_id_id", "clients", ["provider_id", "id"]),
    ("ix_allocation_runs_status_lease", "allocation_runs", ["status", "lease_expires_at"]),
    ("ix_web_sessions_token_id", "web_sessions", ["token_id"]),
)


def upgrade() -> None:
    with op.batch_alter_table("allocation_runs") as batch:
        batch.add_column(sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("attempts", sa.Integer(), nullable=False, server_default=sa.text("1"))
        )
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=True),
        sa.Column("offer_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["token_id"], ["api_tokens.id"], name=op.f("fk_web_sessions_token_id_api_tokens")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
    )
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    op.drop_table("web_sessions")
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("expires_at")
    with op.batch_alter_table("allocation_runs") as batch:
        batch.drop_column("attempts")
        batch.drop_column("heartbeat_at")
        batch.drop_column("lease_expires_at")
