"""Writing columns into a user's workbook in place, without losing anything in it.

Only the worksheet XML (and, when columns are added to an Excel Table, the table part) is
rewritten, as a stream; every other part of the package (charts, images, pivot tables, VBA,
comments, x14 validations, conditional formats, defined names, other sheets) is copied with
its exact compressed bytes.  The new package is written to a temporary file beside the
original, fsynced and renamed over it, so a failure at any moment leaves the original as it
was; a timestamped backup is kept and an audit record is appended.

Text is always written as an inline string, never as a formula.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import re
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl.utils import column_index_from_string, get_column_letter

from xl_crm.errors import (
    NoRoomForColumnError,
    NotASpreadsheetError,
    ReadOnlyBookError,
    SheetNotFoundError,
    WorkbookError,
)
from xl_crm.fields.grid import EXCEL_MAX_COLS
from xl_crm.fields.types import FIELD_TYPES
from xl_crm.view.matching import normalise_header
from xl_crm.xlsx import sheetpatch
from xl_crm.xlsx.package import rewrite_member, sheet_parts
from xl_crm.xlsx.sheetpatch import EPOCH_1900, EPOCH_1904, ColumnValues, RowPlan
from xl_crm.xlsx.stylesheet import cell_xfs, format_style, number_formats, plain_xf
from xl_crm.xlsx.zipcopy import PackageRewriter

#: zlib level of the rewritten sheet (see docs/performance.md for the choice)
COMPRESS_LEVEL = 6


@dataclass
class ColumnWrite:
    """Values for one column, found by its header (or added with that header)."""

    header: str
    #: Excel row -> value (None leaves the cell empty): a mapping, or a pandas Series indexed
    #: by Excel row (numbers, datetimes and texts are then formatted column-wise: much faster)
    values: Mapping[int, Any] | pd.Series
    kind: str = "text"  # text | number | money | date | datetime | boolean
    match: set[str] = field(default_factory=set)  # other headers that mean this column


@dataclass
class WriteResult:
    path: Path
    sheet: str
    columns: dict[str, str]  # header -> column letter
    rows_changed: int
    backup: Path | None
    before_sha256: str | None  # digests of the file before and after, kept for the audit
    after_sha256: str | None  # log (None without one: hashing a big file takes time)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_columns(
    book: str | Path,
    sheet: str,
    columns: list[ColumnWrite],
    *,
    header_row: int,
    backups: int = 5,
    audit_log: Path | None = None,
    actor: str | None = None,
    compresslevel: int = COMPRESS_LEVEL,
    progress: Callable[[int, int], None] | None = None,
) -> WriteResult:
    """Write ``columns`` into ``sheet`` of ``book`` in place (see the module docstring).

    The rewritten sheet is deflated at ``compresslevel`` (zlib 1-9) on parallel threads;
    ``progress(rows_done, rows_total)`` is called after each block of rows."""
    path = Path(book)
    _refuse_unsupported(path)
    before = _sha256(path) if audit_log is not None else None
    try:
        with zipfile.ZipFile(path) as src:
            parts = sheet_parts(path)
            if sheet not in parts:
                raise SheetNotFoundError(
                    (f"没有名为 {sheet!r} 的工作表", f"no sheet called {sheet!r}"),
                    file=path,
                    hint=("工作表：" + "、".join(parts), "sheets: " + ", ".join(parts)),
                )
            part = parts[sheet]
            workbook_xml = src.read("xl/workbook.xml").decode("utf-8", errors="replace")
            date1904 = bool(re.search(r'date1904="(1|true)"', workbook_xml))
            from xl_crm.xlsx.peek import peek_xlsx

            peeked = peek_xlsx(path, sheet, header_row + 50)
            header = (peeked + [[]] * header_row)[header_row - 1]
            used = max([len(r) for r in peeked] + [_dimension_width(src, part)])
            placement, new_letters = _place_columns(header, columns, path, sheet, used)
            styles_xml = (
                src.read("xl/styles.xml").decode("utf-8")
                if "xl/styles.xml" in (src.namelist())
                else None
            )
            # cells written without a style of their own get one with a date format (an
            # existing one when the workbook has it, so styles.xml is left alone)
            date_styles, new_styles_xml, date_xfs = _date_styles(styles_xml, columns)
            table_part, new_table_xml = _extend_table(
                src, part, header_row, placement, columns, new_letters
            )
            epoch = EPOCH_1904 if date1904 else EPOCH_1900
            targets = {
                # the header cell is written for new columns only: a column found under another
                # name (an alias, another language) keeps its header, and its Table column name
                column_index_from_string(p): (
                    c.header if p in new_letters else None,
                    ColumnValues(c.values, c.kind, epoch),
                )
                for p, c in zip(placement, columns, strict=True)
            }
            drop_chain = _formulas_overwritten(src, workbook_xml, sheet, targets, header_row)
            plan = RowPlan(targets, header_row, date_styles, date1904, date_xfs)
            plan.progress = progress
            cloner = _DateCloner(new_styles_xml or styles_xml, date_styles) if date_styles else None
            if cloner is not None:
                cloner.changed = new_styles_xml is not None
            plan.clone_date_style = cloner.clone if cloner else None
            plan.number_xfs = _number_xfs(styles_xml) if "money" in date_styles else set()
            styles_info = None
            with AtomicReplace(path, backups) as (out, replaced):
                rewriter = PackageRewriter(src, out)
                for info in src.infolist():
                    name = info.filename
                    if name == part:
                        _stream_sheet(src, info, out, plan, compresslevel)
                    elif name == table_part and new_table_xml is not None:
                        out.writestr(info, new_table_xml)
                    elif name == "xl/styles.xml" and cloner is not None:
                        styles_info = info  # written after the sheet: it may gain date styles
                    elif name == "xl/styles.xml" and new_styles_xml is not None:
                        out.writestr(info, new_styles_xml)
                    elif drop_chain and name == "xl/calcChain.xml":
                        continue  # Excel rebuilds it; stale entries make it "repair"
                    elif drop_chain and name in (
                        "[Content_Types].xml",
                        "xl/_rels/workbook.xml.rels",
                    ):
                        out.writestr(info, _without_calc_chain(src.read(name)))
                    else:
                        rewriter.copy(info)
                if styles_info is not None:
                    styles = cloner.xml()
                    if styles is None:
                        rewriter.copy(styles_info)
                    else:
                        out.writestr(styles_info, styles)
    except WorkbookError as exc:  # raised deep in the stream: add the file and sheet
        raise exc.located(path, sheet) from None
    backup = replaced.backup
    after = _sha256(path) if audit_log is not None else None
    result = WriteResult(
        path,
        sheet,
        {c.header: placement[i] for i, c in enumerate(columns)},
        plan.rows_changed,
        backup,
        before,
        after,
    )
    if audit_log is not None:
        from xl_crm.audit import append_record

        append_record(
            audit_log,
            action="write-columns",
            actor=actor,
            file=str(path),
            sheet=sheet,
            columns=list(result.columns),
            rows=plan.rows_changed,
            before=before,
            after=after,
        )
    return result


def _refuse_unsupported(path: Path) -> None:
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".xlsm"):
        raise ReadOnlyBookError(
            (
                f"只能写入 .xlsx 和 .xlsm 工作簿，不能写入 {suffix or '这种文件'}",
                f"can only write into .xlsx and .xlsm workbooks, not {suffix or 'this file'}",
            ),
            file=path,
            hint=("先另存为 .xlsx", "save it as .xlsx first"),
        )
    from xl_crm.xlsx.reader import check_readable

    check_readable(path)  # encrypted, damaged and non-zip files are refused here
    with zipfile.ZipFile(path) as z:
        book = z.read("xl/workbook.xml")[:4000].decode("utf-8", errors="replace")
    if "purl.oclc.org/ooxml/spreadsheetml" in book:
        raise NotASpreadsheetError(
            ("不支持 Strict Open XML 工作簿", "Strict Open XML workbooks are not supported"),
            file=path,
            hint=(
                "在 Excel 中另存为“Excel 工作簿 (*.xlsx)”",
                "save it from Excel as 'Excel Workbook (*.xlsx)'",
            ),
        )


def _dimension_width(src: zipfile.ZipFile, part: str) -> int:
    """The last column of the sheet's ``<dimension ref>`` (0 when it has none)."""
    with src.open(part) as fh:
        head = fh.read(1 << 16).decode("utf-8", errors="replace")
    m = re.search(r'<(?:\w+:)?dimension\b[^>]*\bref="[A-Z]*\d*:?([A-Z]+)\d*"', head)
    return column_index_from_string(m.group(1)) if m else 0


