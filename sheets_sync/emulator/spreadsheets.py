"""``spreadsheets.get`` / ``getByDataFilter`` / ``create``, ``developerMetadata`` get and
search, and ``sheets.copyTo`` (https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets).

A Spreadsheet resource has ``spreadsheetId, properties, sheets, spreadsheetUrl`` (and
``namedRanges``, ``developerMetadata`` when there are any); each sheet's ``properties`` spell out
``sheetId`` and ``index`` even when 0 (gspread's recorded ``ClientTest.test_open_by_key``).
Grid data comes with ``includeGridData=true``, with ``ranges``, or when the ``fields`` mask asks
for ``sheets.data`` (gspread's ``get_notes`` does: research/gsheets.md §2.2).
"""

from __future__ import annotations

import copy
from typing import Any

from sheets_sync.emulator import values as cellvalues
from sheets_sync.emulator.a1 import Bounds
from sheets_sync.emulator.errors import ApiError
from sheets_sync.emulator.fields import Mask, json_copy, parse_mask, select
from sheets_sync.emulator.grid import cells_in, filter_ranges, in_grid, metadata_locations, resolve
from sheets_sync.emulator.state import (
    DEFAULT_COLUMNS,
    DEFAULT_ROWS,
    Sheet,
    Spreadsheet,
    Store,
    new_sheet,
    new_spreadsheet,
)

#: the height and width the API reports for rows and columns never resized
ROW_PIXELS, COLUMN_PIXELS = 21, 100


def _cell_json(cell: dict[str, Any], mask: Mask | None = None) -> dict[str, Any]:
    """A CellData of the reply: the stored cell with its effective and formatted values.
    With ``mask`` (the cell part of the ``fields`` mask) only the fields it names are made
    (what ``select`` would keep of the whole cell), so a masked read of a big grid neither
    copies nor renders what it drops."""
    entered = cell.get("userEnteredValue")
    if mask is None or "*" in mask:
        out = {k: json_copy(v) for k, v in cell.items()}
        if entered:
            out["effectiveValue"] = cell.get("effectiveValue") or cellvalues.effective(entered)
            out["formattedValue"] = cellvalues.render(cell, "FORMATTED_VALUE", "SERIAL_NUMBER")
        return out
    out = {k: json_copy(select(v, mask[k])) for k, v in cell.items() if k in mask}
    if entered:
        if "effectiveValue" in mask:
            shown = cell.get("effectiveValue") or cellvalues.effective(entered)
            out["effectiveValue"] = json_copy(select(shown, mask["effectiveValue"]))
        if "formattedValue" in mask:
            out["formattedValue"] = cellvalues.render(cell, "FORMATTED_VALUE", "SERIAL_NUMBER")
    return out


def grid_data(sheet: Sheet, bounds: Bounds, mask: Mask | None = None) -> dict[str, Any]:
    """A GridData for bounded ``bounds``: rowData trimmed after the last non-empty row and
    cell, row and column metadata for each row and column of the range.  ``mask``: the
    fields of each cell wanted (None: all)."""
    r0, r1, c0, c1 = bounds.row0 or 0, bounds.row1 or 0, bounds.col0 or 0, bounds.col1 or 0
    rows: dict[int, dict[int, dict[str, Any]]] = {}
    for r, c, cell in cells_in(sheet, bounds):
        rows.setdefault(r - r0, {})[c - c0] = _cell_json(cell, mask)
    row_data = []
    for r in range(max(rows, default=-1) + 1):
        line = rows.get(r, {})
        values = [line.get(c, {}) for c in range(max(line, default=-1) + 1)]
        row_data.append({"values": values} if values else {})
    out: dict[str, Any] = {}
    if r0:
        out["startRow"] = r0
    if c0:
        out["startColumn"] = c0
    if row_data:
        out["rowData"] = row_data
    out["rowMetadata"] = [
        {"pixelSize": ROW_PIXELS, **sheet.rows_meta.get(r, {})} for r in range(r0, r1)
    ]
    out["columnMetadata"] = [
        {"pixelSize": COLUMN_PIXELS, **sheet.columns_meta.get(c, {})} for c in range(c0, c1)
    ]
    return out


