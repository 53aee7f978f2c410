"""Writing a merge's changes to the Google Sheet: checked just before, one atomic request,
read back just after.

1. **Check** (one ``values.batchGet``): the rows about to be written or deleted, and the
   rows new ones go to, are read again and compared with what the merge read.  A row that
   changed since (another user typed in it, sorted the sheet, inserted a row, appended
   one) stops the write: :class:`SheetMoved` is raised and the sync starts its pass again
   from fresh reads, so an edit made between our read and our write is merged, never
   overwritten.  The Sheets API has no conditional write (no ETag, no revision
   precondition: research/gsheets.md §8), so the window left is the few milliseconds
   between this read and the write.
2. **Write** (one ``spreadsheets.batchUpdate``, atomic: all of it or none of it, Sheets API
   reference, ``spreadsheets.batchUpdate``): ``appendDimension`` when the grid is too
   short, ``updateCells`` for each run of changed cells (typed ``ExtendedValue``s: a text is
   a ``stringValue``, stored as it is and never parsed as a formula or a number — the RAW
   input of ``values.update``; a date is its serial number with a date format), the new rows
   below the last one, and ``deleteDimension`` for deleted rows, lowest last.
3. **Read back** (one ``values.batchGet``): every written cell is compared with what was
   written; a difference (someone typed there right after) is reported and left to the
   next sync, which sees it as the sheet's change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from openpyxl.utils import get_column_letter

from sheets_sync.cells import a1, cell_out, extended, number_format
from sheets_sync.sync.merge import MergePlan
from sheets_sync.sync.sides import SideRows
from sheets_sync.sync.values import value_of

__all__ = ["SheetMoved", "SheetWrite", "check_rows", "plan_sheet_write", "read_back",
           "written_cells"]  # fmt: skip

#: rows checked one by one up to this many spans; beyond, the sheet's whole table is read
MAX_SPANS = 200
_VALUES = {"valueRenderOption": "UNFORMATTED_VALUE", "dateTimeRenderOption": "SERIAL_NUMBER"}


class SheetMoved(Exception):
    """A row to be written changed on the sheet after the merge read it (see the module
    docstring); ``cells`` names the first few (``客户!A7``)."""

    def __init__(self, cells: list[str]) -> None:
        super().__init__(", ".join(cells))
        self.cells = cells


@dataclass
class SheetWrite:
    """The writes of one sheet: ``requests`` (the ``spreadsheets.batchUpdate`` requests),
    ``checks`` (row number -> the row as read, for the check), ``append_at`` / ``appended``
    (the first new row and how many), ``written`` (final row number after the deletions ->
    {1-based column: the value written}, for the read-back), and counts."""

    title: str
    width: int
    requests: list[dict[str, Any]] = field(default_factory=list)
    checks: dict[int, list[Any]] = field(default_factory=dict)
    append_at: int = 0
    appended: int = 0
    written: dict[int, dict[int, Any]] = field(default_factory=dict)
    cells: int = 0
    deleted: int = 0


def plan_sheet_write(
    side: SideRows,
    plan: MergePlan,
    sheet_id: int,
    grid_rows: int,
    formulas: dict[tuple[int, int], str] | None = None,
) -> SheetWrite:
    """The :class:`SheetWrite` of ``plan`` on ``side`` (the sheet as read), whose grid has
    ``grid_rows`` rows and whose ``sheetId`` is ``sheet_id``.  ``formulas``: (row, column)
    -> formula of the sheet's formula cells; a change to one of them is refused
    (:class:`xl_crm.errors.OverwriteRefusedError` naming each, nothing written), as the
    workbook's writer refuses."""
    width = max([len(r) for r in side.grid] + [side.column(f) for f in side.fields] + [1])
    out = SheetWrite(side.table.sheet, width)
    columns = [side.column(f) for f in plan.fields]
    deleted = sorted(side.row_of[k] for k in plan.delete_on_sheet)
    held = [
        (f"{get_column_letter(columns[i])}{side.row_of[key]}", formula)
        for key, cells in plan.to_sheet.items()
        for i in cells
        if (formula := (formulas or {}).get((side.row_of[key], columns[i])))
    ]
    if held:
        from xl_crm.errors import OverwriteRefusedError

        raise OverwriteRefusedError(
            [(ref, f"公式 {f}", f"the formula {f}") for ref, f in held],
            sheet=side.table.sheet,
        )
    for key, cells in plan.to_sheet.items():
        row = side.row_of[key]
        out.checks[row] = side.grid[row - 1] if row - 1 < len(side.grid) else []
        values = {columns[i]: value_of(c) for i, c in cells.items()}
        out.requests += _runs(sheet_id, row, values)
        out.written[_after(row, deleted)] = values
        out.cells += len(values)
    out.append_at = side.last_row + 1
    out.appended = len(plan.new_on_sheet)
    if out.appended:
        need = side.last_row + out.appended
        if need > grid_rows:
            out.requests.insert(0, {"appendDimension": {
                "sheetId": sheet_id, "dimension": "ROWS", "length": need - grid_rows}})  # fmt: skip
        for n, row_cells in enumerate(plan.new_on_sheet.values()):
            row = out.append_at + n
            values = {columns[i]: value_of(c) for i, c in enumerate(row_cells) if c is not None}
            out.requests += _runs(sheet_id, row, values)
            out.written[_after(row, deleted)] = values
    for row in deleted:
        out.checks[row] = side.grid[row - 1] if row - 1 < len(side.grid) else []
    for first, last in reversed(_spans(deleted)):
        out.requests.append({"deleteDimension": {"range": {
            "sheetId": sheet_id, "dimension": "ROWS", "startIndex": first - 1,
            "endIndex": last}}})  # fmt: skip
    out.deleted = len(deleted)
    return out


