"""Adding a worksheet to a user's workbook in place (or rewriting one xl-crm wrote).

A new sheet is a new worksheet part (``xl/worksheets/sheetN.xml``) with its entry in
``xl/workbook.xml`` (``<sheet name sheetId r:id>``, after the other sheets), its relationship
in ``xl/_rels/workbook.xml.rels`` and its content type in ``[Content_Types].xml``; those three
small parts are edited as text, ``styles.xml`` gains a header, date or money style only when
the workbook has none, and every other part (charts, images, other sheets, VBA ...) is copied
with its exact compressed bytes (:class:`~xl_crm.xlsx.zipcopy.PackageRewriter`).

``docProps/app.xml`` is left as it is: its sheet titles (``TitlesOfParts``/``HeadingPairs``)
are a cache that Excel rewrites on its next save and that neither Excel nor LibreOffice
checks against the sheets; what makes Excel "repair" a file is a cache that disagrees with
itself (a heading count that does not match the titles), which a partial edit of that part
(whose heading names are in Excel's own language, e.g. 工作表) would risk.

An existing sheet is rewritten only when the caller says its header row is one it wrote (or
the sheet is empty): its rows are replaced and everything around them in the sheet XML
(column widths, frozen panes, drawings, print settings) is kept.  The package is written to
a temporary file, fsynced and renamed over the original, with a backup, as by
:func:`xl_crm.xlsx.inplace.write_columns`.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter

from xl_crm.errors import (
    DamagedWorkbookError,
    ExcelLimitError,
    SheetNotWritableError,
    ValueNotWritableError,
)
from xl_crm.fields.grid import EXCEL_MAX_COLS, EXCEL_MAX_ROWS
from xl_crm.xlsx.atomic import AtomicReplace, check_writable
from xl_crm.xlsx.inplace import COMPRESS_LEVEL
from xl_crm.xlsx.package import parallel_deflate, sheet_parts
from xl_crm.xlsx.parts import contenttypes, rels, workbook
from xl_crm.xlsx.parts.styles import StyleSheet
from xl_crm.xlsx.sheetpatch import EPOCH_1900, EPOCH_1904, ColumnValues, fragment
from xl_crm.xlsx.valuestyles import DATE_CODES
from xl_crm.xlsx.zipcopy import PackageRewriter

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = rels.REL_NS
#: Excel's rules for sheet names (its "rename sheet" dialog enforces the same)
SHEET_NAME_MAX = 31
_NAME_FORBIDDEN = re.compile(r"[\\/?*\[\]:]")
_SHEET_DATA = re.compile(r"<(\w+:)?sheetData\b[^>]*?(/?)>")
_SHEET_DATA_END = re.compile(r"</(?:\w+:)?sheetData>")
_HAS_VALUE = re.compile(r"<(?:\w+:)?(?:v|is|f)\b")
_ROWS_PER_BLOCK = 5000


@dataclass
class SheetColumn:
    """One column of a sheet to write: its header and its values, top to bottom."""

    header: str
    values: Sequence[Any] | pd.Series  # one per data row; None/NaN/NaT leave the cell empty
    kind: str = "text"  # text | number | date | datetime
    #: number format of the values (e.g. ``"¥#,##0.00"``); dates get ``yyyy-mm-dd``
    #: (``yyyy-mm-dd hh:mm`` for datetimes) when not given
    number_format: str | None = None
    width: float | None = None  # column width in characters (None: Excel's default)


@dataclass
class SheetResult:
    """What :func:`write_sheet` did."""

    path: Path
    sheet: str
    part: str  # the worksheet part, e.g. ``xl/worksheets/sheet3.xml``
    added: bool  # a new sheet (False: an existing one rewritten)
    rows: int  # data rows written (the header not counted)
    backup: Path | None


def check_sheet_name(name: str, path: Path | None = None) -> None:
    """Refuse a name Excel would not take for a sheet (WorkbookError saying why)."""
    problem: tuple[str, str] | None = None
    if not name or not name.strip():
        problem = ("工作表名不能为空", "a sheet name cannot be empty")
    elif len(name) > SHEET_NAME_MAX:
        problem = (
            f"工作表名最多 {SHEET_NAME_MAX} 个字符（给了 {len(name)} 个）",
            f"a sheet name has at most {SHEET_NAME_MAX} characters ({len(name)} given)",
        )
    elif _NAME_FORBIDDEN.search(name):
        problem = (
            "工作表名不能含有 \\ / ? * [ ] 或 :",
            "a sheet name cannot hold any of \\ / ? * [ ] or :",
        )
    elif name.startswith("'") or name.endswith("'"):
        problem = (
            "工作表名不能以撇号开头或结尾",
            "a sheet name cannot begin or end with an apostrophe",
        )
    elif name.casefold() == "history":
        problem = ("“History”是 Excel 保留的名称", "'History' is a name Excel keeps for itself")
    if problem:
        raise SheetNotWritableError(
            (f"{problem[0]}（{name!r}）", f"{problem[1]} ({name!r})"),
            file=path,
            hint=("请换一个工作表名", "choose another sheet name"),
        )


def write_sheet(
    book: str | Path,
    sheet: str,
    columns: list[SheetColumn],
    *,
    replace_if: Callable[[list[object]], bool] | None = None,
    backups: int = 5,
    audit_log: Path | None = None,
    actor: str | None = None,
) -> SheetResult:
    """Write ``columns`` (header in row 1, values below) as sheet ``sheet`` of ``book``.

    The sheet is added when the workbook has none of that name (names compare as Excel
    does, ignoring case).  An existing sheet is rewritten when it is empty or when
    ``replace_if(header_row_values)`` says its header row is one the caller wrote; any other
    existing sheet is refused (WorkbookError), as are a name Excel would not take, more
    rows or columns than a sheet holds, files other than .xlsx/.xlsm and a sheet with an
    Excel Table.  The original is untouched on any failure.  Returns a
    :class:`SheetResult`."""
    path = Path(book)
    check_writable(path)
    check_sheet_name(sheet, path)
    if not columns:
        raise ValueNotWritableError(
            ("没有要写入的列", "no columns to write"),
            file=path,
            sheet=sheet,
            hint=("至少给出一列", "give at least one column"),
        )
    rows = len(columns[0].values)
    if any(len(c.values) != rows for c in columns):
        raise ValueNotWritableError(
            (
                "各列的值个数不同：每列每行需要一个值",
                "the columns have different numbers of values: each needs one value a row",
            ),
            file=path,
            sheet=sheet,
            hint=("用 None 表示空单元格", "use None for an empty cell"),
        )
    if rows + 1 > EXCEL_MAX_ROWS or len(columns) > EXCEL_MAX_COLS:
        raise ExcelLimitError(
            (
                f"{rows:,} 行 × {len(columns)} 列放不进一个工作表（表头下最多 "
                f"{EXCEL_MAX_ROWS - 1:,} 行、{EXCEL_MAX_COLS:,} 列）",
                f"{rows:,} rows × {len(columns)} columns do not fit on one sheet (at most "
                f"{EXCEL_MAX_ROWS - 1:,} rows under the header, {EXCEL_MAX_COLS:,} columns)",
            ),
            file=path,
            sheet=sheet,
            hint=("改为写入 CSV 文件", "write to a CSV file instead"),
        )
    parts = sheet_parts(path)
    existing = next((n for n in parts if n.casefold() == sheet.casefold()), None)
    with zipfile.ZipFile(path) as src:
        names = set(src.namelist())
        workbook_xml = src.read("xl/workbook.xml").decode("utf-8")
        epoch = EPOCH_1904 if re.search(r'date1904="(1|true)"', workbook_xml) else EPOCH_1900
        if "xl/styles.xml" not in names:
            raise DamagedWorkbookError(
                (
                    "工作簿没有样式部件，日期无法显示为日期",
                    "the workbook has no styles part, so dates could not be shown as dates",
                ),
                file=path,
                hint=(
                    "用 Excel 或 LibreOffice 打开并另存一次",
                    "open it in Excel or LibreOffice and save it again",
                ),
            )
        styles_before = src.read("xl/styles.xml").decode("utf-8")
        styles_xml, header_style, column_styles = _styles(styles_before, columns)
        if existing is not None:
            part = parts[existing]
            sheet = existing  # the sheet keeps its name as written
            old_xml = src.read(part).decode("utf-8")
            _refuse_foreign(path, src, part, old_xml, existing, replace_if)
            sheet_xml = _rewritten(old_xml, columns, header_style, column_styles, epoch)
            edits: dict[str, bytes] = {}
        else:
            part = _new_part_name(names)
            sheet_xml = _new_sheet(columns, header_style, column_styles, epoch)
            edits = _register(src, workbook_xml, sheet, part)
        if styles_xml != styles_before:
            edits["xl/styles.xml"] = styles_xml.encode("utf-8")
        with AtomicReplace(path, backups) as (out, replaced):
            rewriter = PackageRewriter(src, out)
            for info in src.infolist():
                if info.filename == part:
                    _write_part(out, part, sheet_xml, info.date_time)
                elif info.filename in edits:
                    out.writestr(info, edits[info.filename])
                else:
                    rewriter.copy(info)
            if existing is None:
                _write_part(out, part, sheet_xml, dt.datetime.now().timetuple()[:6])
    result = SheetResult(path, sheet, part, existing is None, rows, replaced.backup)
    if audit_log is not None:
        from xl_crm.audit import append_record

        append_record(
            audit_log,
            action="write-sheet",
            actor=actor,
            file=str(path),
            sheet=sheet,
            columns=[c.header for c in columns],
            rows=rows,
            added=result.added,
        )
    return result


def _has_values(xml: str) -> bool:
    m = _SHEET_DATA.search(xml)
    if m is None or m.group(2) == "/":
        return False
    end = _SHEET_DATA_END.search(xml, m.end())
    return bool(_HAS_VALUE.search(xml, m.end(), end.start() if end else len(xml)))


def _refuse_foreign(
    path: Path,
    src: zipfile.ZipFile,
    part: str,
    xml: str,
    sheet: str,
    replace_if: Callable[[list[object]], bool] | None,
) -> None:
    """Refuse to rewrite a sheet that holds data the caller did not write, a chart sheet,
    or a sheet with a Table."""
    if not _SHEET_DATA.search(xml):  # a chart sheet (or a dialog sheet): no cells at all
        raise SheetNotWritableError(
            (
                "该名称是图表工作表，没有单元格，不能写入",
                "that name belongs to a chart sheet, which has no cells",
            ),
            file=path,
            sheet=sheet,
            hint=("请换一个工作表名", "name another sheet"),
        )
    if _has_values(xml):
        from xl_crm.xlsx.peek import peek_xlsx

        rows = peek_xlsx(path, sheet, 1)
        header = rows[0] if rows else []
        if replace_if is None or not replace_if(header):
            raise SheetNotWritableError(
                (
                    "该工作表已有其他内容，不能覆盖",
                    "the sheet already holds other data, which would be overwritten",
                ),
                file=path,
                sheet=sheet,
                hint=(
                    "请指定一个新的或空的工作表名，或先给原表改名",
                    "name a new or empty sheet, or rename that one",
                ),
            )
    rels = part.rsplit("/", 1)
    rels_part = f"{rels[0]}/_rels/{rels[1]}.rels"
    if rels_part in src.namelist() and re.search(
        r'Type="[^"]*/table"', src.read(rels_part).decode("utf-8")
    ):
        raise SheetNotWritableError(
            (
                "该工作表含有 Excel 表格（Table），重写会使其范围失效",
                "the sheet has an Excel Table, which a rewrite would leave pointing at old rows",
            ),
            file=path,
            sheet=sheet,
            hint=(
                "请先将表格转换为普通区域（表设计 > 转换为区域）或删除该工作表后重试",
                "convert the Table to a range (Table Design > Convert to Range), or delete "
                "the sheet, and run again",
            ),
        )


def _styles(styles_xml: str, columns: list[SheetColumn]) -> tuple[str, int, list[int | None]]:
    """styles.xml with what the sheet needs (found or added), the header's style and each
    column's (None: the default)."""
    sheet = StyleSheet(styles_xml)
    header = sheet.bold_style()
    out: list[int | None] = []
    for col in columns:
        code = col.number_format or DATE_CODES.get(col.kind)
        out.append(sheet.format_style(code) if code is not None else None)
    return sheet.text, header, out


