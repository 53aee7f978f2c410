"""The three steps every medium shares: ``validate``, ``compute`` and ``annotate``.

Each is :func:`xl_crm.book.open_book` plus a step that knows nothing of the medium::

    validate = book.read -> check(spec, tables)                -> Report
    compute  = book.read -> plan_columns(spec, tables, as_of)  -> book.write(updates)
    annotate = Report    -> marks                              -> book.mark(marks)

``book`` may be a file path or any :class:`xl_crm.book.Book` (a Google Sheet, an Excel
workbook through xlwings, an in-memory book in the tests).  Computing imports no pandera;
validation loads it when it runs.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xl_crm.book import Book, open_book
from xl_crm.errors import (
    InvalidOptionError,
    ReadOnlyBookError,
    TemplateUndetectedError,
)
from xl_crm.metrics.asof import as_of_date, window_days_of
from xl_crm.metrics.plan import (
    ComputeResult,
    customers_sheet,
    missing_sheet_error,
    plan_columns,
    read_fields,
)
from xl_crm.results import csv_text
from xl_crm.specs import load_spec
from xl_crm.specs.model import Spec
from xl_crm.table import CellMark
from xl_crm.validation.context import FINDINGS_PER_RULE
from xl_crm.validation.report import Report

__all__ = ["AnnotateResult", "annotate", "check_sheets", "compute", "spec_for", "validate"]

BookLike = str | Path | Book


def spec_for(book: Book, template: str | Path | Spec | None) -> Spec:
    """The template to check ``book`` against: ``template`` when given (a built-in name, a
    YAML path or a :class:`Spec`), else the one the book says built it.  Raises
    :class:`xl_crm.WorkbookError` when neither names one."""
    if isinstance(template, Spec):
        return template
    if template is not None:
        return load_spec(template)
    detected = book.template()
    if detected is None:
        from xl_crm.specs import builtin_names

        raise TemplateUndetectedError(
            ("无法判断这个工作簿使用哪个模板", "cannot tell which template this workbook follows"),
            file=book.name,
            hint=(
                "用 --template 指定（内置模板：" + "、".join(builtin_names()) + "）",
                "name it with --template (built-in: " + ", ".join(builtin_names()) + ")",
            ),
        )
    return load_spec(detected)


def check_sheets(sheets: object) -> dict[str, str] | None:
    """``sheets`` as given to :func:`validate` and :func:`compute`: None, or a mapping of
    template sheet (its id or zh/en label) to workbook sheet name, both non-empty text
    (``{"orders": "Sheet2"}``, the library's ``--sheet orders=Sheet2``).  Whether the
    names exist is checked when the book is read (``not-in-template``,
    ``sheet-not-found``).  Raises :class:`xl_crm.errors.InvalidOptionError` for anything
    else (a list, a string, a number where a name belongs), before any file is opened."""
    if sheets is None:
        return None
    example = ("如 sheets={'orders': 'Sheet2'}", "e.g. sheets={'orders': 'Sheet2'}")
    if not isinstance(sheets, Mapping):
        kind = type(sheets).__name__
        raise InvalidOptionError(
            (
                f"sheets 应为 {{模板工作表: 工作簿工作表}} 的字典，而不是 {kind}",
                f"sheets must be a dict {{template sheet: workbook sheet}}, not a {kind}",
            ),
            expected=("dict[str, str]", "dict[str, str]"),
            hint=example,
        )
    for key, value in sheets.items():
        if not (isinstance(key, str) and key.strip() and isinstance(value, str) and value.strip()):
            raise InvalidOptionError(
                (
                    f"sheets 中的 {key!r}: {value!r} 不是两个工作表名",
                    f"sheets item {key!r}: {value!r} is not two sheet names",
                ),
                expected=(
                    "模板工作表 id 或名称 -> 工作簿工作表名，都是非空文本",
                    "template sheet id or label -> workbook sheet name, both non-empty text",
                ),
                hint=example,
            )
    return dict(sheets)


def validate(
    book: BookLike,
    *,
    template: str | Path | Spec | None = None,
    password: str | None = None,
    mask: bool = False,
    sheets: dict[str, str] | None = None,
    findings_per_rule: int = FINDINGS_PER_RULE,
) -> Report:
    """Check ``book`` against ``template`` (detected when xl-crm built the workbook).

    ``book``: a file path (.xlsx, .xlsm, .xls, .ods, .csv) or a :class:`xl_crm.book.Book`.
    The book's sheets are matched to the template's by their headers; ``sheets``
    (template sheet id or zh/en label -> book sheet name) overrides that matching.
    ``mask`` shows personal values masked (138****5678) in the report.
    ``findings_per_rule``: Finding objects built per rule and column of a sheet; past it
    findings are kept as rows (``report.more``), counted exactly and written in full by
    ``report.write_json`` / ``write_csv`` (a whole column wrong on a million rows stays
    fast and small).
    Returns a :class:`Report` that starts with the mapping (``report.mapping``); bad rows
    are findings, never exceptions, and a template sheet the book lacks is one
    ``missing-sheet`` warning.  Raises :class:`xl_crm.WorkbookError` only when the book
    cannot be read at all, a ``sheets`` workbook sheet is not there (``sheet-not-found``),
    or no sheet matches the template; :class:`xl_crm.errors.NotInTemplateError` for a
    ``sheets`` template sheet the template lacks, and
    :class:`xl_crm.errors.InvalidOptionError` for ``sheets`` that is not a dict of names.
    """
    from xl_crm.validation.check import check  # pandera loads here

    started = time.perf_counter()
    sheets = check_sheets(sheets)
    opened = open_book(book, password=password)
    try:
        spec = spec_for(opened, template)
        tables = opened.read(spec, sheets)
    finally:
        if opened is not book:
            opened.close()
    report = check(spec, tables, mask=mask, limit=findings_per_rule)
    report.file = opened.name
    report.seconds = time.perf_counter() - started
    return report


def compute(
    book: BookLike,
    *,
    template: str | Path | Spec | None = None,
    as_of: str | dt.date | None = None,
    rfm_columns: bool = True,
    window_days: int = 365,
    backups: int = 5,
    audit_log: Path | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    sheets: dict[str, str] | None = None,
    summary_sheet: str | None = None,
    output: str | Path | None = None,
    password: str | None = None,
    force: bool = False,
) -> ComputeResult:
    """Compute the derived customer columns of ``book`` and write them in place.

    ``book``: an .xlsx/.xlsm path or a :class:`xl_crm.book.Book`.  The template's
    computed fields (last purchase, 购买频率, segments ...) and, unless ``rfm_columns`` is
    False, total spend (yuan), recency (days), the RFM score and segment are computed from
    the orders (or stays) sheet as of ``as_of`` (a date, or text such as ``2026-06-30`` or
    ``2026年6月30日``; default today; see :mod:`xl_crm.metrics.asof`) with a frequency
    window of ``window_days`` days (a whole number, at least 1).  Sheets are matched by
    their headers; ``sheets`` overrides that, as in :func:`validate`.
    ``progress(label, done, total)`` is called as the work goes.  A second run with the
    same inputs writes nothing (no backup, no audit record).  ``backups``: copies kept
    before a write; ``audit_log``: the hash-chained log that records the write.
    ``password`` opens an encrypted workbook, which is written encrypted again with it
    (:mod:`xl_crm.xlsx.encrypted`).

    A book of orders only (no customers sheet; also a CSV) gets a customer summary sheet
    instead, named ``summary_sheet``, or written to ``output`` (.xlsx or .csv; the book is
    then not changed): see :mod:`xl_crm.metrics.summary`.
    Only the columns whose values differ are written.  A column the user fills with
    formulas, or whose cells are hidden inside merged cells, is not written over: compute
    raises :class:`xl_crm.errors.OverwriteRefusedError` naming the cells, unless
    ``force``; then ``ComputeResult.overwritten`` lists them.
    Returns a :class:`ComputeResult`.  Raises :class:`xl_crm.errors.AsOfDateError` (an
    ``as_of`` that is not one day: ``06/07/2026`` reads two ways, ``123``, a time),
    :class:`xl_crm.errors.InvalidWindowError` (a window of 0 or less) and
    :class:`xl_crm.errors.InvalidOptionError` (``sheets`` not a dict of names) before the
    book is opened; :class:`xl_crm.WorkbookError` (unreadable book, read-only book without
    ``output``, no orders sheet, a ``sheets`` workbook sheet that is not there),
    :class:`xl_crm.errors.NotInTemplateError` (a ``sheets`` template sheet that is not
    there) and :class:`xl_crm.CustomerKeyError` (keys that repeat after normalising, or
    are empty); nothing is written then.
    """
    from xl_crm.metrics import summary

    started = time.perf_counter()
    when = as_of_date(as_of)
    window_days = window_days_of(window_days)
    sheets = check_sheets(sheets)
    step = progress or (lambda label, done, total: None)
    opened = open_book(book, password=password, backups=backups, audit_log=audit_log)
    try:
        spec = spec_for(opened, template)
        step("reading the workbook", 0, 1)
        tables = opened.read(spec, sheets, fields=read_fields(spec))
        step("reading the workbook", 1, 1)
        path = Path(opened.name)
        if not opened.writable and output is None:
            raise ReadOnlyBookError.of(opened.name)
        if summary.holds_only_orders(spec, tables):
            result = summary.compute_orders_only(
                opened, spec, tables, as_of=when, window_days=window_days,
                rfm_columns=rfm_columns, summary_sheet=summary_sheet,
                output=Path(output) if output else None, backups=backups, audit_log=audit_log,
            )  # fmt: skip
            result.seconds = time.perf_counter() - started
            return result
        if (summary_sheet is not None or output is not None) and summary.has_orders(spec, tables):
            raise InvalidOptionError(
                (
                    "工作簿有客户表：compute 会写入客户表；"
                    "客户汇总表和输出文件只用于仅有订单的文件",
                    "the workbook has a customers sheet: compute writes into it; a summary sheet "
                    "or output file is for books of orders only",
                ),
                file=opened.name,
                hint=("去掉 --summary-sheet 和 -o", "leave out --summary-sheet and -o"),
            )
        if customers_sheet(spec).id not in tables:
            raise missing_sheet_error(customers_sheet(spec), opened.name)
        step("computing metrics", 0, 1)
        plan = plan_columns(
            spec, tables, as_of=when, window_days=window_days, rfm_columns=rfm_columns,
            file=opened.name,
        )  # fmt: skip
        step("computing metrics", 1, 1)
        overwritten: list[tuple[str, str, str]] = []
        if plan.changed:
            label = f"writing {plan.table.sheet}"
            overwritten = opened.write(
                plan.table,
                plan.stale,
                progress=lambda done, total: step(label, done, total),
                force=force,
            )
    finally:
        if opened is not book:
            opened.close()
    return ComputeResult(
        path,
        plan.table.sheet,
        when.date(),
        [u.header for u in plan.updates],
        len(plan.table.frame),
        plan.changed,
        plan.segments,
        time.perf_counter() - started,
        plan.unused,
        duplicates=plan.duplicates,
        overwritten=[(f"{plan.table.sheet}!{cells}", zh, en) for cells, zh, en in overwritten],
        rows_changed=plan.rows_changed,
    )


@dataclass
class AnnotateResult:
    """What :func:`annotate` did: the book (``file``), the number of cells ``marked``, the
    ``marks`` as placed (sheet, cell marked, note, and ``moved_from``: the cell of the
    finding when the mark went elsewhere, a cell hidden in merged cells) and the
    ``sheets`` whose earlier marks were cleared."""

    file: str
    marked: int
    marks: list[CellMark] = field(default_factory=list)
    sheets: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data (``xl-crm annotate --json``)."""
        return {
            "file": self.file,
            "marked": self.marked,
            "sheets": list(self.sheets),
            "marks": [
                {"sheet": m.sheet, "cell": m.cell, "note": m.note, "moved_from": m.moved_from}
                for m in self.marks
            ],
        }

    def to_csv(self) -> str:
        """The marks as CSV: ``sheet,cell,note,moved_from`` (``cell``: where the mark is;
        ``moved_from``: the finding's cell when the mark was put elsewhere, else empty)."""
        return csv_text(["sheet", "cell", "note", "moved_from"], self.to_dict()["marks"])


def annotate(
    book: BookLike,
    report: Report,
    *,
    lang: str = "zh",
    backups: int = 5,
    password: str | None = None,
) -> AnnotateResult:
    """Mark every cell with a finding in ``book``: a fill and a note with the message(s)
    in ``lang`` (``zh`` or ``en``), one per line.

    ``book``: an .xlsx/.xlsm path or a :class:`xl_crm.book.Book`; ``report``: what
    :func:`validate` returned for it.  Marks from an earlier run are cleared first, on every
    sheet the report covers, so fixed cells lose their mark.  ``backups``: copies of the
    file kept before the write; ``password`` opens an encrypted workbook, which is written
    encrypted again with it.  Returns an :class:`AnnotateResult` (``.marked``: the number
    of cells marked; ``.marks``: where each mark went).  A sheet with no finding and no
    earlier mark is left byte for byte as it was.  Raises
    :class:`xl_crm.errors.ReadOnlyBookError` for a read-only book (.csv, .xls, .ods) and
    the :class:`xl_crm.errors.WorkbookError` family when the book cannot be written.
    """
    opened = open_book(book, password=password, backups=backups)
    try:
        if not opened.writable:
            raise ReadOnlyBookError(
                (
                    "只能标注 .xlsx 和 .xlsm 工作簿",
                    "only .xlsx and .xlsm workbooks can be annotated",
                ),
                file=opened.name,
                hint=(
                    "另存为 .xlsx，或用 --html / --json 生成报告",
                    "save it as .xlsx, or use --html / --json for a report",
                ),
            )
        sheets = list(report.rows)
        placed = opened.mark(report_marks(report, lang), sheets=sheets)
        marked = len({(m.sheet, m.cell) for m in placed})
        return AnnotateResult(opened.name, marked, placed, sheets)
    finally:
        if opened is not book:
            opened.close()


def report_marks(report: Report, lang: str = "zh") -> list[CellMark]:
    """One :class:`CellMark` per cell with findings: the messages in ``lang``, one per line
    (findings of a whole sheet or column, with no row, mark nothing)."""
    notes: dict[tuple[str, str], list[str]] = {}
    for f in report.all_findings():
        if f.row is None:
            continue
        notes.setdefault((f.sheet, f.cell), []).append(f.message(lang))
    return [CellMark(sheet, cell, "\n".join(m)) for (sheet, cell), m in notes.items()]
