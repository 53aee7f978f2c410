"""Fixtures for the emulator from a JSON or .xlsx snapshot, and exports to .xlsx / CSV.

A JSON snapshot is either the ``--data`` file format (``Store.dump``) or the short form::

    {"spreadsheets": [{"id": "demo-key", "title": "Customers",
                       "sheets": [{"title": "Sheet1", "rows": [["id", "name"], ["0042", "Li"]],
                                   "rowCount": 1000, "columnCount": 26}]}]}

where values are stored as given (RAW: ``"0042"`` stays text) and ``{"formula": "=A1*2"}`` is a
formula.  An .xlsx snapshot becomes one spreadsheet titled after the file (its key is the
file's stem unless given), one sheet per worksheet, with values, formulas and date formats.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Collection
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from sheets_sync.emulator import values as cellvalues
from sheets_sync.emulator.state import (
    DEFAULT_COLUMNS,
    DEFAULT_ROWS,
    Sheet,
    Spreadsheet,
    Store,
    new_sheet,
    new_spreadsheet,
)


def _cell(value: Any) -> dict[str, Any]:
    if isinstance(value, dict) and "formula" in value:
        entered = {"formulaValue": value["formula"]}
        return {"userEnteredValue": entered, "effectiveValue": cellvalues.effective(entered)}
    return {"userEnteredValue": cellvalues.extended(value)}


def _bad(where: str, expected: str) -> ValueError:
    return ValueError(f"bad snapshot: {where} should be {expected}")


def _short_book(raw: Any, where: str) -> Spreadsheet:
    if not isinstance(raw, dict):
        raise _bad(where, 'an object {"id", "title", "sheets"}')
    book = new_spreadsheet(raw.get("title") or raw.get("id") or "Untitled spreadsheet", ())
    book.id = raw.get("id") or book.id
    if not isinstance(book.id, str):
        raise _bad(f"{where}.id", "a text key")
    specs = raw.get("sheets") or [{"title": "Sheet1"}]
    if not isinstance(specs, list):
        raise _bad(f"{where}.sheets", "a list of sheets")
    for i, spec in enumerate(specs):
        if not isinstance(spec, dict):
            raise _bad(f"{where}.sheets[{i}]", 'an object {"title", "rows"}')
        rows = spec.get("rows", [])
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise _bad(f"{where}.sheets[{i}].rows", "a list of rows, each a list of values")
        width = max((len(r) for r in rows), default=0)
        sheet = new_sheet(
            spec.get("title") or f"Sheet{i + 1}",
            spec.get("sheetId", 0 if i == 0 else book.new_sheet_id()),
            i,
            max(spec.get("rowCount", DEFAULT_ROWS), len(rows)),
            max(spec.get("columnCount", DEFAULT_COLUMNS), width),
        )
        for r, line in enumerate(rows):
            for c, value in enumerate(line):
                if value is not None and value != "":
                    sheet.put(r, c, _cell(value))
        book.sheets.append(sheet)
    return book


def load_snapshot(
    store: Store, path: str | Path, key: str | None = None, taken: Collection[str] = ()
) -> list[str]:
    """Add the spreadsheets of the snapshot file ``path`` (.json or .xlsx) to ``store``;
    returns their ids.  ``key`` sets an .xlsx snapshot's spreadsheet id; ``taken``: ids
    that may not be loaded again (the CLI's earlier ``--load`` snapshots).  Raises
    ValueError for another file type, a malformed snapshot or a key in ``taken`` (nothing
    is added then), OSError / json errors as they come."""
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _add(store, [from_xlsx(path, key)], taken)
    if path.suffix.lower() != ".json":
        raise ValueError(f"{path}: a snapshot is a .json or .xlsx file")
    return load_data(store, json.loads(path.read_text(encoding="utf-8")), taken)


def load_data(store: Store, data: Any, taken: Collection[str] = ()) -> list[str]:
    """Add the spreadsheets of snapshot ``data`` (either JSON form) to ``store``; an id
    already in the store is replaced, one in ``taken`` or twice in ``data`` refused.
    Raises ValueError ("bad snapshot: ...") for data of the wrong shape."""
    if not isinstance(data, dict):
        raise _bad("the snapshot", 'an object {"spreadsheets": [...]}')
    if data.get("format") == "xl-crm-sheets-emulator":
        other = Store()
        other.load(data)
        return _add(store, list(other.books.values()), taken)
    raws = data.get("spreadsheets", [])
    if not isinstance(raws, list):
        raise _bad("spreadsheets", "a list of spreadsheets")
    return _add(
        store, [_short_book(raw, f"spreadsheets[{i}]") for i, raw in enumerate(raws)], taken
    )


def _add(store: Store, books: list[Spreadsheet], taken: Collection[str]) -> list[str]:
    ids = [book.id for book in books]
    seen: set[str] = set(taken)
    for key in ids:
        if key in seen:
            raise ValueError(
                f"the spreadsheet key {key!r} is loaded twice; give one of the snapshots "
                'another id (JSON: "id"; .xlsx: rename the file)'
            )
        seen.add(key)
    for book in books:
        store.add(book)
    return ids


def from_xlsx(path: Path, key: str | None = None) -> Spreadsheet:
    """A spreadsheet with the worksheets of the .xlsx file ``path``."""
    import openpyxl

    wb = openpyxl.load_workbook(path, data_only=False)
    book = new_spreadsheet(path.stem, ())
    book.id = key or path.stem
    for i, ws in enumerate(wb.worksheets):
        sheet = new_sheet(
            ws.title,
            0 if i == 0 else book.new_sheet_id(),
            i,
            max(DEFAULT_ROWS, ws.max_row),
            max(DEFAULT_COLUMNS, ws.max_column),
        )
        if ws.sheet_state != "visible":
            sheet.properties["hidden"] = True
        for row in ws.iter_rows():
            for cell in row:
                _put_xlsx_cell(sheet, cell)
        for merged in ws.merged_cells.ranges:
            sheet.merges.append(
                {
                    "sheetId": sheet.id,
                    "startRowIndex": merged.min_row - 1,
                    "endRowIndex": merged.max_row,
                    "startColumnIndex": merged.min_col - 1,
                    "endColumnIndex": merged.max_col,
                }
            )
        book.sheets.append(sheet)
    return book


def _put_xlsx_cell(sheet: Sheet, cell: Any) -> None:
    value = cell.value
    if value is None or value == "":
        return
    out: dict[str, Any] = {}
    if cell.data_type == "f" or (isinstance(value, str) and cell.data_type == "f"):
        out = _cell({"formula": str(value)})
    elif isinstance(value, datetime | date):
        kind = "DATE_TIME" if isinstance(value, datetime) and value.time() != time() else "DATE"
        out = {
            "userEnteredValue": {"numberValue": cellvalues.to_serial(value)},
            "userEnteredFormat": {
                "numberFormat": {
                    "type": kind,
                    "pattern": "yyyy-mm-dd" if kind == "DATE" else "yyyy-mm-dd hh:mm:ss",
                }
            },
        }
    elif isinstance(value, time):
        serial = (value.hour * 3600 + value.minute * 60 + value.second) / 86400
        out = {
            "userEnteredValue": {"numberValue": serial},
            "userEnteredFormat": {"numberFormat": {"type": "TIME", "pattern": "hh:mm:ss"}},
        }
    else:
        out = _cell(value if isinstance(value, bool | int | float) else str(value))
    if cell.comment is not None:
        out["note"] = cell.comment.text
    sheet.put(cell.row - 1, cell.column - 1, out)


def to_xlsx(book: Spreadsheet) -> bytes:
    """The spreadsheet as .xlsx bytes (openpyxl): values, formulas, date formats, notes,
    merges.  Text starting with ``=`` stays text (it is data, not a formula)."""
    import openpyxl
    from openpyxl.comments import Comment

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for sheet in book.sheets:
        ws = wb.create_sheet(sheet.title)
        for (r, c), cell in sorted(sheet.cells.items()):
            entered = cell.get("userEnteredValue") or {}
            target = ws.cell(row=r + 1, column=c + 1)
            if "formulaValue" in entered:
                target.value = entered["formulaValue"]
            elif "stringValue" in entered:
                target.value = entered["stringValue"]
                target.data_type = "s"
            elif "numberValue" in entered:
                fmt = (cell.get("userEnteredFormat") or {}).get("numberFormat") or {}
                number = entered["numberValue"]
                if fmt.get("type") in ("DATE", "DATE_TIME"):
                    target.value = cellvalues.from_serial(number)
                    target.number_format = fmt.get("pattern", "yyyy-mm-dd")
                else:
                    target.value = number
            elif "boolValue" in entered:
                target.value = entered["boolValue"]
            if cell.get("note"):
                target.comment = Comment(cell["note"], "xl-crm emulator")
        for merge in sheet.merges:
            ws.merge_cells(
                start_row=merge.get("startRowIndex", 0) + 1,
                end_row=merge.get("endRowIndex", 1),
                start_column=merge.get("startColumnIndex", 0) + 1,
                end_column=merge.get("endColumnIndex", 1),
            )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def to_csv(sheet: Sheet) -> str:
    """The sheet's formatted values as CSV; text starting with ``= + - @`` is prefixed with
    ``'`` so a spreadsheet program opening the file does not run it."""
    from sheets_sync.emulator.a1 import Bounds
    from sheets_sync.emulator.grid import read_values

    rows, cols = sheet.used()
    bounds = Bounds(0, rows, 0, cols)
    shown = read_values(
        sheet, bounds, value_option="FORMATTED_VALUE", date_option="SERIAL_NUMBER", major="ROWS"
    )
    raw = read_values(
        sheet, bounds, value_option="UNFORMATTED_VALUE", date_option="SERIAL_NUMBER", major="ROWS"
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for line, typed in zip(shown, raw, strict=True):
        writer.writerow(
            [
                "'" + v if isinstance(t, str) and v[:1] in ("=", "+", "-", "@") else v
                for v, t in zip(line, typed, strict=True)
            ]
        )
    return out.getvalue()