def _new_part_name(names: set[str]) -> str:
    taken = {n.casefold() for n in names}  # part names compare ignoring case (OPC)
    n = 1
    while f"xl/worksheets/sheet{n}.xml" in taken:
        n += 1
    return f"xl/worksheets/sheet{n}.xml"


def _register(src: zipfile.ZipFile, workbook_xml: str, sheet: str, part: str) -> dict[str, bytes]:
    """workbook.xml, its relationships and the content types with the new sheet in them."""
    rels_name = rels.rels_part("xl/workbook.xml")
    rels_xml, rid = rels.add(src.read(rels_name).decode("utf-8"), "xl/workbook.xml",
                             rels.WORKSHEET, part)  # fmt: skip
    types_xml = src.read("[Content_Types].xml").decode("utf-8")
    types_xml = contenttypes.with_override(types_xml, part, contenttypes.WORKSHEET)
    return {
        "xl/workbook.xml": workbook.with_sheet(workbook_xml, sheet, rid).encode("utf-8"),
        rels_name: rels_xml.encode("utf-8"),
        "[Content_Types].xml": types_xml.encode("utf-8"),
    }


# -- the sheet XML -------------------------------------------------------------------------


def _new_sheet(
    columns: list[SheetColumn], header_style: int, styles: list[int | None], epoch: dt.datetime
) -> Iterator[bytes]:
    rows = len(columns[0].values)
    last = f"{get_column_letter(len(columns))}{rows + 1}"
    widths = "".join(
        f'<col min="{i}" max="{i}" width="{c.width:g}" customWidth="1"/>'
        for i, c in enumerate(columns, start=1)
        if c.width
    )
    yield (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
        f'<dimension ref="A1:{last}"/>'
        '<sheetViews><sheetView workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
        "</sheetView></sheetViews>"
        '<sheetFormatPr defaultRowHeight="15"/>'
        + (f"<cols>{widths}</cols>" if widths else "")
        + "<sheetData>"
    ).encode("utf-8")
    yield from _rows("", columns, header_style, styles, epoch)
    yield (
        b"</sheetData>"
        b'<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
        b'footer="0.3"/></worksheet>'
    )


