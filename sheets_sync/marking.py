"""``spreadsheets.batchUpdate`` requests of the Google Sheets medium: marks, cells, sheets.

- :class:`Marker`: the requests of ``Book.mark``: clear the marks of the last run (a fill
  and, where xl-crm wrote it, the note), then fill and note each cell marked; the cells
  marked are kept in the hidden sheet :data:`xl_crm.excel.ledger.LEDGER` (the ledger the
  Excel medium keeps, :class:`xl_crm.excel.ledger.Ledger`), so the next run clears
  exactly those and never a colour or note of the user's.
- :func:`column_cells`: one column's cells as ``updateCells`` requests (typed values, so
  text is never parsed; date formats where a value is a date).
- :func:`repeat_format`: a number format over rows of a column.
- :func:`grow`, :func:`new_sheet`: the grid grown (``appendDimension``), a sheet added
  with an ID chosen here, so later requests of the same batch can name it.
- :func:`chunks`: a list of requests cut into bodies under the API's 10 MiB cap.
"""

from __future__ import annotations

import json
import re
from typing import Any

from sheets_sync.cells import colour, extended, number_format
from sheets_sync.fetch import Fetcher, SheetInfo
from xl_crm.excel.cells import runs
from xl_crm.excel.ledger import LEDGER, MARK_FILL, Ledger, parse_cell
from xl_crm.table import CellMark

__all__ = [
    "MARK_COLOUR",
    "REQUEST_BYTES",
    "Marker",
    "chunks",
    "column_cells",
    "grow",
    "new_sheet",
    "repeat_format",
]

#: the marks' fill as a Sheets ``Color`` (the file medium's light red, #FFC7CD)
MARK_COLOUR = colour(MARK_FILL)
#: the largest body sent in one request: under the API's 10,485,760 bytes ("Request
#: payload size exceeds the limit", research/gsheets.md §4), with room for the envelope
REQUEST_BYTES = 9_000_000
_CELL = re.compile(r"^([A-Z]+)(\d+)$")


def chunks(items: list[Any], limit: int = REQUEST_BYTES) -> list[list[Any]]:
    """``items`` (requests or value ranges) in consecutive parts whose JSON stays under
    ``limit`` bytes, measured as gspread sends it (``requests``' ``json=``: ASCII, other
    characters as ``\\uXXXX``, 6 bytes each); one part when they fit (an item over the
    limit goes alone)."""
    parts: list[list[Any]] = []
    size = 0
    for item in items:
        n = len(json.dumps(item)) + 2  # as gspread sends it: non-ASCII as \uXXXX
        if not parts or size + n > limit:
            parts.append([])
            size = 0
        parts[-1].append(item)
        size += n
    return parts


def cell_index(ref: str) -> tuple[int, int]:
    """``B3`` -> (row 3, column 2), 1-based."""
    from openpyxl.utils import column_index_from_string

    m = _CELL.match(parse_cell(ref))
    if not m:
        raise ValueError(f"not a cell reference: {ref!r}")
    return int(m.group(2)), column_index_from_string(m.group(1))


def column_cells(
    sheet_id: int,
    column: int,
    rows: dict[int, Any],
    header: int | None,
    *,
    pattern: str | None = None,
    kind: str | None = None,
) -> list[dict[str, Any]]:
    """``updateCells`` requests writing ``rows`` (row -> value, 1-based) into ``column``:
    one request per run of adjacent rows.  Values go as typed ``ExtendedValue``s (text as
    ``stringValue``: never a formula); a date gets a date format, ``pattern`` (a number
    format code) a NUMBER format, on every row but ``header`` (made bold)."""
    out = []
    for first, last in runs(list(rows)):
        cells = []
        for r in range(first, last + 1):
            cell: dict[str, Any] = {"userEnteredValue": extended(rows[r])}
            fmt = number_format(rows[r])
            if r == header:
                cell["userEnteredFormat"] = {"textFormat": {"bold": True}}
            elif fmt or pattern or kind == "money":
                code = fmt or {"type": "NUMBER", "pattern": pattern or "#,##0.00"}
                cell["userEnteredFormat"] = {"numberFormat": code}
            cells.append({"values": [cell]})
        out.append(
            {
                "updateCells": {
                    "rows": cells,
                    "start": {
                        "sheetId": sheet_id,
                        "rowIndex": first - 1,
                        "columnIndex": column - 1,
                    },
                    "fields": "userEnteredValue,userEnteredFormat.numberFormat,"
                    "userEnteredFormat.textFormat.bold",
                }
            }
        )
    return out


def repeat_format(
    sheet_id: int, column: int, first: int, last: int, fmt: dict[str, Any]
) -> dict[str, Any]:
    """A ``repeatCell`` request giving rows ``first``..``last`` (1-based) of ``column`` the
    ``NumberFormat`` ``fmt``."""
    grid = {"sheetId": sheet_id, "startRowIndex": first - 1, "endRowIndex": last,
            "startColumnIndex": column - 1, "endColumnIndex": column}  # fmt: skip
    return {
        "repeatCell": {
            "range": grid,
            "cell": {"userEnteredFormat": {"numberFormat": fmt}},
            "fields": "userEnteredFormat.numberFormat",
        }
    }


def grow(info: SheetInfo, rows: int, columns: int) -> list[dict[str, Any]]:
    """``appendDimension`` requests that make ``info``'s grid at least ``rows`` x
    ``columns`` (none when it is)."""
    out = []
    if columns > info.columns:
        out.append({"appendDimension": {"sheetId": info.sheet_id, "dimension": "COLUMNS",
                                        "length": columns - info.columns}})  # fmt: skip
    if rows > info.rows:
        out.append({"appendDimension": {"sheetId": info.sheet_id, "dimension": "ROWS",
                                        "length": rows - info.rows}})  # fmt: skip
    return out


