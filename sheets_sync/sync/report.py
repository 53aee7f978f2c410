"""The conflicts report of a sync: one CSV line per conflict, what each side holds and
what was kept.

Written beside the workbook (``BOOK-sync-conflicts.csv``, or where ``--report`` says) with a
UTF-8 BOM so Excel opens the Chinese text right; text that a spreadsheet would run as a
formula is escaped (:func:`xl_crm.results.csv_safe`).  The report holds the conflicting
cells' values: it is the user's own data, written to their folder, never logged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sheets_sync.sync.values import shown
from xl_crm.results import csv_text

__all__ = ["COLUMNS", "write_conflicts"]

#: the report's columns
COLUMNS = [
    "sheet", "key", "field", "kind", "workbook_cell", "sheet_cell", "base", "workbook",
    "sheet_value", "kept", "why",
]  # fmt: skip


def write_conflicts(path: Path, result: Any) -> Path:
    """Write the conflicts of ``result`` (a :class:`sheets_sync.sync.SyncResult`) to
    ``path`` as CSV; returns ``path``.  Raises OSError when it cannot be written."""
    lines = []
    for s in result.sheets:
        book_letters, sheet_letters = s.letters
        for c in s.conflicts:
            brow, srow = s.rows_of.get(c.key, (None, None))
            cell = c.field or next(iter(book_letters), "")
            where_book = f"{s.book_sheet}!{book_letters.get(cell, 'A')}{brow}" if brow else ""
            where_sheet = f"{s.sheet_tab}!{sheet_letters.get(cell, 'A')}{srow}" if srow else ""
            lines.append({
                "sheet": s.sheet,
                "key": s.keys.get(c.key, c.key),
                "field": c.field or "",
                "kind": c.kind,
                "workbook_cell": where_book,
                "sheet_cell": where_sheet,
                "base": shown(c.base) if c.field else "",
                "workbook": shown(c.local) if c.field else _row(c.local),
                "sheet_value": shown(c.sheet) if c.field else _row(c.sheet),
                "kept": c.kept,
                "why": c.why,
            })  # fmt: skip
    path.write_text("\ufeff" + csv_text(COLUMNS, lines), encoding="utf-8")
    return path


def _row(row: Any) -> str:
    return "(deleted)" if row is None else "(edited)"
