"""A stand-in for xlwings' Book / Sheet / Range API, for testing xl-crm's Excel medium on
Linux (no Excel, no COM, no Office.js).

It follows xlwings' documented behaviour (``xlwings/main.py`` docstrings, version 0.37.8)
and the two engines' own code where the runtimes differ (``xlwings/_xlwindows.py`` for
classic xlwings, ``xlwings/pro/_xlremote.py`` for xlwings Lite, read, not imported):

- ``Range.value`` reads a single cell as a scalar, one row or column as a flat list and a
  block as rows; ``options(ndim=2)`` always gives rows.  Classic hands numbers over as
  floats, Lite keeps whole numbers as ints (JSON); both give dates as ``datetime`` and empty
  cells as None.
- Writing a value works like typing it: text that starts with ``=`` becomes a formula,
  text that reads as a number, TRUE/FALSE or an ISO date becomes one, and a leading
  apostrophe keeps text as text (the apostrophe is not part of the value).  A 2-D list is
  written from the range's top-left cell in its own shape.
- Lite cannot read a fill, a note's text or formulas synchronously (``NotImplementedError``,
  as ``_xlremote`` raises; ``await rng.get_formula()`` works).
- ``Range.note`` is None or a :class:`Note`; ``add_note`` refuses a cell that has one.

Every public member here has the signature of xlwings' own (``tests/test_excel_standin.py``
checks it with ``inspect.signature``).  What the tests look at lives on each object's
``impl`` (as in xlwings, the engine object): the cells of a sheet, and
``book.impl.calls``, a count of range calls by kind (``read``, ``write``, ``formula_read``,
``formula_write``, ``color``, ``note``, ``link``, ``sort``, ``validation``, ``format``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from openpyxl.utils import column_index_from_string, get_column_letter

#: what an error cell holds, as the stand-in stores it (a cell set to "#N/A" is one)
EXCEL_ERROR_VALUES = frozenset(
    {"#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NAME?", "#NULL!", "#NUM!", "#SPILL!", "#CALC!"}
)

CLASSIC = "classic"
LITE = "lite"
_A1 = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?$")


@dataclass
class Cell:
    """One cell of the stand-in: its value (or formula), fill, note, link and format."""

    value: Any = None
    formula: str | None = None
    color: tuple[int, int, int] | None = None
    note: str | None = None
    link: str | None = None
    number_format: str = "General"
    choices: list[Any] | None = None

    def empty(self) -> bool:
        return self.value is None and self.formula is None


@dataclass
class BookImpl:
    """The stand-in engine's book: the runtime, the range calls made, the alerts shown."""

    runtime: str = CLASSIC
    calls: Counter = field(default_factory=Counter)
    alerts: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    #: each value assignment: (sheet, address)
    writes: list[tuple[str, str]] = field(default_factory=list)
    #: the books the app made with ``app.books.add()``
    added: list[Book] = field(default_factory=list)


@dataclass
class SheetImpl:
    """A sheet's cells by (row, column), 1-based, and its tables."""

    name: str
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    visible: bool = True
    tables: list[Table] = field(default_factory=list)

    def cell(self, row: int, column: int) -> Cell:
        return self.cells.setdefault((row, column), Cell())


def parse_a1(ref: str) -> tuple[int, int]:
    m = _A1.match(ref)
    if not m:
        raise ValueError(f"not an A1 reference: {ref!r}")
    return int(m.group(2)), column_index_from_string(m.group(1).upper())


