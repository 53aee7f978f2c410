"""Reading customer sheets into Tables: a DataFrame plus where each cell lives.

Reading goes through the Rust calamine engine straight into Arrow (fastexcel), never
through per-cell Python objects.  The header row is found by matching the spec's labels,
aliases and ids in the first rows (below title rows or a group band), so a sheet keeps
working when people add a title or reorder columns.  Identifier and text columns are read
as text (leading zeros and 18-digit IDs survive); numbers, dates and booleans are read
typed, and every cell that does not convert is kept as a :class:`CellIssue` with its raw
text, so validation can say exactly which cell is wrong.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl.utils import column_index_from_string, get_column_letter

from xl_crm.coercion import coerce, is_blank
from xl_crm.errors import WorkbookError
from xl_crm.matching import (
    BookMapping,
    SheetMapping,
    column_mappings,
    expected_headers,
    field_lookup,
    header_names,
    header_row,
    is_blank_header,
    match_sheets,
    normalise_header,
    repeated_field,
)
from xl_crm.specs.model import SheetSpec, Spec

__all__ = ["Table", "Tables", "header_names", "normalise_header", "read_workbook"]

EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLS = 16_384
HEADER_SCAN_ROWS = 30
READABLE = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_FASTEXCEL_DTYPE = {
    "text": "string",
    "integer": "float",
    "number": "float",
    "date": "datetime",
    "datetime": "datetime",
    "boolean": "boolean",
}


@dataclass(frozen=True)
class CellIssue:
    """A cell whose content could not be read as its column's type.

    ``kind``: ``type`` (the text is not a value of the type), ``formula-error`` (a formula
    whose saved result is an Excel error; ``raw`` is the error as Excel shows it, ``#N/A``)
    or ``formula-no-value`` (a formula with no saved result: the file was written by a
    program that does not calculate, and never opened and saved in Excel)."""

    row: int  # Excel row number
    field: str
    raw: str
    kind: str = "type"


@dataclass(frozen=True)
class DateOrder:
    """How a column's ``12/04/2026`` dates were read: ``order`` is ``dmy`` or ``mdy``;
    ``ambiguous`` when no value decided it, ``conflicting`` when values needed both."""

    order: str
    ambiguous: bool
    conflicting: bool


@dataclass
class Table:
    """One sheet's data and where each value lives in the workbook."""

    path: Path
    sheet: str  # the sheet's name in the workbook
    spec: SheetSpec
    header_row: int  # 1-based Excel row of the header
    frame: pd.DataFrame  # columns: field ids; index: Excel row numbers
    letters: dict[str, str]  # field id -> column letter
    headers: dict[str, str]  # field id -> header text as written in the sheet
    unknown: list[tuple[str, str]] = field(default_factory=list)  # (header, letter)
    missing: list[str] = field(default_factory=list)  # field ids with no column
    issues: list[CellIssue] = field(default_factory=list)
    #: field id -> {how: cells}: what the typed view coerced (text dates, text numbers ...)
    coercions: dict[str, dict[str, int]] = field(default_factory=dict)
    #: Excel rows inside the data that were wholly blank (skipped, not in ``frame``)
    blank_rows: list[int] = field(default_factory=list)
    #: field id -> how its day/month text dates were read (only columns that have them)
    date_orders: dict[str, DateOrder] = field(default_factory=dict)

    def cell(self, field_id: str, row: int) -> str:
        return f"{self.letters[field_id]}{row}"

    def where(self, field_id: str, row: int) -> str:
        return f"{self.sheet}!{self.cell(field_id, row)}"


RESAVE = (
    "用 Excel 或 LibreOffice 打开，再另存为 .xlsx",
    "open it in Excel or LibreOffice and save it again as .xlsx",
)


def too_many_rows(n: int) -> tuple[str, str]:
    """The message for ``n`` data rows over Excel's limit, zh and en."""
    return (
        f"{n:,} 行数据，超过了 Excel 的上限 {EXCEL_MAX_ROWS - 1:,} 行",
        f"{n:,} data rows is over Excel's limit of {EXCEL_MAX_ROWS - 1:,}",
    )


def damaged_workbook(path: Path, exc: Exception) -> WorkbookError:
    """The error for a workbook whose parts cannot be parsed (every command says it so)."""
    cause = f"{type(exc).__name__}: {exc}"
    return WorkbookError(
        (
            f"工作簿已损坏，无法读取（{cause}）",
            f"the workbook is damaged and cannot be read ({cause})",
        ),
        file=path,
        hint=(
            "从备份恢复，或让 Excel 修复后再保存",
            "restore it from a backup, or let Excel repair it and save it again",
        ),
    )


def check_readable(path: Path, password: str | None = None) -> Path:
    """Refuse what cannot be read, with a message that says why and how to fix it."""
    if not path.exists():
        raise WorkbookError(
            ("找不到文件", "file not found"), file=path, hint=("检查路径", "check the path")
        )
    if path.is_dir():
        raise WorkbookError(("这是文件夹，不是工作簿", "is a folder, not a workbook"), file=path)
    suffix = path.suffix.lower()
    if suffix == ".xlsb":
        raise WorkbookError(
            ("不支持二进制工作簿（.xlsb）", "binary workbooks (.xlsb) are not supported"),
            file=path,
            hint=(
                "在 Excel 中另存为 .xlsx（文件 > 另存为 > Excel 工作簿）",
                "save it from Excel as .xlsx (File > Save As > Excel Workbook)",
            ),
        )
    if suffix not in READABLE:
        raise WorkbookError(
            (
                f"xl-crm 不能读取这种文件（{suffix or '无扩展名'}）",
                f"not a spreadsheet xl-crm reads ({suffix or 'no extension'})",
            ),
            file=path,
            hint=(
                "请使用 .xlsx、.xlsm、.xls、.ods 或 .csv",
                "use .xlsx, .xlsm, .xls, .ods or .csv",
            ),
        )
    with path.open("rb") as fh:
        head = fh.read(8)
    if suffix in (".xlsx", ".xlsm") and head == _OLE_MAGIC:
        if password is None:
            raise WorkbookError(
                ("工作簿有密码保护（已加密）", "the workbook is password-protected (encrypted)"),
                file=path,
                hint=(
                    "用 --password 提供密码，或另存一份不加密的副本",
                    "give the password with --password, or save an unprotected copy",
                ),
            )
        return _decrypt(path, password)
    if suffix in (".xlsx", ".xlsm", ".ods"):
        if not zipfile.is_zipfile(path):
            raise WorkbookError(
                (
                    "不是有效的工作簿（文件不是 zip 包：已损坏，或是改了扩展名的其他文件）",
                    "not a valid workbook (the file is not a zip package: damaged, or another "
                    "kind of file renamed)",
                ),
                file=path,
                hint=RESAVE,
            )
        try:
            with zipfile.ZipFile(path) as z:
                z.getinfo("[Content_Types].xml" if suffix != ".ods" else "mimetype")
        except (zipfile.BadZipFile, OSError, KeyError) as exc:
            raise WorkbookError(
                (f"工作簿已损坏（{exc}）", f"the workbook is damaged ({exc})"),
                file=path,
                hint=RESAVE,
            ) from None
    if suffix == ".xls" and head != _OLE_MAGIC:
        raise WorkbookError(
            ("不是有效的 .xls 工作簿", "not a valid .xls workbook"), file=path, hint=RESAVE
        )
    return path


def _decrypt(path: Path, password: str) -> Path:
    try:
        import msoffcrypto
    except ImportError:  # pragma: no cover - a core dependency
        from xl_crm.errors import MissingExtraError

        raise MissingExtraError("msoffcrypto-tool", "core") from None
    import tempfile

    out = Path(tempfile.mkstemp(suffix=path.suffix, prefix="xlcrm-decrypted-")[1])
    try:
        with path.open("rb") as src, out.open("wb") as dst:
            office = msoffcrypto.OfficeFile(src)
            office.load_key(password=password)
            office.decrypt(dst)
    except Exception as exc:  # msoffcrypto raises its own types for a wrong password
        out.unlink(missing_ok=True)
        raise WorkbookError(
            (
                f"无法解密工作簿（{type(exc).__name__}: {exc}）",
                f"cannot decrypt the workbook ({type(exc).__name__}: {exc})",
            ),
            file=path,
            hint=("检查密码", "check the password"),
        ) from None
    return out


def find_header(
    rows: list[list[object]], sheet: SheetSpec, path: Path, sheet_name: str
) -> tuple[int, list[str]]:
    """0-based index of the header row among ``rows`` and its header texts.

    The header is the row naming most of ``sheet``'s fields, or that row with the merged
    band above it (:func:`xl_crm.matching.header_row`); with a band, a blank cell takes the
    band's text.  Raises :class:`WorkbookError` when the sheet is empty or no row names
    enough fields.
    """
    if all(all(is_blank_header(str(v)) for v in row if v is not None) for row in rows):
        raise WorkbookError(
            ("工作表是空的", "the sheet is empty"),
            file=path,
            sheet=sheet_name,
            hint=("在此工作表中放入表头行和数据", "put the header row and the data on this sheet"),
        )
    found = header_row(rows, sheet)
    needed = max(1, min(2, len(sheet.fields)))
    if found is None or len(found.fields) < needed:
        raise WorkbookError(
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
            raise WorkbookError(
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


def _peek(path: Path, sheet_name: str) -> list[list[object]]:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from xl_crm.peek import peek_xlsx

        return peek_xlsx(path, sheet_name, HEADER_SCAN_ROWS)
    import fastexcel

    sheet = fastexcel.read_excel(str(path)).load_sheet(
        sheet_name, header_row=None, n_rows=HEADER_SCAN_ROWS, dtypes="string"
    )
    frame = sheet.to_pandas()
    return [[None if pd.isna(v) else v for v in row] for row in frame.itertuples(index=False)]


def read_table(
    path: Path,
    spec: Spec,
    sheet: SheetSpec,
    sheet_name: str,
    first_rows: list[list[object]] | None = None,
) -> Table:
    """Read one sheet of an Excel or ODS workbook into a :class:`Table` (typed view).

    Columns are read typed by calamine (fastexcel, straight into Arrow); the cells it
    cannot convert (text dates, amounts as text, Excel errors) go through
    :func:`xl_crm.coercion.coerce`, so ``Table.frame`` holds one typed value per cell.
    Raises :class:`WorkbookError` when the sheet has no header row or is over Excel's
    limits.  ``first_rows``: the sheet's first rows when the caller has peeked already."""
    import fastexcel

    rows = first_rows if first_rows is not None else _peek(path, sheet_name)
    h, headers = find_header(rows, sheet, path, sheet_name)
    header_row = h + 1
    if len(headers) > EXCEL_MAX_COLS:
        raise WorkbookError(
            (
                f"{len(headers):,} 列，超过了 Excel 的上限 {EXCEL_MAX_COLS:,} 列",
                f"{len(headers):,} columns is over Excel's limit of {EXCEL_MAX_COLS:,}",
            ),
            file=path,
            sheet=sheet_name,
        )
    found, unknown = map_headers(headers, sheet, path, sheet_name, header_row)
    by_index = {i: fid for fid, i in found.items()}
    # unknown columns are read as text too: a row is blank only when all of it is
    extra = [column_index_from_string(letter) - 1 for _, letter in unknown]
    use = sorted({*found.values(), *extra})
    dtypes = {
        i: _FASTEXCEL_DTYPE[sheet.field(by_index[i]).ftype.storage] if i in by_index else "string"
        for i in use
    }
    reader = fastexcel.read_excel(str(path))
    frame, errors = _load_columns(reader, sheet_name, h, use, dtypes)
    names = [by_index.get(i, f"_col{i}") for i in use]
    frame.columns = names
    first_data = header_row + 1
    frame.index = pd.RangeIndex(first_data, first_data + len(frame))
    failed: dict[str, dict[int, str]] = {}
    for err in errors:
        offset_row, col = err.offset_position
        if col < len(use) and use[col] in by_index:
            failed.setdefault(by_index[use[col]], {})[first_data + offset_row] = _raw_from_detail(
                err.detail
            )
    if header_row + len(frame) > EXCEL_MAX_ROWS:
        raise WorkbookError(
            too_many_rows(len(frame)),
            file=path,
            sheet=sheet_name,
        )
    table = _table(path, sheet_name, sheet, header_row, frame, found, headers, unknown, [])
    _type_columns(table, spec, failed)
    if path.suffix.lower() in (".xlsx", ".xlsm") and len(table.frame):
        _mark_uncached_formulas(table, path)
    elif path.suffix.lower() == ".ods" and len(table.frame):
        _mark_ods_errors(table, path)
    return table


def _load_columns(reader, sheet_name: str, h: int, use: list[int], dtypes: dict[int, str]):
    """Columns ``use`` (0-based, sorted) of the rows below row ``h``, read by calamine:
    (frame, cell errors).  A column past the last one calamine sees under the header (one
    named only by a merged band above, with no data yet) comes back empty."""
    import fastexcel

    if not use:
        return pd.DataFrame(), []
    try:
        loaded = reader.load_sheet(sheet_name, header_row=h, use_columns=use, dtypes=dtypes)
        width = None
    except fastexcel.ColumnNotFoundError:
        width = reader.load_sheet(sheet_name, header_row=h, n_rows=0).width
        inside = [i for i in use if i < width]
        loaded = reader.load_sheet(
            sheet_name,
            header_row=h,
            use_columns=inside,
            dtypes={i: dtypes[i] for i in inside},
        )
    arrow, cell_errors = loaded.to_arrow_with_errors()
    frame = arrow.to_pandas()
    frame.columns = range(frame.shape[1])
    for i in use[frame.shape[1] :] if width is not None else []:
        empty = {"float": "float64", "datetime": "datetime64[ns]"}.get(dtypes[i], "object")
        frame[frame.shape[1]] = pd.Series(None, index=frame.index, dtype=empty)
    return frame, (cell_errors.errors if cell_errors is not None else [])


def _type_columns(table: Table, spec: Spec, failed: dict[str, dict[int, str]]) -> None:
    """Build the typed view in place: every field column through :func:`coerce` (all
    cells of text columns; for typed columns, the cells calamine could not convert),
    blank rows dropped, what was coerced and what could not be read recorded."""
    frame = table.frame
    texts = {fid: pd.Series(list(cells.values()), dtype=object) for fid, cells in failed.items()}
    dates = _date_options(spec, table.spec, texts)
    for fid in [c for c in frame.columns if not str(c).startswith("_col")]:
        f = table.spec.field(fid)
        storage = f.ftype.storage
        bad = failed.get(fid, {})
        if storage == "text":
            column = frame[fid]
            if bad:
                column = column.astype(object)
                column[list(bad)] = list(bad.values())
            result = coerce(column, "text", identifier=f.ftype.identifier)
            frame[fid] = result.values
            _record(table, spec, fid, result, column)
        elif bad:
            cells = pd.Series(list(bad.values()), index=list(bad), dtype=object)
            result = coerce(cells, storage, **dates)
            column = frame[fid].astype(object) if storage == "boolean" else frame[fid].copy()
            good = result.values[~result.failed & result.errors.isna() & cells.notna()]
            good = good[good.notna()]
            if storage in ("date", "datetime"):
                column = pd.to_datetime(column).astype("datetime64[ns]")
            column.loc[good.index] = good.to_numpy()
            frame[fid] = column
            _record(table, spec, fid, result, cells)
    _drop_blank_rows(table)


def _date_options(spec: Spec, sheet: SheetSpec, texts: dict[str, pd.Series]) -> dict:
    """How the sheet's ``12/04/2026`` dates are read: the template's ``date_order``, else
    the order the text dates of all the sheet's date columns decide together (so a
    check-in and a check-out of one stay are read alike), else each column decides
    alone (:func:`xl_crm.coercion.date_order_of`) with the template's default."""
    from xl_crm.coercion import date_order_of

    order = spec.date_order
    if order is None:
        columns = [
            texts[f.id]
            for f in sheet.fields
            if f.ftype.storage in ("date", "datetime") and f.id in texts
        ]
        if columns:
            decided, _, conflicting = date_order_of(pd.concat(columns, ignore_index=True))
            order = None if conflicting else decided
    return {"date_order": order, "default_order": spec.default_date_order}


def _record(table: Table, spec: Spec, fid: str, result, raw: pd.Series) -> None:
    """Keep what coercion did to column ``fid``: counts, date order, and an issue for
    each cell that holds an Excel error or could not be read (``raw``: its text)."""
    counts = result.coerced_counts()
    if counts:
        table.coercions[fid] = counts
    if result.date_order is not None or result.ambiguous:
        table.date_orders[fid] = DateOrder(
            result.date_order or spec.default_date_order,
            result.ambiguous,
            result.conflicting,
        )
    for row, error in result.errors.dropna().items():
        table.issues.append(CellIssue(int(row), fid, str(error), "formula-error"))
    for row in result.failed.index[result.failed.to_numpy()]:
        table.issues.append(CellIssue(int(row), fid, str(raw.get(row, "")).strip()))


def _drop_blank_rows(table: Table) -> None:
    """Rows with nothing in any column (field or unknown) are not data: dropped from the
    frame and listed in ``blank_rows``; the trailing ones (formatted but empty) are not
    listed.  Helper ``_col`` columns (unknown headers) are dropped afterwards."""
    frame = table.frame
    if frame.empty:
        table.frame = frame[[c for c in frame.columns if not str(c).startswith("_col")]]
        return
    erred = {(i.row, i.field) for i in table.issues}
    filled = np.zeros(len(frame), dtype=bool)
    for c in frame.columns:  # field columns are typed already: blank there is missing
        column = frame[c]
        filled |= ~(is_blank(column) if str(c).startswith("_col") else column.isna()).to_numpy()
    if erred:
        rows = {r for r, _ in erred}
        filled |= frame.index.isin(list(rows))
    last = np.flatnonzero(filled)
    end = (last[-1] + 1) if len(last) else 0
    inside = ~filled[:end]
    table.blank_rows = [int(r) for r in frame.index[:end][inside]]
    keep = np.zeros(len(frame), dtype=bool)
    keep[:end] = filled[:end]
    table.frame = frame.loc[keep, [c for c in frame.columns if not str(c).startswith("_col")]]


def _mark_ods_errors(table: Table, path: Path) -> None:
    """Formula cells of an .ods sheet whose result is an error (read as empty by calamine)
    become ``formula-error`` issues, as they are in .xlsx."""
    from xl_crm.peek import ods_errors

    _issues_at_empty_cells(table, ods_errors(path, table.sheet), "formula-error")


def _mark_uncached_formulas(table: Table, path: Path) -> None:
    """Empty cells of required fields that hold a formula with no saved result become
    issues of their own (a file written by a library and never calculated), not "must not
    be empty"."""
    from xl_crm.peek import uncached_formulas

    # only where an empty cell would be a finding (required fields and the key): a clean
    # sheet costs nothing, one with gaps there one streamed pass
    needed = [f.id for f in table.spec.fields if (f.required or f.id == table.spec.key)]
    needed = [fid for fid in needed if fid in table.frame.columns]
    if not needed or not table.frame[needed].isna().any().any():
        return
    cells = dict.fromkeys(sorted(uncached_formulas(path, table.sheet)), "")
    _issues_at_empty_cells(table, cells, "formula-no-value")


def _issues_at_empty_cells(table: Table, cells: dict[str, str], kind: str) -> None:
    """An issue of ``kind`` for each A1 reference in ``cells`` (-> the text to show) that
    falls on a field column and reads as empty in the typed frame."""
    letters = {letter: fid for fid, letter in table.letters.items()}
    for ref, raw in cells.items():
        m = re.fullmatch(r"([A-Z]+)(\d+)", ref)
        if not m or m.group(1) not in letters:
            continue
        fid, row = letters[m.group(1)], int(m.group(2))
        if row in table.frame.index and pd.isna(table.frame.at[row, fid]):
            table.issues.append(CellIssue(row, fid, raw, kind))


_DETAIL = re.compile(r"""(?:String|DateTimeIso|DurationIso)\("((?:[^"\\]|\\.)*)"\)""")
_FLOAT = re.compile(r"(?:Float|Int)\(([-0-9.eE+]+)\)")


#: Rust's Debug escapes in fastexcel's messages: \u{200b}, \n, \t, \", \\ ...
_RUST_ESCAPE = re.compile(r"\\(u\{[0-9a-fA-F]+\}|.)")
_RUST_CHARS = {"n": "\n", "r": "\r", "t": "\t", "0": "\0"}


def _unescape(m: re.Match) -> str:
    code = m.group(1)
    if code.startswith("u{"):
        return chr(int(code[2:-1], 16))
    return _RUST_CHARS.get(code, code)


def _raw_from_detail(detail: str) -> str:
    """The cell's text from fastexcel's conversion error (``... got 'String("abc")'``)."""
    m = _DETAIL.search(detail)
    if m:
        return _RUST_ESCAPE.sub(_unescape, m.group(1))
    m = _FLOAT.search(detail)
    if m:
        return m.group(1)
    if "Bool(" in detail:
        return "TRUE" if "Bool(true)" in detail else "FALSE"
    return detail.split("got", 1)[-1].strip(" '")


def decode_csv(path: Path) -> str:
    """The text of a CSV export: UTF-8 (with or without BOM), UTF-16 with a BOM (Excel's
    "Unicode text"), else GB18030 (a superset of GBK/GB2312, what Chinese Excel and WPS
    save as "CSV")."""
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise WorkbookError(
        (
            "无法解码 CSV 文件（不是 UTF-8、UTF-16 或 GB18030 文本）",
            "cannot decode the CSV file (not UTF-8, UTF-16 or GB18030 text)",
        ),
        file=path,
        hint=(
            "重新另存为 CSV UTF-8（Excel：文件 > 另存为 > CSV UTF-8）",
            "save it again as CSV UTF-8 (Excel: File > Save As > CSV UTF-8)",
        ),
    )


def csv_rows(path: Path) -> list[list[str]]:
    """The rows of a CSV file, its delimiter (comma, tab, semicolon, |) sniffed."""
    import csv
    import io

    text = decode_csv(path)
    sample = text[:65536]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;|")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    return [list(r) for r in csv.reader(io.StringIO(text), delimiter=delimiter)]


def read_csv_table(path: Path, spec: Spec, sheet: SheetSpec, name: str | None = None) -> Table:
    """Read a CSV export as one sheet, typed exactly like a workbook's cells (every cell
    of a CSV is text, so every column goes through :func:`xl_crm.coercion.coerce`)."""
    rows: list[list[object]] = list(csv_rows(path))
    name = name or path.stem
    h, headers = find_header(rows[:HEADER_SCAN_ROWS], sheet, path, name)
    header_row = h + 1
    found, unknown = map_headers(headers, sheet, path, name, header_row)
    data = rows[h + 1 :]
    while data and all(str(v).strip() == "" for v in data[-1]):
        data.pop()
    if header_row + len(data) > EXCEL_MAX_ROWS:
        raise WorkbookError(
            too_many_rows(len(data)),
            file=path,
            hint=("拆分文件，或分批校验", "split the file, or validate it in parts"),
        )
    first_data = header_row + 1
    index = pd.RangeIndex(first_data, first_data + len(data))
    columns: dict[str, pd.Series] = {}
    extra = [column_index_from_string(letter) - 1 for _, letter in unknown]
    for key, i in [*found.items(), *((f"_col{i}", i) for i in extra)]:
        columns[key] = pd.Series(
            [r[i] if i < len(r) else "" for r in data], index=index, dtype="str"
        )
    frame = pd.DataFrame(columns, index=index)
    order = [fid for fid, _ in sorted(found.items(), key=lambda x: x[1])]
    frame = frame[order + [c for c in frame.columns if c not in found]]
    table = _table(path, name, sheet, header_row, frame, found, headers, unknown, [])
    dates = _date_options(spec, sheet, {fid: frame[fid] for fid in order})
    for fid in order:
        f = sheet.field(fid)
        raw = frame[fid]
        result = coerce(raw, f.ftype.storage, identifier=f.ftype.identifier, **dates)
        table.frame[fid] = result.values
        _record(table, spec, fid, result, raw)
    _drop_blank_rows(table)
    return table


def _table(
    path: Path,
    name: str,
    sheet: SheetSpec,
    header_row: int,
    frame: pd.DataFrame,
    found: dict[str, int],
    headers: list[str],
    unknown: list[tuple[str, str]],
    issues: list[CellIssue],
) -> Table:
    """A Table from what the readers found: columns by 0-based index in the sheet."""
    return Table(
        path=path,
        sheet=name,
        spec=sheet,
        header_row=header_row,
        frame=frame,
        letters={fid: get_column_letter(i + 1) for fid, i in found.items()},
        headers={fid: headers[i] for fid, i in found.items()},
        unknown=unknown,
        missing=[f.id for f in sheet.fields if f.id not in found],
        issues=issues,
    )


class Tables(dict[str, Table]):
    """The template sheets found in a workbook, by template sheet id, with ``mapping``: how
    the workbook's sheets and columns were matched (a template sheet the workbook lacks is
    absent here and listed in ``mapping.missing_sheets``)."""

    def __init__(self, *args, mapping: BookMapping | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.mapping = mapping if mapping is not None else BookMapping()


def read_workbook(
    path: Path, readable: Path, spec: Spec, sheets: dict[str, str] | None = None
) -> Tables:
    """The sheets of ``spec`` found in ``readable`` (``path`` is the name users know).

    Workbook sheets are matched to template sheets by their headers, not their names
    (:func:`xl_crm.matching.match_sheets`); a CSV is one sheet, whatever its file name.
    ``sheets`` maps template sheet (id or zh/en label) -> workbook sheet name and overrides
    the matching (``--sheet``).  Raises :class:`WorkbookError` when the file cannot be read,
    a ``sheets`` name is unknown, or no sheet matches the template.
    """
    is_csv = readable.suffix.lower() == ".csv"
    try:
        if is_csv:
            heads = {readable.stem: csv_rows(readable)[:HEADER_SCAN_ROWS]}
        else:
            import fastexcel

            names = fastexcel.read_excel(str(readable)).sheet_names
            heads = {name: _peek(readable, name) for name in names}
        matches = match_sheets(spec, heads, path, sheets)
        tables = Tables()
        for match in matches:
            sheet = spec.sheet(match.template_sheet)
            if is_csv:
                tables[sheet.id] = read_csv_table(readable, spec, sheet)
            else:
                tables[sheet.id] = read_table(
                    readable, spec, sheet, match.sheet, heads[match.sheet]
                )
    except WorkbookError:
        raise
    except Exception as exc:  # calamine's and the XML parser's errors on damaged files
        if is_csv:
            raise
        raise damaged_workbook(path, exc) from None
    found = {m.template_sheet: m for m in matches}
    tables.mapping = BookMapping(
        sheets=[
            SheetMapping(
                sheet=table.sheet,
                template_sheet=sid,
                label=(table.spec.label.zh, table.spec.label.en),
                matched_by=found[sid].by,
                score=found[sid].score,
                header_rows=_header_rows(found[sid].header, table.header_row),
                columns=column_mappings(table.letters, table.headers, table.unknown),
                missing_fields=list(table.missing),
            )
            for sid, table in tables.items()
        ],
        missing_sheets=[(s.id, s.label.zh, s.label.en) for s in spec.sheets if s.id not in found],
        unused_sheets=[n for n in heads if n not in {m.sheet for m in matches}],
    )
    return tables


def _header_rows(found, header_row: int) -> list[int]:
    """The Excel rows of a sheet's header: the band's too when the matcher stacked one."""
    if found is not None and found.band is not None and found.index + 1 == header_row:
        return found.excel_rows
    return [header_row]
