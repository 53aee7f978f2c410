"""``spreadsheets.batchUpdate``: the dispatcher and the sheet-level requests.

"The requests will be applied in the order they are specified. If any request is not valid,
then no requests will be applied"
(https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets/batchUpdate): the
requests run on a working copy of the spreadsheet that replaces it only when every one of
them succeeded.  An error names the request as the API does: ``Invalid requests[1].addSheet:
A sheet with the name "X" already exists. Please enter another name.``
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from sheets_sync.emulator import batch_cells, dimensions
from sheets_sync.emulator.errors import ApiError
from sheets_sync.emulator.fields import apply_update, mask_or_error
from sheets_sync.emulator.spreadsheets import spreadsheet_json
from sheets_sync.emulator.state import (
    DEFAULT_COLUMNS,
    DEFAULT_ROWS,
    Sheet,
    Spreadsheet,
    Store,
    new_sheet,
)

Handler = Callable[[Store, Spreadsheet, dict[str, Any]], dict[str, Any] | None]


def _unique_title(book: Spreadsheet, title: str, skip: Sheet | None = None) -> None:
    if any(s.title == title and s is not skip for s in book.sheets):
        raise ApiError.bad_request(
            f'A sheet with the name "{title}" already exists. Please enter another name.'
        )


def _reindex(book: Spreadsheet) -> None:
    for i, sheet in enumerate(book.sheets):
        sheet.properties["index"] = i


def add_sheet(store: Store, book: Spreadsheet, req: dict[str, Any]) -> dict[str, Any]:
    """addSheet: a new grid (1000x26 unless given), a free title ``SheetN`` by default."""
    props = copy.deepcopy(req.get("properties", {}))
    n = len(book.sheets) + 1
    while any(s.title == f"Sheet{n}" for s in book.sheets):
        n += 1
    title = props.pop("title", None) or f"Sheet{n}"
    _unique_title(book, title)
    sheet_id = props.pop("sheetId", None)
    if sheet_id is None:
        sheet_id = book.new_sheet_id()
    elif any(s.id == sheet_id for s in book.sheets):
        raise ApiError.bad_request(f"A sheet with id {sheet_id} already exists.")
    grid = props.pop("gridProperties", {})
    index = min(props.pop("index", len(book.sheets)), len(book.sheets))
    sheet = new_sheet(
        title,
        sheet_id,
        index,
        grid.get("rowCount", DEFAULT_ROWS),
        grid.get("columnCount", DEFAULT_COLUMNS),
    )
    sheet.grid.update(grid)
    sheet.properties.update(props)
    store.check_cells(book, sheet.rows * sheet.columns)
    book.sheets.insert(index, sheet)
    _reindex(book)
    return {"addSheet": {"properties": copy.deepcopy(sheet.properties)}}


def delete_sheet(store: Store, book: Spreadsheet, req: dict[str, Any]) -> None:
    """deleteSheet; the last sheet cannot go."""
    sheet = book.sheet(sheet_id=req.get("sheetId", 0))
    if len(book.sheets) == 1:
        raise ApiError.bad_request("You can't remove all the sheets in a document.")
    book.sheets.remove(sheet)
    book.developer_metadata = [
        m
        for m in book.developer_metadata
        if m.get("location", {}).get("sheetId") != sheet.id
        and m.get("location", {}).get("dimensionRange", {}).get("sheetId", -1) != sheet.id
    ]
    _reindex(book)


def duplicate_sheet(store: Store, book: Spreadsheet, req: dict[str, Any]) -> dict[str, Any]:
    """duplicateSheet: "Copy of <title>" unless ``newSheetName``."""
    source = book.sheet(sheet_id=req.get("sourceSheetId", 0))
    sheet = source.clone()
    sheet.protected_ranges = []
    title = req.get("newSheetName") or f"Copy of {source.title}"
    _unique_title(book, title)
    new_id = req.get("newSheetId")
    if new_id is None or any(s.id == new_id for s in book.sheets):
        if new_id is not None:
            raise ApiError.bad_request(f"A sheet with id {new_id} already exists.")
        new_id = book.new_sheet_id()
    sheet.properties.update(title=title, sheetId=new_id)
    for rng in [
        *sheet.merges,
        *(r for rule in sheet.conditional_formats for r in rule.get("ranges", [])),
    ]:
        rng["sheetId"] = new_id
    if sheet.basic_filter:
        sheet.basic_filter.setdefault("range", {})["sheetId"] = new_id
    store.check_cells(book, sheet.rows * sheet.columns)
    index = min(req.get("insertSheetIndex", len(book.sheets)), len(book.sheets))
    book.sheets.insert(index, sheet)
    _reindex(book)
    return {"duplicateSheet": {"properties": copy.deepcopy(sheet.properties)}}


def update_sheet_properties(store: Store, book: Spreadsheet, req: dict[str, Any]) -> None:
    """updateSheetProperties with its field mask (``gridProperties/frozenRowCount``, ``title``,
    ``hidden``, ``index``, ``gridProperties/rowCount``...); shrinking the grid drops the cells
    outside it; at least one sheet stays visible."""
    props = req.get("properties", {})
    sheet = book.sheet(sheet_id=props.get("sheetId", 0))
    mask = mask_or_error(req.get("fields"), "updateSheetProperties")
    before = (sheet.rows, sheet.columns)
    updated = copy.deepcopy(sheet.properties)
    apply_update(updated, props, mask)
    updated["sheetId"] = sheet.id
    _unique_title(book, updated.get("title", ""), skip=sheet)
    grid = updated.setdefault("gridProperties", {})
    rows, cols = grid.get("rowCount", 0), grid.get("columnCount", 0)
    if rows < 1 or cols < 1:
        raise ApiError.bad_request("A sheet must have at least one row and one column.")
    frozen = grid.get("frozenRowCount", 0), grid.get("frozenColumnCount", 0)
    if frozen[0] >= rows or frozen[1] >= cols:
        raise ApiError.bad_request("You can't freeze all visible rows on the sheet.")
    if updated.get("hidden") and all(s.properties.get("hidden") or s is sheet for s in book.sheets):
        raise ApiError.bad_request("You can't hide all the sheets in a document.")
    store.check_cells(book, rows * cols - before[0] * before[1])
    index = updated.pop("index", book.sheets.index(sheet))
    sheet.properties = updated
    sheet.cells = {k: v for k, v in sheet.cells.items() if k[0] < rows and k[1] < cols}
    book.sheets.remove(sheet)
    book.sheets.insert(min(index, len(book.sheets)), sheet)
    _reindex(book)


def update_spreadsheet_properties(store: Store, book: Spreadsheet, req: dict[str, Any]) -> None:
    """updateSpreadsheetProperties (the title is also the Drive file's name)."""
    apply_update(
        book.properties,
        req.get("properties", {}),
        mask_or_error(req.get("fields"), "updateSpreadsheetProperties"),
    )
    if not book.properties.get("title"):
        raise ApiError.bad_request("A spreadsheet must have a title.")


def _dimension_args(book: Spreadsheet, span: dict[str, Any]) -> tuple[Sheet, str, int, int]:
    sheet = book.sheet(sheet_id=span.get("sheetId", 0))
    dim = span.get("dimension")
    if dim not in ("ROWS", "COLUMNS"):
        raise ApiError.bad_request("range.dimension must be ROWS or COLUMNS.")
    size = sheet.rows if dim == "ROWS" else sheet.columns
    return sheet, dim, span.get("startIndex", 0), span.get("endIndex", size)


def insert_dimension(store: Store, book: Spreadsheet, req: dict[str, Any]) -> None:
    """insertDimension: rows or columns inserted, everything below or right moved."""
    sheet, dim, start, end = _dimension_args(book, req.get("range", {}))
    other = sheet.columns if dim == "ROWS" else sheet.rows
    store.check_cells(book, (end - start) * other)
    dimensions.insert(book, sheet, dim, start, end)


def delete_dimension(store: Store, book: Spreadsheet, req: dict[str, Any]) -> None:
    """deleteDimension: rows or columns removed with what sits on them."""
    sheet, dim, start, end = _dimension_args(book, req.get("range", {}))
    dimensions.delete(book, sheet, dim, start, end)


def append_dimension(store: Store, book: Spreadsheet, req: dict[str, Any]) -> None:
    """appendDimension: ``length`` rows or columns at the end."""
    sheet = book.sheet(sheet_id=req.get("sheetId", 0))
    dim, length = req.get("dimension"), req.get("length", 0)
    other = sheet.columns if dim == "ROWS" else sheet.rows
    store.check_cells(book, length * other)
    dimensions.append(sheet, dim or "ROWS", length)


def update_dimension_properties(store: Store, book: Spreadsheet, req: dict[str, Any]) -> None:
    """updateDimensionProperties (``pixelSize``, ``hiddenByUser``) over a DimensionRange."""
    sheet, dim, start, end = _dimension_args(book, req.get("range", {}))
    mask = mask_or_error(req.get("fields"), "updateDimensionProperties")
    meta = sheet.rows_meta if dim == "ROWS" else sheet.columns_meta
    for i in range(start, end):
        entry = dict(meta.get(i, {}))
        apply_update(entry, req.get("properties", {}), mask)
        meta[i] = entry


def auto_resize(store: Store, book: Spreadsheet, req: dict[str, Any]) -> None:
    """autoResizeDimensions: accepted; the emulator has no fonts to measure with."""
    _dimension_args(book, req.get("dimensions", {}))


HANDLERS: dict[str, Handler] = {
    "addSheet": add_sheet,
    "deleteSheet": delete_sheet,
    "duplicateSheet": duplicate_sheet,
    "updateSheetProperties": update_sheet_properties,
    "updateSpreadsheetProperties": update_spreadsheet_properties,
    "insertDimension": insert_dimension,
    "deleteDimension": delete_dimension,
    "appendDimension": append_dimension,
    "updateDimensionProperties": update_dimension_properties,
    "autoResizeDimensions": auto_resize,
    **batch_cells.HANDLERS,
}


def working_copy(book: Spreadsheet) -> Spreadsheet:
    """A copy to run requests on: cell dicts are shared (handlers replace cells, never
    change them in place), everything else is copied."""
    clone = copy.copy(book)
    clone.properties = copy.deepcopy(book.properties)
    clone.named_ranges = copy.deepcopy(book.named_ranges)
    clone.developer_metadata = copy.deepcopy(book.developer_metadata)
    clone.sheets = [s.clone() for s in book.sheets]
    return clone


def batch_update(store: Store, book: Spreadsheet, body: dict[str, Any]) -> dict[str, Any]:
    """Run every request on a working copy; commit only when all succeed."""
    requests = body.get("requests") or []
    work = working_copy(book)
    replies = []
    for i, request in enumerate(requests):
        kinds = [k for k, v in request.items() if v is not None]
        if len(kinds) != 1:
            raise ApiError.bad_request(
                f"Invalid requests[{i}]: No request set."
                if not kinds
                else f"Invalid requests[{i}]: only one request may be set."
            )
        kind = kinds[0]
        handler = HANDLERS.get(kind)
        if handler is None:
            raise ApiError(
                501,
                f"Invalid requests[{i}].{kind}: the xl-crm Sheets emulator does not "
                f"implement {kind}.",
            )
        try:
            reply = handler(store, work, request[kind])
        except ApiError as error:
            if error.code != 400 or error.message.startswith("Invalid requests["):
                raise
            raise ApiError.bad_request(f"Invalid requests[{i}].{kind}: {error.message}") from None
        replies.append(reply or {})
    book.properties, book.sheets = work.properties, work.sheets
    book.named_ranges, book.developer_metadata = work.named_ranges, work.developer_metadata
    if requests:
        book.touch()
    out: dict[str, Any] = {"spreadsheetId": book.id, "replies": replies}
    if body.get("includeSpreadsheetInResponse"):
        out["updatedSpreadsheet"] = spreadsheet_json(
            book, None, bool(body.get("responseIncludeGridData"))
        )
    return out
