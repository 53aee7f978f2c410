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
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from openpyxl.utils import get_column_letter

from xl_crm.errors import WorkbookError
from xl_crm.specs.model import FieldSpec, SheetSpec, Spec

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
    """A cell whose content could not be read as its column's type."""

    row: int  # Excel row number
    field: str
    raw: str


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

    def cell(self, field_id: str, row: int) -> str:
        return f"{self.letters[field_id]}{row}"

    def where(self, field_id: str, row: int) -> str:
        return f"{self.sheet}!{self.cell(field_id, row)}"


def normalise_header(text: object) -> str:
    """Headers compare after NFKC (full-width to half-width), trimming and case folding."""
    value = unicodedata.normalize("NFKC", str(text or "")).strip().casefold()
    return re.sub(r"[\s*＊:：]+", "", value)


def header_names(f: FieldSpec) -> set[str]:
    return {normalise_header(n) for n in (f.label.zh, f.label.en, f.id, *f.aliases)}


def check_readable(path: Path, password: str | None = None) -> Path:
    """Refuse what cannot be read, with a message that says why and how to fix it."""
    if not path.exists():
        raise WorkbookError("file not found", file=path, hint="check the path")
    if path.is_dir():
        raise WorkbookError("is a folder, not a workbook", file=path)
    suffix = path.suffix.lower()
    if suffix == ".xlsb":
        raise WorkbookError(
            "binary workbooks (.xlsb) are not supported",
            file=path,
            hint="save it from Excel as .xlsx (File > Save As > Excel Workbook)",
        )
    if suffix not in READABLE:
        raise WorkbookError(
            f"not a spreadsheet xl-crm reads ({suffix or 'no extension'})",
            file=path,
            hint="use .xlsx, .xlsm, .xls, .ods or .csv",
        )
    with path.open("rb") as fh:
        head = fh.read(8)
    if suffix in (".xlsx", ".xlsm") and head == _OLE_MAGIC:
        if password is None:
            raise WorkbookError(
                "the workbook is password-protected (encrypted)",
                file=path,
                hint="give the password with --password, or save an unprotected copy",
            )
        return _decrypt(path, password)
    if suffix in (".xlsx", ".xlsm", ".ods"):
        if not zipfile.is_zipfile(path):
            raise WorkbookError(
                "not a valid workbook (the file is not a zip package: damaged, or another "
                "kind of file renamed)",
                file=path,
                hint="open it in Excel or LibreOffice and save it again as .xlsx",
            )
        try:
            with zipfile.ZipFile(path) as z:
                z.getinfo("[Content_Types].xml" if suffix != ".ods" else "mimetype")
        except (zipfile.BadZipFile, OSError, KeyError) as exc:
            raise WorkbookError(
                f"the workbook is damaged ({exc})",
                file=path,
                hint="open it in Excel or LibreOffice and save it again as .xlsx",
            ) from None
    if suffix == ".xls" and head != _OLE_MAGIC:
        raise WorkbookError(
            "not a valid .xls workbook",
            file=path,
            hint="open it in Excel or LibreOffice and save it again as .xlsx",
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
            f"cannot decrypt the workbook ({type(exc).__name__}: {exc})",
            file=path,
            hint="check the password",
        ) from None
    return out


def find_sheet(names: list[str], sheet: SheetSpec, path: Path) -> str:
    wanted = {normalise_header(n) for n in (sheet.label.zh, sheet.label.en, sheet.id)}
    for name in names:
        if normalise_header(name) in wanted:
            return name
    raise WorkbookError(
        f"missing sheet {sheet.label.zh!r} / {sheet.label.en!r}",
        file=path,
        hint=f"the workbook has: {', '.join(names)}; rename the sheet, or pick the "
        "right template with --template",
    )


def find_header(
    rows: list[list[object]], sheet: SheetSpec, path: Path, sheet_name: str
) -> tuple[int, list[str]]:
    """0-based header row index and its header texts."""
    if not any(any(v not in (None, "") for v in row) for row in rows):
        raise WorkbookError(
            "the sheet is empty",
            file=path,
            sheet=sheet_name,
            hint="put the header row and the data on this sheet",
        )
    names = {f.id: header_names(f) for f in sheet.fields}
    best, best_score = -1, 0
    for i, row in enumerate(rows):
        score = sum(
            1
            for v in row
            if v not in (None, "") and any(normalise_header(v) in n for n in names.values())
        )
        if score > best_score:
            best, best_score = i, score
    needed = max(1, min(2, len(sheet.fields)))
    if best < 0 or best_score < needed:
        expected = ", ".join(f.label.zh for f in sheet.fields[:6])
        raise WorkbookError(
            f"no header row found in the first {len(rows)} rows",
            file=path,
            sheet=sheet_name,
            hint=f"the header row should name the columns, e.g. {expected}",
        )
    return best, ["" if v is None else str(v) for v in rows[best]]


