"""What :class:`sheets_sync.book.GoogleSheetBook` asks the Sheets API, and what it keeps.

A book costs a fixed number of requests, whatever the number of rows
(docs/google-sheets.md, "Requests"):

1. **metadata** (``spreadsheets.get``, no grid data): the sheets (title, id, grid size,
   hidden), merges and developer metadata (the template xl-crm recorded);
2. **probe** (``spreadsheets.get`` with ``ranges`` = the first :data:`PROBE_ROWS` rows of
   every sheet): each cell's effective value, number format and data validation: the
   headers (sheets are matched to the template on them), which columns hold dates, times
   or durations, and the dropdowns ``structure()`` reports;
3. **values** (``values.batchGet`` of the matched sheets and the marks ledger,
   ``UNFORMATTED_VALUE`` + ``SERIAL_NUMBER``): every cell, once;
4. **formulas and notes** (``spreadsheets.get`` of a sheet's grid with only
   ``userEnteredValue.formulaValue`` and ``note``), only before a write or marks, so
   formulas are not written over and a user's own note is kept.

Everything fetched is kept until :meth:`Fetcher.forget`, so validate, compute and annotate
on one book read each part once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sheets_sync.cells import a1, cell_in, effective_in, kind_of, quote
from xl_crm.excel.ledger import LEDGER

__all__ = ["PROBE_ROWS", "Fetcher", "SheetInfo"]

#: rows of each sheet the probe reads (values, formats, dropdowns): the header is looked
#: for in the first 30 (xl_crm.view.headers.HEADER_SCAN_ROWS), and a column's date format is
#: taken from the data rows among them
PROBE_ROWS = 40
PROBE_FIELDS = (
    "sheets(properties(sheetId,title),data(startRow,rowData(values(effectiveValue,"
    "effectiveFormat/numberFormat,userEnteredFormat/numberFormat,dataValidation))))"
)
META_FIELDS = (
    "properties(title,locale,timeZone),developerMetadata,"
    "sheets(properties,merges,protectedRanges,developerMetadata)"
)
GRID_FIELDS = (
    "sheets(data(startRow,startColumn,rowData(values(userEnteredValue/formulaValue,note))))"
)


@dataclass
class SheetInfo:
    """One sheet as the metadata describes it: ``title``, ``sheet_id``, grid ``rows`` and
    ``columns``, ``hidden``, ``merges`` (GridRanges)."""

    title: str
    sheet_id: int
    rows: int
    columns: int
    hidden: bool = False
    merges: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Fetcher:
    """The requests of one book and their answers.  ``spreadsheet``: a gspread
    ``Spreadsheet`` or anything with its ``id``, ``fetch_sheet_metadata(params)``,
    ``values_batch_get(ranges, params)``, ``values_batch_update(body)`` and
    ``batch_update(body)``."""

    spreadsheet: Any
    meta: dict[str, Any] | None = None
    probes: dict[str, list[list[dict[str, Any]]]] = field(default_factory=dict)
    values: dict[str, list[list[Any]]] = field(default_factory=dict)
    grids: dict[str, dict[tuple[int, int], dict[str, Any]]] = field(default_factory=dict)

    # -- metadata -----------------------------------------------------------------------

    def metadata(self) -> dict[str, Any]:
        """The spreadsheet resource without grid data (one request, kept)."""
        if self.meta is None:
            self.meta = dict(self.spreadsheet.fetch_sheet_metadata({"fields": META_FIELDS}))
        return self.meta

    def sheets(self) -> list[SheetInfo]:
        """Every sheet, in order."""
        out = []
        for s in self.metadata().get("sheets", []):
            p = s.get("properties", {})
            grid = p.get("gridProperties", {})
            out.append(
                SheetInfo(
                    title=p.get("title", ""),
                    sheet_id=int(p.get("sheetId", 0)),
                    rows=int(grid.get("rowCount", 1000)),
                    columns=int(grid.get("columnCount", 26)),
                    hidden=bool(p.get("hidden", False)),
                    merges=list(s.get("merges", [])),
                )
            )
        return out

    def info(self, title: str) -> SheetInfo | None:
        """The sheet called ``title``, or None."""
        return next((s for s in self.sheets() if s.title == title), None)

    def developer_value(self, key: str) -> str | None:
        """The value of the spreadsheet's developer metadata ``key``, or None."""
        for m in self.metadata().get("developerMetadata", []):
            if m.get("metadataKey") == key:
                return m.get("metadataValue")
        return None

    # -- the probe: first rows, formats, dropdowns ------------------------------------------

    def probe(self) -> dict[str, list[list[dict[str, Any]]]]:
        """Sheet title -> the CellData of its first :data:`PROBE_ROWS` rows (one request
        for every sheet, kept)."""
        sheets = [s for s in self.sheets() if s.title not in self.probes]
        if sheets:
            ranges = [a1(s.title, 1, 1, min(PROBE_ROWS, s.rows), s.columns) for s in sheets]
            got = self.spreadsheet.fetch_sheet_metadata({"ranges": ranges, "fields": PROBE_FIELDS})
            for s, sheet in zip(sheets, got.get("sheets", []), strict=False):
                data = (sheet.get("data") or [{}])[0]
                rows = [r.get("values", []) for r in data.get("rowData", [])]
                self.probes[s.title] = rows
        return self.probes

    @staticmethod
    def cell_format(cell: dict[str, Any]) -> dict[str, Any] | None:
        """A CellData's number format: the effective one (what the sheet shows), else the
        one entered."""
        for key in ("effectiveFormat", "userEnteredFormat"):
            fmt = (cell.get(key) or {}).get("numberFormat")
            if fmt:
                return fmt
        return None

    def kinds(self, title: str) -> tuple[list[list[str | None]], list[str | None]]:
        """The kinds (:func:`sheets_sync.cells.kind_of`) of the probed cells of ``title``,
        and each column's kind for the rows below the probe: the kind of its last probed
        cell with a date, time or duration format below row 1 (None when there is none)."""
        rows = self.probe().get(title, [])
        cells = [[kind_of(self.cell_format(c)) for c in row] for row in rows]
        columns: list[str | None] = []
        for row in cells[1:]:
            columns += [None] * (len(row) - len(columns))
            for i, kind in enumerate(row):
                if kind is not None:
                    columns[i] = kind
        return cells, columns

    def head(self, title: str, limit: int) -> list[list[Any]]:
        """The first ``limit`` rows of ``title`` as ``Book.rows`` values, from the probe."""
        cells, _ = self.kinds(title)
        rows = self.probe().get(title, [])[:limit]
        return [[effective_in(c, k) for c, k in zip(row, kinds, strict=False)]
                for row, kinds in zip(rows, cells, strict=False)]  # fmt: skip

    # -- values ---------------------------------------------------------------------------

    def load(self, titles: list[str]) -> None:
        """Fetch the values of the sheets ``titles`` not fetched yet, in one
        ``values.batchGet`` (UNFORMATTED_VALUE, SERIAL_NUMBER)."""
        wanted = [t for t in dict.fromkeys(titles) if t not in self.values and self.info(t)]
        if not wanted:
            return
        got = self.spreadsheet.values_batch_get(
            [quote(t) for t in wanted],
            {"valueRenderOption": "UNFORMATTED_VALUE", "dateTimeRenderOption": "SERIAL_NUMBER"},
        )
        for title, block in zip(wanted, got.get("valueRanges", []), strict=False):
            self.values[title] = self.typed(title, block.get("values", []))

    def typed(self, title: str, raw: list[list[Any]]) -> list[list[Any]]:
        """``raw`` rows of ``title`` as ``Book.rows`` values: numbers in date, time and
        duration cells made those (each probed cell by its own format, the rows below by
        their column's)."""
        cells, columns = self.kinds(title)
        out = []
        for r, row in enumerate(raw):
            kinds = cells[r] if r < len(cells) else columns
            if not any(kinds):
                out.append([cell_in(v) for v in row])
                continue
            out.append([cell_in(v, kinds[i] if i < len(kinds) else None)
                        for i, v in enumerate(row)])  # fmt: skip
        return out

    def rows(self, title: str) -> list[list[Any]]:
        """Every row of ``title`` as ``Book.rows`` values (fetched when not yet)."""
        self.load([title])
        return self.values.get(title, [])

    # -- formulas and notes -------------------------------------------------------------

    def grid(self, title: str) -> dict[tuple[int, int], dict[str, Any]]:
        """(row, column) (1-based) -> ``{"formula": ..., "note": ...}`` for each cell of
        ``title`` that holds a formula or a note.  One request fetches them for ``title``
        and every other sheet whose values were fetched (the tables read), kept."""
        if title not in self.grids:
            titles = [title, *(t for t in self.values if t not in self.grids and t != title
                               and t != LEDGER)]  # fmt: skip
            got = self.spreadsheet.fetch_sheet_metadata(
                {"ranges": [quote(t) for t in titles], "fields": GRID_FIELDS}
            )
            for t, sheet in zip(titles, got.get("sheets", []), strict=False):
                self.grids[t] = self.special_cells(sheet.get("data", []))
        return self.grids[title]

    @staticmethod
    def special_cells(blocks: list[dict[str, Any]]) -> dict[tuple[int, int], dict[str, Any]]:
        """The cells of GridData ``blocks`` that hold a formula or a note."""
        found: dict[tuple[int, int], dict[str, Any]] = {}
        for data in blocks:
            r0, c0 = data.get("startRow", 0), data.get("startColumn", 0)
            for r, row in enumerate(data.get("rowData", [])):
                for c, cell in enumerate(row.get("values", [])):
                    formula = (cell.get("userEnteredValue") or {}).get("formulaValue")
                    if formula or cell.get("note"):
                        found[(r0 + r + 1, c0 + c + 1)] = {"formula": formula,
                                                           "note": cell.get("note")}  # fmt: skip
        return found

    # -- what the book changed ----------------------------------------------------------

    def added(self, info: SheetInfo) -> None:
        """A sheet the book added: known without fetching the metadata again."""
        if self.meta is None:
            return
        grid = {"rowCount": info.rows, "columnCount": info.columns}
        props = {"sheetId": info.sheet_id, "title": info.title, "hidden": info.hidden,
                 "gridProperties": grid}  # fmt: skip
        self.meta.setdefault("sheets", []).append({"properties": props})

    def resized(self, title: str, rows: int, columns: int) -> None:
        """The grid of ``title`` grown to at least ``rows`` x ``columns``."""
        for s in (self.meta or {}).get("sheets", []):
            p = s.get("properties", {})
            if p.get("title") == title:
                grid = p.setdefault("gridProperties", {})
                grid["rowCount"] = max(rows, int(grid.get("rowCount", 1000)))
                grid["columnCount"] = max(columns, int(grid.get("columnCount", 26)))

    def forget(self, title: str | None = None) -> None:
        """Drop what was fetched about ``title`` (everything when None)."""
        if title is None:
            self.meta = None
            self.probes.clear()
            self.values.clear()
            self.grids.clear()
            return
        for kept in (self.probes, self.values, self.grids):
            kept.pop(title, None)