def _rewritten(
    xml: str,
    columns: list[SheetColumn],
    header_style: int,
    styles: list[int | None],
    epoch: dt.datetime,
) -> Iterator[bytes]:
    """The existing sheet XML with its rows replaced (everything around them kept)."""
    m = _SHEET_DATA.search(xml)
    if m is None:
        raise DamagedWorkbookError(
            (
                "工作表没有 <sheetData>：文件已损坏",
                "the worksheet has no <sheetData>: the file is damaged",
            )
        )
    prefix = m.group(1) or ""
    if m.group(2) == "/":
        tail = xml[m.end() :]
    else:
        end = _SHEET_DATA_END.search(xml, m.end())
        if end is None:
            raise DamagedWorkbookError(
                (
                    "工作表 XML 在 </sheetData> 之前就结束了：文件已损坏",
                    "the worksheet XML ended before </sheetData>: it is damaged",
                )
            )
        tail = xml[end.end() :]
    last = f"{get_column_letter(len(columns))}{len(columns[0].values) + 1}"
    head = re.sub(
        r'(<(?:\w+:)?dimension\b[^>]*\bref=")[^"]*(")',
        lambda d: f"{d.group(1)}A1:{last}{d.group(2)}",
        xml[: m.start()],
        count=1,
    )
    tail = re.sub(
        r'(<(?:\w+:)?autoFilter\b[^>]*\bref=")[^"]*(")',
        lambda d: f"{d.group(1)}A1:{last}{d.group(2)}",
        tail,
        count=1,
    )
    yield (head + f"<{prefix}sheetData>").encode("utf-8")
    yield from _rows(prefix, columns, header_style, styles, epoch)
    yield (f"</{prefix}sheetData>" + tail).encode("utf-8")


