"""A service instance: the loop that finds due jobs, leases them, runs them and records
each run (docs/service.md).

::

    from sheets_sync.service import Service, load_jobs, open_store

    jobs = load_jobs("jobs.yaml")
    service = Service(jobs, open_store(jobs.default_db))
    summary = service.run_once()          # every due job once (xl-crm service run --once)
    service.serve(stop)                   # until stop (a threading.Event) is set

Each run goes in a thread of its own while the loop renews its lease (every third of the
lease); a job runs only under its lease, so runs of one job never overlap, on one machine or
several.  A failing job is recorded and the others go on.  When ``stop`` is set the loop
starts nothing new, waits up to ``grace_seconds`` for the runs under way, records those
still going as abandoned, and gives every lease back.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from sheets_sync.service.jobs import Job, Jobs
from sheets_sync.service.logs import json_log
from sheets_sync.service.reports import Reporting
from sheets_sync.service.runner import RunResult, SheetsClient, run_job
from sheets_sync.service.schedule import due_slot, trigger_of
from sheets_sync.service.store import Store

__all__ = ["Outcome", "Service", "stop_on_signals"]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Outcome:
    """What ``run --once`` did with one job: ``status`` is ``succeeded``, ``failed``,
    ``abandoned``, ``not-due`` or ``busy`` (another instance holds its lease); for a run,
    its ``run_id`` and :class:`RunResult`."""

    job: str
    status: str
    run_id: int | None = None
    result: RunResult | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data (``xl-crm service run --once --json``)."""
        data: dict[str, Any] = {"job": self.job, "status": self.status, "run_id": self.run_id}
        if self.result is not None:
            data.update(self.result.columns(), marked=self.result.marked)
        return data


@dataclass
class _Active:
    job: Job
    run_id: int
    thread: threading.Thread
    renewed: float
    started: dt.datetime = field(default_factory=_now)
    result: RunResult = field(default_factory=RunResult)


