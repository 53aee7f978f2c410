"""``values.append`` and its table detection.

The API "searches the range for a table" and appends after its last row, starting at its
first column (https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets.values/append).
Recorded behaviour (gspread's ``WorksheetTest.test_append_row_with_empty_value`` and
``..._and_table_range`` cassettes; burnash/gspread #537, #735, #828): with A1=x, B1 empty,
C1=y, appending to ``Sheet1`` gives ``tableRange`` ``Sheet1!C1`` and writes C2:E2, appending
to ``Sheet1!A1`` writes A2:C2, and an empty sheet's reply has no ``tableRange``.

The emulator's rule, which reproduces those: when the range is one filled cell the table is
the block of filled cells joined to it; otherwise it is the block inside the range that ends
lowest (then rightmost).  The grid grows to take the rows (OVERWRITE) or rows are
inserted (INSERT_ROWS).
"""

from __future__ import annotations

from typing import Any

from sheets_sync.emulator import dimensions
from sheets_sync.emulator.a1 import Bounds
from sheets_sync.emulator.grid import a1_of, resolve, write_values
from sheets_sync.emulator.state import Sheet, Spreadsheet, Store
from sheets_sync.emulator.values_api import Write, need_input_option, rows_of, with_response


def _filled(sheet: Sheet) -> set[tuple[int, int]]:
    return {key for key, cell in sheet.cells.items() if cell.get("userEnteredValue")}


def _block(
    start: tuple[int, int], filled: set[tuple[int, int]], inside: Bounds | None
) -> set[tuple[int, int]]:
    seen, todo = {start}, [start]
    while todo:
        r, c = todo.pop()
        for nxt in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
            if nxt in filled and nxt not in seen and (inside is None or _within(nxt, inside)):
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _within(key: tuple[int, int], b: Bounds) -> bool:
    return (b.row0 or 0) <= key[0] < (b.row1 or 0) and (b.col0 or 0) <= key[1] < (b.col1 or 0)


def find_table(sheet: Sheet, bounds: Bounds) -> Bounds | None:
    """The table ``values.append`` appends to within ``bounds``, or None for no data."""
    area = bounds.clamp(sheet.rows, sheet.columns)
    filled = _filled(sheet)
    first = (area.row0 or 0, area.col0 or 0)
    single = bounds.row1 == first[0] + 1 and bounds.col1 == first[1] + 1
    if single and first in filled:
        block = _block(first, filled, None)
    else:
        inside = {k for k in filled if _within(k, area)}
        if not inside:
            return None
        blocks = []
        while inside:
            block = _block(next(iter(inside)), inside, area)
            inside -= block
            blocks.append(block)
        block = max(blocks, key=lambda b: (max(r for r, _ in b), min(c for _, c in b)))
    rows = [r for r, _ in block]
    cols = [c for _, c in block]
    return Bounds(min(rows), max(rows) + 1, min(cols), max(cols) + 1)


def append(
    store: Store, book: Spreadsheet, range_text: str, query: dict[str, Any], body: dict[str, Any]
) -> dict[str, Any]:
    """values.append: write after the detected table, growing the grid (OVERWRITE, the
    default) or inserting rows (INSERT_ROWS); refuses when the grid would pass the cell
    cap."""
    option = need_input_option(query.get("valueInputOption"))
    sheet, bounds = resolve(book, range_text)
    rows = rows_of(body.get("values"), body.get("majorDimension"))
    table = find_table(sheet, bounds)
    if table is None:
        row0, col0 = bounds.row0 or 0, bounds.col0 or 0
    else:
        row0, col0 = table.row1 or 0, table.col0 or 0
    write = Write(sheet, row0, col0, rows)
    b = write.bounds
    insert_rows = query.get("insertDataOption") == "INSERT_ROWS" and rows and row0 < sheet.rows
    grown_rows = max(sheet.rows + (len(rows) if insert_rows else 0), b.row1 or 0)
    grown_cols = max(sheet.columns, b.col1 or 0)
    store.check_cells(book, grown_rows * grown_cols - sheet.rows * sheet.columns)
    if insert_rows:
        dimensions.insert(book, sheet, "ROWS", row0, row0 + len(rows))
    sheet.grid["rowCount"] = max(sheet.rows, b.row1 or 0)
    sheet.grid["columnCount"] = grown_cols
    write_values(book, sheet, row0, col0, rows, option)
    out: dict[str, Any] = {"spreadsheetId": book.id}
    if table is not None:
        out["tableRange"] = a1_of(sheet, table)
    out["updates"] = with_response(book, write, write.reply(book), query)
    return out