def _rows(
    prefix: str,
    columns: list[SheetColumn],
    header_style: int,
    styles: list[int | None],
    epoch: dt.datetime,
) -> Iterator[bytes]:
    """The header row and the data rows, a block at a time; each column's cells are
    formatted column-wise by the in-place writer's :class:`ColumnValues` (a text written
    once per distinct value, numbers and dates from arrays)."""
    letters = [get_column_letter(i) for i in range(1, len(columns) + 1)]
    cells = []
    for letter, col in zip(letters, columns, strict=True):
        frag = fragment(prefix, f"{letter}1", col.header, "text", epoch)
        cells.append(f'<{prefix}c r="{letter}1" s="{header_style}"{frag}')
    yield f'<{prefix}row r="1">{"".join(cells)}</{prefix}row>'.encode()
    rows = len(columns[0].values)
    values = []
    for letter, col in zip(letters, columns, strict=True):
        cv = ColumnValues(_typed(col, rows), col.kind, epoch)
        cv.letter = letter
        values.append(cv)
    starts = [f'<{prefix}c r="{letter}' for letter in letters]
    attrs = ['"' + (f' s="{s}"' if s is not None else "") for s in styles]  # closes r="
    for start in range(0, rows, _ROWS_PER_BLOCK):
        pos = np.arange(start, min(rows, start + _ROWS_PER_BLOCK))
        nums = pos + 2
        frags = [cv.fragments(pos, prefix, nums) for cv in values]
        block = []
        for number, row in zip(nums.tolist(), zip(*frags, strict=True), strict=True):
            cells = [
                f"{first}{number}{attr}{frag}"
                for first, attr, frag in zip(starts, attrs, row, strict=True)
                if frag is not None
            ]
            block.append(f'<{prefix}row r="{number}">{"".join(cells)}</{prefix}row>')
        yield "".join(block).encode("utf-8")


