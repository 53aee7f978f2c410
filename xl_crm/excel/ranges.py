"""A range handed to a worksheet function, as :class:`xl_crm.table.Tables` through the
project's typed view (:func:`xl_crm.view.rows.table_from_rows` and
:func:`xl_crm.fields.coercion.coerce`), whichever xlwings runtime passed it.

The cells are first read by :func:`xl_crm.excel.values.grid`.  Empty cells that arrive as
``0`` (xlwings Lite) cannot be told from a typed 0; the rule, the same in both runtimes
(docs/excel-functions.md, :func:`xl_crm.excel.values.blank_zeros`): a number 0 is an empty
cell in a row holding nothing but zeros and empty cells, in the header row and the rows above
it, in a column without a header, in a column the template reads as text, a date or yes/no,
and in a number column where 0 is no value of the field (the key, a unique field, a
reference, ``客户ID`` of at least 1); in the other number columns (amounts, counts) it stays
0.  Importing this module loads only the standard library; the library's readers (pandas
among them) are imported when a range is read.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from xl_crm.excel.values import RANGE, RANGE_NAMES, blank_zeros, cleaned, grid, is_zero, rows_of

if TYPE_CHECKING:
    from xl_crm.specs.model import SheetSpec, Spec
    from xl_crm.table import Tables

__all__ = ["customer_rows", "read_tables", "refuse_a_file"]


def _header(rows: list[Any], sheet: SheetSpec, name: str) -> tuple[int, dict[str, int]]:
    """The index of the header among ``rows`` and field id -> column index, zeros in the
    rows looked at read as empty (:func:`xl_crm.view.headers.find_header`)."""
    from pathlib import Path

    from xl_crm.view.headers import HEADER_SCAN_ROWS, find_header, map_headers

    top = [[None if is_zero(c) else c for c in row] for row in rows[:HEADER_SCAN_ROWS]]
    h, headers = find_header(top, sheet, Path(RANGE), name)
    return h, map_headers(headers, sheet, Path(RANGE), name, h + 1)[0]


def _columns(rows: list[Any], keep: list[int]) -> list[Any]:
    """Only the columns ``keep`` (0-based, in order) of ``rows``."""
    if not keep:
        return [() for _ in rows]
    if min(map(len, rows), default=0) > keep[-1]:  # one pass in C
        pick = itemgetter(*keep)
        return list(map(pick, rows)) if len(keep) > 1 else [(v,) for v in map(pick, rows)]
    return [tuple(r[i] if i < len(r) else None for i in keep) for r in rows]


def read_tables(
    value: Any,
    spec: Spec,
    *,
    sheet_name: str = "",
    row: int = 1,
    column: int = 1,
    only: Callable[[SheetSpec], list[str] | None] | None = None,
    zeros_empty: bool = False,
) -> Tables:
    """The range ``value`` (a table with its header row) as :class:`xl_crm.table.Tables`
    holding the one template sheet its headers match
    (:func:`xl_crm.view.matching.match_sheets`), read through the typed view.
    ``sheet_name``, ``row`` and ``column`` say where the range starts on its sheet, so
    findings and messages name the sheet's own cells (no sheet: messages say "the
    range", :data:`xl_crm.excel.values.RANGE_NAMES`).  ``only(sheet)``: the fields to
    read of the sheet that matched (None: all); the other columns are left out (so the
    cells of the table count only those columns); ``zeros_empty``: a 0 in any of those
    fields reads as an empty cell (:func:`xl_crm.excel.values.blank_zeros`).  Raises
    :class:`xl_crm.WorkbookError` when no template sheet matches the headers."""
    from pathlib import Path

    from xl_crm.table import Tables
    from xl_crm.view.headers import HEADER_SCAN_ROWS
    from xl_crm.view.matching import match_sheets
    from xl_crm.view.rows import book_mapping, table_from_rows

    name = sheet_name or RANGE_NAMES[None]
    rows = rows_of(value)
    top = [[None if is_zero(c) else c for c in r] for r in cleaned(rows[:HEADER_SCAN_ROWS])]
    if column > 1:
        top = [[*([None] * (column - 1)), *r] for r in top]
    matches = match_sheets(spec, {name: top}, Path(RANGE))
    sheet = spec.sheet(matches[0].template_sheet)
    wanted = only(sheet) if only is not None else None
    if wanted is not None:  # the other columns are not read: left out before the cells
        _, found = _header(top, sheet, name)
        rows = _columns(rows, sorted(found[f] - (column - 1) for f in wanted if f in found))
    rows = cleaned(rows)
    if column > 1:
        rows = [[*([None] * (column - 1)), *r] for r in rows]
    blank = set(wanted or ()) if zeros_empty else set()
    rows = blank_zeros(rows, sheet, *_header(rows, sheet, name), blank)
    tables = Tables()
    tables[sheet.id] = table_from_rows(rows, spec, sheet, name, Path(RANGE), first_row=row)
    tables.mapping = book_mapping(spec, matches, tables, [name])
    return tables


def customer_rows(value: Any, spec: Spec) -> tuple[Tables, list[list[Any]], int | None]:
    """The customers range of a metric function as Tables holding the template's
    customers sheet, the range's rows (:func:`grid`) and the index of its header among
    them (None: the range holds only keys).  Row ``i`` of the range is the table's row
    ``i + 1``.

    One column is the customer keys (``客户ID``), with or without its header cell on top;
    more columns are a customers table with its header row."""
    from pathlib import Path

    from xl_crm.metrics.plan import customers_sheet
    from xl_crm.table import Tables
    from xl_crm.view.headers import HEADER_SCAN_ROWS
    from xl_crm.view.matching import field_lookup, normalise_header
    from xl_crm.view.rows import table_from_rows

    sheet = customers_sheet(spec)
    rows = grid(value)
    if max((len(r) for r in rows), default=0) > 1:
        name = RANGE_NAMES[None]
        rows = blank_zeros(rows, sheet, *_customers_header(rows, spec, sheet))
        table = table_from_rows(rows, spec, sheet, name, Path(RANGE))
        return Tables({sheet.id: table}), rows, table.header_row - 1
    keys = [r[0] if len(r) else None for r in rows]
    if 0 in keys or "" in keys:  # empty cells (False == 0 too: is_zero tells them apart)
        keys = [None if k == "" or is_zero(k) else k for k in keys]
    lookup = field_lookup(sheet)
    # the key's header cell, under a title or band cell or two (as a header row is found)
    top = next(
        (
            i
            for i, k in enumerate(keys[:HEADER_SCAN_ROWS])
            if isinstance(k, str) and lookup.get(normalise_header(k)) == sheet.key
        ),
        None,
    )
    headed = top is not None
    at = top + 1 if headed else 0  # the keys under their header cell, or all of them
    # a header row of the key and one other field stands in for the sheet's own
    other = next(f for f in sheet.fields if f.id != sheet.key)
    head = [sheet.field(sheet.key).label.zh, other.label.zh]
    body = [(k, None) for k in keys[at:]]
    table = table_from_rows(
        [head, *body], spec, sheet, RANGE_NAMES[None], Path(RANGE), first_row=at
    )
    return Tables({sheet.id: table}), rows, (top if headed else None)


def _customers_header(rows: list[Any], spec: Spec, sheet: SheetSpec) -> tuple[int, dict[str, int]]:
    """:func:`_header` of a customers table, refusing a range that is another of the
    template's tables (the orders given as the customers) or lacks the customer key,
    saying what to pass; raises :class:`xl_crm.errors.InvalidOptionError`."""
    from pathlib import Path

    from xl_crm.errors import InvalidOptionError, WorkbookError
    from xl_crm.view.headers import HEADER_SCAN_ROWS
    from xl_crm.view.matching import match_sheets

    key = sheet.field(sheet.key).label
    give = (
        f"customers 参数给出一列客户编号（{key.zh}），或含表头行的客户表",
        f"give customers one column of customer IDs ({key.en}), or the customers table "
        "with its header row",
    )
    try:
        h, found = _header(rows, sheet, RANGE_NAMES[None])
    except WorkbookError:
        top = [[None if is_zero(c) else c for c in r] for r in rows[:HEADER_SCAN_ROWS]]
        try:
            other = spec.sheet(match_sheets(spec, {"_": top}, Path(RANGE))[0].template_sheet)
        except WorkbookError:
            other = None
        if other is None or other.id == sheet.id:
            raise
        raise InvalidOptionError(
            (
                f"customers 区域是{other.label.zh}表（看表头），不是客户表",
                f"the customers range is the {other.label.en} table (by its headers), not "
                "the customers",
            ),
            expected=(f"{sheet.label.zh}表或一列{key.zh}", f"the {sheet.label.en} table or IDs"),
            hint=give,
        ) from None
    if sheet.key not in found:
        raise InvalidOptionError(
            (
                f"customers 区域没有“{key.zh}”列",
                f"the customers range has no '{key.en}' ({key.zh}) column",
            ),
            hint=give,
        )
    return h, found


def refuse_a_file(table: Any) -> None:
    """Refuse a table argument that is one text naming a workbook or CSV file (a
    function is handed cells, not a file); raises
    :class:`xl_crm.errors.InvalidOptionError` saying what to give."""
    import re

    one = table
    while isinstance(one, list | tuple) and len(one) == 1:
        one = one[0]
    if isinstance(one, str) and re.search(r"\.(xlsx|xlsm|xls|csv|ods)\s*$", one, re.I):
        from xl_crm.errors import InvalidOptionError

        raise InvalidOptionError(
            (
                f"table 是文件名 {one.strip()!r}，不是表格区域",
                f"table is the file name {one.strip()!r}, not the table's cells",
            ),
            expected=(
                "含表头的表格区域，如 客户!A1:H500",
                "the table's range with its header row, e.g. 客户!A1:H500",
            ),
            hint=(
                "在 Excel 中打开那个文件，选中表格区域作为 table；检查整个文件用 xl-crm validate",
                "open that file in Excel and give its table's range as table; to check a "
                "whole file, run xl-crm validate on it",
            ),
        )