def _place_columns(
    header: list, columns: list[ColumnWrite], path: Path, sheet: str, used: int
) -> tuple[list[str], set[str]]:
    """The column letter of each ColumnWrite (found by header, or new after every used
    column: a column of data without a header is never taken), and the new ones."""
    existing = {}
    for i, value in enumerate(header):
        if value not in (None, ""):
            existing.setdefault(normalise_header(str(value)), get_column_letter(i + 1))
    next_index = max(len(header), used) + 1
    placement = []
    new: set[str] = set()
    for col in columns:
        names = {normalise_header(col.header), *(normalise_header(m) for m in col.match)}
        letter = next((existing[n] for n in names if n in existing), None)
        if letter is None:
            if next_index > EXCEL_MAX_COLS:
                raise NoRoomForColumnError(
                    (
                        f"没有空间再加一列：Excel 最多 {EXCEL_MAX_COLS:,} 列",
                        f"no room for a new column: Excel has at most {EXCEL_MAX_COLS:,} columns",
                    ),
                    file=path,
                    sheet=sheet,
                )
            letter = get_column_letter(next_index)
            next_index += 1
            new.add(letter)
        placement.append(letter)
    twice = sorted({p for p in placement if placement.count(p) > 1})
    if twice:
        names = [c.header for c, p in zip(columns, placement, strict=True) if p in twice]
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


