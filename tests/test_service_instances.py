"""Two service instances (``xl-crm service serve`` subprocesses) against one real
PostgreSQL server share four jobs: each slot runs exactly once and runs of a job never
overlap; SIGKILL one instance while it holds a lease and the other takes its jobs over once
the lease (3 s here) has expired.  The same suite runs on SQLite for one instance (the
default database): each slot once, and a killed instance's job taken over by the next one
started after its lease expired."""

from __future__ import annotations

import datetime as dt
import os
import signal

from sheets_sync.service.store import open_store
from tests.pgserver import new_database
from tests.servicejobs import (
    alive,
    job,
    overlaps,
    owner_pid,
    planted_book,
    serve,
    stop,
    wait_for,
    write_jobs,
)

NAMES = ("north", "south", "east", "west")


def _four_jobs(tmp_path, every: float = 2):
    for name in NAMES:
        planted_book(tmp_path / f"{name}.xlsx")
    return write_jobs(tmp_path / "jobs.yaml", [job(n, f"{n}.xlsx", every) for n in NAMES])


def _slots_once(runs) -> None:
    for name in NAMES:
        slots = [r["due_at"] for r in runs if r["job"] == name]
        assert len(slots) == len(set(slots)), f"{name}: a slot ran twice"


def _instances_run_each_slot_once(tmp_path, db: str, count: int) -> None:
    """``count`` instances on ``db`` share the four jobs until each ran three times: each
    slot ran once, no runs of a job overlapped, every instance ran jobs, every lease was
    given back and every instance stopped cleanly on SIGTERM."""
    jobs_file = _four_jobs(tmp_path)
    instances = [serve(jobs_file, db, tmp_path / f"i{n}.jsonl") for n in range(count)]
    store = open_store(db)
    try:
        wait_for(
            lambda: all(
                sum(r["job"] == n and r["outcome"] == "succeeded" for r in store.history()) >= 3
                for n in NAMES
            ),
            120,
            "three runs of each of the four jobs",
        )
    finally:
        codes = [stop(p) for p in instances]
    assert codes == [0] * count
    runs = store.history()
    _slots_once(runs)
    assert overlaps(runs) == []
    assert {r["outcome"] for r in runs} <= {"succeeded", "abandoned"}
    owners = {owner_pid(r["owner"]) for r in runs}
    assert owners == {p.pid for p in instances}  # every instance ran jobs
    assert set(store.holders().values()) == {None}
    store.close()


def test_two_instances_share_four_jobs_and_each_slot_runs_once(tmp_path, pg_server):
    _instances_run_each_slot_once(tmp_path, new_database(pg_server), 2)


def test_a_killed_instances_jobs_are_taken_over_after_its_lease_expires(tmp_path, pg_server):
    db = new_database(pg_server)
    jobs_file = _four_jobs(tmp_path)
    victim = serve(jobs_file, db, tmp_path / "victim.jsonl")
    survivor = serve(jobs_file, db, tmp_path / "survivor.jsonl")
    store = open_store(db)
    try:

        def running_under_lease():
            holders = store.holders()
            return [
                r["job"] for r in store.history()
                if r["outcome"] == "running" and owner_pid(r["owner"]) == victim.pid
                and owner_pid(holders[r["job"]]) == victim.pid
            ]  # fmt: skip

        held = wait_for(running_under_lease, 120, "the first instance to be running a job")
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait(30)
        killed = dt.datetime.now(dt.UTC)
        taken = held[0]
        expires = store.expiry(taken)  # nobody renews it any more

        def taken_over():
            runs = store.history(taken)
            return [
                r
                for r in runs
                if owner_pid(r["owner"]) == survivor.pid and r["started_at"] > killed
            ]

        later = wait_for(taken_over, 120, f"the survivor to run {taken}")
        wait_for(
            lambda: all(
                any(owner_pid(r["owner"]) == survivor.pid for r in store.history(n)) for n in NAMES
            ),
            120,
            "the survivor to run every job",
        )
    finally:
        if alive(victim.pid):
            victim.kill()
        code = stop(survivor)
    assert code == 0
    assert expires is not None and later[0]["started_at"] >= expires  # not before it expired
    runs = store.history()
    left = [r for r in runs if owner_pid(r["owner"]) == victim.pid and r["job"] == taken]
    assert left and left[-1]["outcome"] == "abandoned"  # its run was cut short and is marked so
    _slots_once(runs)
    assert overlaps([r for r in runs if r["outcome"] != "abandoned"]) == []
    store.close()


# -- the same suite on SQLite, for one instance (the default database) ----------------------


def test_one_instance_on_sqlite_runs_four_jobs_each_slot_once(tmp_path):
    _instances_run_each_slot_once(tmp_path, f"sqlite:///{tmp_path / 'jobs.db'}", 1)


def test_on_sqlite_a_killed_instances_jobs_are_taken_over_by_its_successor(tmp_path):
    """SIGKILL the one instance while it holds a lease; the next one started on the same
    database takes the job once the lease has expired, and marks the cut run abandoned."""
    db = f"sqlite:///{tmp_path / 'jobs.db'}"
    jobs_file = _four_jobs(tmp_path)
    victim = serve(jobs_file, db, tmp_path / "victim.jsonl")
    store = open_store(db)
    try:

        def running_under_lease():
            holders = store.holders()
            return [r["job"] for r in store.history() if r["outcome"] == "running"
                    and owner_pid(holders[r["job"]]) == victim.pid]  # fmt: skip

        held = wait_for(running_under_lease, 120, "the instance to be running a job")
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait(30)
        killed = dt.datetime.now(dt.UTC)
        taken = held[0]
        expires = store.expiry(taken)
        successor = serve(jobs_file, db, tmp_path / "successor.jsonl")
        later = wait_for(
            lambda: [r for r in store.history(taken)
                     if owner_pid(r["owner"]) == successor.pid and r["started_at"] > killed],
            120, f"the successor to run {taken}",
        )  # fmt: skip
    finally:
        if alive(victim.pid):
            victim.kill()
    code = stop(successor)
    assert code == 0
    assert expires is not None and later[0]["started_at"] >= expires
    runs = store.history()
    left = [r for r in runs if owner_pid(r["owner"]) == victim.pid and r["job"] == taken]
    assert left and left[-1]["outcome"] == "abandoned"
    _slots_once(runs)
    store.close()
