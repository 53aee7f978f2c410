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

import codecs
import contextlib
import datetime as dt
import functools
import hashlib
import os
import re
import zipfile
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl.utils import column_index_from_string, get_column_letter

from xl_crm.errors import WorkbookError
from xl_crm.workbook.package import _ThreadedSink, sheet_parts
from xl_crm.workbook.zipcopy import PackageRewriter

MAX_CELL_CHARS = 32_767
MAX_COLUMNS = 16_384
_ROW = re.compile(r"<(?P<p>(?:\w+:)?)row\b[^>]*?(?:/>|>.*?</(?P=p)row>)", re.S)
_ROW_START = re.compile(r"<(\w+:)?row\b([^>]*?)(/?)>")
_CELL = re.compile(r"<(?:\w+:)?c\b[^>]*?(?:/>|>.*?</(?:\w+:)?c>)", re.S)
_ATTR_R = re.compile(r'\br="([A-Z]+)?(\d+)?"')
_ATTR_S = re.compile(r'\bs="(\d+)"')
_SPANS = re.compile(r'\s+spans="[^"]*"')
_SHEET_DATA = re.compile(r"<(\w+:)?sheetData\b[^>]*?(/?)>")
_SHEET_DATA_END = re.compile(r"</(?:\w+:)?sheetData>")
_DIMENSION = re.compile(r'(<(?:\w+:)?dimension\b[^>]*\bref=")([^"]*)(")')
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_EPOCH_1900 = dt.datetime(1899, 12, 30)
_EPOCH_1904 = dt.datetime(1904, 1, 1)


@dataclass
class ColumnWrite:
    """Values for one column, found by its header (or added with that header)."""

    header: str
    values: dict[int, Any]  # Excel row -> value (None leaves the cell empty)
    kind: str = "text"  # text | number | date | datetime | boolean
    match: set[str] = field(default_factory=set)  # other headers that mean this column


@dataclass
class WriteResult:
    path: Path
    sheet: str
    columns: dict[str, str]  # header -> column letter
    rows_changed: int
    backup: Path | None
    before_sha256: str
    after_sha256: str


def _norm(text: str) -> str:
    import unicodedata

    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).casefold()


def _escape(text: str) -> str:
    text = _ILLEGAL_XML.sub("", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


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
) -> WriteResult:
    """Write ``columns`` into ``sheet`` of ``book`` in place (see the module docstring)."""
    path = Path(book)
    _refuse_unsupported(path)
    before = _sha256(path)
    with zipfile.ZipFile(path) as src:
        parts = sheet_parts(path)
        if sheet not in parts:
            raise WorkbookError(
                f"no sheet called {sheet!r}", file=path, hint="sheets: " + ", ".join(parts)
            )
        part = parts[sheet]
        workbook_xml = src.read("xl/workbook.xml").decode("utf-8", errors="replace")
        date1904 = bool(re.search(r'date1904="(1|true)"', workbook_xml))
        from xl_crm.peek import peek_xlsx

        header = (peek_xlsx(path, sheet, header_row) + [[]] * header_row)[header_row - 1]
        placement = _place_columns(header, columns, path, sheet, header_row)
        styles_xml = (
            src.read("xl/styles.xml").decode("utf-8")
            if "xl/styles.xml" in (src.namelist())
            else None
        )
        # cells written without a style of their own get one with a date format (an
        # existing one when the workbook has it, so styles.xml is left alone)
        date_styles, new_styles_xml = _date_styles(styles_xml, columns)
        table_part, new_table_xml = _extend_table(src, part, header_row, placement, columns)
        drop_chain = _formulas_overwritten(src, workbook_xml, sheet, placement, columns, header_row)
        plan = _RowPlan(placement, columns, header_row, date_styles, date1904)
        with AtomicReplace(path, backups) as (out, replaced):
            rewriter = PackageRewriter(src, out)
            for info in src.infolist():
                name = info.filename
                if name == part:
                    _stream_sheet(src, info, out, plan)
                elif name == table_part and new_table_xml is not None:
                    out.writestr(info, new_table_xml)
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
    backup = replaced.backup
    after = _sha256(path)
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
        raise WorkbookError(
            f"can only write into .xlsx and .xlsm workbooks, not {suffix or 'this file'}",
            file=path,
            hint="save it as .xlsx first",
        )
    from xl_crm.reader import check_readable

    check_readable(path)  # encrypted, damaged and non-zip files are refused here
    with zipfile.ZipFile(path) as z:
        book = z.read("xl/workbook.xml")[:4000].decode("utf-8", errors="replace")
    if "purl.oclc.org/ooxml/spreadsheetml" in book:
        raise WorkbookError(
            "Strict Open XML workbooks are not supported",
            file=path,
            hint="save it from Excel as 'Excel Workbook (*.xlsx)'",
        )


