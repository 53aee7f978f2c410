"""The ``spreadsheets.values`` methods: get, batchGet, update, batchUpdate, append, clear,
batchClear and the byDataFilter variants
(https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets.values).

Each handler takes the spreadsheet, the checked query and body, and returns the reply.
Writes are planned for every range first and applied only when all are valid, so a failing
batch changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sheets_sync.emulator.a1 import Bounds, format_range
from sheets_sync.emulator.errors import ApiError
from sheets_sync.emulator.grid import (
    a1_of,
    filter_ranges,
    in_grid,
    read_values,
    resolve,
    write_values,
)
from sheets_sync.emulator.state import Sheet, Spreadsheet, Store


@dataclass
class Write:
    """One planned write: where it goes and the row-major values."""

    sheet: Sheet
    row0: int
    col0: int
    rows: list[list[Any]]

    @property
    def bounds(self) -> Bounds:
        """The rectangle the values cover."""
        width = max((len(r) for r in self.rows), default=0)
        return Bounds(self.row0, self.row0 + len(self.rows), self.col0, self.col0 + width)

    def reply(self, book: Spreadsheet) -> dict[str, Any]:
        """An UpdateValuesResponse for this write."""
        b = self.bounds
        cells = sum(len(r) for r in self.rows)
        out: dict[str, Any] = {"spreadsheetId": book.id}
        if cells:
            out.update(
                updatedRange=a1_of(self.sheet, b),
                updatedRows=len(self.rows),
                updatedColumns=(b.col1 or 0) - (b.col0 or 0),
                updatedCells=cells,
            )
        return out


def rows_of(values: list[list[Any]] | None, major: str | None) -> list[list[Any]]:
    rows = [list(r) for r in values or []]
    if major == "COLUMNS":
        width = max((len(c) for c in rows), default=0)
        rows = [[col[i] if i < len(col) else None for col in rows] for i in range(width)]
    return rows


def plan_write(
    book: Spreadsheet, sheet: Sheet, bounds: Bounds, shown: str, rows: list[list[Any]]
) -> Write:
    """Check a write of ``rows`` into ``bounds`` (a single cell or an unbounded range
    anchors it; a bounded range must hold it, as the API requires) and that it fits the
    grid."""
    row0, col0 = bounds.row0 or 0, bounds.col0 or 0
    write = Write(sheet, row0, col0, rows)
    b = write.bounds
    single = bounds.row1 == row0 + 1 and bounds.col1 == col0 + 1
    if not single and rows:
        if bounds.row1 is not None and (b.row1 or 0) > bounds.row1:
            raise ApiError.bad_request(
                f"Requested writing within range [{shown}], but tried writing to row [{b.row1}]"
            )
        if bounds.col1 is not None and (b.col1 or 0) > bounds.col1:
            col = format_range(sheet.title, Bounds(0, 1, (b.col1 or 1) - 1, b.col1))
            raise ApiError.bad_request(
                f"Requested writing within range [{shown}], but tried writing to column "
                f"[{col.split('!')[-1].rstrip('1')}]"
            )
    if rows:
        in_grid(sheet, b, a1_of(sheet, b) if b.row1 and b.col1 else shown)
    return write


def need_input_option(option: str | None) -> str:
    if not option or option == "INPUT_VALUE_OPTION_UNSPECIFIED":
        raise ApiError.bad_request("'valueInputOption' is required but not specified")
    return option


def _read(sheet: Sheet, bounds: Bounds, shown: str, opts: dict[str, Any]) -> dict[str, Any]:
    bounded = in_grid(sheet, bounds, shown)
    major = opts.get("majorDimension") or "ROWS"
    out: dict[str, Any] = {"range": a1_of(sheet, bounded), "majorDimension": major}
    rows = read_values(
        sheet,
        bounded,
        value_option=opts.get("valueRenderOption") or "FORMATTED_VALUE",
        date_option=opts.get("dateTimeRenderOption") or "SERIAL_NUMBER",
        major=major,
    )
    if rows:
        out["values"] = rows
    return out


def get(book: Spreadsheet, range_text: str, query: dict[str, Any]) -> dict[str, Any]:
    """values.get: a ValueRange; no ``values`` key when the range is empty."""
    sheet, bounds = resolve(book, range_text)
    return _read(sheet, bounds, range_text, query)


def batch_get(book: Spreadsheet, query: dict[str, Any]) -> dict[str, Any]:
    """values.batchGet over the repeated ``ranges`` parameter."""
    ranges = query.get("ranges") or []
    return {"spreadsheetId": book.id, "valueRanges": [get(book, r, query) for r in ranges]}


def with_response(
    book: Spreadsheet, write: Write, reply: dict[str, Any], opts: dict[str, Any]
) -> dict[str, Any]:
    if opts.get("includeValuesInResponse"):
        render = {
            "valueRenderOption": opts.get("responseValueRenderOption"),
            "dateTimeRenderOption": opts.get("responseDateTimeRenderOption"),
        }
        b = write.bounds
        reply["updatedData"] = _read(write.sheet, b, a1_of(write.sheet, b), render)
    return reply


def update(
    store: Store, book: Spreadsheet, range_text: str, query: dict[str, Any], body: dict[str, Any]
) -> dict[str, Any]:
    """values.update: write ``body.values`` at ``range_text``."""
    option = need_input_option(query.get("valueInputOption"))
    if body.get("range"):
        ours, theirs = resolve(book, range_text), resolve(book, body["range"])
        if ours != theirs:
            raise ApiError.bad_request(
                f"Requested range [{body['range']}] doesn't match URL range [{range_text}]"
            )
    sheet, bounds = resolve(book, range_text)
    write = plan_write(
        book, sheet, bounds, range_text, rows_of(body.get("values"), body.get("majorDimension"))
    )
    write_values(book, sheet, write.row0, write.col0, write.rows, option)
    return with_response(book, write, write.reply(book), query)


def batch_update(
    book: Spreadsheet, body: dict[str, Any], by_filter: bool = False
) -> dict[str, Any]:
    """values.batchUpdate (and batchUpdateByDataFilter): every range checked before any is
    written."""
    option = need_input_option(body.get("valueInputOption"))
    plans: list[tuple[Write, dict[str, Any] | None]] = []
    for item in body.get("data", []):
        rows = rows_of(item.get("values"), item.get("majorDimension"))
        if by_filter:
            for sheet, bounds in filter_ranges(book, item.get("dataFilter", {})):
                plans.append(
                    (plan_write(book, sheet, bounds, sheet.title, rows), item["dataFilter"])
                )
        else:
            sheet, bounds = resolve(book, item.get("range", ""))
            plans.append((plan_write(book, sheet, bounds, item.get("range", ""), rows), None))
    responses = []
    for write, data_filter in plans:
        write_values(book, write.sheet, write.row0, write.col0, write.rows, option)
        reply = with_response(book, write, write.reply(book), body)
        if data_filter is not None:
            reply["dataFilter"] = data_filter
        responses.append(reply)
    written = [r for r in responses if "updatedCells" in r]
    out: dict[str, Any] = {"spreadsheetId": book.id}
    if written:
        out.update(
            totalUpdatedRows=sum(r["updatedRows"] for r in written),
            totalUpdatedColumns=sum(r["updatedColumns"] for r in written),
            totalUpdatedCells=sum(r["updatedCells"] for r in written),
            totalUpdatedSheets=len({w.sheet.id for w, _ in plans if w.rows}),
        )
    out["responses"] = responses
    return out


def _clear(book: Spreadsheet, sheet: Sheet, bounds: Bounds, shown: str) -> str:
    b = in_grid(sheet, bounds, shown)
    for (r, c), cell in list(sheet.cells.items()):
        if (b.row0 or 0) <= r < (b.row1 or 0) and (b.col0 or 0) <= c < (b.col1 or 0):
            cell = {
                k: v for k, v in cell.items() if k not in ("userEnteredValue", "effectiveValue")
            }
            sheet.put(r, c, cell)
    book.touch()
    return a1_of(sheet, b)


def clear(book: Spreadsheet, range_text: str) -> dict[str, Any]:
    """values.clear: values go, formats stay; ``clearedRange`` is the range clamped to the
    grid (gspread's recorded ``WorksheetTest.test_clear``: ``Sheet1!A1:Z1000``)."""
    sheet, bounds = resolve(book, range_text)
    return {"spreadsheetId": book.id, "clearedRange": _clear(book, sheet, bounds, range_text)}


def batch_clear(book: Spreadsheet, body: dict[str, Any], by_filter: bool = False) -> dict[str, Any]:
    """values.batchClear (and batchClearByDataFilter)."""
    if by_filter:
        targets = [
            (s, b, s.title) for f in body.get("dataFilters", []) for s, b in filter_ranges(book, f)
        ]
    else:
        targets = [(*resolve(book, r), r) for r in body.get("ranges", [])]
    for sheet, bounds, shown in targets:
        in_grid(sheet, bounds, shown)
    cleared = [_clear(book, s, b, shown) for s, b, shown in targets]
    return {"spreadsheetId": book.id, "clearedRanges": cleared}


def batch_get_by_filter(book: Spreadsheet, body: dict[str, Any]) -> dict[str, Any]:
    """values.batchGetByDataFilter: one MatchedValueRange per range a filter selects."""
    out = []
    for data_filter in body.get("dataFilters", []):
        for sheet, bounds in filter_ranges(book, data_filter):
            out.append(
                {
                    "valueRange": _read(sheet, bounds, sheet.title, body),
                    "dataFilters": [data_filter],
                }
            )
    return {"spreadsheetId": book.id, "valueRanges": out}
