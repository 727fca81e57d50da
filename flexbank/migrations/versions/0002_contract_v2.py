"""contract version 2: a worker's night health assessment and employment start

The version 2 DBS results (``result``, ``risk_assessed_on``, ``last_status_result``)
and the sixth Schedule 3 flag (``qualifications_verified``) live in the workers' ``dbs``
and ``reg19`` JSON and need no column. Existing rows keep the version 1 defaults: the
new columns are NULL and the JSON is unchanged, so the bank stays a version 1 bank
until every worker has version 2 records.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("workers") as batch:
        batch.add_column(sa.Column("night_health_assessment", sa.Date(), nullable=True))
        batch.add_column(sa.Column("employment_start", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("workers") as batch:
        batch.drop_column("employment_start")
        batch.drop_column("night_health_assessment")
