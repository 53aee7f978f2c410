"""The report action's columns of service_runs: report (the HTML report's path) and
delivery_error.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the two columns (nullable: runs before them have none)."""
    with op.batch_alter_table("service_runs") as batch:
        batch.add_column(sa.Column("report", sa.Text(), nullable=True))
        batch.add_column(sa.Column("delivery_error", sa.Text(), nullable=True))


def downgrade() -> None:
    """Drop what upgrade added."""
    with op.batch_alter_table("service_runs") as batch:
        batch.drop_column("delivery_error")
        batch.drop_column("report")
