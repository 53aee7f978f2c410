"""A client-side rate limiter under the Sheets API's per-user quota.

Google allows 60 read and 60 write requests per minute per user per project
(https://developers.google.com/sheets/api/limits; one ``batchUpdate`` with many requests is
one write).  A service account is one user, so every job on it shares that budget
(research/gsheets.md §4).  :class:`Quota` keeps this process under its own share, 50 and 50
by default: room for a person's browser or a second job on the same account.

The limiter is pyrate-limiter's sliding-window log (``InMemoryBucket``): at most ``reads``
read calls in any ``per_seconds`` span, and the same for writes; a call over it waits
(in this thread) until the oldest call in the window leaves it.  Not a token bucket: a full
bucket of N tokens refilled at N a minute lets 2N calls through in one minute (N at once,
then N refilled), over Google's fixed minute; a sliding window never lets more than N into
any minute.  Drive calls are not limited here (Drive's own quota is far larger).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from pyrate_limiter import InMemoryBucket, Limiter, Rate

#: Google's per-user per-minute quotas for Sheets reads and writes
GOOGLE_PER_USER = 60


@dataclass
class Quota:
    """At most ``reads`` read calls and ``writes`` write calls in any ``per_seconds``
    (None: that kind unlimited).  Pass the same Quota to several ``connect()`` calls to
    share one budget between their clients (thread-safe)."""

    reads: int | None = 50
    writes: int | None = 50
    per_seconds: float = 60.0
    limiters: dict[str, Limiter] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        interval_ms = max(1, round(self.per_seconds * 1000))
        for kind, limit in (("read", self.reads), ("write", self.writes)):
            if limit is not None:
                self.limiters[kind] = Limiter(InMemoryBucket([Rate(limit, interval_ms)]))

    def wait(self, kind: str | None) -> float:
        """Take one call of ``kind`` (``"read"``, ``"write"``; None: not counted), waiting
        while the window is full; returns the seconds waited."""
        limiter: Any = self.limiters.get(kind) if kind else None
        if limiter is None:
            return 0.0
        start = time.monotonic()
        limiter.try_acquire(kind)
        return time.monotonic() - start