_DATE_CODES = {"date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm"}
#: kinds written with a number format of their own: dates, and money in the format a built
#: workbook's money columns have (cells already showing a number keep their format)
_FORMAT_CODES = {**_DATE_CODES, "money": FIELD_TYPES["money"].number_format}


#: built-in number formats that show dates or times (ECMA-376 18.8.30, and the CJK ones)
_BUILTIN_DATE_FORMATS = {*range(14, 23), *range(27, 37), 45, 46, 47, *range(50, 59)}


def _is_date_format(code: str) -> bool:
    """Whether a number format code shows a date or time (y, d, h or s outside quotes)."""
    plain = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", code)
    return bool(re.search(r"[ydhs]", plain, re.I)) and "General" not in plain


def _date_styles(
    styles_xml: str | None, columns: list[ColumnWrite]
) -> tuple[dict[str, int], str | None, set[str]]:
    """A cellXfs index with a date format for each date kind needed (added if missing),
    the new styles.xml if one was added, and the indexes of all styles showing dates."""
    needed = {c.kind for c in columns if c.kind in _FORMAT_CODES}
    if not needed or styles_xml is None:
        return {}, None, set()
    numfmts = number_formats(styles_xml)  # formatCode="0&quot; days&quot;" is 0" days"
    found = cell_xfs(styles_xml)
    if found is None:
        return {}, None, set()
    xfs = found[1]
    out: dict[str, int] = {}
    date_xfs: set[str] = set()
    for i, xf in enumerate(xfs):
        fid = re.search(r'numFmtId="(\d+)"', xf)
        code = numfmts.get(fid.group(1), "") if fid else ""
        if fid and (int(fid.group(1)) in _BUILTIN_DATE_FORMATS or _is_date_format(code)):
            date_xfs.add(str(i))
        for kind, wanted in _FORMAT_CODES.items():
            if kind in needed and kind not in out and code == wanted and plain_xf(xf):
                out[kind] = i
    missing = [k for k in needed if k not in out]
    if not missing:
        return out, None, date_xfs
    new_xml = styles_xml
    for kind in missing:
        new_xml, index = format_style(new_xml, _FORMAT_CODES[kind])
        out[kind] = index
        if kind in _DATE_CODES:
            date_xfs.add(str(index))
    return out, new_xml, date_xfs


