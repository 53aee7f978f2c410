"""The emulator's in-memory state: spreadsheets, their sheets and cells, and Drive files.

Shapes follow the API's own JSON (https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets):
a cell is a CellData dict (``userEnteredValue``, ``effectiveValue``, ``userEnteredFormat``,
``note``, ``dataValidation``); a sheet keeps ``properties`` (with ``gridProperties``),
``merges``, ``conditionalFormats``, ``protectedRanges``, ``basicFilter`` and per-row/column
``DimensionProperties``; a spreadsheet keeps ``properties``, ``namedRanges`` and
``developerMetadata`` and is also a Drive file (name, createdTime, modifiedTime, a monotonic
``version``, permissions).  ``dump``/``load`` give the JSON kept by ``--data FILE``.
"""

from __future__ import annotations

import copy
import random
import string
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sheets_sync.emulator.errors import ApiError

#: a new sheet's grid (gspread's recorded ``SpreadsheetTest.test_add_del_worksheet``: 1000x26)
DEFAULT_ROWS, DEFAULT_COLUMNS = 1000, 26
#: cells in one spreadsheet (raised from 5M to 10M on 2022-03-14; research/gsheets.md §4)
CELL_LIMIT = 10_000_000
SPREADSHEET_MIME = "application/vnd.google-apps.spreadsheet"


