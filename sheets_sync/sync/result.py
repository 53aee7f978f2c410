"""What a sync did: :class:`SyncResult` (per sheet: :class:`SheetSync`), as
:func:`sheets_sync.sync.sync` returns it and ``xl-crm sync --json`` writes it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sheets_sync.sync.merge import Conflict

__all__ = ["SheetSync", "SyncResult"]


@dataclass
class SheetSync:
    """What a sync did to one template sheet (``sheet``: its id; ``book_sheet`` and
    ``sheet_tab``: its name in the workbook and on the spreadsheet): cells written in rows
    both sides had, rows added and removed on each side (a row removed from the workbook is
    emptied), the ``conflicts``, and ``changed_after_write``: sheet cells someone changed
    right after the sync wrote them (the next sync takes them)."""

    sheet: str
    book_sheet: str
    sheet_tab: str
    cells_to_sheet: int = 0
    rows_added_to_sheet: int = 0
    rows_deleted_on_sheet: int = 0
    cells_to_book: int = 0
    rows_added_to_book: int = 0
    rows_emptied_in_book: int = 0
    rows_changed: int = 0
    conflicts: list[Conflict] = field(default_factory=list)
    changed_after_write: list[str] = field(default_factory=list)
    #: the cells the sync wrote while the sheet's Drive version shows another change made
    #: between the check and the write: an edit typed there in that instant may have been
    #: written over (the API has no conditional write); empty when none was
    written_while_edited: list[str] = field(default_factory=list)
    #: what a dry run would write: (where, zh, en) per cell and per row added or removed
    planned: list[tuple[str, str, str]] = field(default_factory=list)
    #: key -> (workbook cell row, sheet row) for the report
    rows_of: dict[str, tuple[int | None, int | None]] = field(default_factory=dict)
    letters: tuple[dict[str, str], dict[str, str]] = field(default_factory=lambda: ({}, {}))
    keys: dict[str, str] = field(default_factory=dict)


@dataclass
class SyncResult:
    """What :func:`sync` did.  ``unchanged``: the gate found nothing changed on either side
    since the last sync (nothing was read beyond the Drive version); ``sheets``: one
    :class:`SheetSync` per template sheet synced; ``passes``: passes made (more than one
    when the sheet changed under the sync); ``requests`` / ``bytes_sent`` /
    ``bytes_received``: Google API traffic (0 when the client does not count);
    ``report``: the conflicts report written (None when there was no conflict);
    ``dry_run``: nothing was written."""

    book: Path
    spreadsheet: str
    direction: str
    prefer: str
    unchanged: bool = False
    dry_run: bool = False
    sheets: list[SheetSync] = field(default_factory=list)
    passes: int = 0
    requests: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0
    report: Path | None = None
    #: the last sync's conflicts report (the default path) removed: no conflict is left
    stale_report: Path | None = None

    @property
    def conflicts(self) -> list[Conflict]:
        """Every sheet's conflicts."""
        return [c for s in self.sheets for c in s.conflicts]

    @property
    def open_conflicts(self) -> int:
        """Conflicts left with both sides as they were (``kept == "both"``)."""
        return sum(c.kept == "both" for c in self.conflicts)

    @property
    def written_while_edited(self) -> list[str]:
        """Every sheet's cells written while someone else changed the sheet (see
        :attr:`SheetSync.written_while_edited`)."""
        return [c for s in self.sheets for c in s.written_while_edited]

    @property
    def rows_changed(self) -> int:
        """Rows (customers, orders ...) changed on either side, each counted once."""
        return sum(s.rows_changed for s in self.sheets)

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON-ready data (``--json``): counts per sheet and each conflict
        (its key, field, cells, values as shown and what was kept)."""
        from sheets_sync.sync.values import shown

        counts = ("cells_to_sheet", "rows_added_to_sheet", "rows_deleted_on_sheet",
                  "cells_to_book", "rows_added_to_book", "rows_emptied_in_book",
                  "rows_changed")  # fmt: skip
        sheets = []
        for s in self.sheets:
            one: dict[str, Any] = {"sheet": s.sheet, "book_sheet": s.book_sheet,
                                   "sheet_tab": s.sheet_tab}  # fmt: skip
            one.update({name: getattr(s, name) for name in counts})
            one["conflicts"] = [
                {"key": s.keys.get(c.key, c.key), "field": c.field, "kind": c.kind,
                 "base": shown(c.base), "workbook": shown(c.local) if c.field else None,
                 "sheet": shown(c.sheet) if c.field else None, "kept": c.kept, "why": c.why}
                for c in s.conflicts
            ]  # fmt: skip
            one["changed_after_write"] = s.changed_after_write
            one["written_while_edited"] = s.written_while_edited
            sheets.append(one)
        return {
            "book": str(self.book), "spreadsheet": self.spreadsheet,
            "direction": self.direction, "prefer": self.prefer, "unchanged": self.unchanged,
            "dry_run": self.dry_run, "passes": self.passes, "rows_changed": self.rows_changed,
            "open_conflicts": self.open_conflicts, "requests": self.requests,
            "bytes_sent": self.bytes_sent, "bytes_received": self.bytes_received,
            "report": str(self.report) if self.report else None, "sheets": sheets,
        }  # fmt: skip
