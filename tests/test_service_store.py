"""The service's database on SQLite and on a real PostgreSQL server: the Alembic head is
the models, leases are taken by one instance at a time and taken over after they expire,
a slot is recorded once."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from sheets_sync.service.models import metadata
from sheets_sync.service.store import open_store
from xl_crm.errors import ServiceDatabaseError

NOW = dt.datetime(2026, 6, 30, 8, 0, tzinfo=dt.UTC)


def test_the_migration_head_is_the_models(service_db):
    store = open_store(service_db)
    with store.engine.connect() as db:
        context = MigrationContext.configure(db, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []
        assert context.get_current_revision() is not None
    assert {"service_runs", "service_leases"} <= set(inspect(store.engine).get_table_names())
    open_store(service_db).close()  # a second start upgrades nothing and fails nothing
    store.close()


def test_a_lease_is_one_instances_until_it_expires(service_db):
    store = open_store(service_db)
    store.add_jobs(["shop", "hotel"])
    store.add_jobs(["shop"])  # again: nothing added twice
    assert store.take("shop", "a", NOW, 10)
    assert not store.take("shop", "b", NOW + dt.timedelta(seconds=9), 10)
    assert store.take("hotel", "b", NOW, 10)  # another job is free
    assert store.renew("shop", "a", NOW + dt.timedelta(seconds=9), 10)  # now until +19 s
    assert not store.take("shop", "b", NOW + dt.timedelta(seconds=18), 10)
    assert store.take("shop", "b", NOW + dt.timedelta(seconds=20), 10)  # expired: taken over
    assert not store.renew("shop", "a", NOW + dt.timedelta(seconds=21), 10)  # a lost it
    store.release("shop", "a")  # not a's: nothing happens
    assert store.holders() == {"shop": "b", "hotel": "b"}
    store.release("shop", "b")
    assert store.holders()["shop"] is None
    store.close()


def test_many_threads_racing_for_one_lease_give_it_to_one(service_db):
    store = open_store(service_db)
    store.add_jobs(["shop"])
    winners, gate = [], threading.Barrier(8)

    def race(name: str) -> None:
        gate.wait()
        if store.take("shop", name, NOW, 30):
            winners.append(name)

    threads = [threading.Thread(target=race, args=(f"i{n}",)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(winners) == 1 and store.holders()["shop"] == winners[0]
    store.close()


def test_a_slot_is_recorded_once_and_the_schedule_resumes_from_it(service_db):
    store = open_store(service_db)
    first = store.start("shop", NOW, "a", NOW, ["validate"])
    assert first is not None and store.start("shop", NOW, "b", NOW, ["validate"]) is None
    assert store.last_slots() == {"shop": NOW} and store.last_slot("shop") == NOW
    assert store.finish(first, NOW, "succeeded", findings={"bad-email": 2}, score=97.5)
    assert not store.finish(first, NOW, "failed")  # ended already
    (run,) = store.history("shop")
    assert (run["outcome"], run["findings"], run["score"]) == ("succeeded", {"bad-email": 2}, 97.5)
    assert run["started_at"] == NOW and run["started_at"].tzinfo is not None
    store.close()


def test_runs_left_by_a_lost_instance_are_marked_abandoned(service_db):
    store = open_store(service_db)
    lost = store.start("shop", NOW, "dead", NOW, ["validate"])
    assert store.abandon_others("shop", "alive", NOW + dt.timedelta(seconds=5)) == 1
    (run,) = store.history()
    assert run["id"] == lost and run["outcome"] == "abandoned" and run["error"]
    store.close()


@pytest.mark.parametrize(
    "url",
    ["not a url", "oracle+nodriver://x/y", "sqlite:////no/such/folder/at/all/service.db",
     "postgresql+psycopg://nobody@127.0.0.1:1/none"],
)  # fmt: skip
def test_a_database_that_cannot_be_used_is_a_clear_error(url):
    with pytest.raises(ServiceDatabaseError) as info:
        open_store(url)
    assert info.value.reason == "service-database" and "--db" in info.value.text("en")
