"""A :class:`xl_crm.book.Book` held in memory, to prove the seam: validate, compute and
annotate run on it unchanged.

Each sheet is a DataFrame whose columns are the header row (row 1) and whose rows are the
data rows (row 2 on).  Reading goes through :func:`xl_crm.view.rows.read_book_rows`, the
medium-independent typed view a Google Sheets or xlwings book uses; writing sets the
frame's columns; marks are kept in ``marks`` (sheet -> cell -> note).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd

from xl_crm.errors import WorkbookError
from xl_crm.specs.model import Spec
from xl_crm.table import CellMark, ColumnUpdate, NewColumn, Table, Tables
from xl_crm.view.matching import normalise_header
from xl_crm.view.rows import read_book_rows


def cell_value(value: Any) -> Any:
    """A frame's value as a medium hands it over: None for a missing value, Python
    datetimes, ints and floats (not numpy or pandas types)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


class MemoryBook:
    """``sheets``: sheet name -> DataFrame (columns: the header texts), in book order.

    ``name`` is how messages name the book; ``template`` the template it says built it.
    ``writes`` counts calls of :meth:`write`; ``marks`` holds the marks of :meth:`mark`."""

    def __init__(
        self,
        sheets: dict[str, pd.DataFrame],
        *,
        name: str = "memory-book",
        template: str | None = None,
    ) -> None:
        self.sheets = {k: v.copy() for k, v in sheets.items()}
        self.name = name
        self.writable = True
        self._template = template
        self.writes = 0
        self.marks: dict[str, dict[str, str]] = {}
        self.closed = False

    def template(self) -> str | None:
        return self._template

    def sheet_names(self) -> list[str]:
        return list(self.sheets)

    def rows(self, sheet: str, limit: int | None = None) -> list[list[Any]]:
        frame = self.sheets[sheet]
        rows = [[str(c) for c in frame.columns]]
        rows += [[cell_value(v) for v in row] for row in frame.itertuples(index=False)]
        for row in rows:  # a row ends at its last value, as Book.rows says
            while row and row[-1] is None:
                row.pop()
        return rows if limit is None else rows[:limit]

    def visible(self, sheet: str) -> bool:
        return sheet in self.sheets

    def structure(self, sheet: str) -> None:
        return None

    def read(
        self,
        spec: Spec,
        sheets: dict[str, str] | None = None,
        fields: dict[str, list[str]] | None = None,
    ) -> Tables:
        return read_book_rows(self, spec, sheets)

    def write(
        self,
        table: Table,
        updates: list[ColumnUpdate],
        *,
        progress: Callable[[int, int], None] | None = None,
        force: bool = False,
    ) -> list[tuple[str, str, str]]:
        frame = self.sheets[table.sheet]
        by_name = {normalise_header(c): c for c in frame.columns}
        for update in updates:
            names = [update.header, *sorted(update.aliases)]
            column = next(
                (by_name[normalise_header(n)] for n in names if normalise_header(n) in by_name),
                update.header,
            )
            values = [None] * len(frame)
            for row, value in update.values.items():
                position = int(row) - table.header_row - 1  # the header is row 1
                values[position] = cell_value(value)
            frame[column] = pd.Series(values, index=frame.index, dtype=object)
        self.writes += 1
        return []  # a frame holds no formulas and no merged cells

    def add_sheet(
        self,
        name: str,
        columns: list[NewColumn],
        *,
        replace_if: Callable[[list[Any]], bool] | None = None,
    ) -> str:
        same = [n for n in self.sheets if n.casefold() == name.casefold()]
        if same:
            if replace_if is None or not replace_if(self.rows(same[0], 1)[0]):
                raise WorkbookError(
                    (f"已有工作表 {name}", f"a sheet {name} exists"), file=self.name
                )
            name = same[0]
        self.sheets[name] = pd.DataFrame(
            {c.header: [cell_value(v) for v in c.values] for c in columns}, dtype=object
        )
        return name

    def mark(self, marks: list[CellMark], *, sheets: Iterable[str] = ()) -> list[CellMark]:
        for sheet in {*sheets, *(m.sheet for m in marks)}:
            self.marks[sheet] = {}
        for m in marks:
            self.marks[m.sheet][m.cell] = m.note
        return list(marks)  # no merged cells: every mark stays where it was asked

    def close(self) -> None:
        self.closed = True


def frames_from_xlsx(path) -> dict[str, pd.DataFrame]:
    """The sheets of an .xlsx file as DataFrames (row 1 the columns), read with openpyxl,
    not through xl-crm, so the memory book and the file hold the same cells."""
    import openpyxl

    wb = openpyxl.load_workbook(path, data_only=True)
    out = {}
    for ws in wb.worksheets:
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        header, data = rows[0], rows[1:]
        out[ws.title] = pd.DataFrame(data, columns=header, dtype=object)
    return out


def write_xlsx(frames: dict[str, pd.DataFrame], path) -> None:
    """Write ``frames`` as a plain workbook with openpyxl (row 1 the header)."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, frame in frames.items():
        ws = wb.create_sheet(name)
        ws.append([str(c) for c in frame.columns])
        for row in frame.itertuples(index=False):
            ws.append([cell_value(v) for v in row])
    wb.save(path)


__all__ = ["MemoryBook", "cell_value", "frames_from_xlsx", "write_xlsx"]