def sheet_json(
    book: Spreadsheet, sheet: Sheet, data: list[Bounds] | None, mask: Mask | None = None
) -> dict[str, Any]:
    """One Sheet resource (with ``data`` for each of ``data`` when given; ``mask``: the
    fields of each cell wanted, None for all)."""
    out: dict[str, Any] = {"properties": copy.deepcopy(sheet.properties)}
    props = out["properties"]
    props["index"] = book.sheets.index(sheet)
    props.setdefault("sheetType", "GRID")
    if data is not None:
        out["data"] = [grid_data(sheet, b, mask) for b in data]
    for key, value in (
        ("merges", sheet.merges),
        ("conditionalFormats", sheet.conditional_formats),
        ("protectedRanges", sheet.protected_ranges),
    ):
        if value:
            out[key] = copy.deepcopy(value)
    if sheet.basic_filter:
        out["basicFilter"] = copy.deepcopy(sheet.basic_filter)
    here = [
        m
        for m in book.developer_metadata
        if m.get("location", {}).get("sheetId") == sheet.id
        or m.get("location", {}).get("dimensionRange", {}).get("sheetId", -1) == sheet.id
    ]
    if here:
        out["developerMetadata"] = copy.deepcopy(here)
    return out


def spreadsheet_json(
    book: Spreadsheet,
    ranges: list[tuple[Sheet, Bounds]] | None,
    include_grid: bool,
    fields: str | None = None,
) -> dict[str, Any]:
    """The Spreadsheet resource; ``ranges`` limits the sheets (and their grid data) to those
    named, as the API does.  ``fields``: the request's field mask, whose cell part
    (``sheets.data.rowData.values``) limits what each cell of the grid data is made of
    (the whole reply is still cut to the mask by the caller)."""
    mask = cell_mask(fields)
    wanted: dict[int, list[Bounds]] = {}
    for sheet, bounds in ranges or []:
        wanted.setdefault(sheet.id, []).append(in_grid(sheet, bounds, sheet.title))
    sheets = []
    for sheet in book.sheets:
        if ranges and sheet.id not in wanted:
            continue
        whole = [Bounds(0, sheet.rows, 0, sheet.columns)]
        data = wanted.get(sheet.id, whole) if include_grid else None
        sheets.append(sheet_json(book, sheet, data, mask))
    out: dict[str, Any] = {
        "spreadsheetId": book.id,
        "properties": copy.deepcopy(book.properties),
        "sheets": sheets,
    }
    if book.named_ranges:
        out["namedRanges"] = copy.deepcopy(book.named_ranges)
    top = [m for m in book.developer_metadata if m.get("location", {}).get("spreadsheet")]
    if top:
        out["developerMetadata"] = copy.deepcopy(top)
    out["spreadsheetUrl"] = f"https://docs.google.com/spreadsheets/d/{book.id}/edit"
    return out


def cell_mask(fields: str | None) -> Mask | None:
    """The part of the field mask ``fields`` that applies to each cell of the grid data
    (``sheets.data.rowData.values``), or None when the whole cell is wanted."""
    node = parse_mask(fields or "")
    for name in ("sheets", "data", "rowData", "values"):
        if node is None or "*" in node or not isinstance(node.get(name), dict):
            return None
        node = node[name]
    return node


def _wants_data(fields: str | None) -> bool:
    mask = parse_mask(fields or "")
    sheets = (mask or {}).get("sheets") if mask else None
    return isinstance(sheets, dict) and "data" in sheets


def get(book: Spreadsheet, query: dict[str, Any]) -> dict[str, Any]:
    """spreadsheets.get with ``ranges``, ``includeGridData`` and ``fields``."""
    ranges = [resolve(book, r) for r in query.get("ranges") or []]
    include = bool(query.get("includeGridData")) or _wants_data(query.get("fields"))
    return spreadsheet_json(book, ranges or None, include, query.get("fields"))