def _unquoted(code: str) -> str:
    """A number format code without its quoted and escaped literals."""
    return re.sub(r'"[^"]*"|\\.', "", code)


def _number_xfs(styles_xml: str | None) -> set[str]:
    """The cellXfs indexes whose number format shows a number its own way (not General,
    text, a date or a percentage): a money value written into such a cell keeps that
    format."""
    found = cell_xfs(styles_xml) if styles_xml is not None else None
    if found is None:
        return set()
    numfmts, xfs = number_formats(styles_xml), found[1]
    out = set()
    for i, xf in enumerate(xfs):
        fid = re.search(r'numFmtId="(\d+)"', xf)
        number = int(fid.group(1)) if fid else 0
        code = numfmts.get(str(number), "")
        if code:  # the workbook's own format (any id)
            shows_number = not (
                code in ("General", "@") or _is_date_format(code) or "%" in _unquoted(code)
            )
        else:  # built in: not General, percent, text or a date
            shows_number = number not in (0, 9, 10, 49, *_BUILTIN_DATE_FORMATS) and number < 164
        if shows_number:
            out.add(str(i))
    return out


class _DateCloner:
    """Copies of cell styles with a date number format, for dates written into cells styled
    for something else: the cell keeps its font, fill, border and alignment."""

    def __init__(self, styles_xml: str, date_styles: dict[str, int]) -> None:
        self.text = styles_xml
        self.changed = False  # whether styles_xml differs from the workbook's (dates added)
        block = re.search(r"<(\w+:)?cellXfs\b[^>]*>(.*?)</(?:\w+:)?cellXfs>", styles_xml, re.S)
        self.xfs = re.findall(
            r"<(?:\w+:)?xf\b[^>]*?(?:/>|>.*?</(?:\w+:)?xf>)", block.group(2), re.S
        )
        self.formats = {}
        for kind, index in date_styles.items():
            m = re.search(r'numFmtId="(\d+)"', self.xfs[index])
            self.formats[kind] = m.group(1) if m else "14"
        self.added: list[str] = []
        self.made: dict[tuple[str, str], str] = {}

    def clone(self, base: str, kind: str) -> str:
        key = (base, kind)
        if key not in self.made:
            source = self.xfs[int(base)] if int(base) < len(self.xfs) else "<xf/>"
            head_end = source.find(">")
            closing = source[head_end - 1] == "/"
            cut = head_end - (1 if closing else 0)
            head = re.sub(r'\s+(numFmtId|applyNumberFormat)="[^"]*"', "", source[:cut])
            xf = f'{head} numFmtId="{self.formats[kind]}" applyNumberFormat="1"' + source[cut:]
            self.added.append(xf)
            self.made[key] = str(len(self.xfs) + len(self.added) - 1)
        return self.made[key]

    def xml(self) -> str | None:
        """styles.xml with the copies (None: unchanged from the workbook's)."""
        if not self.added:
            return self.text if self.changed else None
        text = re.sub(
            r"(</(?:\w+:)?cellXfs>)",
            "".join(self.added).replace("\\", "\\\\") + r"\1",
            self.text,
            count=1,
        )
        return re.sub(
            r'(<(?:\w+:)?cellXfs\b[^>]*count=")(\d+)',
            lambda m: f"{m.group(1)}{int(m.group(2)) + len(self.added)}",
            text,
            count=1,
        )


