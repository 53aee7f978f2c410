"""Where the column writer puts each column: found by its header, or new to the right.

A new column goes after every used column (the header row, the first rows and the sheet's
``<dimension>``: a column of data without a header is never taken) and beyond every range
that something already reads on the sheet: its cells' formulas (shared formulas over their
whole range), data validations, conditional formats (x14 ones too) and merged cells,
defined names such as the print area (``_xlnm.Print_Area``), and what the rest of the
package reads there (other sheets' formulas, charts, pivot caches:
:mod:`xl_crm.xlsx.crossrefs`).  A value written into a cell that a
formula reads would change what the formula gives (``=B1+C1`` becomes ``#VALUE!`` when B1
gets a header); when nothing is left to the right, the write is refused, naming what
reaches the last column.  Defined names are read from ``workbook.xml`` before the write;
formulas and rules are met as the sheet streams (:class:`~xl_crm.xlsx.references.ReadsWatch`),
and a write that placed a column where one of them reads is started again beyond it.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from openpyxl.utils import column_index_from_string, get_column_letter

from xl_crm.errors import NoRoomForColumnError
from xl_crm.fields.grid import EXCEL_MAX_COLS
from xl_crm.view.matching import normalise_header
from xl_crm.xlsx.parts import comments, rels
from xl_crm.xlsx.references import Reach
from xl_crm.xlsx.sheetpatch.stream import BLOCK_SIZE, SheetSplitter, inflated_blocks

_DIMENSION = re.compile(r'<(?:\w+:)?dimension\b[^>]*\bref="([^"]*)"')


def dimension_width(src: zipfile.ZipFile, part: str) -> int:
    """The last column of the sheet's ``<dimension ref>`` (0 when it has none)."""
    with src.open(part) as fh:
        head = fh.read(1 << 16).decode("utf-8", errors="replace")
    m = _DIMENSION.search(head)
    last = re.match(r"[A-Z]+\d*:?([A-Z]+)", m.group(1)) if m else None
    if last is None:
        return 0
    return column_index_from_string(last.group(1))


def last_column_user(
    src: zipfile.ZipFile, part: str, *, block_size: int = BLOCK_SIZE
) -> tuple[str, str] | None:
    """What makes the sheet's used range reach Excel's last column (XFD), ``(zh, en)``: a
    cell there (a value, or only a format), or a note; None when nothing is found (the
    ``<dimension>`` alone says so).  Streams the sheet once (only to explain a refusal)."""
    letters = get_column_letter(EXCEL_MAX_COLS)
    cell = re.compile(rf'<(?:\w+:)?c\b[^>]*\br="({letters}\d+)"[^>]*?(/?)>'.encode())
    splitter = SheetSplitter(inflated_blocks(src.open(part), block_size))
    for kind, data in splitter:
        if kind == "rows" and f'r="{letters}'.encode() in data:
            m = cell.search(data)
            if m is not None:
                ref = m.group(1).decode()
                if m.group(2) == b"/":
                    return (
                        f"单元格 {ref} 设置了格式（没有值）",
                        f"cell {ref} has a format (no value)",
                    )
                return (f"单元格 {ref} 有内容", f"cell {ref} has a value")
    name = rels.rels_part(part)
    found = rels.relationships(
        src.read(name).decode("utf-8") if name in src.namelist() else None, part
    )
    for rel in found:
        if rel.type.endswith("/comments") and rel.part in src.namelist():
            xml = src.read(rel.part).decode("utf-8")
            noted = comments.noted_by_others(xml) | comments.noted_by_us(xml)
            for ref in sorted(noted):
                if re.fullmatch(rf"{letters}\d+", ref):
                    return (f"单元格 {ref} 有批注", f"cell {ref} has a note")
    return None


def place_columns(
    header: list,
    columns: list[tuple[str, set[str]]],
    *,
    used: int,
    reach: Reach | None,
    explain_used,
    path: Path,
    sheet: str,
) -> tuple[list[str], set[str]]:
    """The column letter of each column (``(header, other headers)``): found by header,
    or new after column ``used`` and beyond ``reach``; and the set of new ones.

    ``explain_used()`` gives ``(zh, en)`` saying what reaches the last column, for the
    refusal when there is no room.  Raises WorkbookError when there is no room, or when
    two columns land on one."""
    existing = {}
    for i, value in enumerate(header):
        if value not in (None, ""):
            existing.setdefault(normalise_header(str(value)), get_column_letter(i + 1))
    next_index = max(len(header), used) + 1
    because: tuple[str, str] | None = None
    if reach is not None and reach.column >= next_index:
        next_index = reach.column + 1
        last = get_column_letter(reach.column)
        because = (f"{reach.what[0]}读到 {last} 列", f"{reach.what[1]} reads up to column {last}")
    placement = []
    new: set[str] = set()
    for col_header, match in columns:
        names = {normalise_header(col_header), *(normalise_header(m) for m in match)}
        letter = next((existing[n] for n in names if n in existing), None)
        if letter is None:
            if next_index > EXCEL_MAX_COLS:
                if because is None:
                    reason = explain_used()
                    because = (
                        f"已用区域延伸到最后一列：{reason[0]}",
                        f"the used range reaches the last column: {reason[1]}",
                    )
                raise NoRoomForColumnError(
                    (
                        f"没有空间再加一列 {col_header!r}：Excel 最多 {EXCEL_MAX_COLS:,} 列，"
                        f"{because[0]}",
                        f"no room for a new column {col_header!r}: Excel has at most "
                        f"{EXCEL_MAX_COLS:,} columns, and {because[1]}",
                    ),
                    file=path,
                    sheet=sheet,
                    hint=(
                        "清除最右侧多余的格式、批注或公式引用（或删除那些列），再运行一次",
                        "clear the stray format, note or formula reference on the right "
                        "(or delete those columns), and run again",
                    ),
                )
            letter = get_column_letter(next_index)
            next_index += 1
            new.add(letter)
        placement.append(letter)
    twice = sorted({p for p in placement if placement.count(p) > 1})
    if twice:
        names = [c[0] for c, p in zip(columns, placement, strict=True) if p in twice]
        raise NoRoomForColumnError(
            (
                f"{'、'.join(map(repr, names))} 都会写入 {twice[0]} 列",
                f"{', '.join(map(repr, names))} would all be written into column {twice[0]}",
            ),
            file=path,
            sheet=sheet,
            hint=(
                "每列只用一个表头（别名也不要重叠）",
                "give each column one header (and aliases that do not overlap)",
            ),
        )
    return placement, new