class Service:
    """One instance of the service over ``jobs`` and ``store``.

    ``lease_seconds``: how long a lease lasts unless renewed (a dead instance's jobs are
    taken over after it); ``poll_seconds``: how often the loop looks for due jobs;
    ``grace_seconds``: how long a stop waits for runs under way; ``workers``: runs at
    once; ``log``: a structlog logger (default JSON lines on stderr); ``sheets_client``:
    makes the gspread client of a Google Sheet source (default ``sheets_sync.connect``);
    ``owner``: this instance's name in leases and history (default host:pid:random).
    """

    def __init__(
        self,
        jobs: Jobs,
        store: Store,
        *,
        lease_seconds: float = 60.0,
        poll_seconds: float = 1.0,
        grace_seconds: float = 30.0,
        workers: int = 2,
        log: Any = None,
        sheets_client: SheetsClient | None = None,
        owner: str | None = None,
    ) -> None:
        self.jobs, self.store = jobs, store
        self.lease, self.poll, self.grace = lease_seconds, poll_seconds, grace_seconds
        self.workers = max(1, workers)
        self.log = log or json_log()
        self.sheets_client = sheets_client
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.triggers = {j.name: trigger_of(j.schedule) for j in jobs.jobs}
        self.active: dict[str, _Active] = {}
        self.done: list[Outcome] = []
        store.add_jobs([j.name for j in jobs.jobs])

    # -- the two modes ----------------------------------------------------------------------

    def run_once(self) -> list[Outcome]:
        """Run every due job once (at most ``workers`` at a time) and wait for them.
        Returns one :class:`Outcome` per job, in the jobs file's order."""
        self.log.info("service-started", mode="once", owner=self.owner, jobs=len(self.jobs.jobs))
        statuses: dict[str, Outcome] = {}
        waiting = list(self.jobs.jobs)
        while waiting or self.active:
            while waiting and len(self.active) < self.workers:
                job = waiting.pop(0)
                status = self._start(job)
                if status is not None:
                    statuses[job.name] = Outcome(job.name, status)
            self._tend(timeout=self.poll)
        for outcome in self.done:
            statuses[outcome.job] = outcome
        self._stopped()
        return [statuses[j.name] for j in self.jobs.jobs]

    def serve(self, stop: threading.Event) -> None:
        """Run jobs as they fall due until ``stop`` is set; then end cleanly (see the
        module docstring)."""
        self.log.info("service-started", mode="serve", owner=self.owner, jobs=len(self.jobs.jobs))
        while not stop.is_set():
            slots = self.store.last_slots()
            now = _now()
            for job in self.jobs.jobs:
                if len(self.active) >= self.workers or stop.is_set():
                    break
                due = due_slot(self.triggers[job.name], slots.get(job.name), now)
                if job.name not in self.active and due is not None:
                    self._start(job)
            self._tend(timeout=self.poll, stop=stop)
        deadline = time.monotonic() + self.grace
        while self.active and time.monotonic() < deadline:
            self._tend(timeout=min(self.poll, max(0.0, deadline - time.monotonic())))
        for run in list(self.active.values()):
            self.store.finish(run.run_id, _now(), "abandoned", error="stopped: service shut down")
            self.store.release(run.job.name, self.owner)
            self.log.warning("run-abandoned", job=run.job.name, run=run.run_id)
        self.active.clear()
        self._stopped()

    # -- one run ------------------------------------------------------------------------------

    def _start(self, job: Job) -> str | None:
        """Lease ``job`` and start its run; None when started, else why not (``busy``,
        ``not-due``)."""
        now = _now()
        if due_slot(self.triggers[job.name], self.store.last_slot(job.name), now) is None:
            return "not-due"
        if not self.store.take(job.name, self.owner, now, self.lease):
            return "busy"
        lost = self.store.abandon_others(job.name, self.owner, now)
        if lost:
            self.log.warning("runs-taken-over", job=job.name, abandoned=lost)
        # read again under the lease: another instance may have run this slot just now
        slot = due_slot(self.triggers[job.name], self.store.last_slot(job.name), now)
        run_id = (
            None if slot is None else self.store.start(job.name, slot, self.owner, now, job.actions)
        )
        if run_id is None:
            self.store.release(job.name, self.owner)
            return "not-due"
        self.log.info("run-started", job=job.name, run=run_id, slot=slot.isoformat())
        active = _Active(job, run_id, threading.Thread(daemon=True), time.monotonic(), now)
        active.thread = threading.Thread(
            target=self._run, args=(active,), name=f"job-{job.name}", daemon=True
        )
        self.active[job.name] = active
        active.thread.start()
        return None

    def _run(self, active: _Active) -> None:
        job = active.job
        started = time.monotonic()
        reporting = Reporting(
            self.jobs.report_folder(job.name), lambda: self.store.history(job.name), active.started
        )
        result = run_job(job, self.jobs.sheets, self.sheets_client, reporting, self.store)
        active.result = result
        recorded = self.store.finish(active.run_id, _now(), result.outcome, **result.columns())
        fields = {
            "job": job.name, "run": active.run_id, "outcome": result.outcome,
            "seconds": round(time.monotonic() - started, 3), "findings": result.findings,
            "errors": result.errors, "score": result.score, "rows_changed": result.rows_changed,
            "marked": result.marked, "api_requests": result.api_requests, "error": result.error,
            "report": result.report, "delivery_error": result.delivery_error,
            "conflicts": result.conflicts,
            "written_while_edited": result.written_while_edited,
        }  # fmt: skip
        if recorded:
            self.store.release(job.name, self.owner)
            (self.log.info if result.outcome == "succeeded" else self.log.error)(
                "run-finished", **fields
            )
            if result.written_while_edited:  # the cells only: a person must look at them
                self.log.warning("sync-written-while-edited", job=job.name, run=active.run_id,
                                 cells=result.written_while_edited)  # fmt: skip
        else:
            self.log.warning("run-finished-late", **fields)

    def _tend(self, timeout: float, stop: threading.Event | None = None) -> None:
        """Wait up to ``timeout`` seconds (less when ``stop`` is set), renew the leases of
        the runs under way, and collect the runs that ended."""
        end = time.monotonic() + timeout
        while True:
            for name, run in list(self.active.items()):
                if not run.thread.is_alive():
                    del self.active[name]
                    self.done.append(Outcome(name, run.result.outcome, run.run_id, run.result))
                elif time.monotonic() - run.renewed >= self.lease / 3:
                    run.renewed = time.monotonic()
                    if not self.store.renew(name, self.owner, _now(), self.lease):
                        self.log.warning("lease-lost", job=name, run=run.run_id)
            left = end - time.monotonic()
            if left <= 0 or (stop is not None and stop.is_set()):
                return
            time.sleep(min(left, 0.05))

    def _stopped(self) -> None:
        for job in self.jobs.jobs:
            self.store.release(job.name, self.owner)
        self.log.info("service-stopped", owner=self.owner)


def stop_on_signals(stop: threading.Event) -> None:
    """Set ``stop`` on SIGTERM and SIGINT (call from the main thread), so
    :meth:`Service.serve` ends cleanly."""

    def handler(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