def _place_columns(
    header: list, columns: list[ColumnWrite], path: Path, sheet: str, header_row: int
) -> list[str]:
    existing = {}
    for i, value in enumerate(header):
        if value not in (None, ""):
            existing.setdefault(_norm(str(value)), get_column_letter(i + 1))
    next_index = len(header) + 1
    placement = []
    for col in columns:
        names = {_norm(col.header), *(_norm(m) for m in col.match)}
        letter = next((existing[n] for n in names if n in existing), None)
        if letter is None:
            if next_index > MAX_COLUMNS:
                raise WorkbookError(
                    f"no room for a new column: Excel has at most {MAX_COLUMNS:,} columns",
                    file=path,
                    sheet=sheet,
                )
            letter = get_column_letter(next_index)
            next_index += 1
        placement.append(letter)
    return placement


_DATE_CODES = {"date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm"}


def _date_styles(
    styles_xml: str | None, columns: list[ColumnWrite]
) -> tuple[dict[str, int], str | None]:
    """A cellXfs index with a date format for each date kind needed (added if missing)."""
    needed = {c.kind for c in columns if c.kind in _DATE_CODES}
    if not needed or styles_xml is None:
        return {}, None
    numfmts = dict(
        re.findall(r'<(?:\w+:)?numFmt\b[^>]*numFmtId="(\d+)"[^>]*formatCode="([^"]*)"', styles_xml)
    )
    xfs_block = re.search(r"<(\w+:)?cellXfs\b[^>]*>(.*?)</(?:\w+:)?cellXfs>", styles_xml, re.S)
    if xfs_block is None:
        return {}, None
    prefix = xfs_block.group(1) or ""
    xfs = re.findall(r"<(?:\w+:)?xf\b[^>]*?(?:/>|>.*?</(?:\w+:)?xf>)", xfs_block.group(2), re.S)
    out: dict[str, int] = {}
    for i, xf in enumerate(xfs):
        fid = re.search(r'numFmtId="(\d+)"', xf)
        code = numfmts.get(fid.group(1), "") if fid else ""
        for kind, wanted in _DATE_CODES.items():
            if kind in needed and kind not in out and code == wanted:
                out[kind] = i
    missing = [k for k in needed if k not in out]
    if not missing:
        return out, None
    new_xml = styles_xml
    used_ids = {int(i) for i in numfmts}
    for kind in missing:
        fid = max([163, *used_ids]) + 1
        used_ids.add(fid)
        fmt = f'<{prefix}numFmt numFmtId="{fid}" formatCode="{_DATE_CODES[kind]}"/>'
        empty = re.search(r"<(\w+:)?numFmts\b[^>]*/>", new_xml)
        if empty:
            new_xml = (
                new_xml[: empty.start()] + f'<{prefix}numFmts count="1">{fmt}'
                f"</{prefix}numFmts>" + new_xml[empty.end() :]
            )
        elif re.search(r"<(?:\w+:)?numFmts\b", new_xml):
            new_xml = re.sub(r"(<(?:\w+:)?numFmts\b[^>]*>)", r"\1" + fmt, new_xml, count=1)
            new_xml = re.sub(
                r'(<(?:\w+:)?numFmts\b[^>]*count=")(\d+)',
                lambda m: f"{m.group(1)}{int(m.group(2)) + 1}",
                new_xml,
                count=1,
            )
        else:
            new_xml = re.sub(
                r"(<(?:\w+:)?styleSheet\b[^>]*>)",
                r"\1" + f'<{prefix}numFmts count="1">{fmt}</{prefix}numFmts>',
                new_xml,
                count=1,
            )
        xf = (
            f'<{prefix}xf numFmtId="{fid}" fontId="0" fillId="0" borderId="0" xfId="0" '
            'applyNumberFormat="1"/>'
        )
        new_xml = re.sub(r"(</(?:\w+:)?cellXfs>)", xf + r"\1", new_xml, count=1)
        new_xml = re.sub(
            r'(<(?:\w+:)?cellXfs\b[^>]*count=")(\d+)',
            lambda m: f"{m.group(1)}{int(m.group(2)) + 1}",
            new_xml,
            count=1,
        )
        out[kind] = len(xfs)
        xfs.append(xf)
    return out, new_xml


