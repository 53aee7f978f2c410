"""CSV exports as one read-only sheet: decoding (UTF-8, UTF-16, GB18030), the delimiter,
and the typed view (every cell of a CSV is text, so every column is coerced)."""

from __future__ import annotations

from pathlib import Path

from xl_crm.errors import NotASpreadsheetError
from xl_crm.specs.model import SheetSpec, Spec
from xl_crm.table import Table
from xl_crm.view.rows import table_from_rows

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


def read_csv_table(
    path: Path,
    spec: Spec,
    sheet: SheetSpec,
    name: str | None = None,
    *,
    book: Path | None = None,
) -> Table:
    """Read a CSV export as one sheet, typed exactly like a workbook's cells (every cell
    of a CSV is text, so every column goes through :func:`xl_crm.fields.coercion.coerce`:
    :func:`xl_crm.view.rows.table_from_rows`).  ``name``: the sheet's name (default the
    file's stem); ``book``: the file messages and ``Table.path`` name (default ``path``)."""
    rows: list[list[object]] = list(csv_rows(path))
    shown = book if book is not None else path
    return table_from_rows(rows, spec, sheet, name or path.stem, shown, text=True)
