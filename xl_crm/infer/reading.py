"""Reading the tables of a book for inference: where the header is, what is data.

A sheet people keep may start with title rows (客户资料表, 制表日期 …), put a band of
group names over the field names, or hold an all-text data row that looks like a header.
The header is the first row of short distinct texts that spans (at least half of) the
columns the rows below it fill; a band above it becomes field groups only when it really
groups neighbouring columns.  Cells come through the same :class:`xl_crm.book.Book` that
``validate`` reads (``sheet_names``, ``visible``, ``rows``, ``structure``), so a CSV is
decoded as ``validate`` decodes it and any medium can be inferred from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from openpyxl.utils import range_boundaries

from xl_crm.errors import SheetNotFoundError
from xl_crm.infer.values import cell_text, is_blank, looks_numeric_text
from xl_crm.xlsx.layout import INSTRUCTIONS_TITLE, LISTS_SHEET
from xl_crm.xlsx.structure import SheetStructure

if TYPE_CHECKING:
    from xl_crm.book import Book

#: rows searched for the header (title rows and notes above it)
HEADER_SCAN_ROWS = 30
#: a header cell is a short label, not a sentence
MAX_HEADER_CHARS = 60
_DATE_TEXT = re.compile(r"^\d{2,4}[-/.年]\d{1,2}[-/.月]\d{1,4}")


@dataclass
class RawTable:
    """One table as found: its header texts, group band and data rows (raw cell values).

    ``rows`` hold the cells under the header (wholly blank rows left out), each as wide as
    ``headers``; ``band`` the group name over each column ("" where none)."""

    title: str
    header_row: int  # 1-based row of the header in the sheet
    headers: list[str]
    band: list[str]
    rows: list[list[Any]]
    structure: SheetStructure | None = None


def read_tables(book: Book, only: list[str] | None = None) -> list[RawTable]:
    """The tables of ``book`` (any :class:`xl_crm.book.Book`: a workbook, a CSV, a Google
    Sheet), one per sheet with a header.

    Hidden sheets and xl-crm's own lists and instructions sheets are left out unless named
    in ``only``; in a workbook of Excel Tables (``book.structure``), only the sheets that
    hold one.  Raises :class:`WorkbookError` when the book cannot be read or decoded, or a
    sheet named in ``only`` does not exist."""
    names = book.sheet_names()
    structures: dict[str, SheetStructure] = {}
    for name in names:
        structure = book.structure(name)
        if structure is not None:
            structures[name] = structure
    for structure in structures.values():
        for dv in structure.validations.values():
            if dv.type == "list" and dv.formula1:
                dv.choices = list_values(book, dv.formula1)
    if only:
        missing = [s for s in only if s not in names]
        if missing:
            raise SheetNotFoundError(
                (f"没有名为 {missing[0]!r} 的工作表", f"no sheet called {missing[0]!r}"),
                file=book.name,
                hint=(
                    "此工作簿中的工作表：" + "、".join(names),
                    "sheets in this workbook: " + ", ".join(names),
                ),
            )
    has_tables = any(s.tables for s in structures.values())
    out = []
    for title in names:
        if only and title not in only:
            continue
        if not only and (
            not book.visible(title) or title in (LISTS_SHEET, *INSTRUCTIONS_TITLE.values())
        ):
            continue
        structure = structures.get(title)
        if not only and has_tables and (structure is None or not structure.tables):
            continue  # a workbook of Excel Tables: the other sheets are notes and lists
        rows = book.rows(title)
        if structure is not None and structure.tables:
            c1, r1, c2, _ = range_boundaries(structure.tables[0][1])
            found: tuple[int, int, int] | None = (r1 - 1, c1 - 1, c2)
        else:
            found = find_header(rows)
        if found is None or found[0] >= len(rows):
            continue
        out.append(_table(title, rows, found, structure))
    return out


def list_values(book: Book, formula: str) -> list[str] | None:
    """The values a list validation allows: inline (``"a,b"``) or from a cell range of
    ``book``."""
    formula = formula.lstrip("=")
    if formula.startswith('"'):
        return [p.strip() for p in formula.strip('"').split(",") if p.strip()]
    match = re.match(
        r"^(?:'((?:[^']|'')+)'|([^!]+))!(\$?[A-Z]+\$?\d+(?::\$?[A-Z]+\$?\d+)?)$", formula
    )
    if not match:
        return None
    sheet = (match.group(1) or "").replace("''", "'") or match.group(2)
    if sheet not in book.sheet_names():
        return None
    c1, r1, c2, r2 = range_boundaries(match.group(3).replace("$", ""))
    rows = book.rows(sheet, limit=r2)
    values = [
        cell_text(v) for row in rows[r1 - 1 : r2] for v in row[c1 - 1 : c2] if not is_blank(v)
    ]
    return values or None


# -- the header ------------------------------------------------------------------------


def _filled(row: list[Any]) -> list[int]:
    return [i for i, v in enumerate(row) if not is_blank(v)]


def _is_label(value: Any) -> bool:
    """A cell a header could hold: short text that is not a number or a date."""
    if not isinstance(value, str) or isinstance(value, bool):
        return False
    text = value.strip()
    return (
        0 < len(text) <= MAX_HEADER_CHARS
        and not looks_numeric_text(text)
        and not _DATE_TEXT.match(text)
    )


def _header_like(row: list[Any], width_below: int) -> bool:
    cells = [row[i] for i in _filled(row)]
    if not cells or not all(_is_label(v) for v in cells):
        return False
    if len(cells) < 2 and width_below > 1:
        return False
    distinct = {str(v).strip().casefold() for v in cells}
    return len(distinct) * 2 >= len(cells) and len(cells) * 2 >= width_below


def find_header(rows: list[list[Any]]) -> tuple[int, int, int] | None:
    """``(row index, first column, end column)`` of the header, 0-based (end exclusive).

    The first row of distinct short texts filling at least half the width of the rows
    below; a row of group names over the field names gives way to the fuller row under
    it.  None when no row qualifies."""
    scan = rows[:HEADER_SCAN_ROWS]
    nonblank = [i for i, r in enumerate(scan) if _filled(r)]
    for pos, i in enumerate(nonblank):
        below = [len(_filled(rows[j])) for j in nonblank[pos + 1 : pos + 11]]
        if not _header_like(rows[i], max(below, default=0)):
            continue
        while pos + 1 < len(nonblank):  # a group band over the field names
            j = nonblank[pos + 1]
            if len(_filled(rows[j])) <= len(_filled(rows[i])) or not _header_like(
                rows[j], len(_filled(rows[i]))
            ):
                break
            i, pos = j, pos + 1
        filled = _filled(rows[i])
        first = filled[0]
        if i > 0:  # a header cell merged down from the band row is blank in this row
            above = rows[i - 1]
            first = min([first, *(k for k in _filled(above) if k < first and _lone(above, k))])
        return i, first, filled[-1] + 1
    return None


def _lone(row: list[Any], k: int) -> bool:
    """Whether ``row[k]`` labels one column only (the next cell is filled or the row ends)."""
    return k + 1 >= len(row) or not is_blank(row[k + 1])


def _table(title: str, rows, found: tuple[int, int, int], structure) -> RawTable:
    h, first, end = found
    header_cells = list(rows[h][first:end]) + [None] * (end - first - len(rows[h][first:end]))
    band = _band(rows, h, first, end, structure)
    headers = []
    for k, value in enumerate(header_cells):
        text = "" if is_blank(value) else cell_text(value)
        if not text and band[k] and _band_is_lone(band, k):
            text, band[k] = band[k], ""  # a field name merged over two rows
        headers.append(text)
    if len({b for b in band if b}) < 1 or not _band_is_grouping(band):
        band = [""] * len(headers)
    data = []
    for r in rows[h + 1 :]:
        cells = list(r[first:end]) + [None] * (end - first - len(r[first:end]))
        if any(not is_blank(v) for v in cells):
            data.append(cells)
    return RawTable(title, h + 1, headers, band, data, structure)


def _band(rows, h: int, first: int, end: int, structure) -> list[str]:
    """Group names over each column from the row above the header (merged ranges filled)."""
    band = [""] * (end - first)
    if h == 0:
        return band
    above = rows[h - 1]
    for i in range(first, end):
        value = above[i] if i < len(above) else None
        band[i - first] = "" if is_blank(value) else cell_text(value)
    if structure is not None:
        for c1, r1, c2, r2 in structure.merged:
            if r1 == h and r2 == h:  # merged across the band row (1-based r1 == h)
                start = c1 - 1 - first
                label = band[start] if 0 <= start < len(band) else ""
                for c in range(max(start, 0), min(c2 - first, len(band))):
                    band[c] = label
    return band


def _band_is_lone(band: list[str], k: int) -> bool:
    return (k == 0 or band[k - 1] != band[k]) and (k + 1 >= len(band) or band[k + 1] != band[k])


def _band_is_grouping(band: list[str]) -> bool:
    """A real band: each label one run of neighbours, one of them over two columns or more
    (merged); not a title over the whole table, nor notes such as "单位：元"."""
    if sum(1 for b in band if b) < 2 or any(":" in b or "：" in b for b in band):
        return False  # "制表人：张三" over a column is a note, not a group
    runs = [b for i, b in enumerate(band) if b and (i == 0 or band[i - 1] != b)]
    widest = max(sum(1 for b in band if b == run) for run in runs)
    return widest >= 2 and len(runs) == len(set(runs)) and not (len(runs) == 1 and all(band))
