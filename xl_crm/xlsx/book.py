"""The file medium: an .xlsx/.xlsm workbook read and written in place, or a read-only
.xls, .ods or .csv file, as a :class:`xl_crm.book.Book`.

Reading goes through calamine (fastexcel, straight into Arrow: :mod:`xl_crm.xlsx.reader`);
writing through the in-place writer, which patches only the parts it must and copies
every other part of the package byte for byte (:mod:`xl_crm.xlsx.inplace`,
:mod:`xl_crm.xlsx.marks`; docs/in-place-writer.md).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from xl_crm.errors import ReadOnlyBookError, WorkbookError
from xl_crm.specs.model import Spec
from xl_crm.table import CellMark, ColumnUpdate, NewColumn, Table, Tables
from xl_crm.xlsx.reader import check_readable, damaged_workbook, read_workbook

__all__ = ["WRITABLE", "XlsxBook", "template_of"]

#: the file types the in-place writer changes; the others are read only
WRITABLE = (".xlsx", ".xlsm")


def template_of(path: Path) -> str | None:
    """The template a workbook was built from: its ``xlcrm.template`` custom document
    property (docProps/custom.xml, ECMA-376 Part 1 §22.3), or None."""
    if path.suffix.lower() not in WRITABLE:
        return None
    try:
        with zipfile.ZipFile(path) as z:
            xml = z.read("docProps/custom.xml").decode("utf-8", errors="replace")
    except (KeyError, zipfile.BadZipFile, OSError):
        return None
    m = re.search(r'name="xlcrm\.template"[^>]*>\s*<vt:lpwstr>([^<]+)</vt:lpwstr>', xml)
    return m.group(1) if m else None


class XlsxBook:
    """A spreadsheet file as a :class:`xl_crm.book.Book`.

    ``path``: the file; ``password`` decrypts an encrypted workbook into a temporary copy
    (deleted by :meth:`close`; such a book is read only); ``shown_as``: the file messages
    and Tables name when ``path`` is itself a decrypted copy (default ``path``).
    ``backups``: copies kept before each write; ``audit_log``: the audit log each write is
    recorded in.  ``workers``: processes that read the sheets of a big workbook side by
    side in :meth:`read` (None: as many as pay off; 1: this process only; see
    :mod:`xl_crm.xlsx.workers`).  Raises
    :class:`xl_crm.WorkbookError` when the file is missing, damaged, encrypted without a
    password, or not a spreadsheet.
    """

    def __init__(
        self,
        path: Path,
        *,
        password: str | None = None,
        backups: int = 5,
        audit_log: Path | None = None,
        shown_as: Path | None = None,
        workers: int | None = None,
    ) -> None:
        self.path = Path(path)
        self.workers = workers
        #: the file messages and ``Table.path`` name: the user's, when ``path`` is a
        #: decrypted copy of it
        self.shown_as = Path(shown_as) if shown_as is not None else self.path
        self.name = str(self.shown_as)
        self.readable = check_readable(self.path, password)
        self.writable = self.path.suffix.lower() in WRITABLE and self.readable == self.path
        self.backups = backups
        self.audit_log = audit_log
        self._backed_up = False
        self._calamine: Any = None  # the CalamineWorkbook, opened on first use
        self._structures: dict[str, Any] | None = None

    def __enter__(self) -> XlsxBook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Delete the decrypted temporary copy, if any."""
        if self.readable != self.path:
            self.readable.unlink(missing_ok=True)

    def template(self) -> str | None:
        return template_of(self.readable)

    def sheet_names(self) -> list[str]:
        if self.readable.suffix.lower() == ".csv":
            return [self.path.stem]
        return list(self._workbook().sheet_names)

    def rows(self, sheet: str, limit: int | None = None) -> list[list[Any]]:
        if self.readable.suffix.lower() == ".csv":
            from xl_crm.xlsx.csvfile import csv_rows

            rows: list[list[Any]] = list(csv_rows(self.readable))
            return rows if limit is None else rows[:limit]
        from xl_crm.xlsx.peek import grid_values, leading_rows

        if limit is not None and self.readable.suffix.lower() in WRITABLE:
            try:  # calamine on a copy cut after the first rows: the same types, fast
                return leading_rows(self.readable, sheet, limit)
            except WorkbookError:
                raise
            except Exception as exc:
                raise damaged_workbook(self.path, exc) from None
        try:
            values = (
                self._workbook()
                .get_sheet_by_name(sheet)
                .to_python(skip_empty_area=False, nrows=limit)
            )
        except Exception as exc:  # calamine's XML errors on a damaged sheet
            raise damaged_workbook(self.path, exc) from None
        return grid_values(values)

    def visible(self, sheet: str) -> bool:
        if self.readable.suffix.lower() == ".csv":
            return True
        from python_calamine import SheetVisibleEnum

        meta = {m.name: m for m in self._workbook().sheets_metadata}
        return sheet in meta and meta[sheet].visible == SheetVisibleEnum.Visible

    def structure(self, sheet: str) -> Any:
        """The sheet's :class:`xl_crm.xlsx.structure.SheetStructure` (.xlsx/.xlsm; read
        once for all sheets), None for other files or a sheet without a worksheet part."""
        if self.readable.suffix.lower() not in WRITABLE:
            return None
        if self._structures is None:
            from xl_crm.xlsx.structure import read_structure

            self._structures = dict(read_structure(self.readable))
        return self._structures.get(sheet)

    def _workbook(self) -> Any:
        """The calamine workbook (opened once).  Raises WorkbookError when damaged."""
        if self._calamine is None:
            from python_calamine import CalamineWorkbook

            try:
                self._calamine = CalamineWorkbook.from_path(str(self.readable))
            except Exception as exc:  # calamine raises its own types for damaged files
                raise damaged_workbook(self.path, exc) from None
        return self._calamine

    def read(
        self,
        spec: Spec,
        sheets: dict[str, str] | None = None,
        fields: dict[str, list[str]] | None = None,
    ) -> Tables:
        return read_workbook(self.shown_as, self.readable, spec, sheets, fields, self.workers)

    def write(
        self,
        table: Table,
        updates: list[ColumnUpdate],
        *,
        progress: Callable[[int, int], None] | None = None,
        force: bool = False,
    ) -> list[tuple[str, str, str]]:
        from xl_crm.xlsx.inplace import ColumnWrite, write_columns

        self._refuse_read_only()
        writes = [
            ColumnWrite(u.header, u.values, kind=u.kind, match=set(u.aliases)) for u in updates
        ]
        result = write_columns(
            self.path,
            table.sheet,
            writes,
            header_row=table.header_row,
            backups=self._backups(),
            audit_log=self.audit_log,
            progress=progress,
            force=force,
        )
        self._forget()
        return result.overwritten

    def add_sheet(
        self,
        name: str,
        columns: list[NewColumn],
        *,
        replace_if: Callable[[list[Any]], bool] | None = None,
    ) -> str:
        from xl_crm.xlsx.newsheet import SheetColumn, write_sheet

        self._refuse_read_only()
        result = write_sheet(
            self.path,
            name,
            [SheetColumn(c.header, c.values, c.kind, c.number_format, c.width) for c in columns],
            replace_if=replace_if,
            backups=self._backups(),
            audit_log=self.audit_log,
        )
        self._forget()
        return result.sheet

    def mark(self, marks: list[CellMark], *, sheets: Iterable[str] = ()) -> list[CellMark]:
        from xl_crm.xlsx.marks import mark_cells

        self._refuse_read_only()
        by_sheet: dict[str, dict[str, str]] = {sheet: {} for sheet in sheets}
        for m in marks:
            by_sheet.setdefault(m.sheet, {})[m.cell] = m.note
        moved: dict[tuple[str, str], str] = {}
        for sheet, cells in by_sheet.items():
            result = mark_cells(self.path, sheet, cells, backups=self._backups())
            moved.update({(sheet, cell): to for cell, to in result.moved.items()})
            if result.changed:
                self._forget()
        return [
            CellMark(m.sheet, moved[key], m.note, moved_from=m.cell)
            if (key := (m.sheet, m.cell)) in moved
            else m
            for m in marks
        ]

    def _forget(self) -> None:
        """Drop what was read before a write changed the file."""
        self._calamine = None
        self._structures = None

    def _backups(self) -> int:
        """Backups to keep for this write: one backup per run (the first write only)."""
        first = not self._backed_up
        self._backed_up = True
        return self.backups if first else 0

    def _refuse_read_only(self) -> None:
        if self.writable:
            return
        raise ReadOnlyBookError.of(
            self.path,
            hint=(
                "先另存为 .xlsx，或用 --html / --json 生成报告",
                "save it as .xlsx first, or use --html / --json for a report",
            ),
        )