def _typed(column: SheetColumn, rows: int) -> pd.Series:
    """A column's values as a Series indexed by Excel row (2 on): datetimes (naive) for
    dates, floats for numbers, texts (None for missing) otherwise."""
    index = pd.RangeIndex(2, rows + 2)
    raw = pd.Series(list(column.values) if not isinstance(column.values, pd.Series) else
                    column.values.to_numpy(), index=index)  # fmt: skip
    if column.kind in DATE_CODES:
        out = pd.to_datetime(raw, errors="coerce")
        return out.dt.tz_localize(None) if isinstance(out.dtype, pd.DatetimeTZDtype) else out
    if column.kind == "number":
        numbers = pd.to_numeric(raw, errors="coerce").astype(float)
        whole = numbers.notna().all() and (numbers == numbers.round()).all()
        if whole and numbers.abs().max(skipna=True) < 2**53:
            return numbers.astype(np.int64)  # counts and IDs: formatted as integers, fast
        return numbers
    text = raw.astype(object)
    return text.where(text.notna(), None).map(lambda v: v if v is None else str(v))


def _write_part(
    out: zipfile.ZipFile, name: str, xml: Iterator[bytes], date_time: tuple[int, ...]
) -> None:
    """Write a new part, deflated on parallel threads as the in-place writer does."""
    target = zipfile.ZipInfo(name, date_time=date_time)
    target.compress_type = zipfile.ZIP_DEFLATED
    with out.open(target, "w", force_zip64=True) as fh:
        parallel_deflate(fh, COMPRESS_LEVEL)
        for block in xml:
            fh.write(block)
