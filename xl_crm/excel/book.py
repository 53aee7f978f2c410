"""The Excel medium: a workbook open in Excel, through xlwings, as a :class:`xl_crm.book.Book`.

:class:`XlwingsBook` uses only xlwings' public Book / Sheet / Range API (``xlwings/main.py``),
and of it only what both runtimes do synchronously: classic xlwings (Windows, macOS) and
xlwings Lite (Office.js; Windows, macOS, Excel on the web), where a script receives the
workbook's values with the call and sends its changes back when it ends:

- **Reading**: each sheet's cells from A1 to the used range's last cell, in one
  ``range.options(ndim=2).value`` call, kept for the run; :meth:`XlwingsBook.read` types
  them with the medium-independent view (:func:`xl_crm.view.rows.read_book_rows`), so a cell
  means in Excel what it means in a file.
- **Writing** (:meth:`XlwingsBook.write`): only cells whose value changes, one range
  assignment per run of adjacent changed cells in a column (a column a first run fills is
  one call).  Text is written with Excel's text prefix (an apostrophe), so ``=A1``,
  ``0012`` or ``1/2`` stay the text they are.  A changed cell that holds a formula is not
  written over without ``force`` (:class:`xl_crm.errors.OverwriteRefusedError`); Lite
  reads formulas only with ``await``, so its scripts load them first
  (:meth:`XlwingsBook.load_formulas`).  Cells hidden in merged cells are not detected
  (Lite cannot read merged areas synchronously).
- **Marks** (:meth:`XlwingsBook.mark`): a fill and a note per cell; the cells marked are
  recorded in the hidden sheet :data:`LEDGER`, so the next run clears exactly those (Lite
  cannot read a fill or a note's text synchronously).  A cell with a note of the user's
  keeps it, the fill alone marks it (as in a file).
- **Sheets**: :meth:`XlwingsBook.add_sheet` writes a sheet in one block;
  :meth:`XlwingsBook.link_cells`, :meth:`XlwingsBook.set_choices` and
  :meth:`XlwingsBook.sort_rows` are what the macros use beyond the seam (hyperlinks,
  dropdowns, Excel's own sort).

xlwings itself is never imported here: the object passed in is the workbook.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from xl_crm.errors import OverwriteRefusedError, SheetNotFoundError, SheetNotWritableError
from xl_crm.excel.cells import FORMATS, bridged, cell_in, cell_out, plain, runs, same_value
from xl_crm.excel.ledger import (
    LEDGER,
    MARK_FILL,
    Ledger,
    column_letter,
    excel_feature,
    link_formula,
    parse_cell,
    setting,
)
from xl_crm.specs.model import Spec
from xl_crm.table import CellMark, ColumnUpdate, NewColumn, Table, Tables
from xl_crm.view.headers import GridColumns
from xl_crm.view.rows import read_book_rows

__all__ = ["SETTINGS_SHEET", "XlwingsBook", "open_book"]

#: the sheet ``xl-crm excel init`` adds: the macros' instructions and settings
#: (a row ``template | ecommerce`` names the template)
SETTINGS_SHEET = "xl-crm"


def open_book(target: Any) -> XlwingsBook:
    """The :class:`XlwingsBook` of an xlwings ``Book`` (what :func:`xl_crm.book.open_book`
    calls for an xlwings object)."""
    return XlwingsBook(target)


class XlwingsBook:
    """An open workbook (an xlwings ``Book``: ``xw.Book.caller()`` in a classic macro, the
    ``book`` a Lite script receives) as a :class:`xl_crm.book.Book`.

    ``formulas``: each sheet's formulas from A1 (as ``await rng.get_formula()`` gives them
    in Lite), when the runtime cannot read them synchronously; :meth:`load_formulas` fills
    it.  ``name`` is the workbook's name (``客户.xlsx``); the book is always writable.
    """

    def __init__(self, book: Any, *, formulas: dict[str, list[list[Any]]] | None = None) -> None:
        self.book = book
        self.name = str(book.name)
        self.writable = True
        self._grids: dict[str, list[list[Any]]] = {}
        self._formulas: dict[str, list[list[Any]]] = dict(formulas or {})

    # -- reading ------------------------------------------------------------------------

    def _sheet(self, name: str) -> Any:
        for s in self.book.sheets:
            if s.name == name:
                return s
        raise SheetNotFoundError(
            (f"没有名为 {name!r} 的工作表", f"no sheet called {name!r}"),
            file=self.name,
            hint=(
                "工作表：" + "、".join(self.sheet_names()),
                "sheets: " + ", ".join(self.sheet_names()),
            ),
        )

    def _block(self, sheet: Any) -> Any:
        """A1 to the used range's last cell of ``sheet`` (an xlwings Sheet)."""
        last = sheet.used_range.last_cell
        return sheet.range((1, 1), (last.row, last.column))

    def grid(self, name: str) -> list[list[Any]]:
        """The cells of sheet ``name`` from A1, as rows of equal length (read once, in one
        range call)."""
        if name not in self._grids:
            # err_to_str: xlwings gives an error cell (#N/A) as None otherwise, and the
            # pipeline must see it as an error value, as it does in a file
            values = self._block(self._sheet(name)).options(ndim=2, err_to_str=True).value
            self._grids[name] = [[cell_in(v) for v in row] for row in values]
        return self._grids[name]

    async def load_formulas(self) -> None:
        """Read every sheet's formulas (``await rng.get_formula()``, one call per sheet):
        what a Lite script does before :meth:`write` can tell formulas from values."""
        for s in self.book.sheets:
            rows = await self._block(s).options(ndim=2).get_formula()
            self._formulas[s.name] = [list(r) for r in rows]

    def template(self) -> str | None:
        """The template named on the :data:`SETTINGS_SHEET` sheet (row ``template``), or
        None."""
        if SETTINGS_SHEET not in self.sheet_names():
            return None
        return setting(self.grid(SETTINGS_SHEET), "template")

    def sheet_names(self) -> list[str]:
        return [s.name for s in self.book.sheets if s.name != LEDGER]

    def rows(self, sheet: str, limit: int | None = None) -> list[list[Any]]:
        out = []
        for row in self.grid(sheet)[:limit]:
            row = list(row)
            while row and row[-1] is None:
                row.pop()
            out.append(row)
        while out and not out[-1]:
            out.pop()  # an empty sheet's used range is A1
        return out

    def visible(self, sheet: str) -> bool:
        return bool(self._sheet(sheet).visible)

    def structure(self, sheet: str) -> None:
        return None  # Lite has no synchronous access to validations or formats

    def read(
        self,
        spec: Spec,
        sheets: dict[str, str] | None = None,
        fields: dict[str, list[str]] | None = None,
    ) -> Tables:
        return read_book_rows(self, spec, sheets)

    # -- writing ------------------------------------------------------------------------

    def _formula_cells(self, sheet: Any, column: int, rows: list[int]) -> dict[int, str]:
        """Of ``rows`` in ``column``, those holding a formula (row -> formula)."""
        if sheet.name in self._formulas:
            grid = self._formulas[sheet.name]
            found = {r: grid[r - 1][column - 1] for r in rows
                     if r <= len(grid) and column <= len(grid[r - 1])}  # fmt: skip
        else:
            first, last = min(rows), max(rows)
            try:
                got = sheet.range((first, column), (last, column)).formula
            except NotImplementedError as exc:
                raise excel_feature(self.name, "formulas", exc) from None
            got = [[got]] if isinstance(got, str) else got
            found = {r: got[r - first][0] for r in rows}
        return {r: f for r, f in found.items() if isinstance(f, str) and f.startswith("=")}

    def write(
        self,
        table: Table,
        updates: list[ColumnUpdate],
        *,
        progress: Callable[[int, int], None] | None = None,
        force: bool = False,
    ) -> list[tuple[str, str, str]]:
        sheet = self._sheet(table.sheet)
        grid = self.grid(table.sheet)
        places = GridColumns(grid, table.header_row)
        plans, problems = [], []
        for update in updates:
            column, new = places.place(update.header, update.aliases)
            values = {int(r): plain(v) for r, v in update.values.items()}
            if new:  # a new column after the data: header and values in one call
                span = (table.header_row, max(values, default=table.header_row))
                plans.append((update, column, True, values, [span]))
                continue
            changed = [r for r, v in values.items() if not same_value(self._at(grid, r, column), v)]
            spans: list[tuple[int, int]] = []
            if changed:
                span = list(range(min(changed), max(changed) + 1))
                formulas = self._formula_cells(sheet, column, span)
                letter = column_letter(column)
                problems += [(f"{letter}{r}", f"公式 {formulas[r]}", f"the formula {formulas[r]}")
                             for r in sorted(changed) if r in formulas]  # fmt: skip
                blank = {r for r in span if r not in formulas and values.get(r) is None
                         and self._at(grid, r, column) is None}  # fmt: skip
                spans = bridged(runs(changed), blank)
            plans.append((update, column, False, values, spans))
        if problems and not force:
            raise OverwriteRefusedError(problems, file=self.name, sheet=table.sheet)
        for done, (update, column, new, values, changed) in enumerate(plans, start=1):
            self._write_column(sheet, update, column, new, values, changed)
            if progress:
                progress(done, len(plans))
        self._grids.pop(table.sheet, None)
        return self._overwritten(problems) if force else []

    @staticmethod
    def _at(grid: list[list[Any]], row: int, column: int) -> Any:
        if row <= len(grid) and column <= len(grid[row - 1]):
            return grid[row - 1][column - 1]
        return None

    def _write_column(self, sheet, update, column, new, values, changed) -> None:
        """Write one planned column: a new one (header and values) in one call, an existing
        one a call per span of ``changed`` (first row, last row)."""
        if new:
            first, last = changed[0]
            cells = [[cell_out(update.header)]]
            cells += [[cell_out(values.get(r))] for r in range(first + 1, last + 1)]
            sheet.range((first, column), (last, column)).value = cells
            if update.kind in FORMATS and last > first:
                sheet.range((first + 1, column), (last, column)).number_format = FORMATS[
                    update.kind
                ]
            return
        for first, last in changed:
            cells = [[cell_out(values.get(r))] for r in range(first, last + 1)]
            sheet.range((first, column), (last, column)).value = cells
        held = self._formulas.get(sheet.name)
        for first, last in changed if held is not None else []:  # what was written is a value
            for r in range(first, min(last, len(held)) + 1):
                if column <= len(held[r - 1]):
                    held[r - 1][column - 1] = ""

    @staticmethod
    def _overwritten(problems: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
        if not problems:
            return []
        cells = ", ".join(c for c, _, _ in problems)
        n = len(problems)
        return [
            (
                cells,
                f"{n} 个公式单元格已被数值替换",
                f"{n} cells with formulas were replaced by values",
            )
        ]

    def add_sheet(
        self,
        name: str,
        columns: list[NewColumn],
        *,
        replace_if: Callable[[list[Any]], bool] | None = None,
    ) -> str:
        same = [s for s in self.book.sheets if s.name.casefold() == name.casefold()]
        if same:
            first = self.rows(same[0].name, 1)
            if first and (replace_if is None or not replace_if(first[0])):
                raise SheetNotWritableError(
                    (
                        "该工作表已有其他内容，不能覆盖",
                        "the sheet already holds other data, which would be overwritten",
                    ),
                    file=self.name,
                    sheet=same[0].name,
                    hint=(
                        "请换一个工作表名，或先给原表改名",
                        "name a new sheet, or rename that one",
                    ),
                )
            sheet = same[0]
            sheet.clear()
        else:
            sheets = list(self.book.sheets)
            sheet = self.book.sheets.add(name=name, after=sheets[-1] if sheets else None)
        height = max((len(c.values) for c in columns), default=0)
        block = [[cell_out(c.header) for c in columns]]
        lists = [list(c.values) for c in columns]
        block += [[cell_out(v[i]) if i < len(v) else None for v in lists] for i in range(height)]
        if columns:
            sheet.range((1, 1), (height + 1, len(columns))).value = block
            sheet.range((1, 1), (1, len(columns))).font.bold = True
        for i, c in enumerate(columns, start=1):
            code = c.number_format or FORMATS.get(c.kind)
            if code and height:
                sheet.range((2, i), (height + 1, i)).number_format = code
            if c.width:
                sheet.range((1, i)).column_width = c.width
        self._grids.pop(sheet.name, None)
        return sheet.name

    # -- marks --------------------------------------------------------------------------

    def _ledger(self) -> Ledger:
        names = [s.name for s in self.book.sheets]
        return Ledger.from_rows(self.grid(LEDGER) if LEDGER in names else [])

    def mark(self, marks: list[CellMark], *, sheets: Iterable[str] = ()) -> list[CellMark]:
        ledger = self._ledger()
        touched = {*sheets, *(m.sheet for m in marks)}
        wanted = {(m.sheet, parse_cell(m.cell)): m.note for m in marks}
        earlier = ledger.marks_on(touched)
        if not wanted and not earlier:
            return []
        for (name, cell), noted in earlier.items():
            if (name, cell) in wanted or name not in self.sheet_names():
                continue
            rng = self._sheet(name).range(cell)
            rng.color = None
            if noted and rng.note is not None:
                rng.note.delete()
        placed: dict[tuple[str, str], bool] = {}
        for (name, cell), text in wanted.items():
            rng = self._sheet(name).range(cell)
            rng.color = MARK_FILL
            placed[(name, cell)] = self._note(rng, text, earlier.get((name, cell), False))
        ledger.replace(touched, placed)
        self._save_ledger(ledger)
        return list(marks)  # merged cells are not known here: each mark stays where asked

    def _note(self, rng: Any, text: str, ours: bool) -> bool:
        """Put ``text`` in the cell's note; False when the note is the user's (kept)."""
        try:
            note = rng.note
            if note is None:
                rng.add_note(text)
                return True
            if ours:
                note.text = text
                return True
            return False
        except NotImplementedError as exc:  # Lite before ExcelApi 1.18: no notes
            raise excel_feature(self.name, "notes", exc) from None

    def _save_ledger(self, ledger: Ledger) -> None:
        names = [s.name for s in self.book.sheets]
        if LEDGER in names:
            sheet = self._sheet(LEDGER)
            sheet.clear_contents()
        else:
            sheet = self.book.sheets.add(name=LEDGER, after=list(self.book.sheets)[-1])
            sheet.visible = False
        rows = ledger.to_rows()
        sheet.range((1, 1), (len(rows), len(rows[0]))).value = [
            [cell_out(v) for v in r] for r in rows
        ]
        self._grids.pop(LEDGER, None)

    # -- beyond the seam: links, dropdowns, sorting ------------------------------------------

    def link_cells(
        self, sheet: str, column: int, first_row: int, links: list[tuple[str, str]]
    ) -> None:
        """Make the cells of ``column`` from ``first_row`` down links to cells of the book:
        ``links`` is (target, text) per row, the target as Excel's name box takes it
        (``客户!B3``, ``'Q1 data'!C4``).  One formula assignment: ``=HYPERLINK("#target",
        "text")``, both quoted as formula text (never run as formulas of their own)."""
        if not links:
            return
        rng = self._sheet(sheet).range((first_row, column), (first_row + len(links) - 1, column))
        rng.formula = [[link_formula(target, text)] for target, text in links]
        self._grids.pop(sheet, None)

    def set_choices(
        self, sheet: str, column: int, first_row: int, last_row: int, choices: list[str]
    ) -> None:
        """A dropdown of ``choices`` on rows ``first_row``..``last_row`` of ``column``
        (``Range.data_validation.set_list``: xlwings 0.37.5 and later, both runtimes)."""
        rng = self._sheet(sheet).range((first_row, column), (last_row, column))
        try:
            rng.data_validation.set_list(list(choices))
        except (AttributeError, NotImplementedError) as exc:
            raise excel_feature(self.name, "dropdowns", exc) from None

    def sort_rows(
        self, sheet: str, first_row: int, last_row: int, keys: list[tuple[int, bool]]
    ) -> None:
        """Sort rows ``first_row``..``last_row`` by ``keys`` ((column, ascending), first
        key first) with Excel's own sort, so formats, notes and formulas move with their
        rows: ``Table.sort`` when the rows are an Excel Table's, else ``Range.sort``."""
        target = self._sheet(sheet)
        column = keys[0][0]
        try:
            for table in target.tables:
                whole = table.range
                rows = (whole.row, whole.row + whole.shape[0] - 1)
                cols = (whole.column, whole.column + whole.shape[1] - 1)
                if rows[0] < first_row <= rows[1] and cols[0] <= column <= cols[1]:
                    table.sort([c - whole.column + 1 for c, _ in keys], [up for _, up in keys])
                    break
            else:
                width = max((len(r) for r in self.grid(sheet)), default=1)
                target.range((first_row, 1), (last_row, width)).sort(
                    [c for c, _ in keys], [up for _, up in keys], has_headers=False
                )
        except (AttributeError, NotImplementedError) as exc:
            raise excel_feature(self.name, "sorting", exc) from None
        self._grids.pop(sheet, None)

    def close(self) -> None:
        """Nothing to release: the workbook stays open in Excel."""
        self._grids.clear()