def get_by_filter(book: Spreadsheet, body: dict[str, Any], fields: str | None) -> dict[str, Any]:
    """spreadsheets.getByDataFilter."""
    ranges = [r for f in body.get("dataFilters", []) for r in filter_ranges(book, f)]
    include = bool(body.get("includeGridData")) or _wants_data(fields)
    return spreadsheet_json(book, ranges or None, include, fields)


def create(store: Store, body: dict[str, Any]) -> dict[str, Any]:
    """spreadsheets.create: a new spreadsheet from ``properties`` and ``sheets[].properties``
    (one 1000x26 ``Sheet1`` when none)."""
    props = body.get("properties", {})
    book = new_spreadsheet(props.get("title") or "Untitled spreadsheet", ())
    book.properties.update({k: v for k, v in props.items() if k != "title"})
    for i, raw in enumerate(body.get("sheets") or [{"properties": {}}]):
        p = raw.get("properties", {})
        grid = p.get("gridProperties", {})
        sheet_id = p.get("sheetId", 0 if i == 0 else book.new_sheet_id())
        sheet = new_sheet(
            p.get("title") or f"Sheet{i + 1}",
            sheet_id,
            i,
            grid.get("rowCount", DEFAULT_ROWS),
            grid.get("columnCount", DEFAULT_COLUMNS),
        )
        sheet.properties.update(
            {k: v for k, v in p.items() if k not in ("index", "gridProperties")}
        )
        sheet.grid.update(grid)
        book.sheets.append(sheet)
    store.check_cells(book)
    store.add(book)
    return spreadsheet_json(book, None, False)


def _matches(book: Spreadsheet, meta: dict[str, Any], data_filter: dict[str, Any]) -> bool:
    lookup = data_filter.get("developerMetadataLookup")
    if lookup is not None:
        return meta in metadata_locations(book, lookup)
    ranges = filter_ranges(book, data_filter)
    location = meta.get("location", {})
    span = location.get("dimensionRange")
    for sheet, bounds in ranges:
        if location.get("sheetId") == sheet.id:
            return True
        if span and span.get("sheetId", 0) == sheet.id:
            lo, hi = (
                (bounds.row0, bounds.row1)
                if span.get("dimension") == "ROWS"
                else (bounds.col0, bounds.col1)
            )
            if (hi is None or span.get("startIndex", 0) < hi) and (lo or 0) < span.get(
                "endIndex", 0
            ):
                return True
    return False


def search_metadata(book: Spreadsheet, body: dict[str, Any]) -> dict[str, Any]:
    """developerMetadata.search: ``matchedDeveloperMetadata`` (no key when none match)."""
    matched = []
    for meta in book.developer_metadata:
        filters = [f for f in body.get("dataFilters", []) if _matches(book, meta, f)]
        if filters:
            matched.append({"developerMetadata": copy.deepcopy(meta), "dataFilters": filters})
    return {"matchedDeveloperMetadata": matched} if matched else {}


def get_metadata(book: Spreadsheet, metadata_id: str) -> dict[str, Any]:
    """developerMetadata.get by id; 404 when there is none."""
    for meta in book.developer_metadata:
        if str(meta.get("metadataId")) == metadata_id:
            return copy.deepcopy(meta)
    raise ApiError.not_found(f"No developer metadata with ID: {metadata_id}")


def copy_to(store: Store, book: Spreadsheet, sheet_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """sheets.copyTo: the sheet copied to the end of ``destinationSpreadsheetId`` as
    "Copy of <title>"; replies with the new sheet's properties."""
    source = book.sheet(sheet_id=int(sheet_id))
    target = store.get(body.get("destinationSpreadsheetId", ""))
    sheet = copy.deepcopy(source)
    sheet.properties["sheetId"] = target.new_sheet_id()
    title, n = f"Copy of {source.title}", 2
    while any(s.title == title for s in target.sheets):
        title, n = f"Copy of {source.title} {n}", n + 1
    sheet.properties["title"] = title
    sheet.properties["index"] = len(target.sheets)
    store.check_cells(target, sheet.rows * sheet.columns)
    target.sheets.append(sheet)
    target.touch()
    return select(copy.deepcopy(sheet.properties), None)