def typed_as_excel(value: Any) -> tuple[Any, str | None]:
    """(value, formula) of ``value`` written into a cell: what Excel makes of it."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day), None
    if not isinstance(value, str):
        return value, None
    if value == "":
        return None, None
    if value.startswith("'"):
        return value[1:], None
    if value.startswith("="):
        return None, value
    if value.upper() in ("TRUE", "FALSE"):
        return value.upper() == "TRUE", None
    if _ISO_DATE.match(value):
        return dt.datetime.fromisoformat(value), None
    try:
        return float(value), None
    except ValueError:
        return value, None


def _rgb(color: Any) -> tuple[int, int, int] | None:
    if color is None:
        return None
    if isinstance(color, str):
        text = color.lstrip("#")
        return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)
    if isinstance(color, int):
        return color & 0xFF, (color >> 8) & 0xFF, (color >> 16) & 0xFF
    return tuple(color)


def _excel_order(value: Any) -> tuple:
    """Excel's ascending sort order: numbers (and dates), text, logical values; blanks
    are handled by the caller (always last)."""
    if isinstance(value, bool):
        return (2, value)
    if isinstance(value, dt.datetime):
        return (0, (value - dt.datetime(1899, 12, 30)).total_seconds() / 86400)
    if isinstance(value, int | float):
        return (0, float(value))
    return (1, str(value).casefold())


class Books:
    """The application's open books: ``add`` opens a new one (in the same runtime)."""

    def __init__(self, book: Book) -> None:
        self._book = book

    def add(self) -> Book:
        new = Book(f"Book{len(self._book.impl.added) + 2}", runtime=self._book.impl.runtime)
        self._book.impl.added.append(new)
        return new

    @property
    def active(self) -> Book:
        return self._book


class App:
    """The Excel application: ``alert`` records what it would show."""

    def __init__(self, book: Book) -> None:
        self._book = book

    @property
    def books(self) -> Books:
        return Books(self._book)

    def alert(
        self,
        prompt: str,
        title: str | None = None,
        buttons: str = "ok",
        mode: str | None = None,
        callback: str | None = None,
    ) -> str | None:
        self._book.impl.alerts.append((prompt, title, mode))
        return "ok" if self._book.impl.runtime == CLASSIC else None


class Book:
    """A workbook: ``Book(name, runtime=CLASSIC or LITE)`` starts with one sheet, Sheet1."""

    def __init__(self, fullname: str = "Book1.xlsx", *, runtime: str = CLASSIC) -> None:
        self.impl = BookImpl(runtime=runtime)
        self._name = fullname
        self._sheets: list[SheetImpl] = [SheetImpl("Sheet1")]
        self._app = App(self)

    @property
    def name(self) -> str:
        return self._name

    @property
    def fullname(self) -> str:
        return self._name

    @property
    def app(self) -> App:
        return self._app

    @property
    def sheets(self) -> Sheets:
        return Sheets(self)

    @property
    def sheet_names(self) -> list[str]:
        return [s.name for s in self._sheets]

    def activate(self, steal_focus: bool = False) -> None:
        return None


class Sheets:
    """The book's sheets, by position (0-based) or name."""

    def __init__(self, book: Book) -> None:
        self._book = book

    def _sheet(self, impl: SheetImpl) -> Sheet:
        return Sheet(self._book, impl)

    def __getitem__(self, key: int | str) -> Sheet:
        if isinstance(key, int):
            return self._sheet(self._book._sheets[key])
        for s in self._book._sheets:
            if s.name.casefold() == key.casefold():
                return self._sheet(s)
        raise KeyError(key)

    def __call__(self, name_or_index: int | str | Sheet) -> Sheet:
        if isinstance(name_or_index, int):
            return self[name_or_index - 1]
        if isinstance(name_or_index, Sheet):
            return name_or_index
        return self[name_or_index]

    def __len__(self) -> int:
        return len(self._book._sheets)

    def __iter__(self) -> Iterator[Sheet]:
        return iter([self._sheet(s) for s in self._book._sheets])

    @property
    def count(self) -> int:
        return len(self)

    @property
    def active(self) -> Sheet:
        return self[0]

    def add(
        self, name: str | None = None, before: Sheet | None = None, after: Sheet | None = None
    ) -> Sheet:
        sheets = self._book._sheets
        if name is None:
            n = 1
            while f"Sheet{n}" in [s.name for s in sheets]:
                n += 1
            name = f"Sheet{n}"
        if any(s.name.casefold() == name.casefold() for s in sheets):
            raise ValueError(f"Sheet named '{name}' already present in workbook")
        impl = SheetImpl(name)
        if before is not None:
            sheets.insert(sheets.index(before.impl), impl)
        elif after is not None:
            sheets.insert(sheets.index(after.impl) + 1, impl)
        elif self._book.impl.runtime == LITE:
            sheets.append(impl)  # Lite adds at the end (xlwings/pro/_xlremote.py)
        else:
            sheets.insert(0, impl)  # Excel's Sheets.Add puts it before the active sheet
        return self._sheet(impl)


