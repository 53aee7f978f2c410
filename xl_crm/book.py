"""The seam between the pipeline and a medium: a :class:`Book`.

Every command is ``open_book()`` plus a step that knows nothing of the medium::

    read -> Table -> check / compute -> write

A medium (an .xlsx file, a Google Sheet, an Excel workbook through xlwings) implements
:class:`Book`: it lists and reads its sheets into typed :class:`xl_crm.table.Table` objects
(with the mapping of sheets and columns to the template), says which template built it,
writes column updates, adds a sheet, marks and clears cells.  :func:`xl_crm.validate`,
:func:`xl_crm.compute`, :func:`xl_crm.annotate` and :func:`xl_crm.infer_spec` run
unchanged on any of them; a new medium plugs in here (docs/architecture.md).  The model
is frictionless-py's parser base class with one implementation per format
(``frictionless/system/parser.py``).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from xl_crm.errors import MissingExtraError, NotASpreadsheetError
from xl_crm.specs.model import Spec
from xl_crm.table import CellMark, ColumnUpdate, NewColumn, Table, Tables

if TYPE_CHECKING:
    from xl_crm.xlsx.structure import SheetStructure

__all__ = ["GOOGLE_SHEET", "Book", "open_book"]

#: a Google Sheet: its address (Sheets API v4: the spreadsheet ID is the path's /d/ part)
#: or ``gsheet://KEY``
GOOGLE_SHEET = re.compile(r"^(?:https://docs\.google\.com/spreadsheets/d/|gsheet://)[\w-]+")
#: the start of a Google Sheet address, with or without its key
GOOGLE_PREFIX = re.compile(r"^(?:https://docs\.google\.com/spreadsheets/|gsheet:)")

Progress = Callable[[int, int], None]


@runtime_checkable
class Book(Protocol):
    """What a medium must do for the pipeline (see the module docstring).

    ``name``: how messages name the book (a file path, a spreadsheet title).
    ``writable``: whether :meth:`write` and :meth:`mark` can change it (a CSV, an .xls or
    an .ods file is read-only).
    """

    name: str
    writable: bool

    def template(self) -> str | None:
        """The template the book was built from (xl-crm records it), or None."""
        ...

    def sheet_names(self) -> list[str]:
        """The book's sheets, in order."""
        ...

    def rows(self, sheet: str, limit: int | None = None) -> list[list[Any]]:
        """The first ``limit`` rows (all when None) of ``sheet`` as cell values: str,
        float, int, bool, datetime (``datetime.date`` or ``datetime.time`` where the cell
        shows only a date or a time, ``datetime.timedelta`` for a duration), or None for an
        empty cell.  Rows start at row 1 and column A; a row ends at its last cell with a
        value (an empty row is ``[]``).  A cell has the same type whatever ``limit`` is:
        ``rows(s, limit=n) == rows(s)[:n]``."""
        ...

    def visible(self, sheet: str) -> bool:
        """Whether ``sheet`` is shown to people (False for a hidden or very hidden sheet);
        ``template infer`` leaves hidden sheets out unless they are named."""
        ...

    def structure(self, sheet: str) -> SheetStructure | None:
        """What the book says about ``sheet`` beyond its values: column number formats
        and locks, data validations, conditional formats, merged cells, Excel Tables
        (:class:`xl_crm.xlsx.structure.SheetStructure`); ``template infer`` reads choices,
        formats and table ranges from it.  None when the medium has no such facts (a CSV,
        an in-memory book)."""
        ...

    def read(
        self,
        spec: Spec,
        sheets: dict[str, str] | None = None,
        fields: dict[str, list[str]] | None = None,
    ) -> Tables:
        """The template's sheets found in the book, typed, with ``Tables.mapping``.

        ``sheets``: template sheet (id or zh/en label) -> book sheet name, overriding the
        matching by headers.  ``fields``: template sheet id -> the field ids to read
        (None reads every column; a medium may read more).  Raises
        :class:`xl_crm.WorkbookError` when the book cannot be read or no sheet matches."""
        ...

    def write(
        self,
        table: Table,
        updates: list[ColumnUpdate],
        *,
        progress: Progress | None = None,
        force: bool = False,
    ) -> list[tuple[str, str, str]]:
        """Write ``updates`` into ``table``'s sheet (columns found by header, else added
        after the data).  A cell of a column found by its header that holds a formula, or
        is hidden inside merged cells, is not written over unless ``force``: raise
        :class:`xl_crm.errors.OverwriteRefusedError` naming them, and write nothing.
        Returns what ``force`` let it write over, as (cells, zh, en), e.g. ("H2:H9",
        "8 个公式单元格会被数值替换（……）", "8 cells with formulas would be replaced by
        values (...)"); empty when nothing was."""
        ...

    def add_sheet(
        self,
        name: str,
        columns: list[NewColumn],
        *,
        replace_if: Callable[[list[Any]], bool] | None = None,
    ) -> str:
        """Add sheet ``name`` holding ``columns`` (headers in row 1), or rewrite the sheet
        of that name (compared case-insensitively) when ``replace_if(its first row)`` says
        it may be; otherwise raise :class:`xl_crm.WorkbookError`.  Returns the sheet's
        name as the book spells it."""
        ...

    def mark(self, marks: list[CellMark], *, sheets: Iterable[str] = ()) -> list[CellMark]:
        """Mark each cell of ``marks`` (a fill and a note) after clearing the marks of an
        earlier run on every sheet in ``sheets`` and every sheet marked (a sheet with
        nothing to mark or clear is left as it was).  Returns the marks as placed, in the
        order given: one the medium put on another cell (a cell hidden in merged cells
        goes to the merge's top-left cell) names that cell, and the cell asked for in
        ``moved_from``."""
        ...

    def close(self) -> None:
        """Release what the book holds (temporary copies, connections)."""
        ...


