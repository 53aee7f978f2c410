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
import zlib
from pathlib import Path
from xml.etree.ElementTree import ParseError

import numpy as np
import pandas as pd
from openpyxl.utils import column_index_from_string

from xl_crm.errors import (
    DamagedWorkbookError,
    EncryptedWorkbookError,
    ExcelLimitError,
    FileMissingError,
    NotASpreadsheetError,
    WorkbookError,
    XlCrmError,
)
from xl_crm.fields.coercion import blank_cells
from xl_crm.fields.grid import EXCEL_MAX_ROWS, too_many_rows
from xl_crm.specs.model import SheetSpec, Spec
from xl_crm.table import Table, Tables
from xl_crm.view.headers import HEADER_SCAN_ROWS, check_width, find_header, map_headers
from xl_crm.view.matching import match_sheets
from xl_crm.view.rows import book_mapping
from xl_crm.view.typed import UNREAD_FILLED, issues_at_empty_cells, make_table, type_columns
from xl_crm.xlsx.csvfile import csv_rows, read_csv_table
from xl_crm.xlsx.workers import SheetJob, read_sheets

__all__ = [
    "OLE_MAGIC",
    "READABLE",
    "check_readable",
    "damaged_workbook",
    "read_table",
    "read_workbook",
    "unreadable_errors",
]

READABLE = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")
#: the first bytes of an OLE compound file: how an encrypted .xlsx/.xlsm (and an .xls) is stored
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_FASTEXCEL_DTYPE = {
    "text": "string",
    "integer": "float",
    "number": "float",
    "date": "datetime",
    "datetime": "datetime",
    "boolean": "boolean",
}

RESAVE = (
    "用 Excel 或 LibreOffice 打开，再另存为 .xlsx",
    "open it in Excel or LibreOffice and save it again as .xlsx",
)


