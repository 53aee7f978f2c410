"""Finding a sheet's header row and mapping its header cells to a template's fields.

Medium-independent: every reader (xlsx, CSV, Google Sheets, an Excel range) hands over the
sheet's first rows as a grid of values and gets back where the header is and which column
holds which field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter

from xl_crm.errors import DuplicateHeaderError, ExcelLimitError, NoHeaderError
from xl_crm.fields.grid import EXCEL_MAX_COLS
from xl_crm.specs.model import SheetSpec
from xl_crm.view.matching import (
    expected_headers,
    field_lookup,
    header_row,
    is_blank_header,
    normalise_header,
    repeated_field,
)

__all__ = [
    "HEADER_SCAN_ROWS",
    "GridColumns",
    "check_width",
    "find_header",
    "header_rows",
    "map_headers",
]

HEADER_SCAN_ROWS = 30  # rows looked at for the header (titles and bands above it)


def find_header(
    rows: list[list[object]], sheet: SheetSpec, path: Path, sheet_name: str
) -> tuple[int, list[str]]:
    """0-based index of the header row among ``rows`` and its header texts.

    The header is the row naming most of ``sheet``'s fields, or that row with the merged
    band above it (:func:`xl_crm.view.matching.header_row`); with a band, a blank cell takes the
    band's text.  Raises :class:`WorkbookError` when the sheet is empty or no row names
    enough fields.
    """
    if all(all(is_blank_header(str(v)) for v in row if v is not None) for row in rows):
        raise NoHeaderError(
            ("工作表是空的", "the sheet is empty"),
            file=path,
            sheet=sheet_name,
            hint=("在此工作表中放入表头行和数据", "put the header row and the data on this sheet"),
        )
    found = header_row(rows, sheet)
    needed = max(1, min(2, len(sheet.fields)))
    if found is None or len(found.fields) < needed:
        raise NoHeaderError(
            (
                f"前 {len(rows)} 行中没有找到表头行",
                f"no header row found in the first {len(rows)} rows",
            ),
            file=path,
            sheet=sheet_name,
            hint=(
                f"表头行应写出各列的名称，例如 {expected_headers(sheet)}",
                f"the header row should name the columns, e.g. {expected_headers(sheet)}",
            ),
        )
    return found.index, found.texts


def map_headers(
    headers: list[str], sheet: SheetSpec, path: Path, sheet_name: str, header_row: int
) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """field id -> 0-based column index; unknown (header, letter) pairs.

    Headers compare by :func:`normalise_header` with the fields' labels, ids and aliases;
    a header cell holding only spaces or invisible characters is no header.  The n-th
    column with the same header goes to the field labelled "header (n)" when the spec has
    one (what ``template infer`` writes for repeated headers).  Raises
    :class:`WorkbookError` when two headers name the same field.
    """
    lookup = field_lookup(sheet)
    found: dict[str, int] = {}
    unknown: list[tuple[str, str]] = []
    seen: dict[str, int] = {}
    for i, text in enumerate(headers):
        if is_blank_header(text):
            continue
        name = normalise_header(text)
        seen[name] = seen.get(name, 0) + 1
        fid = repeated_field(text, seen[name], lookup, lookup.get(name))
        if fid is None:
            unknown.append((text, get_column_letter(i + 1)))
            continue
        if fid in found:
            first = get_column_letter(found[fid] + 1)
            raise DuplicateHeaderError(
                (
                    f"表头重复：{headers[found[fid]]!r}（{first}{header_row}）和 "
                    f"{text!r}（{get_column_letter(i + 1)}{header_row}）都表示 "
                    f"{sheet.field(fid).label.zh}",
                    f"duplicate headers: {headers[found[fid]]!r} ({first}{header_row}) and "
                    f"{text!r} ({get_column_letter(i + 1)}{header_row}) both mean "
                    f"{sheet.field(fid).label.zh} / {sheet.field(fid).label.en}",
                ),
                file=path,
                sheet=sheet_name,
                cell=f"{get_column_letter(i + 1)}{header_row}",
                hint=(
                    "保留其中一列，或重命名其中一列",
                    "keep one of the two columns, or rename one",
                ),
            )
        found[fid] = i
    return found, unknown


def header_rows(found, header_row: int) -> list[int]:
    """The Excel rows of a sheet's header: the band's too when the matcher stacked one."""
    if found is not None and found.band is not None and found.index + 1 == header_row:
        return found.excel_rows
    return [header_row]


def check_width(headers: list[str], path: Path, sheet_name: str) -> None:
    """Refuse a header row wider than Excel's :data:`~xl_crm.fields.grid.EXCEL_MAX_COLS`
    columns (16,384): raises :class:`xl_crm.errors.ExcelLimitError` naming the file and
    sheet."""
    if len(headers) > EXCEL_MAX_COLS:
        raise ExcelLimitError(
            (
                f"{len(headers):,} 列，超过了 Excel 的上限 {EXCEL_MAX_COLS:,} 列",
                f"{len(headers):,} columns is over Excel's limit of {EXCEL_MAX_COLS:,}",
            ),
            file=path,
            sheet=sheet_name,
        )


class GridColumns:
    """Where a medium that holds a sheet as a grid of values (an Excel range, a Google
    Sheet) writes each :class:`xl_crm.table.ColumnUpdate`: the column whose header (in
    row ``header_row``, 1-based) means the update's header or one of its aliases (compared
    as :func:`xl_crm.view.matching.normalise_header` compares them), else a new column
    after the widest row, one per new update.  ``grid``: the sheet's rows of values from
    row 1 and column A."""

    def __init__(self, grid: list[list[Any]], header_row: int) -> None:
        header = grid[header_row - 1] if len(grid) >= header_row else []
        self.by_header = {normalise_header(h): i + 1 for i, h in enumerate(header) if h is not None}
        self.free = max((len(r) for r in grid), default=0) + 1

    def place(self, header: str, aliases: set[str]) -> tuple[int, bool]:
        """(1-based column, whether it is new) for the column named ``header`` or one of
        ``aliases``; a new column takes the next free one."""
        for name in [header, *sorted(aliases)]:
            column = self.by_header.get(normalise_header(name))
            if column is not None:
                return column, False
        column, self.free = self.free, self.free + 1
        return column, True