def open_book(
    target: str | Path | Any,
    *,
    password: str | None = None,
    backups: int = 5,
    audit_log: Path | None = None,
) -> Book:
    """The :class:`Book` for ``target``.

    ``target``: a path to an .xlsx/.xlsm workbook (read and written in place), or a
    read-only .xls, .ods or .csv file; an object that already is a :class:`Book` is
    returned as it is.  ``password`` opens an encrypted .xlsx/.xlsm, which is written
    encrypted again (:mod:`xl_crm.xlsx.encrypted`); it is ignored for a file that is not
    encrypted.
    ``backups``: copies of the file kept before each write (``.bak`` files, newest
    first); ``audit_log``: the hash-chained log that records each write.
    A Google Sheet (its ``https://docs.google.com/spreadsheets/d/...`` address,
    ``gsheet://KEY`` or a gspread ``Spreadsheet``) and an xlwings ``Book`` are opened by
    the media of the extras ``xl-crm[sheets]`` and ``xl-crm[excel]``, loaded only then.
    Raises :class:`xl_crm.WorkbookError` when the file is missing or not a spreadsheet
    xl-crm reads.
    """
    if isinstance(target, Book):
        return target
    if isinstance(target, str) and GOOGLE_PREFIX.match(target) and not GOOGLE_SHEET.match(target):
        raise NotASpreadsheetError(
            (
                f"{target!r} 缺少 Google 表格的 key",
                f"{target!r} has no Google Sheet key: the spreadsheet key is missing",
            ),
            expected=(
                "gsheet://KEY 或 https://docs.google.com/spreadsheets/d/KEY",
                "gsheet://KEY or https://docs.google.com/spreadsheets/d/KEY",
            ),
            hint=(
                "key 是表格网址中 /d/ 与 /edit 之间的那段",
                "the key is the part of the sheet's URL between /d/ and /edit",
            ),
        )
    if isinstance(target, str) and GOOGLE_SHEET.match(target):
        return _medium("sheets_sync.book", "gspread", "sheets", target)
    if type(target).__module__.split(".")[0] == "gspread":  # a gspread Spreadsheet
        return _medium("sheets_sync.book", "gspread", "sheets", target)
    if type(target).__module__.split(".")[0] == "xlwings":
        return _medium("xl_crm.excel.book", "xlwings", "excel", target)
    if isinstance(target, str | Path):
        from xl_crm.xlsx.book import XlsxBook

        if password is not None:
            from xl_crm.xlsx.encrypted import EncryptedBook, is_encrypted

            if is_encrypted(Path(target)):
                return EncryptedBook(Path(target), password, backups=backups, audit_log=audit_log)
        return XlsxBook(Path(target), password=password, backups=backups, audit_log=audit_log)
    raise NotASpreadsheetError(
        (
            f"不是工作簿、文件路径或 Book 对象：{type(target).__name__}",
            f"not a workbook, a file path or a Book: {type(target).__name__}",
        ),
        hint=(
            "传入文件路径，或实现 xl_crm.book.Book 的对象",
            "pass a file path, or an object implementing xl_crm.book.Book",
        ),
    )


def _medium(module: str, package: str, extra: str, target: Any) -> Book:
    """The Book of an extra's medium: ``module.open_book(target)``, imported only now."""
    try:
        importlib.import_module(package)
    except ImportError:
        raise MissingExtraError(package, extra) from None
    try:
        medium = importlib.import_module(module)
    except ImportError:
        raise NotASpreadsheetError(
            (
                f"这个版本的 xl-crm 还不能直接打开这种工作簿（{module} 尚未提供）",
                f"this version of xl-crm cannot open such a book directly yet ({module} is "
                "not there)",
            ),
            hint=(
                "先导出为 .xlsx 或 .csv 再处理",
                "export it as .xlsx or .csv first",
            ),
        ) from None
    return medium.open_book(target)
