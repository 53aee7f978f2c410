"""The service's database: run history and job leases, through SQLAlchemy 2.

SQLite (a file beside the jobs file) for one machine, PostgreSQL (``postgresql+psycopg://``)
for several.  :func:`open_store` upgrades the schema with the Alembic migrations shipped in
``sheets_sync/service/migrations/`` before anything else.

A lease says which instance runs a job until when.  Taking one is atomic:

- PostgreSQL: ``SELECT ... FOR UPDATE SKIP LOCKED`` of the job's lease row, then an
  ``UPDATE`` in the same transaction; an instance that finds the row locked skips the job;
- SQLite: one conditional ``UPDATE ... WHERE owner IS NULL OR owner = me OR expires_at <
  now``: the database file's write lock makes it atomic, and the row count says who won.

Times are the instances' clocks in UTC: keep them in step (NTP), well within a lease.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, func, insert, select, update
from sqlalchemy.exc import ArgumentError, IntegrityError, NoSuchModuleError, OperationalError

from sheets_sync.service.models import leases, runs
from xl_crm.errors import ServiceDatabaseError

__all__ = ["MIGRATIONS", "Store", "open_store", "upgrade"]

#: the Alembic script folder shipped in the package
MIGRATIONS = Path(__file__).parent / "migrations"


def open_store(url: str) -> Store:
    """The :class:`Store` at ``url`` (``sqlite:///PATH`` or
    ``postgresql+psycopg://USER:PASSWORD@HOST:PORT/DB``), its schema upgraded to the
    newest migration.  Raises :class:`xl_crm.errors.ServiceDatabaseError` when the URL is
    not a database URL, its driver is missing, or the database cannot be reached or
    upgraded."""
    try:
        engine = create_engine(url, pool_pre_ping=True)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise _db_error(url, exc) from None
    if engine.dialect.name == "sqlite":
        folder = Path(engine.url.database or ".").parent
        if engine.url.database and not folder.is_dir():
            raise _db_error(url, FileNotFoundError(f"no folder {folder}"))
    try:
        upgrade(engine)
    except OperationalError as exc:
        raise _db_error(url, exc.orig or exc) from None
    return Store(engine)


def upgrade(engine: Engine) -> None:
    """Upgrade the database of ``engine`` to the newest migration (a no-op when it is)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _db_error(url: str, exc: BaseException) -> ServiceDatabaseError:
    shown = url.split("@")[-1] if "@" in url else url  # no password in messages
    what = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return ServiceDatabaseError(
        (f"无法使用服务数据库 {shown}：{what}", f"cannot use the service database {shown}: {what}")
    )


class Store:
    """Run history and leases in the database of ``engine``.  Every method is one short
    transaction; datetimes are aware (UTC)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"

    def close(self) -> None:
        """Close the connections."""
        self.engine.dispose()

    # -- leases ---------------------------------------------------------------------------

    def add_jobs(self, names: list[str]) -> None:
        """Make sure each job has a lease row (free) to lock and update."""
        with self.engine.begin() as db:
            have = set(db.scalars(select(leases.c.job)))
            for name in names:
                if name in have:
                    continue
                try:
                    with db.begin_nested():
                        db.execute(insert(leases).values(job=name))
                except IntegrityError:
                    pass  # another instance added it at the same moment

    def take(self, job: str, owner: str, now: dt.datetime, seconds: float) -> bool:
        """Take (or renew) ``job``'s lease for ``owner`` until ``now + seconds`` when it is
        free, ``owner``'s already, or expired.  True when ``owner`` holds it now."""
        until = now + dt.timedelta(seconds=seconds)
        free = (leases.c.owner.is_(None)) | (leases.c.owner == owner) | (leases.c.expires_at < now)
        with self.engine.begin() as db:
            if self.postgres:
                row = db.execute(
                    select(leases.c.job).where(leases.c.job == job, free)
                    .with_for_update(skip_locked=True)
                ).first()  # fmt: skip
                if row is None:
                    return False
            done = db.execute(
                update(leases)
                .where(leases.c.job == job, free)
                .values(owner=owner, expires_at=until)
            )
            return done.rowcount == 1

    def renew(self, job: str, owner: str, now: dt.datetime, seconds: float) -> bool:
        """Extend ``owner``'s lease of ``job``; False when it is not ``owner``'s any more
        (it expired and another instance took it)."""
        until = now + dt.timedelta(seconds=seconds)
        with self.engine.begin() as db:
            done = db.execute(
                update(leases)
                .where(leases.c.job == job, leases.c.owner == owner)
                .values(expires_at=until)
            )
            return done.rowcount == 1

    def release(self, job: str, owner: str) -> None:
        """Give ``job``'s lease back (when ``owner`` holds it)."""
        with self.engine.begin() as db:
            db.execute(
                update(leases)
                .where(leases.c.job == job, leases.c.owner == owner)
                .values(owner=None, expires_at=None)
            )

    def holders(self) -> dict[str, str | None]:
        """Each job's lease owner (None: free)."""
        with self.engine.connect() as db:
            return {job: owner for job, owner in db.execute(select(leases.c.job, leases.c.owner))}

    def expiry(self, job: str) -> dt.datetime | None:
        """When ``job``'s lease expires (None: free)."""
        with self.engine.connect() as db:
            return db.scalar(select(leases.c.expires_at).where(leases.c.job == job))

    # -- runs -----------------------------------------------------------------------------

    def last_slots(self) -> dict[str, dt.datetime]:
        """Each job's latest recorded slot (``due_at``): where its schedule resumes."""
        with self.engine.connect() as db:
            rows = db.execute(select(runs.c.job, func.max(runs.c.due_at)).group_by(runs.c.job))
            return {job: due for job, due in rows}

    def last_slot(self, job: str) -> dt.datetime | None:
        """``job``'s latest recorded slot, or None when it never ran."""
        with self.engine.connect() as db:
            return db.scalar(select(func.max(runs.c.due_at)).where(runs.c.job == job))

    def start(
        self, job: str, due_at: dt.datetime, owner: str, now: dt.datetime, actions: list[str]
    ) -> int | None:
        """Record the start of ``job``'s run for slot ``due_at``; its id, or None when that
        slot already has a run (another instance's)."""
        try:
            with self.engine.begin() as db:
                return db.execute(
                    insert(runs).values(
                        job=job, due_at=due_at, started_at=now, owner=owner, outcome="running",
                        actions=",".join(actions), rows_changed=0, api_requests=0,
                    )
                ).inserted_primary_key[0]  # fmt: skip
        except IntegrityError:
            return None

    def finish(self, run_id: int, now: dt.datetime, outcome: str, **values: Any) -> bool:
        """Record how run ``run_id`` ended (``outcome`` and the columns in ``values``);
        False when it was no longer running (marked abandoned meanwhile)."""
        with self.engine.begin() as db:
            done = db.execute(
                update(runs)
                .where(runs.c.id == run_id, runs.c.outcome == "running")
                .values(finished_at=now, outcome=outcome, **values)
            )
            return done.rowcount == 1

    def abandon_others(self, job: str, owner: str, now: dt.datetime) -> int:
        """Mark ``job``'s runs still 'running' under another owner as abandoned (their
        instance lost the lease: it died or stopped); how many."""
        with self.engine.begin() as db:
            done = db.execute(
                update(runs)
                .where(runs.c.job == job, runs.c.owner != owner, runs.c.outcome == "running")
                .values(finished_at=now, outcome="abandoned", error="lease-expired: instance lost")
            )
            return done.rowcount

    def history(self, job: str | None = None) -> list[dict[str, Any]]:
        """The recorded runs, oldest first (of ``job`` only when given), as dicts of the
        columns of :data:`sheets_sync.service.models.runs`."""
        query = select(runs).order_by(runs.c.started_at, runs.c.id)
        if job is not None:
            query = query.where(runs.c.job == job)
        with self.engine.connect() as db:
            return [dict(r) for r in db.execute(query).mappings()]
