"""CSV exports as one read-only sheet: decoding (UTF-8, UTF-16, GB18030), the delimiter,
and the typed view (every cell of a CSV is text, so every column is coerced)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl.utils import column_index_from_string

from xl_crm.errors import ExcelLimitError, NotASpreadsheetError
from xl_crm.fields.coercion import coerce
from xl_crm.fields.grid import EXCEL_MAX_ROWS, too_many_rows
from xl_crm.specs.model import SheetSpec, Spec
from xl_crm.table import Table
from xl_crm.view.headers import HEADER_SCAN_ROWS, find_header, map_headers
from xl_crm.view.typed import date_options, drop_blank_rows, make_table, record_coercion

__all__ = ["csv_rows", "decode_csv", "read_csv_table"]


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
    raise NotASpreadsheetError(
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
    of a CSV is text, so every column goes through :func:`xl_crm.fields.coercion.coerce`)."""
    rows: list[list[object]] = list(csv_rows(path))
    name = name or path.stem
    h, headers = find_header(rows[:HEADER_SCAN_ROWS], sheet, path, name)
    header_row = h + 1
    found, unknown = map_headers(headers, sheet, path, name, header_row)
    data = rows[h + 1 :]
    while data and all(str(v).strip() == "" for v in data[-1]):
        data.pop()
    if header_row + len(data) > EXCEL_MAX_ROWS:
        raise ExcelLimitError(
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
    table = make_table(path, name, sheet, header_row, frame, found, headers, unknown, [])
    dates = date_options(spec, sheet, {fid: frame[fid] for fid in order})
    for fid in order:
        f = sheet.field(fid)
        raw = frame[fid]
        result = coerce(raw, f.ftype.storage, identifier=f.ftype.identifier, **dates)
        table.frame[fid] = result.values
        record_coercion(table, spec, fid, result, raw)
    drop_blank_rows(table)
    return table