def new_sheet(
    sheets: list[SheetInfo], title: str, rows: int, columns: int, *, hidden: bool = False
) -> tuple[SheetInfo, dict[str, Any]]:
    """A sheet to add after ``sheets``: its :class:`SheetInfo` (a free sheet ID, at least
    1000 x 26 like a new sheet of the UI) and the ``addSheet`` request."""
    taken = {s.sheet_id for s in sheets}
    sheet_id = max(taken, default=0) + 1
    info = SheetInfo(title, sheet_id, max(rows, 1000), max(columns, 26), hidden)
    props = {
        "sheetId": sheet_id,
        "title": title,
        "index": len(sheets),
        "hidden": hidden,
        "gridProperties": {"rowCount": info.rows, "columnCount": info.columns},
    }
    return info, {"addSheet": {"properties": props}}


class Marker:
    """The requests of one ``Book.mark`` call on the sheets :class:`Fetcher` ``fetch``
    knows; :meth:`done` makes the kept state match what was sent."""

    def __init__(self, fetch: Fetcher) -> None:
        self.fetch = fetch
        ledger_info = fetch.info(LEDGER)
        rows = fetch.rows(LEDGER) if ledger_info else []
        self.ledger_rows = len(rows)
        self.ledger = Ledger.from_rows(rows)
        self.new_ledger: list[list[Any]] = []
        self.added: SheetInfo | None = None
        self.cleared: list[tuple[str, str]] = []

    def requests(self, marks: list[CellMark], sheets: set[str]) -> list[dict[str, Any]]:
        """Clear the last run's marks on ``sheets`` and the sheets of ``marks``, then
        fill and note each mark; the ledger rewritten.  Empty when there is nothing to
        mark or clear."""
        touched = {*sheets, *(m.sheet for m in marks)}
        wanted: dict[tuple[str, str], str] = {}
        for m in marks:
            wanted[(m.sheet, parse_cell(m.cell))] = m.note
        earlier = self.ledger.marks_on(touched)
        if not wanted and not earlier:
            return []
        out: list[dict[str, Any]] = []
        for (name, cell), noted in earlier.items():
            info = self.fetch.info(name)
            if (name, cell) in wanted or info is None:
                continue
            fields = "userEnteredFormat.backgroundColor" + (",note" if noted else "")
            out.append(self._cell(info.sheet_id, cell, {}, fields))
            if noted:
                self.cleared.append((name, cell))
        placed: dict[tuple[str, str], bool] = {}
        asked: dict[str, set[tuple[int, int]]] = {}
        for name, cell in wanted:
            if self.fetch.info(name) is not None and not earlier.get((name, cell), False):
                asked.setdefault(name, set()).add(cell_index(cell))
        self.fetch.fetch_notes(asked)  # one request: a user's own note is kept
        for (name, cell), text in wanted.items():
            info = self.fetch.info(name)
            if info is None:
                continue
            row, column = cell_index(cell)
            ours = earlier.get((name, cell), False)
            mine = ours or self.fetch.note(name, row, column) is None
            body: dict[str, Any] = {"userEnteredFormat": {"backgroundColor": MARK_COLOUR}}
            if mine:
                body["note"] = text
            fields = "userEnteredFormat.backgroundColor" + (",note" if mine else "")
            out.append(self._cell(info.sheet_id, cell, body, fields))
            placed[(name, cell)] = mine
        self.ledger.replace(touched, placed)
        out += self._ledger_requests()
        return out

    @staticmethod
    def _cell(sheet_id: int, ref: str, cell: dict[str, Any], fields: str) -> dict[str, Any]:
        row, column = cell_index(ref)
        return {
            "updateCells": {
                "rows": [{"values": [cell]}],
                "start": {"sheetId": sheet_id, "rowIndex": row - 1, "columnIndex": column - 1},
                "fields": fields,
            }
        }

    def _ledger_requests(self) -> list[dict[str, Any]]:
        """The ledger sheet added (hidden) or grown, and its rows rewritten."""
        rows = self.ledger.to_rows()
        self.new_ledger = rows
        info = self.fetch.info(LEDGER)
        out: list[dict[str, Any]] = []
        height = max(len(rows), self.ledger_rows)
        if info is None:
            info, add = new_sheet(self.fetch.sheets(), LEDGER, height, 3, hidden=True)
            out.append(add)
            self.added = info
        else:
            out += grow(info, height, 3)
            self.fetch.resized(LEDGER, height, 3)
        cells = [{"values": [{"userEnteredValue": extended(v)} for v in row]} for row in rows]
        cells += [{"values": [{}, {}, {}]} for _ in range(height - len(rows))]
        out.append(
            {
                "updateCells": {
                    "rows": cells,
                    "start": {"sheetId": info.sheet_id, "rowIndex": 0, "columnIndex": 0},
                    "fields": "userEnteredValue",
                }
            }
        )
        return out

    def done(self) -> None:
        """After the requests were sent: the kept ledger and notes are what the sheet now
        holds (the sheet list is fetched again: the ledger may be new)."""
        if not self.new_ledger:
            return
        if self.added is not None:
            self.fetch.added(self.added)
        self.fetch.values[LEDGER] = [list(r) for r in self.new_ledger]
        notes = self.fetch.notes
        for name, cell in self.cleared:
            notes.setdefault(name, {})[cell_index(cell)] = None
        for (name, cell), noted in self.ledger.marks.items():
            if noted:
                notes.setdefault(name, {})[cell_index(cell)] = "xl-crm"
