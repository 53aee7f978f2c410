"""The Google Sheets medium: a spreadsheet as a :class:`xl_crm.book.Book`.

:class:`GoogleSheetBook` reads with a fixed number of requests whatever the rows
(:mod:`sheets_sync.fetch`: metadata, a probe of the first rows for headers and formats, one
``values.batchGet``), types the cells with the medium-independent view
(:func:`xl_crm.view.rows.read_book_rows`, through :func:`xl_crm.fields.coercion.coerce`),
so a sheet gives the findings and computed values its .xlsx export gives, and writes
with one request per step:

- :meth:`GoogleSheetBook.write`: only changed cells (new columns whole, header included),
  one ``values.batchUpdate`` with ``valueInputOption=USER_ENTERED``, every text behind a
  ``'`` so it is stored as the text it is (``=A1``, ``0042`` stay text,
  :func:`sheets_sync.cells.entered`), dates as ISO text the API parses into dates with a
  date format; a small ``spreadsheets.batchUpdate`` before it only when the grid must grow
  or a column's own number format would hide what is written
  (:meth:`GoogleSheetBook.formats`); formulas are not written over without ``force``;
- :meth:`GoogleSheetBook.mark`: fills and notes, and the ledger of marks
  (:mod:`sheets_sync.marking`), in one ``spreadsheets.batchUpdate``;
- :meth:`GoogleSheetBook.add_sheet`: a sheet of columns in one ``spreadsheets.batchUpdate``.

Requests go through the gspread ``Spreadsheet`` (or ``Client``) given, so its HTTP client
(timeouts, retries, the emulator's address) is the one used.  Bodies over
:data:`sheets_sync.marking.REQUEST_BYTES` are sent in parts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from sheets_sync.cells import kind_of, number_format, pixels, value_ranges
from sheets_sync.fetch import PROBE_ROWS, Fetcher
from sheets_sync.marking import Marker, chunks, column_cells, grow, new_sheet, repeat_format
from xl_crm.errors import (
    NotASpreadsheetError,
    OverwriteRefusedError,
    SheetNotFoundError,
    SheetNotWritableError,
)
from xl_crm.excel.cells import plain, same_value
from xl_crm.excel.ledger import LEDGER, column_letter
from xl_crm.specs.model import Spec
from xl_crm.table import CellMark, ColumnUpdate, NewColumn, Table, Tables
from xl_crm.view.headers import HEADER_SCAN_ROWS, GridColumns
from xl_crm.view.matching import match_sheets
from xl_crm.view.rows import read_book_rows
from xl_crm.xlsx.structure import SheetStructure, Validation

__all__ = ["TEMPLATE_KEY", "GoogleSheetBook", "open_book", "spreadsheet_key"]

#: the developer metadata key (spreadsheet location) that names the template xl-crm built
TEMPLATE_KEY = "xlcrm.template"
_KEY = re.compile(r"^(?:gsheet://|https://docs\.google\.com/spreadsheets/d/)([\w-]+)")


def spreadsheet_key(target: str) -> str | None:
    """The spreadsheet ID of ``gsheet://KEY`` or a ``https://docs.google.com/spreadsheets/
    d/KEY/...`` address, or None."""
    m = _KEY.match(target.strip())
    return m.group(1) if m else None


class _Keyed:
    """A spreadsheet known by its key only: gspread's ``Spreadsheet`` calls without the
    metadata request its constructor makes."""

    def __init__(self, http_client: Any, key: str) -> None:
        self.client, self.id, self.title = http_client, key, key

    def fetch_sheet_metadata(self, params: dict[str, Any]) -> Any:
        return self.client.fetch_sheet_metadata(self.id, params=params)

    def values_batch_get(self, ranges: list[str], params: dict[str, Any]) -> Any:
        return self.client.values_batch_get(self.id, ranges, params=params)

    def values_batch_update(self, body: dict[str, Any]) -> Any:
        return self.client.values_batch_update(self.id, body=body)

    def batch_update(self, body: dict[str, Any]) -> Any:
        return self.client.batch_update(self.id, body)


def open_book(target: Any, client: Any = None) -> GoogleSheetBook:
    """The :class:`GoogleSheetBook` of ``target``: a gspread ``Spreadsheet``, or
    ``gsheet://KEY`` / a Google Sheets address with ``client`` (a gspread ``Client``; when
    None, ``sheets_sync.connect()`` is asked for one).  What
    :func:`xl_crm.book.open_book` calls for a Google Sheet.  Raises
    :class:`xl_crm.errors.NotASpreadsheetError` for anything else."""
    if isinstance(target, str) and (key := spreadsheet_key(target)):
        if client is None:
            from sheets_sync.connect import connect

            client = connect()
        http = getattr(client, "http_client", client)
        return GoogleSheetBook(_Keyed(http, key))
    if hasattr(target, "fetch_sheet_metadata") and hasattr(target, "values_batch_get"):
        return GoogleSheetBook(target)
    raise NotASpreadsheetError(
        (
            f"不是 Google 表格：{type(target).__name__}",
            f"not a Google Sheet: {type(target).__name__}",
        ),
        hint=(
            "传入 gsheet://KEY、表格网址或 gspread 的 Spreadsheet",
            "pass gsheet://KEY, the sheet's address or a gspread Spreadsheet",
        ),
    )


class GoogleSheetBook:
    """A Google spreadsheet as a :class:`xl_crm.book.Book` (see the module docstring).

    ``spreadsheet``: a gspread ``Spreadsheet`` (its ``id``, ``fetch_sheet_metadata``,
    ``values_batch_get``, ``values_batch_update`` and ``batch_update`` are used).
    ``name`` is the spreadsheet's title; the book is writable.  What was read is kept
    until :meth:`close`."""

    def __init__(self, spreadsheet: Any) -> None:
        self.spreadsheet = spreadsheet
        self.fetch = Fetcher(spreadsheet)
        self.name = str(getattr(spreadsheet, "title", None) or spreadsheet.id)
        self.writable = True

    # -- reading ------------------------------------------------------------------------

    def template(self) -> str | None:
        """The template recorded in the spreadsheet's developer metadata
        (:data:`TEMPLATE_KEY`), or None."""
        return self.fetch.developer_value(TEMPLATE_KEY)

    def sheet_names(self) -> list[str]:
        return [s.title for s in self.fetch.sheets() if s.title != LEDGER]

    def _info(self, sheet: str) -> Any:
        info = self.fetch.info(sheet)
        if info is None:
            raise SheetNotFoundError(
                (f"没有名为 {sheet!r} 的工作表", f"no sheet called {sheet!r}"),
                file=self.name,
                hint=(
                    "工作表：" + "、".join(self.sheet_names()),
                    "sheets: " + ", ".join(self.sheet_names()),
                ),
            )
        return info

    def rows(self, sheet: str, limit: int | None = None) -> list[list[Any]]:
        self._info(sheet)
        if limit is not None and limit <= PROBE_ROWS and sheet not in self.fetch.values:
            rows = self.fetch.head(sheet, limit)
        else:
            rows = self.fetch.rows(sheet)[:limit]
        out = []
        for row in rows:
            row = list(row)
            while row and row[-1] is None:
                row.pop()
            out.append(row)
        return out

    def visible(self, sheet: str) -> bool:
        return not self._info(sheet).hidden

    def structure(self, sheet: str) -> SheetStructure:
        """The dropdowns (``ONE_OF_LIST`` validations, as choices) and number format
        patterns of the probed rows' columns, and the merges of ``sheet``; conditional
        formats, locks and tables are not read (None of them)."""
        info = self._info(sheet)
        out = SheetStructure(name=sheet)
        for row in self.fetch.probe().get(sheet, [])[1:]:
            for i, cell in enumerate(row):
                letter = column_letter(i + 1)
                fmt = self.fetch.cell_format(cell)
                if fmt and fmt.get("pattern"):
                    out.number_formats.setdefault(letter, fmt["pattern"])
                rule = cell.get("dataValidation") or {}
                condition = rule.get("condition") or {}
                if condition.get("type") == "ONE_OF_LIST" and letter not in out.validations:
                    choices = [
                        str(v.get("userEnteredValue", "")) for v in condition.get("values", [])
                    ]
                    out.validations[letter] = Validation(
                        "list", None, None, None, not rule.get("strict", False), choices=choices
                    )
        for m in info.merges:
            out.merged.append(
                (
                    m.get("startColumnIndex", 0) + 1,
                    m.get("startRowIndex", 0) + 1,
                    m.get("endColumnIndex", 1),
                    m.get("endRowIndex", 1),
                )
            )
        return out

    def read(
        self,
        spec: Spec,
        sheets: dict[str, str] | None = None,
        fields: dict[str, list[str]] | None = None,
    ) -> Tables:
        names = self.sheet_names()
        heads = {n: self.rows(n, HEADER_SCAN_ROWS) for n in names}
        matches = match_sheets(spec, heads, self.name_path(), sheets)
        ledger = [LEDGER] if self.fetch.info(LEDGER) else []
        self.fetch.load([m.sheet for m in matches] + ledger)  # one values.batchGet
        return read_book_rows(self, spec, sheets)

    def name_path(self) -> Any:
        """How the typed view names the book (a ``Path`` of :attr:`name`)."""
        from pathlib import Path

        return Path(self.name)

    # -- writing ------------------------------------------------------------------------

    def write(
        self,
        table: Table,
        updates: list[ColumnUpdate],
        *,
        progress: Callable[[int, int], None] | None = None,
        force: bool = False,
    ) -> list[tuple[str, str, str]]:
        info = self._info(table.sheet)
        grid = self.fetch.rows(table.sheet)
        places = GridColumns(grid, table.header_row)
        formulas = self.fetch.formulas_of(table.sheet)
        plans: list[tuple[ColumnUpdate, int, bool, dict[int, Any]]] = []
        problems: list[tuple[str, str, str]] = []
        for update in updates:
            column, new = places.place(update.header, update.aliases)
            values = {int(r): plain(v) for r, v in update.values.items()}
            if new:
                plans.append((update, column, True, values))
                continue
            old = {r: grid[r - 1][column - 1] if r <= len(grid) and column <= len(grid[r - 1])
                   else None for r in values}  # fmt: skip
            changed = {r: v for r, v in values.items() if not same_value(old[r], v)}
            for r in sorted(changed):
                formula = formulas.get((r, column))
                if formula:
                    ref = f"{column_letter(column)}{r}"
                    problems.append((ref, f"公式 {formula}", f"the formula {formula}"))
            plans.append((update, column, False, changed))
        if problems and not force:
            raise OverwriteRefusedError(problems, file=self.name, sheet=table.sheet)
        self._send_columns(info, table.header_row, plans)
        for done, (update, column, new, values) in enumerate(plans, start=1):
            head = {table.header_row: update.header} if new else {}
            self._remember(table.sheet, column, {**head, **values})
            if progress:
                progress(done, len(plans))
        return _overwritten(problems) if force else []

    def _send_columns(self, info: Any, header_row: int, plans: list) -> None:
        """The planned columns in one ``values.batchUpdate`` (USER_ENTERED, see the
        module docstring; :func:`sheets_sync.cells.value_ranges`), after the grid grown
        and :meth:`formats` in one ``spreadsheets.batchUpdate`` when either is needed."""
        width = max(column for _, column, _, _ in plans)
        height = max([header_row, *(max(v, default=0) for *_, v in plans)])
        own = self.fetch.entered_formats(info.title, header_row)
        requests = grow(info, height, width) + self.formats(own, info.sheet_id, plans)
        if requests:
            self.spreadsheet.batch_update({"requests": requests})
            self.fetch.resized(info.title, height, width)
        columns: dict[int, dict[int, Any]] = {}
        for update, column, new, values in plans:
            columns[column] = {header_row: update.header, **values} if new else values
        text = {i + 1 for i, f in enumerate(own) if f and f.get("type") == "TEXT"}
        data = value_ranges(info.title, columns, plain_text=text)
        for part in chunks(data):
            self.spreadsheet.values_batch_update({"valueInputOption": "USER_ENTERED", "data": part})

    @staticmethod
    def formats(
        own: list[dict[str, Any] | None], sheet_id: int, plans: list
    ) -> list[dict[str, Any]]:
        """The number formats to set before the values go in (``repeatCell`` over each run
        of adjacent cells that need the same one): where a column gets times (no typed text
        makes one), or dates while its own format (``own``: each column's
        ``userEnteredFormat`` in the probed rows below the header) is another kind, plain
        text included.  None in the common case: a new column has no
        format of its own and takes the date format of the dates typed into it (the API
        does as the UI does)."""
        out = []
        for _, column, _, values in plans:
            wanted = {r: f for r, v in values.items() if (f := number_format(v))}
            fmt = own[column - 1] if column <= len(own) else None
            dated = fmt is None or kind_of(fmt) in ("date", "datetime")
            wanted = {r: f for r, f in wanted.items() if f["type"] == "TIME" or not dated}
            spans: list[tuple[int, int, dict[str, Any]]] = []
            for r in sorted(wanted):
                if spans and spans[-1][1] == r - 1 and spans[-1][2] == wanted[r]:
                    spans[-1] = (spans[-1][0], r, wanted[r])
                else:
                    spans.append((r, r, wanted[r]))
            out += [repeat_format(sheet_id, column, a, b, f) for a, b, f in spans]
        return out

    def _remember(self, sheet: str, column: int, values: dict[int, Any]) -> None:
        """Keep what was written in the kept values, so the session reads what the sheet
        now holds without a request; written cells hold no formula any more."""
        grid = self.fetch.values.get(sheet)
        formulas = self.fetch.formulas.get(sheet, {})
        for r, v in values.items():
            formulas.pop((r, column), None)
            if grid is None:
                continue
            while len(grid) < r:
                grid.append([])
            row = grid[r - 1]
            row += [None] * (column - len(row))
            row[column - 1] = v

    def add_sheet(
        self,
        name: str,
        columns: list[NewColumn],
        *,
        replace_if: Callable[[list[Any]], bool] | None = None,
    ) -> str:
        same = [s for s in self.fetch.sheets() if s.title.casefold() == name.casefold()]
        requests: list[dict[str, Any]] = []
        height = max((len(c.values) for c in columns), default=0) + 1
        if same:
            info = same[0]
            first = self.rows(info.title, 1)
            if first and (replace_if is None or not replace_if(first[0])):
                raise SheetNotWritableError(
                    (
                        "该工作表已有其他内容，不能覆盖",
                        "the sheet already holds other data, which would be overwritten",
                    ),
                    file=self.name,
                    sheet=info.title,
                    hint=(
                        "请换一个工作表名，或先给原表改名",
                        "name a new sheet, or rename that one",
                    ),
                )
            requests.append({"updateCells": {"range": {"sheetId": info.sheet_id},
                                             "fields": "userEnteredValue,note"}})  # fmt: skip
            requests += grow(info, height, len(columns))
            self.fetch.resized(info.title, height, len(columns))
        else:
            info, add = new_sheet(self.fetch.sheets(), name, height, len(columns))
            requests.append(add)
        for i, c in enumerate(columns, start=1):
            rows = {1: c.header, **{r + 2: plain(v) for r, v in enumerate(c.values)}}
            code = c.number_format
            requests += column_cells(info.sheet_id, i, rows, 1, pattern=code, kind=c.kind)
            if c.width:
                requests.append(
                    {
                        "updateDimensionProperties": {
                            "range": {
                                "sheetId": info.sheet_id,
                                "dimension": "COLUMNS",
                                "startIndex": i - 1,
                                "endIndex": i,
                            },
                            "properties": {"pixelSize": pixels(c.width)},
                            "fields": "pixelSize",
                        }
                    }
                )
        for part in chunks(requests):
            self.spreadsheet.batch_update({"requests": part})
        if not same:
            self.fetch.added(info)
        self.fetch.forget(info.title)
        return info.title

    def remove_sheet(self, name: str, *, only_if: Callable[[list[Any]], bool]) -> bool:
        """Delete the sheet ``name`` (matched as add_sheet matches, ignoring case) when
        ``only_if(first_row)`` is true for its first row: one ``deleteSheet`` batchUpdate.
        Returns whether a sheet was deleted (False: none of that name, or it holds
        something else).  What :func:`xl_crm.validation.tab.write_report_tab` leaves
        behind in the other language goes this way (``xl-crm sheets validate
        --report-tab``)."""
        same = [s for s in self.fetch.sheets() if s.title.casefold() == name.casefold()]
        first = self.rows(same[0].title, 1) if same else []
        if not first or not only_if(first[0]):
            return False
        self.spreadsheet.batch_update(
            {"requests": [{"deleteSheet": {"sheetId": same[0].sheet_id}}]}
        )
        self.fetch.forget()
        return True

    # -- marks --------------------------------------------------------------------------

    def mark(self, marks: list[CellMark], *, sheets: Iterable[str] = ()) -> list[CellMark]:
        marker = Marker(self.fetch)
        requests = marker.requests(marks, set(sheets))
        for part in chunks(requests):
            self.spreadsheet.batch_update({"requests": part})
        marker.done()
        return list(marks)

    def close(self) -> None:
        """Forget what was read (the spreadsheet itself needs no closing)."""
        self.fetch.forget()


def _overwritten(problems: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """What ``force`` wrote over, as ``Book.write`` returns it."""
    if not problems:
        return []
    n = len(problems)
    return [
        (
            ", ".join(c for c, _, _ in problems),
            f"{n} 个公式单元格已被数值替换",
            f"{n} cells with formulas were replaced by values",
        )
    ]
