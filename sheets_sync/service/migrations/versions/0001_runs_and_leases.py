"""Run history (service_runs) and job leases (service_leases).

Revision ID: 0001
Revises:
Create Date: 2026-12-01

Times are stored as naive UTC (``sheets_sync.service.models.UtcDateTime`` over
``DateTime``); the migration names the plain ``DateTime`` so it never changes when the model
code does.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the two tables and the index on service_runs.job."""
    op.create_table(
        "service_leases",
        sa.Column("job", sa.String(length=100), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=True),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("job"),
    )
    op.create_table(
        "service_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("job", sa.String(length=100), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("actions", sa.String(length=200), nullable=False),
        sa.Column("findings", sa.JSON(), nullable=True),
        sa.Column("errors", sa.Integer(), nullable=True),
        sa.Column("warnings", sa.Integer(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("rows_changed", sa.Integer(), nullable=False),
        sa.Column("api_requests", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("job", "due_at", name="uq_runs_job_due"),
    )
    op.create_index("ix_service_runs_job", "service_runs", ["job"], unique=False)


def downgrade() -> None:
    """Drop what upgrade created."""
    op.drop_index("ix_service_runs_job", table_name="service_runs")
    op.drop_table("service_runs")
    op.drop_table("service_leases")
