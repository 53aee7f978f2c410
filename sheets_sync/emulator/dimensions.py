"""Rows and columns inserted, deleted and appended, with everything that sits on them moved.

insertDimension / deleteDimension shift cells, row and column properties, merges, protected
ranges, conditional formats, the basic filter and developer metadata; metadata on a deleted
row is deleted with it, and metadata on row 5 moves to row 6 when a row is inserted above
(https://developers.google.com/sheets/api/guides/metadata#metadata_location).
"""

from __future__ import annotations

from typing import Any

from sheets_sync.emulator.errors import ApiError
from sheets_sync.emulator.state import Sheet, Spreadsheet

_KEYS = {
    "ROWS": ("startRowIndex", "endRowIndex"),
    "COLUMNS": ("startColumnIndex", "endColumnIndex"),
}


def _shift_index(index: int | None, start: int, count: int, end: int | None) -> int | None:
    """The new position of a boundary ``index`` after inserting ``count`` at ``start``
    (``end`` None) or deleting ``start:end``."""
    if index is None:
        return None
    if end is None:
        return index + count if index >= start else index
    if index >= end:
        return index - (end - start)
    return min(index, start)


def _shift_range(
    gr: dict[str, Any], sheet_id: int, dim: str, start: int, count: int, end: int | None
) -> bool:
    """Shift GridRange ``gr`` in place; False when a deletion removed it whole."""
    if gr.get("sheetId", 0) != sheet_id:
        return True
    lo, hi = _KEYS[dim]
    a, b = gr.get(lo), gr.get(hi)
    if end is not None and a is not None and b is not None and start <= a and b <= end:
        return False
    if end is None and a is not None and b is not None and a < start < b:
        gr[hi] = b + count  # insertion inside the range widens it
        return True
    new_a, new_b = _shift_index(a, start, count, end), _shift_index(b, start, count, end)
    if new_a is not None:
        gr[lo] = new_a
    if new_b is not None:
        gr[hi] = new_b
    return True


def _move(
    sheet: Sheet, book: Spreadsheet, dim: str, start: int, count: int, end: int | None
) -> None:
    axis = 0 if dim == "ROWS" else 1
    moved = {}
    for key, cell in sheet.cells.items():
        index = key[axis]
        if end is not None and start <= index < end:
            continue
        new = _shift_index(index, start, count, end)
        moved[(new, key[1]) if axis == 0 else (key[0], new)] = cell
    sheet.cells = moved
    meta = sheet.rows_meta if dim == "ROWS" else sheet.columns_meta
    kept = {
        _shift_index(i, start, count, end): v
        for i, v in meta.items()
        if end is None or not start <= i < end
    }
    meta.clear()
    meta.update(kept)
    sid = sheet.id
    sheet.merges = [m for m in sheet.merges if _shift_range(m, sid, dim, start, count, end)]
    for rule in sheet.conditional_formats:
        rule["ranges"] = [
            r for r in rule.get("ranges", []) if _shift_range(r, sid, dim, start, count, end)
        ]
    sheet.protected_ranges = [
        p
        for p in sheet.protected_ranges
        if _shift_range(p.setdefault("range", {}), sid, dim, start, count, end)
    ]
    if sheet.basic_filter and not _shift_range(
        sheet.basic_filter.setdefault("range", {}), sid, dim, start, count, end
    ):
        sheet.basic_filter = None
    kept_meta = []
    for entry in book.developer_metadata:
        location = entry.get("location", {})
        span = location.get("dimensionRange")
        if span and span.get("sheetId", 0) == sid and span.get("dimension") == dim:
            gr = {
                _KEYS[dim][0]: span.get("startIndex"),
                _KEYS[dim][1]: span.get("endIndex"),
                "sheetId": sid,
            }
            if not _shift_range(gr, sid, dim, start, count, end):
                continue
            span["startIndex"], span["endIndex"] = gr[_KEYS[dim][0]], gr[_KEYS[dim][1]]
        kept_meta.append(entry)
    book.developer_metadata = kept_meta


def _count_key(dim: str) -> str:
    return "rowCount" if dim == "ROWS" else "columnCount"


def insert(book: Spreadsheet, sheet: Sheet, dim: str, start: int, end: int) -> None:
    """Insert rows or columns ``start:end`` (0-based, end-exclusive), moving the rest."""
    size = sheet.grid.get(_count_key(dim), 0)
    if not 0 <= start <= size or end <= start:
        raise ApiError.bad_request(f"Range [{start}, {end}) is out of the grid.")
    _move(sheet, book, dim, start, end - start, None)
    sheet.grid[_count_key(dim)] = size + end - start


def delete(book: Spreadsheet, sheet: Sheet, dim: str, start: int, end: int) -> None:
    """Delete rows or columns ``start:end``; refuses to delete them all, as the API does."""
    size = sheet.grid.get(_count_key(dim), 0)
    if not 0 <= start < end <= size:
        raise ApiError.bad_request(f"Range [{start}, {end}) is out of the grid.")
    if end - start >= size:
        kind = "rows" if dim == "ROWS" else "columns"
        raise ApiError.bad_request(f"You can't delete all the {kind} on the sheet.")
    _move(sheet, book, dim, start, 0, end)
    sheet.grid[_count_key(dim)] = size - (end - start)


def append(sheet: Sheet, dim: str, length: int) -> None:
    """Add ``length`` rows or columns at the end of the grid."""
    if length < 1:
        raise ApiError.bad_request("length must be positive.")
    sheet.grid[_count_key(dim)] = sheet.grid.get(_count_key(dim), 0) + length
