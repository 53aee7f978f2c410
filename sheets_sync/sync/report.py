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

__all__ = ["COLUMNS", "planned_cells", "write_conflicts"]

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


def planned_cells(plan: Any, local: Any, sheet: Any) -> list[tuple[str, str, str]]:
    """What ``plan`` writes, as (where, zh, en): each cell (``客户!C7``, with its field) and
    each row added or removed (named by its key); no cell values."""
    out: list[tuple[str, str, str]] = []
    sides = [(sheet, plan.to_sheet, "写入表格", "to the sheet"),
             (local, plan.to_local, "写入工作簿", "to the workbook")]  # fmt: skip
    for side, changes, zh, en in sides:
        for key, cells in changes.items():
            for i in cells:
                where = side.cell(plan.fields[i], side.row_of[key])
                out.append((where, f"{zh}（{plan.fields[i]}）", f"{en} ({plan.fields[i]})"))
    keys = {**sheet.key_text, **local.key_text}
    for key in plan.new_on_sheet:
        out.append(
            (f"{sheet.table.sheet} {keys.get(key, key)}", "表格新增一行", "a new row on the sheet")
        )
    for key in plan.new_in_book:
        out.append(
            (
                f"{local.table.sheet} {keys.get(key, key)}",
                "工作簿新增一行",
                "a new row in the workbook",
            )
        )
    for key in plan.delete_on_sheet:
        out.append(
            (
                sheet.cell(plan.fields[0], sheet.row_of[key]),
                "表格删除此行",
                "the row deleted on the sheet",
            )
        )
    for key in plan.delete_in_book:
        out.append(
            (
                local.cell(plan.fields[0], local.row_of[key]),
                "工作簿清空此行",
                "the row emptied in the workbook",
            )
        )
    return out
