"""Writing a merge's changes to the workbook, through the in-place writer.

Every change goes in one :func:`xl_crm.xlsx.inplace.write_columns` call: only the changed
cells of the synced columns are written (each cell as its value is: a date as a date, a
text as a text, never a formula), the new rows below the last one, and a row deleted on the
sheet is emptied (its synced cells cleared; the workbook's own columns, a formula column
among them, are left as they are).  Excel rows are not shifted, so formulas, charts and
names that point into the sheet stay right; xl-crm's readers skip a blank row, and people
can delete it in Excel.  The writer keeps a backup of the original, replaces the file
atomically (a failure at any moment leaves it as it was) and appends an audit record
(docs/in-place-writer.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sheets_sync.sync.merge import MergePlan
from sheets_sync.sync.sides import SideRows
from sheets_sync.sync.values import value_of

__all__ = ["LocalWrite", "editor_lock", "plan_local_write", "write_local"]


class LocalWrite:
    """The writes of one workbook sheet: ``columns`` (header -> {Excel row: value}),
    ``cells`` updated in existing rows, rows ``appended`` and ``emptied``."""

    def __init__(self, side: SideRows) -> None:
        self.side = side
        self.columns: dict[str, dict[int, Any]] = {}
        self.cells = 0
        self.appended = 0
        self.emptied = 0

    def put(self, header: str, row: int, value: Any) -> None:
        self.columns.setdefault(header, {})[row] = value


def plan_local_write(side: SideRows, plan: MergePlan) -> LocalWrite:
    """The :class:`LocalWrite` of ``plan`` on the workbook's ``side``."""
    out = LocalWrite(side)
    headers = [side.table.headers[f] for f in plan.fields]
    for key, cells in plan.to_local.items():
        row = side.row_of[key]
        for i, cell in cells.items():
            out.put(headers[i], row, value_of(cell))
        out.cells += len(cells)
    for n, cells in enumerate(plan.new_in_book.values()):
        row = side.last_row + 1 + n
        for i, cell in enumerate(cells):
            if cell is not None:
                out.put(headers[i], row, value_of(cell))
        out.appended += 1
    for key in plan.delete_in_book:  # the synced cells emptied; other columns as they are
        row = side.row_of[key]
        for header in headers:
            out.put(header, row, None)
        out.emptied += 1
    return out


def write_local(
    path: Path,
    writes: list[LocalWrite],
    *,
    backups: int,
    audit_log: Path | None,
    actor: str | None = None,
) -> int:
    """Write ``writes`` (one per sheet) into the workbook at ``path``; returns the rows
    changed.  Raises what :func:`xl_crm.xlsx.inplace.write_columns` raises (the workbook
    is then as it was)."""
    from xl_crm.xlsx.inplace import ColumnWrite, write_columns

    rows = 0
    for w in writes:
        if not w.columns:
            continue
        columns = [ColumnWrite(h, values, kind="value") for h, values in w.columns.items()]
        result = write_columns(
            path, w.side.table.sheet, columns, header_row=w.side.table.header_row,
            backups=backups, audit_log=audit_log, actor=actor,
        )  # fmt: skip
        rows += result.rows_changed
    return rows


def editor_lock(path: Path) -> Path | None:
    """The lock file a spreadsheet program keeps beside ``path`` while the workbook is open
    in it, or None: LibreOffice's ``.~lock.NAME#``, Excel's and WPS's owner file ``~$NAME``
    (Excel drops the name's first two characters when it is long: ``~$ME.xlsx``)."""
    name = path.name
    for candidate in (f".~lock.{name}#", f"~${name}", f"~${name[2:]}", f"~${name[1:]}"):
        lock = path.with_name(candidate)
        if lock.is_file():
            return lock
    return None