def check_rows(book: Any, write: SheetWrite) -> None:
    """Raise :class:`SheetMoved` when a row of ``write.checks`` or the rows new ones go to
    changed since they were read (one ``values.batchGet``; none when there is nothing to
    check)."""
    rows = sorted(write.checks)
    spans = _spans(rows)
    if write.appended:
        spans.append((write.append_at, write.append_at + write.appended - 1))
    if not spans:
        return
    title, width = write.title, write.width
    whole = len(spans) > MAX_SPANS
    ranges = [a1(title, 1, 1, max(s[1] for s in spans), width)] if whole else [
        a1(title, first, 1, last, width) for first, last in spans]  # fmt: skip
    got = book.spreadsheet.values_batch_get(ranges, _VALUES).get("valueRanges", [])
    now: dict[int, list[Any]] = {}
    for (first, _), block in zip([(1, 0)] if whole else spans, got, strict=False):
        for i, row in enumerate(block.get("values", [])):
            now[first + i] = row
    moved = [
        r for r in rows if _wire_row(now.get(r, []), width) != _wire_row(write.checks[r], width)
    ]
    moved += [r for r in range(write.append_at, write.append_at + write.appended)
              if any(_wire(v) is not None for v in now.get(r, []))]  # fmt: skip
    if moved:
        raise SheetMoved([f"{title}!A{r}" for r in moved[:5]])


def read_back(book: Any, write: SheetWrite) -> list[str]:
    """The cells of ``write.written`` that do not hold what was written (one
    ``values.batchGet``), as A1 references with the sheet."""
    rows = sorted(write.written)
    if not rows:
        return []
    spans = _spans(rows)
    whole = len(spans) > MAX_SPANS
    title, width = write.title, write.width
    ranges = [a1(title, 1, 1, rows[-1], width)] if whole else [
        a1(title, first, 1, last, width) for first, last in spans]  # fmt: skip
    got = book.spreadsheet.values_batch_get(ranges, _VALUES).get("valueRanges", [])
    now: dict[int, list[Any]] = {}
    for (first, _), block in zip([(1, 0)] if whole else spans, got, strict=False):
        for i, row in enumerate(block.get("values", [])):
            now[first + i] = row
    differ = []
    for row in rows:
        cells = now.get(row, [])
        for column, value in write.written[row].items():
            held = cells[column - 1] if column - 1 < len(cells) else None
            if not _same_wire(_wire(held), _wire(value)):
                differ.append(f"{title}!{get_column_letter(column)}{row}")
    return differ


def written_cells(write: SheetWrite) -> list[str]:
    """Every cell ``write`` wrote, as A1 references with the sheet (rows as they are after
    the deletions)."""
    return [f"{write.title}!{get_column_letter(c)}{r}" for r in sorted(write.written)
            for c in sorted(write.written[r])]  # fmt: skip


# -- helpers ------------------------------------------------------------------------------


def _runs(sheet_id: int, row: int, values: dict[int, Any]) -> list[dict]:
    """``updateCells`` requests for ``values`` (1-based column -> value) of one row: one per
    run of adjacent columns written the same way (a value alone, or a value with the number
    format a date needs)."""
    out: list[dict[str, Any]] = []
    run: list[tuple[int, dict[str, Any], bool]] = []

    def flush() -> None:
        if not run:
            return
        dated = run[0][2]
        fields = "userEnteredValue,userEnteredFormat.numberFormat" if dated else "userEnteredValue"
        out.append({"updateCells": {
            "start": {"sheetId": sheet_id, "rowIndex": row - 1, "columnIndex": run[0][0] - 1},
            "rows": [{"values": [c for _, c, _ in run]}], "fields": fields}})  # fmt: skip
        run.clear()

    for column in sorted(values):
        value = values[column]
        fmt = number_format(value)
        cell: dict[str, Any] = {"userEnteredValue": extended(value)}
        dated = fmt is not None
        if fmt is not None:
            cell["userEnteredFormat"] = {"numberFormat": fmt}
        if run and (run[-1][0] != column - 1 or run[-1][2] != dated):
            flush()
        run.append((column, cell, dated))
    flush()
    return out


def _after(row: int, deleted: list[int]) -> int:
    """Where ``row`` is once the rows ``deleted`` (sorted) are gone."""
    import bisect

    return row - bisect.bisect_left(deleted, row)


def _spans(rows: list[int]) -> list[tuple[int, int]]:
    """Sorted row numbers as runs of consecutive rows."""
    spans: list[tuple[int, int]] = []
    for r in rows:
        if spans and r == spans[-1][1] + 1:
            spans[-1] = (spans[-1][0], r)
        else:
            spans.append((r, r))
    return spans


def _wire(value: Any) -> Any:
    """A value as the API's UNFORMATTED_VALUE / SERIAL_NUMBER answer holds it (None for an
    empty cell)."""
    raw = cell_out(value)
    return None if raw == "" else raw


def _same_wire(a: Any, b: Any) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool):
        return abs(float(a) - float(b)) < 1e-9 * max(1.0, abs(float(b)))
    return a == b


def _wire_row(row: list[Any], width: int) -> list[Any]:
    cells = [_wire(v) for v in row[:width]]
    while cells and cells[-1] is None:
        cells.pop()
    return [round(c, 9) if isinstance(c, float) else c for c in cells]
