"""Alembic environment of the service's database: the connection comes from
:func:`sheets_sync.service.store.upgrade` (``config.attributes["connection"]``), the
target schema from :mod:`sheets_sync.service.models`."""

from __future__ import annotations

from alembic import context

from sheets_sync.service.models import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    compare_type=True,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