def now_rfc3339() -> str:
    """The current UTC time as Drive writes it (``2026-12-01T11:00:00.000Z``)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def new_id(length: int = 44) -> str:
    """A random id shaped like a spreadsheet key: Google's start with a letter or digit
    (``1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms``, the Sheets API quickstart's), never
    with ``-``, which a command line would read as an option."""
    alphabet = string.ascii_letters + string.digits + "-_"
    first = random.choice(string.ascii_letters + string.digits)
    return first + "".join(random.choice(alphabet) for _ in range(length - 1))


@dataclass
class Sheet:
    """One tab: properties, cells keyed by 0-based (row, column), and sheet-level objects."""

    properties: dict[str, Any]
    cells: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    merges: list[dict[str, Any]] = field(default_factory=list)
    conditional_formats: list[dict[str, Any]] = field(default_factory=list)
    protected_ranges: list[dict[str, Any]] = field(default_factory=list)
    basic_filter: dict[str, Any] | None = None
    rows_meta: dict[int, dict[str, Any]] = field(default_factory=dict)
    columns_meta: dict[int, dict[str, Any]] = field(default_factory=dict)

    @property
    def id(self) -> int:
        """The sheetId."""
        return self.properties.get("sheetId", 0)

    @property
    def title(self) -> str:
        """The tab's title."""
        return self.properties["title"]

    @property
    def grid(self) -> dict[str, Any]:
        """The gridProperties dict (rowCount, columnCount, frozen counts)."""
        return self.properties.setdefault("gridProperties", {})

    @property
    def rows(self) -> int:
        """The grid's row count."""
        return self.grid.get("rowCount", 0)

    @property
    def columns(self) -> int:
        """The grid's column count."""
        return self.grid.get("columnCount", 0)

    def used(self) -> tuple[int, int]:
        """(rows, columns) up to the last cell holding a value."""
        rows = cols = 0
        for (r, c), cell in self.cells.items():
            if cell.get("userEnteredValue"):
                rows, cols = max(rows, r + 1), max(cols, c + 1)
        return rows, cols

    def value_at(self, row: int, col: int) -> dict[str, Any] | None:
        """The cell's userEnteredValue, or None when empty."""
        cell = self.cells.get((row, col))
        return cell.get("userEnteredValue") if cell else None

    def clone(self) -> Sheet:
        """A copy whose cell dicts are shared with this sheet (cells are replaced, never
        changed in place) and whose other parts are copied."""
        return Sheet(
            copy.deepcopy(self.properties),
            dict(self.cells),
            copy.deepcopy(self.merges),
            copy.deepcopy(self.conditional_formats),
            copy.deepcopy(self.protected_ranges),
            copy.deepcopy(self.basic_filter),
            copy.deepcopy(self.rows_meta),
            copy.deepcopy(self.columns_meta),
        )

    def put(self, row: int, col: int, cell: dict[str, Any]) -> None:
        """Store ``cell`` at (row, col), dropping empty parts and empty cells."""
        cell = {k: v for k, v in cell.items() if v not in (None, {}, "")}
        if cell:
            self.cells[(row, col)] = cell
        else:
            self.cells.pop((row, col), None)


@dataclass
class Spreadsheet:
    """A spreadsheet and its Drive file."""

    id: str
    properties: dict[str, Any]
    sheets: list[Sheet] = field(default_factory=list)
    named_ranges: list[dict[str, Any]] = field(default_factory=list)
    developer_metadata: list[dict[str, Any]] = field(default_factory=list)
    created: str = field(default_factory=now_rfc3339)
    modified: str = field(default_factory=now_rfc3339)
    version: int = 1
    permissions: list[dict[str, Any]] = field(default_factory=list)
    parents: list[str] = field(default_factory=list)
    comments: list[dict[str, Any]] = field(default_factory=list)

    @property
    def title(self) -> str:
        """The spreadsheet's title, which is also its Drive name."""
        return self.properties["title"]

    def sheet(self, *, title: str | None = None, sheet_id: int | None = None) -> Sheet:
        """The sheet with ``title`` or ``sheet_id`` (the first sheet when both are None).
        Raises ApiError 400 as the API does for an unknown one."""
        for sheet in self.sheets:
            if (
                (title is None and sheet_id is None)
                or sheet.title == title
                or (sheet_id is not None and sheet.id == sheet_id)
            ):
                return sheet
        if title is not None:
            raise ApiError.bad_request(f"Unable to parse range: {title}")
        raise ApiError.bad_request(f"No grid with id: {sheet_id}")

    def cell_count(self) -> int:
        """Cells in every grid of the spreadsheet (the 10 million cap counts these)."""
        return sum(s.rows * s.columns for s in self.sheets)

    def touch(self) -> None:
        """Record a change: Drive ``version`` goes up by one, ``modifiedTime`` is now."""
        self.version += 1
        self.modified = now_rfc3339()

    def new_sheet_id(self) -> int:
        """A random sheetId not yet used (the API picks random ids, e.g. 1877059582)."""
        taken = {s.id for s in self.sheets}
        while True:
            candidate = random.randint(1, 2**31 - 1)
            if candidate not in taken:
                return candidate


def new_sheet(title: str, sheet_id: int, index: int, rows: int, cols: int) -> Sheet:
    """A GRID sheet of ``rows`` x ``cols`` cells."""
    grid = {"rowCount": rows, "columnCount": cols}
    props = {"sheetId": sheet_id, "title": title, "index": index, "sheetType": "GRID"}
    return Sheet({**props, "gridProperties": grid})


def new_spreadsheet(title: str, sheet_titles: tuple[str, ...] = ("Sheet1",)) -> Spreadsheet:
    """A spreadsheet like the UI and Drive create: en_US, Etc/GMT, one 1000x26 sheet with
    id 0 (gspread's recorded ``ClientTest.test_create`` and ``test_open_by_key``)."""
    properties = {
        "title": title,
        "locale": "en_US",
        "autoRecalc": "ON_CHANGE",
        "timeZone": "Etc/GMT",
        "defaultFormat": {
            "backgroundColor": {"red": 1, "green": 1, "blue": 1},
            "padding": {"top": 2, "right": 3, "bottom": 2, "left": 3},
            "verticalAlignment": "BOTTOM",
            "wrapStrategy": "OVERFLOW_CELL",
            "textFormat": {
                "foregroundColor": {},
                "fontFamily": "arial,sans,sans-serif",
                "fontSize": 10,
                "bold": False,
                "italic": False,
                "strikethrough": False,
                "underline": False,
            },
        },
        "spreadsheetTheme": {"primaryFontFamily": "Arial"},
    }
    book = Spreadsheet(new_id(), properties)
    for i, name in enumerate(sheet_titles):
        book.sheets.append(new_sheet(name, 0 if i == 0 else book.new_sheet_id(), i, 1000, 26))
    book.permissions.append(
        {"id": "owner", "type": "user", "role": "owner", "emailAddress": "owner@example.com"}
    )
    return book


class Store:
    """Every spreadsheet of one emulator, behind one lock (``with store.lock:``)."""

    def __init__(self, cell_limit: int = CELL_LIMIT) -> None:
        self.lock = threading.RLock()
        self.books: dict[str, Spreadsheet] = {}
        self.cell_limit = cell_limit

    def get(self, spreadsheet_id: str) -> Spreadsheet:
        """The spreadsheet ``spreadsheet_id``; ApiError 404 (the API's wording) if none."""
        book = self.books.get(spreadsheet_id)
        if book is None:
            raise ApiError.not_found()
        return book

    def add(self, book: Spreadsheet) -> Spreadsheet:
        """Keep ``book`` and return it."""
        self.books[book.id] = book
        return book

    def check_cells(self, book: Spreadsheet, extra: int = 0) -> None:
        """Raise the API's 400 when ``book`` would hold more cells than the cap after
        growing by ``extra`` cells."""
        if book.cell_count() + extra > self.cell_limit:
            raise ApiError.bad_request(
                "This action would increase the number of cells in the workbook above the "
                f"limit of {self.cell_limit} cells."
            )

    def dump(self) -> dict[str, Any]:
        """The whole state as JSON-ready data (the ``--data`` file's format, version 1)."""
        return {
            "format": "xl-crm-sheets-emulator",
            "version": 1,
            "spreadsheets": [_dump_book(b) for b in self.books.values()],
        }

    def load(self, data: dict[str, Any]) -> None:
        """Replace the state with ``data`` as ``dump`` wrote it."""
        self.books = {}
        for raw in data.get("spreadsheets", []):
            self.add(_load_book(raw))


def _dump_book(book: Spreadsheet) -> dict[str, Any]:
    return {
        "id": book.id,
        "properties": book.properties,
        "namedRanges": book.named_ranges,
        "developerMetadata": book.developer_metadata,
        "drive": {
            "createdTime": book.created,
            "modifiedTime": book.modified,
            "version": book.version,
            "permissions": book.permissions,
            "parents": book.parents,
            "comments": book.comments,
        },
        "sheets": [
            {
                "properties": s.properties,
                "cells": [[r, c, cell] for (r, c), cell in sorted(s.cells.items())],
                "merges": s.merges,
                "conditionalFormats": s.conditional_formats,
                "protectedRanges": s.protected_ranges,
                "basicFilter": s.basic_filter,
                "rowMetadata": {str(k): v for k, v in s.rows_meta.items()},
                "columnMetadata": {str(k): v for k, v in s.columns_meta.items()},
            }
            for s in book.sheets
        ],
    }


def _load_book(raw: dict[str, Any]) -> Spreadsheet:
    drive = raw.get("drive", {})
    book = Spreadsheet(
        raw["id"],
        raw["properties"],
        named_ranges=raw.get("namedRanges", []),
        developer_metadata=raw.get("developerMetadata", []),
        created=drive.get("createdTime", now_rfc3339()),
        modified=drive.get("modifiedTime", now_rfc3339()),
        version=drive.get("version", 1),
        permissions=drive.get("permissions", []),
        parents=drive.get("parents", []),
        comments=drive.get("comments", []),
    )
    for s in raw.get("sheets", []):
        sheet = Sheet(
            s["properties"],
            {(r, c): cell for r, c, cell in s.get("cells", [])},
            s.get("merges", []),
            s.get("conditionalFormats", []),
            s.get("protectedRanges", []),
            s.get("basicFilter"),
            {int(k): v for k, v in s.get("rowMetadata", {}).items()},
            {int(k): v for k, v in s.get("columnMetadata", {}).items()},
        )
        book.sheets.append(sheet)
    return book