def map_headers(
    headers: list[str], sheet: SheetSpec, path: Path, sheet_name: str, header_row: int
) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """field id -> 0-based column index; unknown (header, letter) pairs."""
    lookup: dict[str, str] = {}
    for f in sheet.fields:
        for name in header_names(f):
            lookup.setdefault(name, f.id)
    found: dict[str, int] = {}
    unknown: list[tuple[str, str]] = []
    for i, text in enumerate(headers):
        if text.strip() == "":
            continue
        fid = lookup.get(normalise_header(text))
        if fid is None:
            unknown.append((text, get_column_letter(i + 1)))
            continue
        if fid in found:
            first = get_column_letter(found[fid] + 1)
            raise WorkbookError(
                f"duplicate headers: {headers[found[fid]]!r} ({first}{header_row}) and "
                f"{text!r} ({get_column_letter(i + 1)}{header_row}) both mean "
                f"{sheet.field(fid).label.zh} / {sheet.field(fid).label.en}",
                file=path,
                sheet=sheet_name,
                cell=f"{get_column_letter(i + 1)}{header_row}",
                hint="keep one of the two columns, or rename one",
            )
        found[fid] = i
    return found, unknown


def _peek(path: Path, sheet_name: str) -> list[list[object]]:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from xl_crm.peek import peek_xlsx

        return peek_xlsx(path, sheet_name, HEADER_SCAN_ROWS)
    import fastexcel

    sheet = fastexcel.read_excel(str(path)).load_sheet(
        sheet_name, header_row=None, n_rows=HEADER_SCAN_ROWS
    )
    frame = sheet.to_pandas()
    return [[None if pd.isna(v) else v for v in row] for row in frame.itertuples(index=False)]


def read_table(path: Path, spec: Spec, sheet: SheetSpec, sheet_name: str) -> Table:
    """Read one sheet of an Excel or ODS workbook into a :class:`Table`."""
    import fastexcel

    rows = _peek(path, sheet_name)
    h, headers = find_header(rows, sheet, path, sheet_name)
    header_row = h + 1
    if len(headers) > EXCEL_MAX_COLS:
        raise WorkbookError(
            f"{len(headers):,} columns is over Excel's limit of {EXCEL_MAX_COLS:,}",
            file=path,
            sheet=sheet_name,
        )
    found, unknown = map_headers(headers, sheet, path, sheet_name, header_row)
    use = sorted(found.values())
    by_index = {i: fid for fid, i in found.items()}
    dtypes = {i: _FASTEXCEL_DTYPE[sheet.field(by_index[i]).ftype.storage] for i in use}
    reader = fastexcel.read_excel(str(path))
    loaded = (
        reader.load_sheet(sheet_name, header_row=h, use_columns=use, dtypes=dtypes) if use else None
    )
    if loaded is None:
        frame = pd.DataFrame()
        errors = []
    else:
        arrow, cell_errors = loaded.to_arrow_with_errors()
        frame = arrow.to_pandas()
        errors = cell_errors.errors if cell_errors is not None else []
    frame.columns = [by_index[i] for i in use]
    first_data = header_row + 1
    frame.index = pd.RangeIndex(first_data, first_data + len(frame))
    frame = _drop_empty_tail(frame)
    if header_row + len(frame) > EXCEL_MAX_ROWS:
        raise WorkbookError(
            f"{len(frame):,} data rows is over Excel's limit of {EXCEL_MAX_ROWS - 1:,}",
            file=path,
            sheet=sheet_name,
        )
    issues = []
    for err in errors:
        offset_row, col = err.offset_position
        fid = by_index[use[col]] if col < len(use) else None
        if fid is None:
            continue
        issues.append(CellIssue(first_data + offset_row, fid, _raw_from_detail(err.detail)))
    return _table(path, sheet_name, sheet, header_row, frame, found, headers, unknown, issues)


