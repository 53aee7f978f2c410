"""What :class:`sheets_sync.book.GoogleSheetBook` asks the Sheets API, and what it keeps.

A book costs a fixed number of requests, whatever the number of rows
(docs/google-sheets.md, "Requests"):

1. **metadata** (``spreadsheets.get``, no grid data): the sheets (title, id, grid size,
   hidden), merges and developer metadata (the template xl-crm recorded);
2. **probe** (``spreadsheets.get`` with ``ranges`` = the first :data:`PROBE_ROWS` rows of
   every sheet): each cell's effective value, number format and data validation: the
   headers (sheets are matched to the template on them), which columns hold dates, times
   or durations, and the dropdowns ``structure()`` reports;
3. **values** (``values.batchGet`` of the matched sheets and the marks ledger, ``FORMULA`` +
   ``SERIAL_NUMBER``): every cell, once; a formula comes as its text (``=B2*C2``), every
   other cell as ``UNFORMATTED_VALUE`` gives it (Sheets API reference, ValueRenderOption:
   FORMULA "values will not be calculated. The reply will include the formulas").  So the
   formulas :meth:`GoogleSheetBook.write <sheets_sync.book.GoogleSheetBook.write>` must not
   write over are known without a request of their own.  Only when a sheet has a cell
   starting with ``=`` is it asked again ``UNFORMATTED_VALUE`` (one more ``values.batchGet``
   for all such sheets): where the two differ the cell holds a formula and its value is the
   computed one; where they are the same it is text that starts with ``=``;
4. **notes** (``spreadsheets.get`` with only ``note``), only before marks, of the cells
   about to be marked (one range per column: from its first to its last marked row), so a
   user's own note is kept.

Everything fetched is kept until :meth:`Fetcher.forget`, so validate, compute and annotate
on one book read each part once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sheets_sync.cells import a1, cell_in, effective_in, kind_of, quote

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
NOTE_FIELDS = "sheets(properties/title,data(startRow,startColumn,rowData(values/note)))"


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
    formulas: dict[str, dict[tuple[int, int], str]] = field(default_factory=dict)
    notes: dict[str, dict[tuple[int, int], str | None]] = field(default_factory=dict)

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

    def entered_formats(self, title: str, header_row: int) -> list[dict[str, Any] | None]:
        """Each column's own number format (``userEnteredFormat``) in the probed rows below
        ``header_row``: the last one set, or None."""
        out: list[dict[str, Any] | None] = []
        for row in self.probe().get(title, [])[header_row:]:
            out += [None] * (len(row) - len(out))
            for i, cell in enumerate(row):
                fmt = (cell.get("userEnteredFormat") or {}).get("numberFormat")
                if fmt:
                    out[i] = fmt
        return out

    def head(self, title: str, limit: int) -> list[list[Any]]:
        """The first ``limit`` rows of ``title`` as ``Book.rows`` values, from the probe."""
        cells, _ = self.kinds(title)
        rows = self.probe().get(title, [])[:limit]
        return [[effective_in(c, k) for c, k in zip(row, kinds, strict=False)]
                for row, kinds in zip(rows, cells, strict=False)]  # fmt: skip

    # -- values ---------------------------------------------------------------------------

    def load(self, titles: list[str]) -> None:
        """Fetch the values and formulas of the sheets ``titles`` not fetched yet: one
        ``values.batchGet`` (FORMULA, SERIAL_NUMBER), and a second (UNFORMATTED_VALUE) of
        the sheets with a cell starting with ``=`` (see the module docstring)."""
        wanted = [t for t in dict.fromkeys(titles) if t not in self.values and self.info(t)]
        if not wanted:
            return
        got = self.spreadsheet.values_batch_get(
            [quote(t) for t in wanted],
            {"valueRenderOption": "FORMULA", "dateTimeRenderOption": "SERIAL_NUMBER"},
        )
        raw = {t: b.get("values", []) for t, b in zip(wanted, got.get("valueRanges", []),
                                                       strict=False)}  # fmt: skip
        shown: dict[str, list[list[Any]]] = {}
        maybe = [t for t, rows in raw.items() if _has_formula_text(rows)]
        if maybe:
            again = self.spreadsheet.values_batch_get(
                [quote(t) for t in maybe],
                {"valueRenderOption": "UNFORMATTED_VALUE", "dateTimeRenderOption": "SERIAL_NUMBER"},
            )
            for t, block in zip(maybe, again.get("valueRanges", []), strict=False):
                shown[t] = block.get("values", [])
        for title in wanted:
            rows = raw.get(title, [])
            self.formulas[title] = _formulas(rows, shown[title]) if title in shown else {}
            self.values[title] = self.typed(title, shown.get(title, rows))

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

    def formulas_of(self, title: str) -> dict[tuple[int, int], str]:
        """(row, column) (1-based) -> the formula of each cell of ``title`` that holds one
        (fetched with the values, when not yet)."""
        self.load([title])
        return self.formulas.get(title, {})

    def note(self, title: str, row: int, column: int) -> str | None:
        """The note of a cell :meth:`fetch_notes` fetched (None: none)."""
        return self.notes.get(title, {}).get((row, column))

    def fetch_notes(self, cells: dict[str, set[tuple[int, int]]]) -> None:
        """Fetch the notes of ``cells`` (sheet title -> (row, column)s, 1-based) not
        fetched yet, in one ``spreadsheets.get``: a range per column, from its first to
        its last cell asked."""
        spans: dict[tuple[str, int], list[int]] = {}
        for title, spots in cells.items():
            known = self.notes.setdefault(title, {})
            for row, column in spots:
                if (row, column) not in known:
                    spans.setdefault((title, column), []).append(row)
        if not spans:
            return
        ranges = [a1(t, min(rows), c, max(rows), c) for (t, c), rows in spans.items()]
        got = self.spreadsheet.fetch_sheet_metadata({"ranges": ranges, "fields": NOTE_FIELDS})
        found: dict[str, dict[tuple[int, int], str]] = {}
        for sheet in got.get("sheets", []):
            title = (sheet.get("properties") or {}).get("title", "")
            found.setdefault(title, {}).update(self.noted_cells(sheet.get("data", [])))
        for (title, column), rows in spans.items():
            known, notes = self.notes[title], found.get(title, {})
            for row in rows:
                known[(row, column)] = notes.get((row, column))

    @staticmethod
    def noted_cells(blocks: list[dict[str, Any]]) -> dict[tuple[int, int], str]:
        """The cells of GridData ``blocks`` that hold a note, and the note."""
        found: dict[tuple[int, int], str] = {}
        for data in blocks:
            r0, c0 = data.get("startRow", 0), data.get("startColumn", 0)
            for r, row in enumerate(data.get("rowData", [])):
                for c, cell in enumerate(row.get("values", [])):
                    if cell.get("note"):
                        found[(r0 + r + 1, c0 + c + 1)] = cell["note"]
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
            self.formulas.clear()
            self.notes.clear()
            return
        for kept in (self.probes, self.values, self.formulas, self.notes):
            kept.pop(title, None)


def _has_formula_text(rows: list[list[Any]]) -> bool:
    """Whether a FORMULA-rendered range has a cell starting with ``=``."""
    return any(isinstance(v, str) and v[:1] == "=" for row in rows for v in row)


def _formulas(rendered: list[list[Any]], shown: list[list[Any]]) -> dict[tuple[int, int], str]:
    """(row, column) -> formula of the cells whose FORMULA rendering (``rendered``) starts
    with ``=`` and differs from the value shown (``shown``, UNFORMATTED_VALUE): text that
    starts with ``=`` renders the same in both."""
    out: dict[tuple[int, int], str] = {}
    for r, row in enumerate(rendered):
        values = shown[r] if r < len(shown) else []
        for c, v in enumerate(row):
            if isinstance(v, str) and v[:1] == "=" and (c >= len(values) or values[c] != v):
                out[(r + 1, c + 1)] = v
    return out
