"""Ranges resolved against a spreadsheet, and cells read and written through them.

A range reaches the emulator as A1 text (values calls), a GridRange (batchUpdate requests:
0-based, end-exclusive, a missing index unbounded, a missing sheetId sheet 0) or a DataFilter
(``a1Range``, ``gridRange`` or ``developerMetadataLookup``, the byDataFilter calls).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sheets_sync.emulator import values as cellvalues
from sheets_sync.emulator.a1 import Bounds, format_range, parse_range
from sheets_sync.emulator.errors import ApiError
from sheets_sync.emulator.state import Sheet, Spreadsheet


def resolve(book: Spreadsheet, text: str) -> tuple[Sheet, Bounds]:
    """The sheet and bounds A1 ``text`` names in ``book`` (a named range by its name, a
    bare sheet title, or cells of the first sheet).  Raises ApiError 400 "Unable to parse
    range: ..." when it names nothing."""
    parsed = parse_range(text)
    if parsed.name is not None:
        for named in book.named_ranges:
            if named.get("name") == parsed.name:
                return grid_range(book, named.get("range", {}))
        for sheet in book.sheets:
            if sheet.title == parsed.name:
                return sheet, parsed.bounds
        raise ApiError.bad_request(f"Unable to parse range: {text}")
    if parsed.title is None:
        visible = [s for s in book.sheets if not s.properties.get("hidden")]
        return (visible or book.sheets)[0], parsed.bounds
    for sheet in book.sheets:
        if sheet.title == parsed.title:
            return sheet, parsed.bounds
    raise ApiError.bad_request(f"Unable to parse range: {text}")


def grid_range(book: Spreadsheet, gr: dict[str, Any]) -> tuple[Sheet, Bounds]:
    """The sheet and bounds of a GridRange dict."""
    sheet = book.sheet(sheet_id=gr.get("sheetId", 0))
    bounds = Bounds(
        gr.get("startRowIndex"),
        gr.get("endRowIndex"),
        gr.get("startColumnIndex"),
        gr.get("endColumnIndex"),
    )
    return sheet, bounds


def as_grid_range(sheet: Sheet, bounds: Bounds) -> dict[str, Any]:
    """A GridRange for ``bounds`` of ``sheet``, default values left out as the API does
    (no ``sheetId`` for sheet 0: gspread's recorded ``test_add_protected_range_normal``)."""
    out: dict[str, Any] = {}
    if sheet.id:
        out["sheetId"] = sheet.id
    for key, value in (
        ("startRowIndex", bounds.row0),
        ("endRowIndex", bounds.row1),
        ("startColumnIndex", bounds.col0),
        ("endColumnIndex", bounds.col1),
    ):
        if value:
            out[key] = value
    return out


def in_grid(sheet: Sheet, bounds: Bounds, shown: str) -> Bounds:
    """``bounds`` clamped to the grid; ApiError 400 "Range (...) exceeds grid limits" when a
    bounded end lies beyond it (https://developers.google.com/sheets/api/guides/values:
    writes outside the grid fail; research/gsheets.md §2.3)."""
    if bounds.exceeds(sheet.rows, sheet.columns):
        raise ApiError.bad_request(
            f"Range ({shown}) exceeds grid limits. Max rows: {sheet.rows}, "
            f"max columns: {sheet.columns}"
        )
    return bounds.clamp(sheet.rows, sheet.columns)


def a1_of(sheet: Sheet, bounds: Bounds) -> str:
    """The A1 text of bounded ``bounds`` on ``sheet`` as replies write it."""
    return format_range(sheet.title, bounds)


def cells_in(sheet: Sheet, bounds: Bounds) -> Iterator[tuple[int, int, dict[str, Any]]]:
    """(row, column, cell) of each stored cell inside bounded ``bounds``, in no particular
    order: looked up cell by cell when the range is smaller than the sheet's stored cells,
    else found by a pass over them."""
    r0, r1, c0, c1 = bounds.row0 or 0, bounds.row1 or 0, bounds.col0 or 0, bounds.col1 or 0
    cells = sheet.cells
    if (r1 - r0) * (c1 - c0) < len(cells):
        for r in range(r0, r1):
            for c in range(c0, c1):
                cell = cells.get((r, c))
                if cell is not None:
                    yield r, c, cell
        return
    for (r, c), cell in cells.items():
        if r0 <= r < r1 and c0 <= c < c1:
            yield r, c, cell


def read_values(
    sheet: Sheet, bounds: Bounds, *, value_option: str, date_option: str, major: str
) -> list[list[Any]]:
    """The rendered values of bounded ``bounds``, trailing empty cells and rows trimmed,
    interior empty cells ``""`` and interior empty rows ``[]`` (gspread's recorded
    ``SpreadsheetTest.test_values_get``; burnash/gspread #453, #910)."""
    assert bounds.row0 is not None and bounds.row1 is not None
    assert bounds.col0 is not None and bounds.col1 is not None
    grid: dict[tuple[int, int], Any] = {}
    for r, c, cell in cells_in(sheet, bounds):
        shown = cellvalues.render(cell, value_option, date_option)
        if shown is not None:
            grid[(r - bounds.row0, c - bounds.col0)] = shown
    if major == "COLUMNS":
        grid = {(c, r): v for (r, c), v in grid.items()}
    if not grid:
        return []
    lines = max(r for r, _ in grid) + 1
    out: list[list[Any]] = [[] for _ in range(lines)]
    for (r, c), value in sorted(grid.items()):
        line = out[r]
        line.extend([""] * (c - len(line)))
        line.append(value)
    return out