class Sheet:
    """One worksheet."""

    def __init__(self, book: Book, impl: SheetImpl) -> None:
        self._book = book
        self.impl = impl

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sheet) and other.impl is self.impl

    def __hash__(self) -> int:
        return id(self.impl)

    @property
    def name(self) -> str:
        return self.impl.name

    @name.setter
    def name(self, value: str) -> None:
        self.impl.name = value

    @property
    def book(self) -> Book:
        return self._book

    @property
    def index(self) -> int:
        return self._book._sheets.index(self.impl) + 1

    @property
    def visible(self) -> bool:
        return self.impl.visible

    @visible.setter
    def visible(self, value: bool) -> None:
        self.impl.visible = bool(value)

    @property
    def tables(self) -> list[Table]:
        return list(self.impl.tables)

    def range(
        self,
        cell1: str | tuple[int, int] | Range,
        cell2: str | tuple[int, int] | Range | None = None,
    ) -> Range:
        def corner(c: Any) -> tuple[tuple[int, int], tuple[int, int]]:
            if isinstance(c, Range):
                return (c.row, c.column), (c.row + c.shape[0] - 1, c.column + c.shape[1] - 1)
            if isinstance(c, tuple):
                return c, c
            first, _, last = c.partition(":")
            return parse_a1(first), parse_a1(last or first)

        (r1, c1), (r2, c2) = corner(cell1)
        if cell2 is not None:
            (r3, c3), (r4, c4) = corner(cell2)
            r1, c1, r2, c2 = min(r1, r3), min(c1, c3), max(r2, r4), max(c2, c4)
        return Range(self, r1, c1, r2, c2)

    def __getitem__(self, item: str | tuple[int, int]) -> Range:
        if isinstance(item, tuple):
            return self.range((item[0] + 1, item[1] + 1))
        return self.range(item)

    @property
    def cells(self) -> Range:
        return Range(self, 1, 1, 1048576, 16384)

    @property
    def used_range(self) -> Range:
        used = [k for k, c in self.impl.cells.items() if not c.empty()]
        if not used:
            return self.range((1, 1))  # Excel and Lite both give A1 for an empty sheet
        rows = [r for r, _ in used]
        cols = [c for _, c in used]
        return Range(self, min(rows), min(cols), max(rows), max(cols))

    def clear(self) -> None:
        self.impl.cells.clear()

    def clear_contents(self) -> None:
        for c in self.impl.cells.values():
            c.value, c.formula = None, None

    def activate(self) -> None:
        self._book._sheets.remove(self.impl)  # the active sheet is the first one here
        self._book._sheets.insert(0, self.impl)

    def delete(self) -> None:
        self._book._sheets.remove(self.impl)

    def autofit(self, axis: str | None = None) -> None:
        return None


class Note:
    """A cell's note (a comment before threaded comments)."""

    def __init__(self, rng: Range) -> None:
        self._range = rng

    def _cell(self) -> Cell:
        return self._range._cells()[0]

    @property
    def text(self) -> str:
        if self._range.sheet.book.impl.runtime == LITE:
            raise NotImplementedError(
                "Reading a note's text synchronously isn't supported on this engine. "
                "Use 'await mynote.get_text()' to fetch it on demand."
            )
        return self._cell().note or ""

    @text.setter
    def text(self, value: str) -> None:
        self._range.sheet.book.impl.calls["note"] += 1
        self._cell().note = value

    def delete(self) -> None:
        self._range.sheet.book.impl.calls["note"] += 1
        self._cell().note = None