def _extend_table(
    src: zipfile.ZipFile,
    part: str,
    header_row: int,
    placement: list[str],
    columns: list[ColumnWrite],
    new_letters: set[str] | None = None,
) -> tuple[str | None, bytes | None]:
    """Widen the Excel Table on the header row to take in columns added to its right."""
    import posixpath
    from xml.sax.saxutils import quoteattr

    rels = posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")
    if rels not in src.namelist():
        return None, None
    rels_xml = src.read(rels).decode("utf-8")
    for rel in re.findall(r"<(?:\w+:)?Relationship\b[^>]*>", rels_xml):
        if not re.search(r'Type="[^"]*/table"', rel):
            continue
        ref = re.search(r'Target="([^"]+)"', rel).group(1)
        table_part = (
            ref.lstrip("/")
            if ref.startswith("/")
            else posixpath.normpath(posixpath.join(posixpath.dirname(part), ref))
        )
        xml = src.read(table_part).decode("utf-8")
        m = re.search(r'<(\w+:)?table\b[^>]*\bref="([A-Z]+)(\d+):([A-Z]+)(\d+)"', xml)
        if not m or int(m.group(3)) != header_row:
            continue
        prefix = m.group(1) or ""
        first, last = column_index_from_string(m.group(2)), column_index_from_string(m.group(4))
        wanted = {
            column_index_from_string(p): c
            for p, c in zip(placement, columns, strict=True)
            if new_letters is None or p in new_letters
        }
        added = sorted(set(wanted) - set(range(first, last + 1)))
        if not added or added != list(range(last + 1, last + 1 + len(added))):
            continue  # not this table: another on the header row may take them
        if re.search(r'totalsRowCount="[1-9]', xml):
            raise NoRoomForColumnError(
                ("不能给带汇总行的表格添加列", "cannot add a column to a table with a totals row"),
                hint=(
                    "关闭汇总行（表设计 > 汇总行），再运行一次，然后重新打开",
                    "turn the totals row off (Table Design > Total Row), run again, turn it on",
                ),
            )
        new_last = get_column_letter(added[-1])
        old_ref = f"{m.group(2)}{m.group(3)}:{m.group(4)}{m.group(5)}"
        new_ref = f"{m.group(2)}{m.group(3)}:{new_last}{m.group(5)}"
        xml = xml.replace(f'ref="{old_ref}"', f'ref="{new_ref}"')
        names = set(re.findall(r'<(?:\w+:)?tableColumn\b[^>]*\bname="([^"]*)"', xml))
        ids = [int(i) for i in re.findall(r'<(?:\w+:)?tableColumn\b[^>]*\bid="(\d+)"', xml)]
        next_id = max(ids, default=0) + 1
        new_cols = []
        for col in added:
            name = wanted[col].header
            candidate, n = name, 2
            while candidate in names:
                candidate, n = f"{name}{n}", n + 1
            names.add(candidate)
            wanted[col].header = candidate  # the header cell must equal the column name
            new_cols.append(f'<{prefix}tableColumn id="{next_id}" name={quoteattr(candidate)}/>')
            next_id += 1
        xml = _bump_count(xml, "tableColumns", len(added))
        xml = re.sub(r"(</(?:\w+:)?tableColumns>)", "".join(new_cols) + r"\1", xml, count=1)
        return table_part, xml.encode("utf-8")
    return None, None


def _bump_count(xml: str, tag: str, n: int) -> str:
    """Add ``n`` to the ``count`` attribute of the first ``<tag>``."""
    pattern = re.compile(r"(<(?:\w+:)?" + tag + r'\b[^>]*count=")(\d+)')
    return pattern.sub(lambda m: f"{m.group(1)}{int(m.group(2)) + n}", xml, count=1)