def _extend_table(
    src: zipfile.ZipFile,
    part: str,
    header_row: int,
    placement: list[str],
    columns: list[ColumnWrite],
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
        wanted = {column_index_from_string(p): c for p, c in zip(placement, columns, strict=True)}
        added = sorted(set(wanted) - set(range(first, last + 1)))
        if not added or added != list(range(last + 1, last + 1 + len(added))):
            return None, None
        if re.search(r'totalsRowCount="[1-9]', xml):
            raise WorkbookError(
                "cannot add a column to a table with a totals row",
                hint="turn the totals row off (Table Design > Total Row), run again, turn it on",
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
    placement: list[str],
    columns: list[ColumnWrite],
    header_row: int,
) -> bool:
    """Whether a formula cell listed in calcChain.xml is about to be overwritten."""
    if "xl/calcChain.xml" not in src.namelist():
        return False
    from xml.sax.saxutils import escape

    m = re.search(
        r'<(?:\w+:)?sheet\b[^>]*name="'
        + re.escape(escape(sheet, {'"': "&quot;"}))
        + r'"[^>]*sheetId="(\d+)"',
        workbook_xml,
    ) or re.search(
        r'<(?:\w+:)?sheet\b[^>]*sheetId="(\d+)"[^>]*name="' + re.escape(sheet) + '"', workbook_xml
    )
    sheet_id = m.group(1) if m else None
    rows_by_col = {p: {header_row, *c.values} for p, c in zip(placement, columns, strict=True)}
    current = None
    chain = src.read("xl/calcChain.xml").decode("utf-8", errors="replace")
    for cm in re.finditer(r"<(?:\w+:)?c\b([^>]*)/?>", chain):
        attrs = cm.group(1)
        im = re.search(r'\bi="(\d+)"', attrs)
        if im:
            current = im.group(1)
        rm = re.search(r'\br="([A-Z]+)(\d+)"', attrs)
        if rm and current == sheet_id and int(rm.group(2)) in rows_by_col.get(rm.group(1), ()):
            return True
    return False


def _without_calc_chain(xml: bytes) -> bytes:
    text = xml.decode("utf-8")
    text = re.sub(r'<(?:\w+:)?Override\b[^>]*PartName="/xl/calcChain.xml"[^>]*/>', "", text)
    text = re.sub(r'<(?:\w+:)?Relationship\b[^>]*Target="[^"]*calcChain.xml"[^>]*/>', "", text)
    return text.encode("utf-8")


class _RowPlan:
    """What to write in each row, and how to write a cell."""

    def __init__(
        self,
        placement: list[str],
        columns: list[ColumnWrite],
        header_row: int,
        date_styles: dict[str, int],
        date1904: bool,
    ) -> None:
        self.header_row = header_row
        self.targets = {
            column_index_from_string(p): c for p, c in zip(placement, columns, strict=True)
        }
        self.letters = {i: get_column_letter(i) for i in self.targets}
        self.date_styles = date_styles
        self.epoch = _EPOCH_1904 if date1904 else _EPOCH_1900
        rows: set[int] = {header_row}
        for c in columns:
            rows.update(r for r, v in c.values.items() if r > header_row)
        self.rows = sorted(rows)
        self.rows_changed = 0
        self.formulas_removed = False
        self.max_col = max(self.targets)

    def fragments(self, col: int, prefix: str) -> dict[int, str | None]:
        """Each row's cell content after its style attribute, formatted once per column."""
        cache = self.__dict__.setdefault("_frags", {})
        if col not in cache:
            column = self.targets[col]
            kind = column.kind
            letter = self.letters[col]
            cache[col] = {
                row: self._fragment(prefix, f"{letter}{row}", value, kind)
                for row, value in column.values.items()
            }
            cache[col][self.header_row] = self._fragment(
                prefix, f"{letter}{self.header_row}", column.header, "text"
            )
        return cache[col]

    def formula_overwritten(self, cell_xml: str, letter: str, row: int) -> None:
        """Note a formula being replaced by a value; refuse to break a shared formula.

        The master cell of a shared formula (``<f t="shared" ref="H2:H9" si="0">``) holds the
        text its other cells use; overwriting it while some of those cells stay would leave
        them without a formula, so that is refused (nothing is written)."""
        self.formulas_removed = True
        m = re.search(
            r'<(?:\w+:)?f\b[^>]*\bt="(?:shared|array)"[^>]*\bref="([A-Z]+)(\d+):([A-Z]+)(\d+)"',
            cell_xml,
        )
        if m is None:
            return
        first_col, first_row, last_col, last_row = (
            m.group(1),
            int(m.group(2)),
            m.group(3),
            int(m.group(4)),
        )
        column = self.targets.get(column_index_from_string(letter))
        covered = (
            first_col == last_col == letter
            and column is not None
            and all(r in column.values for r in range(first_row, last_row + 1))
        )
        if not covered:
            raise WorkbookError(
                f"cell {letter}{row} holds the shared or array formula of {first_col}{first_row}:"
                f"{last_col}{last_row}; overwriting it alone would break the other cells",
                cell=f"{letter}{row}",
                hint="write the whole range, or convert the formulas to values in Excel first",
            )

    def columns(self, prefix: str) -> list[tuple[int, str, dict[int, str | None], str | None]]:
        """(column, letter, formatted cells by row, default style) in column order."""
        cached = self.__dict__.get("_columns")
        if cached is None:
            cached = [
                (col, self.letters[col], self.fragments(col, prefix), self.default_style(col, -1))
                for col in sorted(self.targets)
            ]
            self.__dict__["_columns"] = cached
        return cached

    def default_style(self, col: int, row: int) -> str | None:
        kind = "text" if row == self.header_row else self.targets[col].kind
        if kind in _DATE_CODES and kind in self.date_styles:
            return str(self.date_styles[kind])
        return None

    def _fragment(self, prefix: str, ref: str, value: Any, kind: str) -> str | None:
        if value is None:
            return None
        if isinstance(value, bool) or kind == "boolean":
            return f' t="b"><{prefix}v>{int(bool(value))}</{prefix}v></{prefix}c>'
        if isinstance(value, dt.datetime | dt.date):
            moment = (
                value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
            )
            serial = (moment - self.epoch).total_seconds() / 86400
            return f"><{prefix}v>{serial!r}</{prefix}v></{prefix}c>"
        if isinstance(value, int | float) and kind != "text":
            number = repr(float(value)) if isinstance(value, float) else str(value)
            return f"><{prefix}v>{number}</{prefix}v></{prefix}c>"
        text = str(value)
        if len(text) > MAX_CELL_CHARS:
            raise WorkbookError(
                f"{len(text):,} characters is over Excel's limit of {MAX_CELL_CHARS:,} per cell",
                cell=ref,
                hint="shorten the value",
            )
        space = ' xml:space="preserve"' if text != text.strip() else ""
        return (
            f' t="inlineStr"><{prefix}is><{prefix}t{space}>{_escape(text)}'
            f"</{prefix}t></{prefix}is></{prefix}c>"
        )

    def cell(
        self, prefix: str, col: int, row: int, value: Any, style: str | None, kind: str
    ) -> str:
        ref = f"{self.letters[col]}{row}"
        if kind in _DATE_CODES and style is None and kind in self.date_styles:
            style = str(self.date_styles[kind])
        s = f' s="{style}"' if style else ""
        frag = self._fragment(prefix, ref, value, kind)
        if frag is None:  # empty: keep a styled cell's formatting, else write nothing
            return f'<{prefix}c r="{ref}"{s}/>' if style else ""
        return f'<{prefix}c r="{ref}"{s}{frag}'

    def value_for(self, col: int, row: int) -> tuple[bool, Any]:
        column = self.targets[col]
        if row == self.header_row:
            return True, column.header
        if row in column.values:
            return True, column.values[row]
        return False, None


def _stream_sheet(
    src: zipfile.ZipFile, info: zipfile.ZipInfo, out: zipfile.ZipFile, plan: _RowPlan
) -> None:
    target = zipfile.ZipInfo(info.filename, date_time=info.date_time)
    target.compress_type = zipfile.ZIP_DEFLATED
    decoder = codecs.getincrementaldecoder("utf-8")()
    with (
        src.open(info) as raw_in,
        out.open(target, "w", force_zip64=True) as raw_out,
        _ThreadedSink(raw_out) as sink,
    ):
        for text in _patched(_chunks(raw_in, decoder), plan):
            sink.write(text.encode("utf-8"))


def _chunks(fh, decoder) -> Iterator[str]:
    while True:
        block = fh.read(1 << 22)
        if not block:
            tail = decoder.decode(b"", final=True)
            if tail:
                yield tail
            return
        yield decoder.decode(block)


def _patched(chunks: Iterator[str], plan: _RowPlan) -> Iterator[str]:
    buffer = ""
    state = "head"
    pending = deque(plan.rows)  # rows to write, ascending
    next_auto_row = 1
    prefix = ""
    for chunk in chunks:
        buffer += chunk
        if state == "head":
            m = _SHEET_DATA.search(buffer)
            if not m:
                continue
            prefix = m.group(1) or ""
            head = _widen_dimension(buffer[: m.start()], plan)
            if m.group(2) == "/":  # <sheetData/>: no rows at all
                yield head + f"<{prefix}sheetData>"
                yield "".join(_new_rows(pending, plan, prefix))
                pending.clear()
                yield f"</{prefix}sheetData>"
                buffer = buffer[m.end() :]
                state = "tail"
            else:
                yield head + buffer[m.start() : m.end()]
                buffer = buffer[m.end() :]
                state = "rows"
        if state == "rows":
            out: list[str] = []
            pos = 0
            end = _SHEET_DATA_END.search(buffer)
            limit = end.start() if end else len(buffer)
            for m in _ROW.finditer(buffer, 0, limit):
                if m.start() != pos and buffer[pos : m.start()].strip():
                    out.append(buffer[pos : m.start()])
                row_xml = m.group(0)
                start = _ROW_START.match(row_xml)
                r_attr = re.search(r'\br="(\d+)"', start.group(2)) if start else None
                number = int(r_attr.group(1)) if r_attr else next_auto_row
                next_auto_row = number + 1
                while pending and pending[0] < number:
                    out.append("".join(_new_rows([pending.popleft()], plan, prefix)))
                if pending and pending[0] == number:
                    pending.popleft()
                    out.append(_patch_row(row_xml, number, plan, start, r_attr is None))
                else:
                    out.append(row_xml)
                pos = m.end()
            if end is not None:
                out.append("".join(_new_rows(pending, plan, prefix)))
                pending.clear()
                out.append(buffer[end.start() :])
                buffer = ""
                state = "tail"
            else:
                buffer = buffer[pos:]
            yield "".join(out)
        elif state == "tail":
            yield buffer
            buffer = ""
    if state != "tail":
        raise WorkbookError("the worksheet XML ended before </sheetData>: the file is damaged")
    if buffer:
        yield buffer


def _widen_dimension(head: str, plan: _RowPlan) -> str:
    def widen(m: re.Match) -> str:
        ref = m.group(2)
        parts = ref.split(":")
        first = parts[0]
        last = parts[-1]
        lm = re.match(r"([A-Z]+)(\d+)", last)
        if not lm:
            return m.group(0)
        col = max(column_index_from_string(lm.group(1)), plan.max_col)
        row = max(int(lm.group(2)), plan.rows[-1] if plan.rows else 1)
        return f"{m.group(1)}{first}:{get_column_letter(col)}{row}{m.group(3)}"

    return _DIMENSION.sub(widen, head, count=1)


def _new_rows(rows, plan: _RowPlan, prefix: str) -> Iterator[str]:
    """Rows that the sheet does not have yet, in order."""
    for number in rows:
        cells = []
        for col in sorted(plan.targets):
            present, value = plan.value_for(col, number)
            if present:
                cells.append(
                    plan.cell(
                        prefix,
                        col,
                        number,
                        value,
                        None,
                        "text" if number == plan.header_row else plan.targets[col].kind,
                    )
                )
        if any(cells):
            plan.rows_changed += 1
            yield f'<{prefix}row r="{number}">{"".join(cells)}</{prefix}row>'


_CELL_R = re.compile(r'<(?:\w+:)?c r="([A-Z]+)\d+"')
_col_index = functools.lru_cache(maxsize=None)(column_index_from_string)
_ABSENT = object()


def _patch_row(
    row_xml: str, number: int, plan: _RowPlan, start: re.Match | None, missing_r: bool
) -> str:
    """Fast path: every cell starts with its ``r`` (as Excel, openpyxl, XlsxWriter and
    LibreOffice write them); otherwise the general parser below."""
    if start is None or start.group(3) == "/" or missing_r:
        return _patch_row_general(row_xml, number, plan, start, missing_r)
    prefix = start.group(1) or ""
    body_start = start.end()
    body_end = row_xml.rfind("<")
    body = row_xml[body_start:body_end]
    found = [(_col_index(m.group(1)), m.start()) for m in _CELL_R.finditer(body)]
    if len(found) != body.count(f"<{prefix}c ") + body.count(f"<{prefix}c>"):
        return _patch_row_general(row_xml, number, plan, start, missing_r)
    pieces: list[str] = []
    cursor = 0
    index = 0
    changed = False
    count = len(found)
    for col, letter, frags, default in plan.columns(prefix):
        frag = frags.get(number, _ABSENT)
        if frag is _ABSENT:
            continue
        while index < count and found[index][0] < col:
            index += 1
        style = None
        if index < count and found[index][0] == col:  # overwrite the existing cell
            cell_start = found[index][1]
            tag_end = body.index(">", cell_start)
            if body[tag_end - 1] == "/":
                cell_end = tag_end + 1
            else:
                cell_end = body.index(f"</{prefix}c>", cell_start) + len(prefix) + 4
            old = body[cell_start:cell_end]
            sm = _ATTR_S.search(old, 0, tag_end - cell_start + 1)
            style = sm.group(1) if sm else None
            if f"<{prefix}f" in old:
                plan.formula_overwritten(old, letter, number)
            pieces.append(body[cursor:cell_start])
            cursor = cell_end
            index += 1
        else:
            insert_at = found[index][1] if index < count else len(body)
            if insert_at != cursor:
                pieces.append(body[cursor:insert_at])
                cursor = insert_at
        if style is None:
            style = default if number != plan.header_row else None
        if frag is None:
            if style:
                pieces.append(f'<{prefix}c r="{letter}{number}" s="{style}"/>')
        elif style:
            pieces.append(f'<{prefix}c r="{letter}{number}" s="{style}"{frag}')
        else:
            pieces.append(f'<{prefix}c r="{letter}{number}"{frag}')
        changed = True
    if not changed:
        return row_xml
    plan.rows_changed += 1
    pieces.append(body[cursor:])
    attrs = _SPANS.sub("", start.group(2))
    return f"<{prefix}row{attrs}>{''.join(pieces)}</{prefix}row>"


def _patch_row_general(
    row_xml: str, number: int, plan: _RowPlan, start: re.Match | None, missing_r: bool
) -> str:
    prefix = (start.group(1) or "") if start else ""
    attrs = start.group(2) if start else ""
    if start and start.group(3) == "/":
        body = ""
    else:
        body = row_xml[start.end() : row_xml.rfind("<")] if start else row_xml
    cells: list[tuple[int, str]] = []
    col = 0
    for m in _CELL.finditer(body):
        cell = m.group(0)
        ref = _ATTR_R.search(cell[: cell.find(">") + 1])
        if ref and ref.group(1):
            col = column_index_from_string(ref.group(1))
        else:  # position implied by order: make it explicit, new cells may sit between
            col += 1
            cell = re.sub(
                r"^<((?:\w+:)?c)\b", rf'<\1 r="{get_column_letter(col)}{number}"', cell, count=1
            )
        cells.append((col, cell))
    existing = dict(cells)
    changed = False
    for target_col in plan.targets:
        present, value = plan.value_for(target_col, number)
        if not present:
            continue
        old = existing.get(target_col)
        style = None
        if old is not None:
            sm = _ATTR_S.search(old[: old.find(">") + 1])
            style = sm.group(1) if sm else None
            if "<f" in old and re.search(r"<(?:\w+:)?f\b", old):
                plan.formula_overwritten(old, plan.letters[target_col], number)
        kind = "text" if number == plan.header_row else plan.targets[target_col].kind
        existing[target_col] = plan.cell(prefix, target_col, number, value, style, kind)
        changed = True
    if not changed:
        return row_xml
    plan.rows_changed += 1
    if missing_r:
        attrs = f' r="{number}"' + attrs
    attrs = _SPANS.sub("", attrs)
    ordered = "".join(existing[c] for c in sorted(existing))
    return f"<{prefix}row{attrs}>{ordered}</{prefix}row>"
