"""When a job is due, from its schedule and its run history.

The times come from APScheduler 3's triggers (``CronTrigger.from_crontab``,
``IntervalTrigger``), never from a parser of our own; the service keeps its own loop
because who runs a job is decided by the database (:mod:`sheets_sync.service.store`),
not by one process's scheduler.

The rule (docs/service.md, "When a job runs"):

- a job that has never run is due at once;
- else the next slot is the trigger's first fire time after the last run's slot
  (``due_at`` in the run history): a restart resumes the schedule from the history;
- slots missed while no service ran are run once, not one by one: when the slot after
  the next is also past, the run's slot is *now* (APScheduler's "coalesce").
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

if TYPE_CHECKING:
    from sheets_sync.service.jobs import Schedule

__all__ = ["due_slot", "next_slot", "trigger_of"]

UTC = dt.UTC
#: where interval slots are counted from, so every instance reckons the same slots
_EPOCH = dt.datetime(2000, 1, 1, tzinfo=UTC)


def trigger_of(schedule: Schedule) -> Any:
    """The APScheduler trigger of ``schedule``.  Raises ValueError with APScheduler's
    words for a cron expression or time zone that does not parse (the jobs file loader
    turns it into a problem on the schedule's line)."""
    if schedule.every is not None:
        return IntervalTrigger(
            seconds=schedule.every.total_seconds(), start_date=_EPOCH, timezone=UTC
        )
    try:
        return CronTrigger.from_crontab(schedule.cron or "", timezone=schedule.timezone)
    except (ValueError, LookupError) as exc:  # zoneinfo raises a LookupError subclass
        raise ValueError(f"cron {schedule.cron!r}: {exc}") from None


def next_slot(trigger: Any, last_due: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    """The slot a job is due at next (UTC): ``now`` when it never ran (``last_due``
    None), else the trigger's first fire time after ``last_due``, which may be past."""
    if last_due is None:
        return now
    fire = trigger.get_next_fire_time(last_due, last_due)
    if fire is None:  # pragma: no cover - our triggers have no end date
        return dt.datetime.max.replace(tzinfo=UTC)
    return fire.astimezone(UTC)


def due_slot(trigger: Any, last_due: dt.datetime | None, now: dt.datetime) -> dt.datetime | None:
    """The slot to record for a run started at ``now``, or None when the job is not due.
    Coalesces: when the slot after the next one is past too, the run stands for all of
    them and its slot is ``now``."""
    slot = next_slot(trigger, last_due, now)
    if slot > now:
        return None
    if last_due is not None and next_slot(trigger, slot, now) <= now:
        return now
    return slot