def damaged_workbook(path: Path, exc: Exception) -> WorkbookError:
    """The error for a workbook whose parts cannot be parsed (every command says it so)."""
    cause = f"{type(exc).__name__}: {exc}"
    return DamagedWorkbookError(
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


def unreadable_errors() -> tuple[type[Exception], ...]:
    """The exceptions that mean a workbook's bytes cannot be parsed: calamine's
    (fastexcel), a broken zip or deflate stream, XML that does not parse, a package part
    that is missing (``KeyError`` from the zip), a value in the XML that is not what its
    attribute says (``ValueError``), a zip compression Python cannot inflate.  Anything
    else (a wrong argument, a bug) is not reported as a damaged workbook."""
    import fastexcel

    return (
        fastexcel.FastExcelError,
        zipfile.BadZipFile,
        zlib.error,
        ParseError,
        KeyError,
        ValueError,
        EOFError,
        NotImplementedError,
    )


def check_readable(path: Path, password: str | None = None) -> Path:
    """Refuse what cannot be read, with a message that says why and how to fix it."""
    if not path.exists():
        raise FileMissingError(
            ("找不到文件", "file not found"), file=path, hint=("检查路径", "check the path")
        )
    if path.is_dir():
        raise NotASpreadsheetError(
            ("这是文件夹，不是工作簿", "is a folder, not a workbook"), file=path
        )
    suffix = path.suffix.lower()
    if suffix == ".xlsb":
        raise NotASpreadsheetError(
            ("不支持二进制工作簿（.xlsb）", "binary workbooks (.xlsb) are not supported"),
            file=path,
            hint=(
                "在 Excel 中另存为 .xlsx（文件 > 另存为 > Excel 工作簿）",
                "save it from Excel as .xlsx (File > Save As > Excel Workbook)",
            ),
        )
    if suffix not in READABLE:
        raise NotASpreadsheetError(
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
    if suffix in (".xlsx", ".xlsm") and head == OLE_MAGIC:
        if password is None:
            raise EncryptedWorkbookError(
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
            raise NotASpreadsheetError(
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
            raise DamagedWorkbookError(
                (f"工作簿已损坏（{exc}）", f"the workbook is damaged ({exc})"),
                file=path,
                hint=RESAVE,
            ) from None
    if suffix == ".xls" and head != OLE_MAGIC:
        raise NotASpreadsheetError(
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
        raise EncryptedWorkbookError(
            (
                f"无法解密工作簿（{type(exc).__name__}: {exc}）",
                f"cannot decrypt the workbook ({type(exc).__name__}: {exc})",
            ),
            file=path,
            hint=("检查密码", "check the password"),
        ) from None
    return out


def _peek(path: Path, sheet_name: str) -> list[list[object]]:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from xl_crm.xlsx.peek import peek_xlsx

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
    fields: list[str] | None = None,
    *,
    book: Path | None = None,
) -> Table:
    """Read one sheet of an Excel or ODS workbook into a :class:`Table` (typed view).

    Columns are read typed by calamine (fastexcel, straight into Arrow); the cells it
    cannot convert (text dates, amounts as text, Excel errors) go through
    :func:`xl_crm.fields.coercion.coerce`, so ``Table.frame`` holds one typed value per cell.
    Raises :class:`WorkbookError` when the sheet has no header row or is over Excel's
    limits.  ``first_rows``: the sheet's first rows when the caller has peeked already.
    ``fields``: the field ids to read (None: all).  The other fields' columns are still
    mapped (``letters``, ``headers``) and still decide which rows are blank, but are not
    typed or kept in ``frame``; unknown columns are always read (``Table.extras``).
    ``book``: the file messages and ``Table.path`` name, when ``path`` is a decrypted
    copy of it (default ``path``)."""
    import fastexcel

    name = book if book is not None else path
    rows = first_rows if first_rows is not None else _peek(path, sheet_name)
    h, headers = find_header(rows, sheet, name, sheet_name)
    header_row = h + 1
    check_width(headers, name, sheet_name)
    found, unknown = map_headers(headers, sheet, name, sheet_name, header_row)
    by_index = {i: fid for fid, i in found.items()}
    # unknown columns are read as text too: a row is blank only when all of it is
    extra = [column_index_from_string(letter) - 1 for _, letter in unknown]
    use = sorted({*found.values(), *extra})
    # columns of fields not asked for: read as text only to tell blank rows apart
    presence = {
        i for i in use if i in by_index and fields is not None and by_index[i] not in fields
    }
    dtypes = {
        i: _FASTEXCEL_DTYPE[sheet.field(by_index[i]).ftype.storage]
        if i in by_index and i not in presence
        else "string"
        for i in use
    }
    reader = fastexcel.read_excel(str(path))
    frame, errors = _load_columns(reader, sheet_name, h, use, dtypes, presence)
    loaded, use = use, [i for i in use if i not in presence]
    names = [by_index.get(i, f"_col{i}") for i in use]
    if presence:
        names.append(UNREAD_FILLED)  # dropped with the _col columns
    frame.columns = names
    first_data = header_row + 1
    frame.index = pd.RangeIndex(first_data, first_data + len(frame))
    failed: dict[str, dict[int, str]] = {}
    for err in errors:
        offset_row, col = err.offset_position
        if col < len(loaded) and loaded[col] in by_index and loaded[col] not in presence:
            failed.setdefault(by_index[loaded[col]], {})[first_data + offset_row] = (
                _raw_from_detail(err.detail)
            )
    if header_row + len(frame) > EXCEL_MAX_ROWS:
        raise ExcelLimitError(
            too_many_rows(len(frame)),
            file=name,
            sheet=sheet_name,
        )
    table = make_table(name, sheet_name, sheet, header_row, frame, found, headers, unknown, [])
    type_columns(table, spec, failed)
    if path.suffix.lower() in (".xlsx", ".xlsm") and len(table.frame):
        _mark_uncached_formulas(table, path)
    elif path.suffix.lower() == ".ods" and len(table.frame):
        _mark_ods_errors(table, path)
    return table


def _load_columns(
    reader,
    sheet_name: str,
    h: int,
    use: list[int],
    dtypes: dict[int, str],
    presence: set[int] = frozenset(),  # type: ignore[assignment]
):
    """Columns ``use`` (0-based, sorted) of the rows below row ``h``, read by calamine:
    (frame, cell errors).  A column past the last one calamine sees under the header (one
    named only by a merged band above, with no data yet) comes back empty.  The columns in
    ``presence`` are not converted: they come back as one last column, 1.0 where any of
    them holds something and NaN where all are blank."""
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
    loaded_use = use if width is None else [i for i in use if i < width]
    filled = None
    if presence:
        at = [n for n, i in enumerate(loaded_use) if i in presence]
        filled = np.zeros(arrow.num_rows, dtype=bool)
        for n in at:
            filled |= ~blank_cells(arrow.column(n))
        arrow = arrow.select([n for n, i in enumerate(loaded_use) if i not in presence])
        use = [i for i in use if i not in presence]
    frame = arrow.to_pandas()
    frame.columns = range(frame.shape[1])
    for i in use[frame.shape[1] :] if width is not None else []:
        empty = {"float": "float64", "datetime": "datetime64[ns]"}.get(dtypes[i], "object")
        frame[frame.shape[1]] = pd.Series(None, index=frame.index, dtype=empty)
    if filled is not None:
        frame[frame.shape[1]] = np.where(filled, 1.0, np.nan)
    return frame, (cell_errors.errors if cell_errors is not None else [])


def _mark_ods_errors(table: Table, path: Path) -> None:
    """Formula cells of an .ods sheet whose result is an error (read as empty by calamine)
    become ``formula-error`` issues, as they are in .xlsx."""
    from xl_crm.xlsx.peek import ods_errors

    issues_at_empty_cells(table, ods_errors(path, table.sheet), "formula-error")


def _mark_uncached_formulas(table: Table, path: Path) -> None:
    """Empty cells of required fields that hold a formula with no saved result become
    issues of their own (a file written by a library and never calculated), not "must not
    be empty"."""
    from xl_crm.xlsx.peek import uncached_formulas

    # only where an empty cell would be a finding (required fields and the key): a clean
    # sheet costs nothing, one with gaps there one streamed pass
    needed = [f.id for f in table.spec.fields if (f.required or f.id == table.spec.key)]
    needed = [fid for fid in needed if fid in table.frame.columns]
    if not needed or not table.frame[needed].isna().any().any():
        return
    cells = dict.fromkeys(sorted(uncached_formulas(path, table.sheet)), "")
    issues_at_empty_cells(table, cells, "formula-no-value")


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


def read_workbook(
    path: Path,
    readable: Path,
    spec: Spec,
    sheets: dict[str, str] | None = None,
    fields: dict[str, list[str]] | None = None,
    workers: int | None = None,
) -> Tables:
    """The sheets of ``spec`` found in ``readable`` (``path`` is the name users know).

    Workbook sheets are matched to template sheets by their headers, not their names
    (:func:`xl_crm.view.matching.match_sheets`); a CSV is one sheet, whatever its file name.
    ``sheets`` maps template sheet (id or zh/en label) -> workbook sheet name and overrides
    the matching (``--sheet``).  ``fields``: template sheet id -> the field ids to read
    (:func:`read_table`; a sheet not named, or None, is read whole; a CSV is always read
    whole).  ``workers``: processes that read the sheets of an .xlsx/.xlsm workbook side
    by side (:func:`xl_crm.xlsx.workers.read_sheets`; None: as many as pay off for the
    workbook's size and the machine's CPUs; 1: this process only); the Tables are the
    same either way.  Raises :class:`WorkbookError` when the file cannot be read,
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
        if is_csv:
            for match in matches:
                sheet = spec.sheet(match.template_sheet)
                tables[sheet.id] = read_csv_table(readable, spec, sheet, book=path)
        else:
            jobs = [
                SheetJob(
                    m.template_sheet, m.sheet, heads[m.sheet], (fields or {}).get(m.template_sheet)
                )
                for m in matches
            ]

            def read(job: SheetJob) -> Table:
                sheet = spec.sheet(job.sheet_id)
                return read_table(
                    readable, spec, sheet, job.sheet_name, job.first_rows, job.fields, book=path
                )

            for job, table in zip(
                jobs, read_sheets(readable, spec, jobs, read, workers, book=path), strict=True
            ):
                tables[job.sheet_id] = table
    except XlCrmError:  # a --sheet name that is not there, no header ...: said as it is
        raise
    except unreadable_errors() as exc:  # calamine's and the XML parser's: a damaged file
        if is_csv:
            raise
        raise damaged_workbook(path, exc) from None
    tables.mapping = book_mapping(spec, matches, tables, list(heads))
    return tables