def write_values(
    book: Spreadsheet,
    sheet: Sheet,
    row0: int,
    col0: int,
    rows: list[list[Any]],
    option: str,
) -> None:
    """Write ``rows`` from (row0, col0) with valueInputOption ``option`` (RAW or
    USER_ENTERED).  ``None`` leaves a cell as it is and ``""`` clears it, as documented for
    ValueRange.values."""
    for r, line in enumerate(rows):
        for c, raw in enumerate(line):
            if raw is None:
                continue
            set_value(sheet, row0 + r, col0 + c, raw, option)
    book.touch()


def set_value(sheet: Sheet, row: int, col: int, raw: Any, option: str) -> None:
    """Set one cell's value as a values write does, keeping its format and note."""
    old = sheet.cells.get((row, col))
    value_only = old is None or (len(old) == 1 and "userEnteredValue" in old)
    if option != "USER_ENTERED" and raw != "" and value_only:  # the common case, kept quick
        sheet.cells[(row, col)] = {"userEnteredValue": cellvalues.extended(raw)}
        return
    cell = dict(old or {})
    cell.pop("effectiveValue", None)
    if raw == "":
        cell.pop("userEnteredValue", None)
        sheet.put(row, col, cell)
        return
    plain_text = ((cell.get("userEnteredFormat") or {}).get("numberFormat") or {}).get("type")
    if option == "USER_ENTERED" and isinstance(raw, str) and plain_text == "TEXT":
        # a cell formatted as plain text keeps what is typed as text: "007" stays "007",
        # "=A1" is not a formula (USER_ENTERED: "parsed as if the user typed them into the
        # UI"; Sheets Help, "Format numbers in a spreadsheet": Plain text)
        entered = {"stringValue": raw}
    elif option == "USER_ENTERED":
        entered, fmt = cellvalues.user_entered(raw)
        if fmt is not None:
            user_fmt = dict(cell.get("userEnteredFormat") or {})
            user_fmt.setdefault("numberFormat", fmt)
            cell["userEnteredFormat"] = user_fmt
    else:
        entered = cellvalues.extended(raw)
    cell["userEnteredValue"] = entered
    if "formulaValue" in entered:
        cell["effectiveValue"] = cellvalues.effective(entered)
    sheet.put(row, col, cell)


def metadata_locations(book: Spreadsheet, lookup: dict[str, Any]) -> list[dict[str, Any]]:
    """The developer metadata entries a DeveloperMetadataLookup matches (by id, key, value,
    visibility and location type)."""
    found = []
    for meta in book.developer_metadata:
        if "metadataId" in lookup and meta.get("metadataId") != lookup["metadataId"]:
            continue
        if "metadataKey" in lookup and meta.get("metadataKey") != lookup["metadataKey"]:
            continue
        if "metadataValue" in lookup and meta.get("metadataValue") != lookup["metadataValue"]:
            continue
        if "visibility" in lookup and meta.get("visibility") != lookup["visibility"]:
            continue
        kind = lookup.get("locationType")
        if kind and meta.get("location", {}).get("locationType") != kind:
            continue
        found.append(meta)
    return found


def filter_ranges(book: Spreadsheet, data_filter: dict[str, Any]) -> list[tuple[Sheet, Bounds]]:
    """The ranges one DataFilter selects (https://developers.google.com/sheets/api/reference/rest/v4/DataFilter)."""
    if "a1Range" in data_filter:
        return [resolve(book, data_filter["a1Range"])]
    if "gridRange" in data_filter:
        return [grid_range(book, data_filter["gridRange"])]
    lookup = data_filter.get("developerMetadataLookup")
    if lookup is None:
        raise ApiError.bad_request("Invalid dataFilter: a filter must be set.")
    out = []
    for meta in metadata_locations(book, lookup):
        location = meta.get("location", {})
        if "dimensionRange" in location:
            dim = location["dimensionRange"]
            sheet = book.sheet(sheet_id=dim.get("sheetId", 0))
            start, end = dim.get("startIndex", 0), dim.get("endIndex")
            if dim.get("dimension") == "ROWS":
                out.append((sheet, Bounds(start, end, None, None)))
            else:
                out.append((sheet, Bounds(None, None, start, end)))
        elif "sheetId" in location:
            out.append((book.sheet(sheet_id=location["sheetId"]), Bounds(None, None, None, None)))
        else:
            out.extend((s, Bounds(None, None, None, None)) for s in book.sheets)
    return out
