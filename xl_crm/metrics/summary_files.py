"""Where a customer summary goes: a sheet of the book (in place), or a new .xlsx/.csv.

The summary (:class:`xl_crm.metrics.summary.CustomerSummary`) is added by
:meth:`xl_crm.book.Book.add_sheet` to the book itself or to the .xlsx the user names with
``-o`` (created when missing), or written as a UTF-8 CSV; a sheet that already holds
exactly these values, or a CSV with exactly these bytes, is not written again (no backup,
no audit record).  A CSV input is never modified.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from xl_crm.book import Book
from xl_crm.errors import (
    FileMissingError,
    InvalidOptionError,
    ReadOnlyBookError,
    WriteFailedError,
)
from xl_crm.metrics.summary import (
    DATE_COLUMNS,
    MONEY_COLUMNS,
    SUMMARY_SHEET,
    CustomerSummary,
    is_summary_header,
)
from xl_crm.specs.model import Spec
from xl_crm.table import Table


@dataclass
class SummaryWrite:
    """Where the summary went and whether anything was written."""

    path: Path
    sheet: str | None  # None for a CSV file
    written: bool


_OUTPUT_EXAMPLE = (
    "例如 -o customers-summary.xlsx 或 -o customers-summary.csv",
    "e.g. -o customers-summary.xlsx or -o customers-summary.csv",
)


def write_summary(
    summary: CustomerSummary,
    book: Book,
    spec: Spec,
    *,
    sheet: str | None = None,
    output: Path | None = None,
    backups: int = 5,
    audit_log: Path | None = None,
    current: Table | None = None,
) -> SummaryWrite:
    """Write ``summary`` as a sheet of ``book`` (in place, :meth:`Book.add_sheet`), or to
    ``output`` (.xlsx/.xlsm: a sheet of that workbook, created when missing; .csv: the
    whole file).  The sheet is ``sheet`` or the default :data:`SUMMARY_SHEET` name; an
    existing sheet is rewritten only when it is an xl-crm summary (or empty), else
    WorkbookError.  ``current``: the summary sheet as the book was read (when it has one):
    nothing is written when it already holds these values."""
    from xl_crm.xlsx.book import XlsxBook

    target = summary_target(Path(book.name), output, writable=book.writable)
    if target.suffix.lower() == ".csv":
        return _write_csv(summary, target, audit_log)
    name = sheet or SUMMARY_SHEET[summary.lang]
    if output is None or _same_file(output, Path(book.name)):
        same = current is not None and current.sheet.casefold() == name.casefold()
        if same and table_holds(current, summary):
            return SummaryWrite(target, current.sheet, False)
        added = book.add_sheet(
            name, summary.columns(), replace_if=lambda header: is_summary_header(spec, header)
        )
        return SummaryWrite(target, added, True)
    if not target.exists():
        return _new_workbook(summary, target, name, audit_log)
    if _unchanged(summary, target, name):
        return SummaryWrite(target, name, False)
    with XlsxBook(target, backups=backups, audit_log=audit_log) as other:
        added = other.add_sheet(
            name, summary.columns(), replace_if=lambda header: is_summary_header(spec, header)
        )
    return SummaryWrite(target, added, True)


def table_holds(table: Table, summary: CustomerSummary) -> bool:
    """Whether ``table`` (a summary sheet as the book was read) holds exactly ``summary``:
    the same headers in the same order, the same rows and values."""
    from xl_crm.metrics.compare import same_values

    if table.header_texts() != list(summary.headers.values()) or table.blank_rows:
        return False
    if len(table.frame) != len(summary.frame):
        return False
    by_header = {h: fid for fid, h in table.headers.items()}
    for i, (name, header) in enumerate(summary.headers.items()):
        new = summary.frame[name].reset_index(drop=True)
        if header in table.extras.columns:
            old, text = table.extras[header], True
        elif by_header.get(header) in table.frame.columns:  # not read (fields=): unknown
            old = table.frame[by_header[header]]
            text = name in ("rfm_score", "rfm_segment") or (summary.key_kind == "text" and i == 0)
        else:
            return False
        if not same_values(old.reset_index(drop=True), new, as_text=text):
            return False
    return True


def summary_target(book: Path, output: Path | None, *, writable: bool = False) -> Path:
    """The file the summary of ``book`` goes to: ``output``, or the book itself.  Refuses
    (WorkbookError) an output that is not .xlsx/.xlsm/.csv, and a book other than
    .xlsx/.xlsm without another file to write to.  ``writable``: the book is a
    :class:`xl_crm.book.Book` that takes a new sheet whatever its name (a Google Sheet).
    """
    in_place = output is None or _same_file(output, book)
    if in_place and writable:
        return book
    if in_place and book.suffix.lower() not in (".xlsx", ".xlsm"):
        raise ReadOnlyBookError(
            (
                "不会修改该文件：请用 -o 指定客户汇总的输出文件",
                f"a {book.suffix or 'such'} file is not modified: name another file for the "
                "customer summary with -o",
            ),
            file=book,
            hint=_OUTPUT_EXAMPLE,
        )
    target = book if in_place or output is None else output
    if target.suffix.lower() not in (".xlsx", ".xlsm", ".csv"):
        kind = target.suffix or "a file without an extension"
        raise InvalidOptionError(
            (
                f"客户汇总只能写成 .xlsx、.xlsm 或 .csv，不能是 {target.suffix or '无扩展名文件'}",
                f"the summary is written to .xlsx, .xlsm or .csv, not {kind}",
            ),
            file=target,
            hint=_OUTPUT_EXAMPLE,
        )
    if target.is_dir():
        raise WriteFailedError(
            ("这是文件夹，不能写成客户汇总文件", "is a folder, not a file the summary can be"),
            file=target,
            hint=_OUTPUT_EXAMPLE,
        )
    return target


def _new_workbook(
    summary: CustomerSummary, target: Path, name: str, audit_log: Path | None = None
) -> SummaryWrite:
    """A new workbook holding the summary sheet only (built beside ``target``, renamed)."""
    import openpyxl

    from xl_crm.xlsx.book import XlsxBook
    from xl_crm.xlsx.newsheet import check_sheet_name

    check_sheet_name(name, target)
    if not target.parent.is_dir():
        raise FileMissingError(
            ("文件夹不存在", "the folder does not exist"),
            file=target,
            hint=("先创建该文件夹", "create it first"),
        )
    tmp = target.with_name(f".{target.stem}.{os.getpid()}.xlcrm-new{target.suffix}")
    try:
        book = openpyxl.Workbook()
        book.active.title = name
        book.save(tmp)
        with XlsxBook(tmp, backups=0) as new:
            new.add_sheet(name, summary.columns())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    _audit(audit_log, target, name, summary)
    return SummaryWrite(target, name, True)


def _audit(audit_log: Path | None, target: Path, sheet: str | None, summary: CustomerSummary):
    """An audit record for a summary written to a new file (in-place writes make their own):
    names and counts only, never values."""
    if audit_log is None:
        return
    from xl_crm.audit import append_record

    append_record(
        audit_log,
        action="write-summary",
        file=str(target),
        sheet=sheet,
        columns=list(summary.headers.values()),
        rows=len(summary.frame),
        source=str(summary.orders.path),
    )


def _unchanged(summary: CustomerSummary, target: Path, name: str) -> bool:
    """Whether sheet ``name`` of ``target`` already holds exactly this summary."""
    from xl_crm.metrics.compare import same_values
    from xl_crm.xlsx.package import sheet_parts

    sheets = {n.casefold(): n for n in sheet_parts(target)}
    if name.casefold() not in sheets:
        return False
    import fastexcel

    try:
        frame = fastexcel.read_excel(str(target)).load_sheet(sheets[name.casefold()]).to_pandas()
    except Exception:  # an unreadable or odd sheet: rewrite (write_sheet decides if it may)
        return False
    if [str(c) for c in frame.columns] != list(summary.headers.values()):
        return False
    if len(frame) != len(summary.frame):
        return False
    for i, name_ in enumerate(summary.headers):
        new = summary.frame[name_]
        old = frame.iloc[:, i]
        text = name_ in ("rfm_score", "rfm_segment") or (summary.key_kind == "text" and i == 0)
        if not same_values(old, new, as_text=text):
            return False
    return True


def _write_csv(
    summary: CustomerSummary, target: Path, audit_log: Path | None = None
) -> SummaryWrite:
    """The summary as a UTF-8 CSV (with BOM, so Excel reads the Chinese headers); text a
    spreadsheet would run as a formula is escaped; written atomically, not when equal."""
    from xl_crm.results import csv_safe

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(list(summary.headers.values()))
    frame = summary.frame
    for row in frame.itertuples(index=False):
        cells = []
        for name, value in zip(summary.headers, row, strict=True):
            cells.append(csv_safe(_csv_text(name, value)))
        writer.writerow(cells)
    data = ("\ufeff" + buffer.getvalue()).encode("utf-8")
    if target.exists() and target.read_bytes() == data:
        return SummaryWrite(target, None, False)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.xlcrm-tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        raise WriteFailedError(
            (
                f"无法写入文件：{exc.strerror or exc}",
                f"cannot write the file: {exc.strerror or exc}",
            ),
            file=target,
            hint=(
                "检查文件夹是否存在且可写，文件是否被打开",
                "check that the folder exists and is writable, and the file is not open",
            ),
        ) from exc
    finally:
        tmp.unlink(missing_ok=True)
    _audit(audit_log, target, None, summary)
    return SummaryWrite(target, None, True)


def _csv_text(name: str, value: object) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if name in DATE_COLUMNS:
        moment = pd.Timestamp(value)
        return moment.strftime("%Y-%m-%d" if moment == moment.normalize() else "%Y-%m-%d %H:%M")
    if isinstance(value, float):
        return (
            f"{value:.2f}"
            if name in MONEY_COLUMNS
            else (f"{value:g}" if value.is_integer() else repr(value))
        )
    return str(value)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and a.samefile(b)
    except OSError:
        return False


def summary_sheets(book: Book, spec: Spec) -> list[str]:
    """The sheets of ``book`` whose first row is a summary's header."""
    if not book.writable:
        return []
    return [
        name
        for name in book.sheet_names()
        if (rows := book.rows(name, 1)) and is_summary_header(spec, rows[0])
    ]
