"""Helpers for the Google Sheets medium's tests: a sheet made from an .xlsx file in the
emulator, the emulator's request log, a sheet's cells as the API stores them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sheets_sync.book import GoogleSheetBook
from tests.emulated import http


def sheet_from_xlsx(emulator: Any, client: Any, path: Path) -> GoogleSheetBook:
    """The workbook ``path`` loaded into ``emulator`` (values, formulas, date formats,
    notes), opened through gspread ``client`` as a :class:`GoogleSheetBook`."""
    key = emulator.load(path)[0]
    return GoogleSheetBook(client.open_by_key(key))


def api_requests(emulator: Any) -> list[dict[str, Any]]:
    """The API calls in the emulator's request log (its own controls left out)."""
    _, got = http("GET", f"{emulator.url}/_emulator/requests")
    return [r for r in got["requests"] if not r["path"].startswith("/_emulator")]


def forget_requests(emulator: Any) -> None:
    """Empty the emulator's request log."""
    http("DELETE", f"{emulator.url}/_emulator/requests")


def stored_cells(book: GoogleSheetBook, sheet: str, a1: str) -> list[list[dict[str, Any]]]:
    """The CellData of ``sheet!a1`` as the API holds them (value entered, format, note)."""
    got = book.spreadsheet.fetch_sheet_metadata(
        {
            "ranges": [f"'{sheet}'!{a1}"],
            "fields": "sheets(data(rowData(values(userEnteredValue,userEnteredFormat,note))))",
        }
    )
    data = got["sheets"][0].get("data", [{}])[0]
    return [r.get("values", []) for r in data.get("rowData", [])]


def columns_of(rows: list[list[Any]], headers: list[str]) -> list[list[Any]]:
    """The columns of ``rows`` (a sheet whose header is in row 1 or 2) under ``headers``,
    each a list of its cells below the header, made :func:`comparable`."""
    at = next(i for i, r in enumerate(rows) if any(h in r for h in headers))
    header = rows[at]
    out = []
    for h in headers:
        i = header.index(h)
        out.append([r[i] if i < len(r) else None for r in rows[at + 1 :]])
    return comparable(out)


def comparable(rows: list[list[Any]]) -> list[list[Any]]:
    """Rows with numbers rounded to 6 places and dates as datetimes, so two media's
    cells compare equal when they show the same."""

    def one(v: Any) -> Any:
        if isinstance(v, bool) or v is None:
            return v
        if isinstance(v, int | float):
            return round(float(v), 6)
        if isinstance(v, dt.datetime):
            return v
        if isinstance(v, dt.date):
            return dt.datetime(v.year, v.month, v.day)
        return v

    out = []
    for row in rows:
        row = [one(v) for v in row]
        while row and row[-1] is None:
            row.pop()
        out.append(row)
    while out and not out[-1]:
        out.pop()
    return out