class DataValidation:
    """A range's data validation: a list of choices here."""

    def __init__(self, rng: Range) -> None:
        self._range = rng

    def set_list(
        self, source: Sequence[str | int | float | bool] | Range, *, in_cell_dropdown: bool = True
    ) -> None:
        self._range.sheet.book.impl.calls["validation"] += 1
        values = list(source) if not isinstance(source, Range) else source.options(ndim=1).value
        for c in self._range._cells():
            c.choices = values

    def delete(self) -> None:
        for c in self._range._cells():
            c.choices = None


class Font:
    """A range's font (bold only)."""

    def __init__(self, rng: Range) -> None:
        self._range = rng

    @property
    def bold(self) -> bool | None:
        return None

    @bold.setter
    def bold(self, value: bool) -> None:
        self._range.sheet.book.impl.calls["format"] += 1


class Table:
    """An Excel Table (a ListObject) over ``range``, its first row the header."""

    def __init__(self, sheet: Sheet, name: str, ref: str) -> None:
        self._sheet = sheet
        self._name = name
        self._ref = ref

    @property
    def name(self) -> str:
        return self._name

    @name.setter
    def name(self, value: str) -> None:
        self._name = value

    @property
    def range(self) -> Range:
        return self._sheet.range(self._ref)

    @property
    def data_body_range(self) -> Range | None:
        whole = self.range
        if whole.shape[0] < 2:
            return None
        return self._sheet.range(
            (whole.row + 1, whole.column), (whole.row + whole.shape[0] - 1, whole.last_cell.column)
        )

    def sort(self, keys: int | Sequence[int], ascending: bool | Sequence[bool] = True) -> None:
        body = self.data_body_range
        if body is not None:
            body._reorder(keys, ascending)


