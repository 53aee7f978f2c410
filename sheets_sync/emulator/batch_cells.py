"""``spreadsheets.batchUpdate`` requests on cells and ranges: repeatCell, updateCells,
setDataValidation, mergeCells / unmergeCells, conditional format rules, protected ranges,
basic filters, named ranges and developer metadata
(https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets/request).

Cells are replaced, never changed in place, so a batch's working copy can share them with
the committed spreadsheet (see ``batch.working_copy``).
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable, Iterator
from typing import Any

from sheets_sync.emulator import values as cellvalues
from sheets_sync.emulator.a1 import Bounds
from sheets_sync.emulator.errors import ApiError
from sheets_sync.emulator.fields import Mask, apply_update, json_copy, mask_or_error
from sheets_sync.emulator.grid import (
    as_grid_range,
    filter_ranges,
    grid_range,
    in_grid,
    metadata_locations,
)
from sheets_sync.emulator.state import Sheet, Spreadsheet, Store

Handler = Callable[[Store, Spreadsheet, dict[str, Any]], dict[str, Any] | None]


def _area(book: Spreadsheet, gr: dict[str, Any]) -> tuple[Sheet, Bounds]:
    sheet, bounds = grid_range(book, gr)
    return sheet, in_grid(sheet, bounds, sheet.title)


def _keys(b: Bounds) -> Iterator[tuple[int, int]]:
    for r in range(b.row0 or 0, b.row1 or 0):
        for c in range(b.col0 or 0, b.col1 or 0):
            yield r, c


def _set_cell(
    sheet: Sheet, key: tuple[int, int], source: dict[str, Any], mask: Mask | None
) -> None:
    cell = json_copy(sheet.cells.get(key, {}))
    apply_update(cell, source, mask)
    cell.pop("effectiveValue", None)
    entered = cell.get("userEnteredValue")
    if entered and "formulaValue" in entered:
        cell["effectiveValue"] = cellvalues.effective(entered)
    sheet.put(key[0], key[1], cell)


def repeat_cell(store: Store, book: Spreadsheet, req: dict[str, Any]) -> None:
    """repeatCell: the masked fields of ``cell`` on every cell of ``range``."""
    sheet, b = _area(book, req.get("range", {}))
    mask = mask_or_error(req.get("fields"), "repeatCell")
    for key in _keys(b):
        _set_cell(sheet, key, req.get("cell", {}), mask)


def update_cells(store: Store, book: Spreadsheet, req: dict[str, Any]) -> None:
    """updateCells: ``rows`` of CellData from ``start`` (or over ``range``, where cells
    beyond the rows given are cleared of the masked fields)."""
    mask = mask_or_error(req.get("fields"), "updateCells")
    rows = req.get("rows", [])
    if "range" in req:
        sheet, b = _area(book, req["range"])
        r0, c0 = b.row0 or 0, b.col0 or 0
        for r, c in _keys(b):
            line = rows[r - r0].get("values", []) if r - r0 < len(rows) else []
            _set_cell(sheet, (r, c), line[c - c0] if c - c0 < len(line) else {}, mask)
        return
    start = req.get("start", {})
    sheet = book.sheet(sheet_id=start.get("sheetId", 0))
    r0, c0 = start.get("rowIndex", 0), start.get("columnIndex", 0)
    width = max((len(r.get("values", [])) for r in rows), default=0)
    in_grid(sheet, Bounds(r0, r0 + len(rows), c0, c0 + width), sheet.title)
    for r, row in enumerate(rows):
        for c, cell in enumerate(row.get("values", [])):
            _set_cell(sheet, (r0 + r, c0 + c), cell, mask)


def set_data_validation(store: Store, book: Spreadsheet, req: dict[str, Any]) -> None:
    """setDataValidation: ``rule`` on every cell of ``range`` (no rule clears it)."""
    sheet, b = _area(book, req.get("range", {}))
    condition = (req.get("rule") or {}).get("condition", {})
    if (
        req.get("rule")
        and condition.get("type") in ("ONE_OF_LIST", "ONE_OF_RANGE")
        and not condition.get("values")
    ):
        raise ApiError.bad_request(f"Invalid DataValidation: {condition['type']} requires values.")
    rule = copy.deepcopy(req.get("rule")) or None
    for key in _keys(b):  # one rule shared by the cells: cells are replaced, never changed
        cell = {k: v for k, v in sheet.cells.get(key, {}).items() if k != "dataValidation"}
        sheet.put(key[0], key[1], {**cell, "dataValidation": rule})


def _overlap(a: Bounds, b: Bounds) -> bool:
    return (
        (a.row0 or 0) < (b.row1 or 0)
        and (b.row0 or 0) < (a.row1 or 0)
        and (a.col0 or 0) < (b.col1 or 0)
        and (b.col0 or 0) < (a.col1 or 0)
    )


def merge_cells(store: Store, book: Spreadsheet, req: dict[str, Any]) -> None:
    """mergeCells (MERGE_ALL, MERGE_ROWS, MERGE_COLUMNS): values other than each merge's
    top-left are dropped, as in the UI; overlapping an existing merge is refused."""
    sheet, b = _area(book, req.get("range", {}))
    kind = req.get("mergeType", "MERGE_ALL")
    if kind == "MERGE_ROWS":
        parts = [Bounds(r, r + 1, b.col0, b.col1) for r in range(b.row0 or 0, b.row1 or 0)]
    elif kind == "MERGE_COLUMNS":
        parts = [Bounds(b.row0, b.row1, c, c + 1) for c in range(b.col0 or 0, b.col1 or 0)]
    else:
        parts = [b]
    for merged in sheet.merges:
        if _overlap(grid_range(book, merged)[1].clamp(sheet.rows, sheet.columns), b):
            raise ApiError.bad_request("You can't merge cells that overlap with an existing merge.")
    for part in parts:
        # merges spell out every index, zeros too (gspread's combine_merged_cells reads
        # merge["startRowIndex"] directly)
        sheet.merges.append(
            {
                "sheetId": sheet.id,
                "startRowIndex": part.row0,
                "endRowIndex": part.row1,
                "startColumnIndex": part.col0,
                "endColumnIndex": part.col1,
            }
        )
        for key in _keys(part):
            if key != (part.row0, part.col0) and key in sheet.cells:
                cell = {
                    k: v
                    for k, v in sheet.cells[key].items()
                    if k not in ("userEnteredValue", "effectiveValue")
                }
                sheet.put(key[0], key[1], cell)


def unmerge_cells(store: Store, book: Spreadsheet, req: dict[str, Any]) -> None:
    """unmergeCells: merges inside ``range`` removed."""
    sheet, b = _area(book, req.get("range", {}))
    sheet.merges = [
        m
        for m in sheet.merges
        if not _overlap(grid_range(book, m)[1].clamp(sheet.rows, sheet.columns), b)
    ]


def add_conditional_format(store: Store, book: Spreadsheet, req: dict[str, Any]) -> None:
    """addConditionalFormatRule at ``index`` (0 by default); its ranges must be on one sheet."""
    rule = copy.deepcopy(req.get("rule", {}))
    ranges = rule.get("ranges") or []
    if not ranges:
        raise ApiError.bad_request("A conditional format rule must have at least one range.")
    sheets = {grid_range(book, r)[0].id for r in ranges}
    if len(sheets) != 1:
        raise ApiError.bad_request(
            "All ranges of a conditional format rule must be on the same sheet."
        )
    if "booleanRule" not in rule and "gradientRule" not in rule:
        raise ApiError.bad_request(
            "A conditional format rule needs a booleanRule or a gradientRule."
        )
    sheet = book.sheet(sheet_id=sheets.pop())
    for r in ranges:
        r.setdefault("sheetId", sheet.id)
    sheet.conditional_formats.insert(min(req.get("index", 0), len(sheet.conditional_formats)), rule)


def delete_conditional_format(
    store: Store, book: Spreadsheet, req: dict[str, Any]
) -> dict[str, Any]:
    """deleteConditionalFormatRule ``index`` of ``sheetId``."""
    sheet = book.sheet(sheet_id=req.get("sheetId", 0))
    index = req.get("index", 0)
    if not 0 <= index < len(sheet.conditional_formats):
        raise ApiError.bad_request(f"No conditional format on sheet: {sheet.id} at index: {index}")
    return {"deleteConditionalFormatRule": {"rule": sheet.conditional_formats.pop(index)}}


def add_protected_range(store: Store, book: Spreadsheet, req: dict[str, Any]) -> dict[str, Any]:
    """addProtectedRange: a random ``protectedRangeId``; the reply leaves out default values
    (gspread's recorded ``WorksheetTest.test_add_protected_range_normal``)."""
    protected = copy.deepcopy(req.get("protectedRange", {}))
    sheet, b = grid_range(book, protected.get("range", {"sheetId": 0}))
    in_grid(sheet, b, sheet.title)
    protected["protectedRangeId"] = protected.get("protectedRangeId") or random.randint(
        1, 2**31 - 1
    )
    protected["range"] = as_grid_range(sheet, b)
    protected["requestingUserCanEdit"] = True
    protected.setdefault("editors", {})
    protected = {k: v for k, v in protected.items() if v is not False}
    sheet.protected_ranges.append(protected)
    return {"addProtectedRange": {"protectedRange": copy.deepcopy(protected)}}


def delete_protected_range(store: Store, book: Spreadsheet, req: dict[str, Any]) -> None:
    """deleteProtectedRange by id."""
    for sheet in book.sheets:
        for protected in sheet.protected_ranges:
            if protected.get("protectedRangeId") == req.get("protectedRangeId"):
                sheet.protected_ranges.remove(protected)
                return
    raise ApiError.bad_request(f"No protected range with id: {req.get('protectedRangeId')}")


def set_basic_filter(store: Store, book: Spreadsheet, req: dict[str, Any]) -> None:
    """setBasicFilter (a range of ``{"sheetId"}`` alone is the whole sheet, as gspread sends)."""
    flt = copy.deepcopy(req.get("filter", {}))
    sheet, b = grid_range(book, flt.get("range", {"sheetId": 0}))
    in_grid(sheet, b, sheet.title)
    flt["range"] = {"sheetId": sheet.id, **as_grid_range(sheet, b)}
    sheet.basic_filter = flt


def clear_basic_filter(store: Store, book: Spreadsheet, req: dict[str, Any]) -> None:
    """clearBasicFilter of ``sheetId``."""
    book.sheet(sheet_id=req.get("sheetId", 0)).basic_filter = None


def add_named_range(store: Store, book: Spreadsheet, req: dict[str, Any]) -> dict[str, Any]:
    """addNamedRange: names are unique and not cell references."""
    named = copy.deepcopy(req.get("namedRange", {}))
    name = named.get("name") or ""
    if not name or any(n.get("name") == name for n in book.named_ranges):
        raise ApiError.bad_request(f"Invalid name: {name!r} is empty or already used.")
    sheet, b = grid_range(book, named.get("range", {}))
    in_grid(sheet, b, sheet.title)
    named.setdefault("namedRangeId", f"{random.getrandbits(40):x}")
    named["range"] = {"sheetId": sheet.id, **as_grid_range(sheet, b)}
    book.named_ranges.append(named)
    return {"addNamedRange": {"namedRange": copy.deepcopy(named)}}


def delete_named_range(store: Store, book: Spreadsheet, req: dict[str, Any]) -> None:
    """deleteNamedRange by ``namedRangeId``."""
    kept = [n for n in book.named_ranges if n.get("namedRangeId") != req.get("namedRangeId")]
    if len(kept) == len(book.named_ranges):
        raise ApiError.bad_request(f"No named range with id: {req.get('namedRangeId')}")
    book.named_ranges = kept


def create_metadata(store: Store, book: Spreadsheet, req: dict[str, Any]) -> dict[str, Any]:
    """createDeveloperMetadata: needs a key, a visibility and a location (spreadsheet, sheet,
    or a whole-row/column dimensionRange); ids are unique in the spreadsheet."""
    meta = copy.deepcopy(req.get("developerMetadata", {}))
    if not meta.get("metadataKey") or meta.get("visibility") not in ("DOCUMENT", "PROJECT"):
        raise ApiError.bad_request("Developer metadata needs a metadataKey and a visibility.")
    location = meta.get("location") or {}
    if location.get("spreadsheet"):
        location["locationType"] = "SPREADSHEET"
    elif "sheetId" in location:
        book.sheet(sheet_id=location["sheetId"])
        location["locationType"] = "SHEET"
    elif "dimensionRange" in location:
        span = location["dimensionRange"]
        book.sheet(sheet_id=span.get("sheetId", 0))
        location["locationType"] = "ROW" if span.get("dimension") == "ROWS" else "COLUMN"
    else:
        raise ApiError.bad_request("Developer metadata needs a location.")
    taken = {m.get("metadataId") for m in book.developer_metadata}
    if meta.get("metadataId") in taken:
        raise ApiError.bad_request(
            f"Developer metadata with id {meta['metadataId']} already exists."
        )
    meta.setdefault("metadataId", random.randint(1, 2**31 - 1))
    meta["location"] = location
    book.developer_metadata.append(meta)
    return {"createDeveloperMetadata": {"developerMetadata": copy.deepcopy(meta)}}


def delete_metadata(store: Store, book: Spreadsheet, req: dict[str, Any]) -> dict[str, Any]:
    """deleteDeveloperMetadata: every entry its ``dataFilter`` matches."""
    lookup = (req.get("dataFilter") or {}).get("developerMetadataLookup")
    if lookup is None:
        filter_ranges(book, req.get("dataFilter") or {})
        raise ApiError.bad_request("deleteDeveloperMetadata needs a developerMetadataLookup.")
    gone = metadata_locations(book, lookup)
    book.developer_metadata = [m for m in book.developer_metadata if m not in gone]
    return {"deleteDeveloperMetadata": {"deletedDeveloperMetadata": gone}}


HANDLERS: dict[str, Handler] = {
    "repeatCell": repeat_cell,
    "updateCells": update_cells,
    "setDataValidation": set_data_validation,
    "mergeCells": merge_cells,
    "unmergeCells": unmerge_cells,
    "addConditionalFormatRule": add_conditional_format,
    "deleteConditionalFormatRule": delete_conditional_format,
    "addProtectedRange": add_protected_range,
    "deleteProtectedRange": delete_protected_range,
    "setBasicFilter": set_basic_filter,
    "clearBasicFilter": clear_basic_filter,
    "addNamedRange": add_named_range,
    "deleteNamedRange": delete_named_range,
    "createDeveloperMetadata": create_metadata,
    "deleteDeveloperMetadata": delete_metadata,
}