class AtomicReplace:
    """Write a new package beside ``path``; on success fsync it, keep a backup of the
    original and rename the new one over it; on any failure remove it, original untouched.

    ``with AtomicReplace(path, backups) as (out, result): ...`` gives the output zip and an
    object whose ``backup`` is set after the replace."""

    def __init__(self, path: Path, backups: int) -> None:
        self.path = path
        self.backups = backups
        self.tmp = path.with_name(f".{path.name}.{os.getpid()}.xlcrm-tmp")
        self.backup: Path | None = None

    def __enter__(self) -> tuple[zipfile.ZipFile, AtomicReplace]:
        self._fh = open(self.tmp, "wb")
        self._zip = zipfile.ZipFile(self._fh, "w", compression=zipfile.ZIP_DEFLATED)
        return self._zip, self

    def __exit__(self, kind, value, traceback) -> None:
        try:
            self._zip.close()
            self._fh.flush()
            os.fsync(self._fh.fileno())
        finally:
            self._fh.close()
            if kind is not None:
                self.tmp.unlink(missing_ok=True)
        if kind is not None:
            return
        self.backup = _backup(self.path, self.backups) if self.backups else None
        os.replace(self.tmp, self.path)
        _fsync_dir(self.path.parent)


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _backup(path: Path, keep: int) -> Path:
    folder = path.parent / ".xlcrm-backups"
    folder.mkdir(exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = folder / f"{path.stem}.{stamp}{path.suffix}"
    import shutil

    shutil.copy2(path, target)
    old = sorted(folder.glob(f"{path.stem}.*{path.suffix}"))
    for stale in old[:-keep]:
        stale.unlink(missing_ok=True)
    return target


def _formulas_overwritten(
    src: zipfile.ZipFile,
    workbook_xml: str,
    sheet: str,
    targets: dict[int, tuple[str | None, ColumnValues]],
    header_row: int,
) -> bool:
    """Whether a formula cell listed in calcChain.xml is about to be overwritten."""
    if "xl/calcChain.xml" not in src.namelist():
        return False
    import html

    sheet_id = None
    for tag in re.findall(r"<(?:\w+:)?sheet\b[^>]*>", workbook_xml):
        attrs = dict(re.findall(r'\b(name|sheetId)="([^"]*)"', tag))
        if html.unescape(attrs.get("name", "")) == sheet:  # &amp; &apos; &#39; ... decoded
            sheet_id = attrs.get("sheetId")
            break
    by_letter = {get_column_letter(col): values for col, (_, values) in targets.items()}
    current = None
    chain = src.read("xl/calcChain.xml").decode("utf-8", errors="replace")
    for cm in re.finditer(r"<(?:\w+:)?c\b([^>]*)/?>", chain):
        attrs = cm.group(1)
        im = re.search(r'\bi="(\d+)"', attrs)
        if im:
            current = im.group(1)
        rm = re.search(r'\br="([A-Z]+)(\d+)"', attrs)
        if rm and current == sheet_id and rm.group(1) in by_letter:
            row = int(rm.group(2))
            if row == header_row or by_letter[rm.group(1)].get(row)[0]:
                return True
    return False


def _without_calc_chain(xml: bytes) -> bytes:
    text = xml.decode("utf-8")
    text = re.sub(r'<(?:\w+:)?Override\b[^>]*PartName="/xl/calcChain.xml"[^>]*/>', "", text)
    text = re.sub(r'<(?:\w+:)?Relationship\b[^>]*Target="[^"]*calcChain.xml"[^>]*/>', "", text)
    return text.encode("utf-8")


def _stream_sheet(
    src: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    out: zipfile.ZipFile,
    plan: RowPlan,
    level: int = 6,
) -> None:
    rewrite_member(
        src,
        info,
        out,
        lambda raw: sheetpatch.patched(sheetpatch.inflated_blocks(raw), plan),
        level,
    )
