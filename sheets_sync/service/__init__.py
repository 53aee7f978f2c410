"""The scheduled service (``xl-crm service``; docs/service.md): jobs from a YAML file run on
a cron or interval schedule, each run recorded in a run history, each job leased so runs
never overlap, on one machine (SQLite) or several (PostgreSQL).

- :mod:`.jobs`: the jobs file (:func:`load_jobs`);
- :mod:`.schedule`: when a job is due (APScheduler's triggers, the run history);
- :mod:`.models`, :mod:`.store`: the tables, the Alembic migrations, leases and history;
- :mod:`.runner`: one run of one job through the pipeline;
- :mod:`.reports`, :mod:`.deliver`: the ``report`` action's files, the history page,
  delivery to a folder or a webhook;
- :mod:`.instance`: the loop (:class:`Service`), signals;
- :mod:`.logs`: JSON-lines logs without personal data.

Needs the ``service`` extra: ``pip install 'xl-crm[service]'``.
"""

from __future__ import annotations

from sheets_sync.service.instance import Outcome, Service, stop_on_signals
from sheets_sync.service.jobs import Job, Jobs, load_jobs
from sheets_sync.service.logs import json_log
from sheets_sync.service.runner import RunResult, run_job
from sheets_sync.service.store import Store, open_store

__all__ = [
    "Job",
    "Jobs",
    "Outcome",
    "RunResult",
    "Service",
    "Store",
    "json_log",
    "load_jobs",
    "open_store",
    "run_job",
    "stop_on_signals",
]
