"""The sync snapshots: sync_snapshots (the last synced state of each workbook/sheet pair).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create sync_snapshots (see sheets_sync/service/models.py)."""
    op.create_table(
        "sync_snapshots",
        sa.Column("pair", sa.String(64), primary_key=True),
        sa.Column("book", sa.Text(), nullable=False),
        sa.Column("spreadsheet", sa.String(200), nullable=False),
        sa.Column("sheet", sa.String(100), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("sheet_version", sa.String(40), nullable=True),
        sa.Column("book_sha256", sa.String(64), nullable=True),
        sa.Column("sheet_modified", sa.DateTime(), nullable=True),
        sa.Column("book_mtime", sa.DateTime(), nullable=True),
        sa.Column("synced_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    """Drop sync_snapshots."""
    op.drop_table("sync_snapshots")
