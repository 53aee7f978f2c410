"""The service's tables (SQLAlchemy 2 Core): the run history, the job leases and the
sync snapshots.

The Alembic migrations in ``sheets_sync/service/migrations/`` create exactly these
(``tests/test_service_store.py`` compares them with autogenerate).  Times are stored as UTC
without a zone (:class:`UtcDateTime`) so SQLite and PostgreSQL hold the same thing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)

__all__ = ["OUTCOMES", "UtcDateTime", "leases", "metadata", "runs", "snapshots"]

#: a run's outcome: ``running`` until it ends; ``succeeded`` (every action done; findings
#: are data, not failures), ``failed`` (an action raised: the error's reason slug is kept),
#: ``abandoned`` (the service stopped, or its instance died, before the run ended)
OUTCOMES = ("running", "succeeded", "failed", "abandoned")


class UtcDateTime(TypeDecorator[dt.datetime]):
    """An aware datetime stored as naive UTC; read back aware (UTC)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if value is None:
            return None
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        return None if value is None else value.replace(tzinfo=dt.UTC)


metadata = MetaData()

#: one row per run of a job: when (its schedule slot ``due_at``, ``started_at``,
#: ``finished_at``), who ran it (``owner``: host:pid:token of the instance), the
#: ``outcome``, the validation's ``findings`` by rule ({slug: count}), ``errors`` and
#: ``warnings`` counted, the quality ``score`` (0-100), ``rows_changed`` by compute,
#: ``api_requests`` sent to Google Sheets, and the ``error`` (its reason slug and where;
#: never a cell value); for a run with the ``report`` action, the ``report`` (the HTML
#: report's path) and the ``delivery_error`` (why delivering it failed: the error's class
#: and where, never a cell value).  One run per job and slot (``uq_runs_job_due``).
runs = Table(
    "service_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job", String(100), nullable=False, index=True),
    Column("due_at", UtcDateTime(), nullable=False),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("finished_at", UtcDateTime(), nullable=True),
    Column("owner", String(200), nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("actions", String(200), nullable=False),
    Column("findings", JSON(), nullable=True),
    Column("errors", Integer, nullable=True),
    Column("warnings", Integer, nullable=True),
    Column("score", Float, nullable=True),
    Column("rows_changed", Integer, nullable=False, default=0),
    Column("api_requests", Integer, nullable=False, default=0),
    Column("error", Text, nullable=True),
    Column("report", Text, nullable=True),
    Column("delivery_error", Text, nullable=True),
    UniqueConstraint("job", "due_at", name="uq_runs_job_due"),
)

#: one row per job: who holds it (``owner``) until when (``expires_at``); a lease past
#: its expiry may be taken by anyone
leases = Table(
    "service_leases",
    metadata,
    Column("job", String(100), primary_key=True),
    Column("owner", String(200), nullable=True),
    Column("expires_at", UtcDateTime(), nullable=True),
)

#: one row per synced pair (a workbook's sheet and a Google Sheet's tab, ``pair``: see
#: :func:`sheets_sync.sync.state.pair_id`): the last synced state both sides agreed on
#: (``data``: zlib-compressed JSON {key: [value per field]}, ``fields`` the field ids in
#: that order), the Drive ``version`` of the sheet and the SHA-256 of the workbook when
#: they were read (the cheap "anything changed?" gate), and when (``synced_at``)
snapshots = Table(
    "sync_snapshots",
    metadata,
    Column("pair", String(64), primary_key=True),
    Column("book", Text, nullable=False),
    Column("spreadsheet", String(200), nullable=False),
    Column("sheet", String(100), nullable=False),
    Column("fields", JSON(), nullable=False),
    Column("data", LargeBinary(), nullable=False),
    Column("sheet_version", String(40), nullable=True),
    Column("book_sha256", String(64), nullable=True),
    Column("sheet_modified", UtcDateTime(), nullable=True),
    Column("book_mtime", UtcDateTime(), nullable=True),
    Column("synced_at", UtcDateTime(), nullable=False),
)
