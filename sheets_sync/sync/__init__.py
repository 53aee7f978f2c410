"""Two-way sync of a workbook and a Google Sheet without lost edits (``xl-crm sync``).

:func:`sync` is the whole of it (:mod:`.engine`); :mod:`.merge` the three-way merge,
:mod:`.sides` the rows by key, :mod:`.sheetwrite` and :mod:`.localwrite` the writes,
:mod:`.state` the snapshots, :mod:`.report` the conflicts report, :mod:`.result` what a
sync did.  docs/sync.md explains
the policies with examples.
"""

from __future__ import annotations

from sheets_sync.sync.engine import sync
from sheets_sync.sync.merge import DIRECTIONS, POLICIES, Conflict
from sheets_sync.sync.result import SheetSync, SyncResult

__all__ = ["DIRECTIONS", "POLICIES", "Conflict", "SheetSync", "SyncResult", "sync"]