class Range:
    """Cells ``(row1, col1)`` to ``(row2, col2)`` of a sheet, with conversion options."""

    def __init__(
        self, sheet: Sheet, r1: int, c1: int, r2: int, c2: int, options: dict | None = None
    ) -> None:
        self._sheet = sheet
        self._box = (r1, c1, r2, c2)
        self._options = options or {}

    def _calls(self) -> Counter:
        return self._sheet.book.impl.calls

    def _lite(self) -> bool:
        return self._sheet.book.impl.runtime == LITE

    def _cells(self) -> list[Cell]:
        r1, c1, r2, c2 = self._box
        return [self._sheet.impl.cell(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]

    def _grid(self) -> list[list[Cell]]:
        r1, c1, r2, c2 = self._box
        return [[self._sheet.impl.cell(r, c) for c in range(c1, c2 + 1)] for r in range(r1, r2 + 1)]

    def _shaped(self, rows: list[list[Any]]) -> Any:
        ndim = self._options.get("ndim")
        if ndim == 2:
            return rows
        if ndim == 1:
            return [v for row in rows for v in row]
        if len(rows) == 1 and len(rows[0]) == 1:
            return rows[0][0]
        if len(rows) == 1 or len(rows[0]) == 1:
            return [v for row in rows for v in row]
        return rows

    def _read_value(self, cell: Cell) -> Any:
        v = cell.value
        if isinstance(v, bool) or v is None:
            return v
        if isinstance(v, str) and v in EXCEL_ERROR_VALUES and not self._options.get("err_to_str"):
            # xlwings hands an error cell over as None unless err_to_str=True (its
            # Range.options docstring; _xlwindows.py _clean_value_data_element)
            return None
        if isinstance(v, int | float):
            if self._lite():  # JSON numbers: a whole number arrives as an int
                return int(v) if float(v).is_integer() else float(v)
            return float(v)  # COM hands every number over as a double
        return v

    @property
    def sheet(self) -> Sheet:
        return self._sheet

    @property
    def row(self) -> int:
        return self._box[0]

    @property
    def column(self) -> int:
        return self._box[1]

    @property
    def shape(self) -> tuple[int, int]:
        r1, c1, r2, c2 = self._box
        return r2 - r1 + 1, c2 - c1 + 1

    @property
    def count(self) -> int:
        return len(self)

    @property
    def size(self) -> int:
        rows, cols = self.shape
        return rows * cols

    def __len__(self) -> int:
        return self.size

    @property
    def last_cell(self) -> Range:
        r2, c2 = self._box[2:]
        return Range(self._sheet, r2, c2, r2, c2, self._options)

    @property
    def address(self) -> str:
        return self.get_address()

    def get_address(
        self,
        row_absolute: bool = True,
        column_absolute: bool = True,
        include_sheetname: bool = False,
        external: bool = False,
    ) -> str:
        r1, c1, r2, c2 = self._box
        rd, cd = ("$" if row_absolute else ""), ("$" if column_absolute else "")

        def one(r: int, c: int) -> str:
            return f"{cd}{get_column_letter(c)}{rd}{r}"

        text = one(r1, c1) if (r1, c1) == (r2, c2) else f"{one(r1, c1)}:{one(r2, c2)}"
        return f"{self._sheet.name}!{text}" if include_sheetname else text

    def options(self, convert: Any = None, **options: Any) -> Range:
        return Range(self._sheet, *self._box, options={**options, "convert": convert})

    def resize(self, row_size: int | None = None, column_size: int | None = None) -> Range:
        rows, cols = self.shape
        r1, c1 = self._box[:2]
        return Range(
            self._sheet,
            r1,
            c1,
            r1 + (row_size or rows) - 1,
            c1 + (column_size or cols) - 1,
            self._options,
        )

    def offset(self, row_offset: int = 0, column_offset: int = 0) -> Range:
        r1, c1, r2, c2 = self._box
        return Range(
            self._sheet,
            r1 + row_offset,
            c1 + column_offset,
            r2 + row_offset,
            c2 + column_offset,
            self._options,
        )

    def expand(self, mode: str = "table") -> Range:
        cells = self._sheet.impl.cells
        r1, c1, r2, c2 = self._box

        def filled(r: int, c: int) -> bool:
            return (r, c) in cells and not cells[(r, c)].empty()

        if mode in ("table", "down", "d"):
            while filled(r2 + 1, c1):
                r2 += 1
        if mode in ("table", "right", "r"):
            while filled(r1, c2 + 1):
                c2 += 1
        return Range(self._sheet, r1, c1, r2, c2, self._options)

    @property
    def value(self) -> Any:
        self._calls()["read"] += 1
        rows = [[self._read_value(c) for c in row] for row in self._grid()]
        return self._shaped(rows)

    @value.setter
    def value(self, data: Any) -> None:
        self._calls()["write"] += 1
        self._write(data, formulas=False)
        self._sheet.book.impl.writes.append((self._sheet.name, self.address))

    def _write(self, data: Any, *, formulas: bool) -> None:
        if isinstance(data, list | tuple) and data and isinstance(data[0], list | tuple):
            rows = [list(r) for r in data]
        elif isinstance(data, list | tuple):
            rows = [list(data)]
            if self._options.get("transpose"):
                rows = [[v] for v in data]
        else:
            if self.shape != (1, 1):
                raise NotImplementedError("the stand-in writes one value to one cell only")
            rows = [[data]]
        r1, c1 = self._box[:2]
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                cell = self._sheet.impl.cell(r1 + i, c1 + j)
                cell.value, cell.formula = typed_as_excel(v)

    @property
    def formula(self) -> Any:
        if self._lite():
            raise NotImplementedError(
                "Synchronous formula reads are not supported in xlwings Lite; "
                "use 'await rng.get_formula()'."
            )
        self._calls()["formula_read"] += 1
        return self._formulas(tuples=True)

    @formula.setter
    def formula(self, value: Any) -> None:
        self._calls()["formula_write"] += 1
        self._write(value, formulas=True)

    def _formulas(self, *, tuples: bool) -> Any:
        def text(c: Cell) -> str:
            if c.formula is not None:
                return c.formula
            if c.value is None:
                return ""
            if isinstance(c.value, bool):
                return "TRUE" if c.value else "FALSE"
            return str(c.value)

        rows = [[text(c) for c in row] for row in self._grid()]
        if len(rows) == 1 and len(rows[0]) == 1:
            return rows[0][0]
        return tuple(tuple(r) for r in rows) if tuples else rows

    async def get_formula(self) -> str | list[str] | list[list[str]]:
        if not self._lite():
            raise NotImplementedError("get_formula() is only supported in xlwings Lite")
        self._calls()["formula_read"] += 1
        rows = self._formulas(tuples=False)
        return self._shaped([[rows]] if isinstance(rows, str) else rows)

    @property
    def color(self) -> tuple[int, int, int] | None:
        if self._lite():
            raise NotImplementedError(
                "Reading the fill color synchronously isn't supported on this engine. "
                "Use 'await myrange.get_color()' to fetch it on demand."
            )
        return self._cells()[0].color

    @color.setter
    def color(self, color_or_rgb: tuple[int, int, int] | int | str | None) -> None:
        self._calls()["color"] += 1
        for c in self._cells():
            c.color = _rgb(color_or_rgb)

    @property
    def number_format(self) -> str:
        if self._lite():
            raise NotImplementedError("Reading the number format synchronously isn't supported")
        return self._cells()[0].number_format

    @number_format.setter
    def number_format(self, value: str) -> None:
        self._calls()["format"] += 1
        for c in self._cells():
            c.number_format = value

    @property
    def column_width(self) -> float | None:
        return None

    @column_width.setter
    def column_width(self, value: float) -> None:
        self._calls()["format"] += 1

    @property
    def font(self) -> Font:
        return Font(self)

    @property
    def note(self) -> Note | None:
        return Note(self) if self._cells()[0].note is not None else None

    def add_note(self, text: str) -> Note:
        if not isinstance(text, str):
            raise TypeError("Note text must be a string")
        if not text:
            raise ValueError("Note text must not be empty")
        if self.shape != (1, 1):
            raise ValueError("A note can only be added to a single cell")
        if self.note is not None:
            raise ValueError("This cell already has a note")
        self._calls()["note"] += 1
        self._cells()[0].note = text
        return Note(self)

    @property
    def hyperlink(self) -> str:
        link = self._cells()[0].link
        if link is None:
            raise Exception("The cell doesn't seem to contain a hyperlink!")
        return link

    def add_hyperlink(
        self, address: str, text_to_display: str | None = None, screen_tip: str | None = None
    ) -> None:
        self._calls()["link"] += 1
        cell = self._cells()[0]
        cell.link = address
        cell.value, cell.formula = (text_to_display or address), None

    @property
    def data_validation(self) -> DataValidation:
        return DataValidation(self)

    def clear(self) -> None:
        for c in self._cells():
            c.value = c.formula = c.color = c.note = c.link = c.choices = None
            c.number_format = "General"

    def clear_contents(self) -> None:
        for c in self._cells():
            c.value = c.formula = None

    def clear_formats(self) -> None:
        for c in self._cells():
            c.color, c.number_format = None, "General"

    def sort(
        self,
        keys: int | Sequence[int],
        ascending: bool | Sequence[bool] = True,
        has_headers: bool = False,
    ) -> None:
        for table in self._sheet.impl.tables:
            t1, tc1, t2, tc2 = table.range._box
            r1, c1, r2, c2 = self._box
            if r1 <= t2 and t1 <= r2 and c1 <= tc2 and tc1 <= c2:
                raise ValueError(
                    "Range.sort() does not support ranges intersecting a table; "
                    "use Table.sort() instead"
                )
        body = self.offset(1, 0).resize(self.shape[0] - 1) if has_headers else self
        body._reorder(keys, ascending)

    def _reorder(self, keys: int | Sequence[int], ascending: bool | Sequence[bool]) -> None:
        self._calls()["sort"] += 1
        keys = [keys] if isinstance(keys, int) else list(keys)
        ups = [ascending] * len(keys) if isinstance(ascending, bool) else list(ascending)
        grid = self._grid()
        snapshot = [[Cell(**vars(c)) for c in row] for row in grid]

        def key(row: list[Cell]) -> tuple:
            out = []
            for k, up in zip(keys, ups, strict=True):
                v = row[k - 1].value
                if v is None:
                    out.append((1, 0))  # blanks last, whichever the direction
                    continue
                order = _excel_order(v)
                out.append((0, order if up else _Reversed(order)))
            return tuple(out)

        ordered = sorted(snapshot, key=key)
        for target, source in zip(grid, ordered, strict=True):
            for t, s in zip(target, source, strict=True):
                vars(t).update(vars(s))


@dataclass(frozen=True)
class _Reversed:
    """Sorts ``order`` descending inside an ascending sort."""

    order: tuple

    def __lt__(self, other: _Reversed) -> bool:
        return other.order < self.order


def add_table(sheet: Sheet, name: str, ref: str) -> Table:
    """Make ``ref`` an Excel Table called ``name`` (how a workbook built by xl-crm looks)."""
    table = Table(sheet, name, ref)
    sheet.impl.tables.append(table)
    return table


def put_rows(sheet: Sheet, rows: Sequence[Sequence[Any]], *, top: int = 1) -> None:
    """Seed ``rows`` from row ``top``, column A, the way a file holds them (no call
    counted, no text parsed: a str stays a str)."""
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            if v is not None and v != "":
                cell = sheet.impl.cell(top + i, j + 1)
                if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
                    v = dt.datetime(v.year, v.month, v.day)
                cell.value = v


def book_from_rows(
    sheets: dict[str, Sequence[Sequence[Any]]], name: str = "book.xlsx", runtime: str = CLASSIC
) -> Book:
    """A workbook holding ``sheets`` (name -> rows from A1), in ``runtime``."""
    book = Book(name, runtime=runtime)
    for i, (sheet_name, rows) in enumerate(sheets.items()):
        if i == 0:
            sheet = book.sheets[0]
            sheet.name = sheet_name
        else:
            sheet = book.sheets.add(name=sheet_name, after=list(book.sheets)[-1])
        put_rows(sheet, rows)
    return book


def cell_at(sheet: Sheet, ref: str) -> Cell:
    """The stand-in cell at ``ref`` (A1) of ``sheet``."""
    return sheet.impl.cell(*parse_a1(ref))


def grid(sheet: Sheet) -> list[list[Any]]:
    """The sheet's values from A1 to the used range's last cell (formulas as their text)."""
    used = sheet.used_range
    last = used.last_cell
    out = []
    for r in range(1, last.row + 1):
        row = []
        for c in range(1, last.column + 1):
            cell = sheet.impl.cells.get((r, c))
            row.append(None if cell is None else (cell.formula or cell.value))
        out.append(row)
    return out


__all__ = [
    "CLASSIC",
    "LITE",
    "App",
    "Book",
    "BookImpl",
    "Books",
    "Cell",
    "DataValidation",
    "Font",
    "Note",
    "Range",
    "Sheet",
    "SheetImpl",
    "Sheets",
    "Table",
    "add_table",
    "book_from_rows",
    "cell_at",
    "grid",
    "parse_a1",
    "put_rows",
    "typed_as_excel",
]
