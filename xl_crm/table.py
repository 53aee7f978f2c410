"""The Table: one sheet's typed data and where each value lives, whatever the medium.

A medium (an .xlsx file, a Google Sheet, an Excel range through xlwings) reads its sheets
into :class:`Table` objects; every check and computation works on them, and what goes back
to a medium is one of the result types here: :class:`ColumnUpdate` (a computed column),
:class:`CellMark` (a finding's fill and note), :class:`NewSheet` (a sheet added in place).
The pipeline is read -> Table -> check / compute -> write (docs/architecture.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from xl_crm.specs.model import SheetSpec
from xl_crm.view.matching import BookMapping

__all__ = ["CellIssue", "CellMark", "ColumnUpdate", "DateOrder", "NewColumn", "Table", "Tables"]


@dataclass(frozen=True)
class CellIssue:
    """A cell whose content could not be read as its column's type.

    ``kind``: ``type`` (the text is not a value of the type), ``formula-error`` (a formula
    whose saved result is an Excel error; ``raw`` is the error as Excel shows it, ``#N/A``)
    or ``formula-no-value`` (a formula with no saved result: the file was written by a
    program that does not calculate, and never opened and saved in Excel)."""

    row: int  # Excel row number
    field: str
    raw: str
    kind: str = "type"


@dataclass(frozen=True)
class DateOrder:
    """How a column's ``12/04/2026`` dates were read: ``order`` is ``dmy`` or ``mdy``;
    ``ambiguous`` when no value decided it, ``conflicting`` when values needed both."""

    order: str
    ambiguous: bool
    conflicting: bool


@dataclass
class Table:
    """One sheet's data and where each value lives in the workbook."""

    path: Path
    sheet: str  # the sheet's name in the workbook
    spec: SheetSpec
    header_row: int  # 1-based Excel row of the header
    frame: pd.DataFrame  # columns: field ids; index: Excel row numbers
    letters: dict[str, str]  # field id -> column letter
    headers: dict[str, str]  # field id -> header text as written in the sheet
    unknown: list[tuple[str, str]] = field(default_factory=list)  # (header, letter)
    missing: list[str] = field(default_factory=list)  # field ids with no column
    issues: list[CellIssue] = field(default_factory=list)
    #: field id -> {how: cells}: what the typed view coerced (text dates, text numbers ...)
    coercions: dict[str, dict[str, int]] = field(default_factory=dict)
    #: field id -> {Excel row: the text as typed} for the cells whose text the typed view
    #: folded from full width (``１３８…`` in ``frame`` as ``138…``): what a message quoting
    #: the cell shows (a duplicate), the comparison keeps the folded text
    as_typed: dict[str, dict[int, str]] = field(default_factory=dict)
    #: Excel rows inside the data that were wholly blank (skipped, not in ``frame``)
    blank_rows: list[int] = field(default_factory=list)
    #: field id -> how its day/month text dates were read (only columns that have them)
    date_orders: dict[str, DateOrder] = field(default_factory=dict)
    #: the columns no template field claims, as text, by their header (the data rows of
    #: ``frame``): what a computed column that is not a template field holds today
    extras: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: read with ``fields=`` (only some fields): per row of ``frame``, whether a field
    #: column that was not read holds something there; None when every field was read
    unread_filled: pd.Series | None = None

    def cell(self, field_id: str, row: int) -> str:
        return f"{self.letters[field_id]}{row}"

    def where(self, field_id: str, row: int) -> str:
        return f"{self.sheet}!{self.cell(field_id, row)}"

    def header_texts(self) -> list[str]:
        """The header row as written, left to right: the template's columns and the
        others (``unknown``); a gap between them is an empty string."""
        from openpyxl.utils import column_index_from_string

        cells = {letter: self.headers.get(fid, fid) for fid, letter in self.letters.items()}
        cells.update({letter: header for header, letter in self.unknown})
        if not cells:
            return []
        index = {column_index_from_string(letter): text for letter, text in cells.items()}
        return [index.get(i, "") for i in range(1, max(index) + 1)]


class Tables(dict[str, Table]):
    """The template sheets found in a workbook, by template sheet id, with ``mapping``: how
    the workbook's sheets and columns were matched (a template sheet the workbook lacks is
    absent here and listed in ``mapping.missing_sheets``)."""

    def __init__(self, *args, mapping: BookMapping | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.mapping = mapping if mapping is not None else BookMapping()


@dataclass
class ColumnUpdate:
    """One computed column to write back to a medium.

    ``header``: the column's header text (zh or en, as the sheet's other headers are);
    ``values``: the values indexed by the sheet's row numbers (1-based, as in A1
    references; NA leaves a cell empty); ``kind``: ``text``, ``number``, ``money``,
    ``date``, ``datetime`` or ``boolean`` (how a cell is written and formatted);
    ``aliases``: other headers that mean this column (the other language, the template's
    aliases).  The medium finds the column by its header or an alias, or adds it."""

    header: str
    values: pd.Series
    kind: str = "text"
    aliases: set[str] = field(default_factory=set)


@dataclass
class NewColumn:
    """One column of a sheet to add: ``header`` (row 1) and ``values`` top to bottom
    (NA leaves a cell empty); ``kind``: ``text``, ``number``, ``date`` or ``datetime``;
    ``number_format``: an Excel format code such as ``¥#,##0.00`` (None: the medium's
    default for the kind); ``width``: the column width in characters (None: default)."""

    header: str
    values: pd.Series
    kind: str = "text"
    number_format: str | None = None
    width: float | None = None


@dataclass
class CellMark:
    """A finding's mark on one cell: ``cell`` an A1 reference on ``sheet``, ``note`` the
    text of the note (the findings' messages, one per line).

    As :meth:`xl_crm.book.Book.mark` returns it, ``cell`` is where the mark was put and
    ``moved_from`` the cell it was asked for when that differs (a cell hidden inside merged
    cells, B3 under B2:B3, is marked on the merge's top-left cell, B2); None otherwise."""

    sheet: str
    cell: str
    note: str
    moved_from: str | None = None
