"""Tables from rows of cell values: the typed view for any medium that hands over a grid.

A medium that reads a sheet as rows of Python values (a CSV export, the Google Sheets
API, an Excel range through xlwings, an in-memory book in the tests) gets its
:class:`xl_crm.table.Table` objects here, through the same steps the .xlsx reader takes:
the header found and mapped (:mod:`xl_crm.view.headers`), sheets matched to the template
by their headers (:mod:`xl_crm.view.matching`), and every field column made typed by
:func:`xl_crm.fields.coercion.coerce` (:mod:`xl_crm.view.typed`), so a finding on one
medium is the same finding on another.  A new medium's ``Book.read`` can be
``return read_book_rows(self, spec, sheets)``.
"""

from __future__ import annotations

from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from openpyxl.utils import column_index_from_string

from xl_crm.errors import ExcelLimitError
from xl_crm.fields.coercion import coerce
from xl_crm.fields.grid import EXCEL_MAX_ROWS, too_many_rows
from xl_crm.table import Table, Tables
from xl_crm.view.headers import (
    HEADER_SCAN_ROWS,
    check_width,
    find_header,
    header_rows,
    map_headers,
)
from xl_crm.view.matching import (
    BookMapping,
    SheetMapping,
    SheetMatch,
    column_mappings,
    match_sheets,
)
from xl_crm.view.typed import date_options, drop_blank_rows, make_table, record_coercion

if TYPE_CHECKING:
    from xl_crm.book import Book
    from xl_crm.specs.model import SheetSpec, Spec

__all__ = ["book_mapping", "is_blank_row", "read_book_rows", "table_from_rows"]


def is_blank_row(row: list[Any]) -> bool:
    """Whether every cell of ``row`` is empty (None, or text of only spaces)."""
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in row)


def table_from_rows(
    rows: list[list[Any]],
    spec: Spec,
    sheet: SheetSpec,
    name: str,
    path: Path,
    *,
    text: bool = False,
    first_row: int = 1,
) -> Table:
    """One sheet's :class:`Table` from all its rows (cell values: str, float, int, bool,
    datetime/date, or None for an empty cell; rows may be ragged).

    ``sheet`` is the template sheet, ``name`` the sheet's name in the book and ``path``
    how messages name the book.  The header is found in the first
    :data:`~xl_crm.view.headers.HEADER_SCAN_ROWS` rows; each field column goes through
    :func:`~xl_crm.fields.coercion.coerce` (typed cells are kept, text is read as the
    field's type; what could not be read becomes a :class:`xl_crm.table.CellIssue`).
    ``text``: every cell is text (a CSV): the columns are read as strings, which is
    faster.  ``first_row``: the sheet row ``rows[0]`` is (a range that starts below row 1,
    such as an Excel range handed to a worksheet function), so rows, cells and messages
    name the sheet's own rows.  Raises :class:`WorkbookError` when no header row is
    found, two headers name one field, or the sheet is over Excel's limits."""
    h, headers = find_header(rows[:HEADER_SCAN_ROWS], sheet, path, name)
    header_row = h + first_row
    check_width(headers, path, name)
    found, unknown = map_headers(headers, sheet, path, name, header_row)
    data = rows[h + 1 :]
    while data and is_blank_row(data[-1]):
        data.pop()
    if header_row + len(data) > EXCEL_MAX_ROWS:
        raise ExcelLimitError(
            too_many_rows(len(data)),
            file=path,
            hint=("拆分文件，或分批校验", "split the file, or validate it in parts"),
        )
    first_data = header_row + 1
    index = pd.RangeIndex(first_data, first_data + len(data))
    empty, dtype = ("", "str") if text else (None, object)
    columns: dict[str, pd.Series] = {}
    extra = [column_index_from_string(letter) - 1 for _, letter in unknown]
    wide = min(map(len, data), default=0)  # cells every row has (rows may be ragged)
    for key, i in [*found.items(), *((f"_col{i}", i) for i in extra)]:
        cells = (
            list(map(itemgetter(i), data))
            if i < wide
            else [r[i] if i < len(r) else empty for r in data]
        )
        columns[key] = pd.Series(cells, index=index, dtype=dtype)
    frame = pd.DataFrame(columns, index=index)
    order = [fid for fid, _ in sorted(found.items(), key=lambda x: x[1])]
    frame = frame[order + [c for c in frame.columns if c not in found]]
    table = make_table(path, name, sheet, header_row, frame, found, headers, unknown, [])
    dates = date_options(spec, sheet, {fid: frame[fid] for fid in order})
    for fid in order:
        f = sheet.field(fid)
        raw = frame[fid]
        result = coerce(raw, f.ftype.storage, identifier=f.ftype.identifier, **dates)
        table.frame[fid] = result.values
        record_coercion(table, spec, fid, result, raw)
    drop_blank_rows(table)
    return table


def book_mapping(
    spec: Spec, matches: list[SheetMatch], tables: Tables, names: list[str]
) -> BookMapping:
    """How the book's sheets (``names``, in book order) and columns were matched to
    ``spec``: one :class:`SheetMapping` per table read, the template sheets the book
    lacks, and the book's sheets matched to none."""
    found = {m.template_sheet: m for m in matches}
    return BookMapping(
        sheets=[
            SheetMapping(
                sheet=table.sheet,
                template_sheet=sid,
                label=(table.spec.label.zh, table.spec.label.en),
                matched_by=found[sid].by,
                score=found[sid].score,
                header_rows=header_rows(found[sid].header, table.header_row),
                columns=column_mappings(table.letters, table.headers, table.unknown),
                missing_fields=list(table.missing),
            )
            for sid, table in tables.items()
        ],
        missing_sheets=[(s.id, s.label.zh, s.label.en) for s in spec.sheets if s.id not in found],
        unused_sheets=[n for n in names if n not in {m.sheet for m in matches}],
    )


def read_book_rows(book: Book, spec: Spec, sheets: dict[str, str] | None = None) -> Tables:
    """The template's sheets found in ``book``, typed, with ``Tables.mapping``: what
    ``Book.read`` returns, for a medium that reads rows (``book.sheet_names()`` and
    ``book.rows()``; see :func:`table_from_rows`).

    Sheets are matched to the template by their headers
    (:func:`xl_crm.view.matching.match_sheets`); ``sheets`` (template sheet id or zh/en
    label -> book sheet name) overrides that.  Raises :class:`WorkbookError` when a
    ``sheets`` name is unknown or no sheet matches the template."""
    path = Path(book.name)
    names = book.sheet_names()
    heads = {name: book.rows(name, HEADER_SCAN_ROWS) for name in names}
    matches = match_sheets(spec, heads, path, sheets)
    tables = Tables()
    for match in matches:
        sheet = spec.sheet(match.template_sheet)
        tables[sheet.id] = table_from_rows(book.rows(match.sheet), spec, sheet, match.sheet, path)
    tables.mapping = book_mapping(spec, matches, tables, names)
    return tables