def _drop_empty_tail(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows after the last non-empty row (formatted but blank) are not data."""
    if frame.empty:
        return frame
    filled = frame.notna().any(axis=1).to_numpy()
    if filled.all():
        return frame
    last = filled.nonzero()[0]
    return frame.iloc[: (last[-1] + 1) if len(last) else 0]


_DETAIL = re.compile(r"""(?:String|DateTimeIso|DurationIso)\("((?:[^"\\]|\\.)*)"\)""")
_FLOAT = re.compile(r"(?:Float|Int)\(([-0-9.eE+]+)\)")


def _raw_from_detail(detail: str) -> str:
    """The cell's text from fastexcel's conversion error (``... got 'String("abc")'``)."""
    m = _DETAIL.search(detail)
    if m:
        return re.sub(r"\\(.)", r"\1", m.group(1))
    m = _FLOAT.search(detail)
    if m:
        return m.group(1)
    return detail.split("got", 1)[-1].strip(" '")


def read_csv_table(path: Path, spec: Spec, sheet: SheetSpec) -> Table:
    """Read a CSV export (UTF-8, with or without BOM; GB18030 as a fallback) as one sheet."""
    import io

    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte sequence
        raise WorkbookError("cannot decode the CSV file", file=path, hint="save it as UTF-8")
    import csv

    rows: list[list[object]] = [list(r) for r in csv.reader(io.StringIO(text))]
    name = path.stem
    h, headers = find_header(rows[:HEADER_SCAN_ROWS], sheet, path, name)
    header_row = h + 1
    found, unknown = map_headers(headers, sheet, path, name, header_row)
    data = rows[h + 1 :]
    while data and all(str(v).strip() == "" for v in data[-1]):
        data.pop()
    if header_row + len(data) > EXCEL_MAX_ROWS:
        raise WorkbookError(
            f"{len(data):,} data rows is over Excel's limit of {EXCEL_MAX_ROWS - 1:,}",
            file=path,
            hint="split the file, or validate it in parts",
        )
    first_data = header_row + 1
    index = pd.RangeIndex(first_data, first_data + len(data))
    columns = {}
    issues: list[CellIssue] = []
    for fid, i in found.items():
        values = pd.Series([r[i] if i < len(r) else "" for r in data], index=index, dtype="str")
        values = values.where(values.str.strip() != "", None)
        storage = sheet.field(fid).ftype.storage
        if storage in ("integer", "number"):
            converted = pd.to_numeric(values, errors="coerce")
        elif storage in ("date", "datetime"):
            converted = pd.to_datetime(values, errors="coerce", format="ISO8601")
        elif storage == "boolean":
            low = values.str.strip().str.casefold()
            converted = low.map({"true": True, "false": False, "1": True, "0": False})
        else:
            columns[fid] = values
            continue
        failed = values.notna() & converted.isna()
        issues += [CellIssue(int(r), fid, str(values[r])) for r in values.index[failed]]
        columns[fid] = converted
    frame = pd.DataFrame(columns, index=index)[
        [fid for fid, _ in sorted(found.items(), key=lambda x: x[1])]
    ]
    return _table(path, name, sheet, header_row, frame, found, headers, unknown, issues)


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


def read_workbook(path: Path, readable: Path, spec: Spec) -> dict[str, Table]:
    """Every sheet of ``spec`` read from ``readable`` (``path`` is the name users know)."""
    tables: dict[str, Table] = {}
    if readable.suffix.lower() == ".csv":  # one sheet: the one named like the file
        stem = path.stem.casefold()
        sheet = next(
            (
                s
                for s in spec.sheets
                if stem in (s.id, s.label.zh.casefold(), s.label.en.casefold())
            ),
            spec.sheets[0],
        )
        tables[sheet.id] = read_csv_table(readable, spec, sheet)
    else:
        import fastexcel

        try:
            names = fastexcel.read_excel(str(readable)).sheet_names
            for sheet in spec.sheets:
                name = find_sheet(names, sheet, path)
                tables[sheet.id] = read_table(readable, spec, sheet, name)
        except WorkbookError:
            raise
        except Exception as exc:  # calamine's and the XML parser's errors on damaged files
            raise WorkbookError(
                f"the workbook is damaged and cannot be read ({type(exc).__name__}: {exc})",
                file=path,
                hint="restore it from a backup, or let Excel repair it and save it again",
            ) from None
    return tables
