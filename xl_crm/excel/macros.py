"""The bodies of xl-crm's Excel macros, written once against the Book seam.

Each takes a :class:`xl_crm.book.Book` and returns a :class:`MacroResult`; the thin shells
in :mod:`xl_crm.excel.lite` (xlwings Lite scripts) and :mod:`xl_crm.excel.classic`
(RunPython macros) hand them the workbook as an :class:`xl_crm.excel.book.XlwingsBook`
through :func:`run_macro`, which shows the result or a failure as a message box.  The same
bodies run on an .xlsx file (:class:`xl_crm.xlsx.book.XlsxBook`): the tests compare the two.

- :func:`validate_book`: the findings, each bad cell filled and noted (earlier marks
  cleared), and the sheet :data:`FINDINGS_SHEET` listing them, each linked to its cell.
- :func:`compute_book`: the computed customer columns and segments (only changed cells
  are written).
- :func:`build_template`: the template's sheets with headers, number formats, widths and
  the choice fields' dropdowns.
- :func:`sort_by_last_update`: each sheet's rows in the template's order (newest first by
  the last-update date: 最近一次购买日期, 下单时间 ...), by Excel's own sort.
- :func:`export_masked`: each sheet again with personal fields masked (138****5678), in
  this workbook or another.

What goes beyond the seam (links, dropdowns, sorting) is asked of books that offer it
(:class:`ExcelSheets`); on a file the links and dropdowns are left out, and sorting is an
Excel macro only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import pandas as pd
from openpyxl.utils import column_index_from_string

from xl_crm.book import Book
from xl_crm.errors import ExcelFeatureError, InvalidOptionError, TemplateUndetectedError, XlCrmError
from xl_crm.excel.values import language
from xl_crm.excel.values import template as named_template
from xl_crm.fields.errorvalues import excel_error
from xl_crm.pipeline import annotate, compute, validate
from xl_crm.privacy import PERSONAL_TYPES, mask
from xl_crm.specs.model import FieldSpec, Spec
from xl_crm.table import NewColumn, Table
from xl_crm.xlsx.layout import DEFAULT_INPUT_ROWS, column_width

__all__ = [
    "FINDINGS_HEADERS",
    "FINDINGS_SHEET",
    "ExcelSheets",
    "MacroResult",
    "build_template",
    "compute_book",
    "export_masked",
    "findings_columns",
    "run_macro",
    "sort_by_last_update",
    "validate_book",
]

#: the sheet validate_book writes its findings into (rewritten on each run)
FINDINGS_SHEET = "xl-crm findings"
FINDINGS_HEADERS = {
    "zh": ["单元格", "级别", "规则", "列", "值", "说明", "修改建议"],
    "en": ["Cell", "Severity", "Rule", "Column", "Value", "Message", "Fix"],
}
#: Excel's rows below a header row
SHEET_ROWS = 1_048_575
MASKED_PREFIX = {"zh": "脱敏 ", "en": "masked "}
SHEET_NAME_MAX = 31
_SEVERITY = {"error": ("错误", "error"), "warning": ("警告", "warning")}


@runtime_checkable
class ExcelSheets(Protocol):
    """What a book inside Excel offers beyond :class:`xl_crm.book.Book`
    (:class:`xl_crm.excel.book.XlwingsBook` implements it)."""

    def link_cells(
        self, sheet: str, column: int, first_row: int, links: list[tuple[str, str]]
    ) -> None:
        """Link the cells of ``column`` from ``first_row`` down to (target, text)."""
        ...

    def set_choices(
        self, sheet: str, column: int, first_row: int, last_row: int, choices: list[str]
    ) -> None:
        """A dropdown of ``choices`` on rows ``first_row``..``last_row`` of ``column``."""
        ...

    def sort_rows(
        self, sheet: str, first_row: int, last_row: int, keys: list[tuple[int, bool]]
    ) -> None:
        """Sort the rows by (column, ascending) keys with Excel's own sort."""
        ...


@dataclass
class MacroResult:
    """What a macro did: a summary (``zh``, ``en``) for the message box, the sheets it
    wrote, and the library's own result (``report``: a validation Report, ``computed``: a
    ComputeResult)."""

    zh: str
    en: str
    sheets: list[str] = field(default_factory=list)
    report: Any = None
    computed: Any = None

    def text(self, lang: str) -> str:
        """The summary in ``lang`` ('zh' or 'en')."""
        return self.zh if lang == "zh" else self.en


def spec_of(book: Book, template: str | Path | Spec | None) -> Spec:
    """The template to use: ``template``, else the one ``book`` names (the ``template`` row
    of the ``xl-crm`` sheet, or a file's record).  Raises
    :class:`xl_crm.errors.TemplateUndetectedError` saying how to name it in Excel."""
    if isinstance(template, Spec):
        return template
    chosen = template or book.template()
    if not chosen or chosen == "auto":
        raise TemplateUndetectedError(
            ("无法判断这个工作簿使用哪个模板", "cannot tell which template this workbook follows"),
            file=book.name,
            hint=(
                "在 xlwings Lite 脚本的表单中选择模板（classic：RunPython 行的 template 参数），"
                "或在 xl-crm 工作表 template 行的 B 列填写模板名，如 ecommerce",
                "choose the template in the xlwings Lite script's form (classic: the template "
                "argument of the RunPython line), or write its name, e.g. ecommerce, in "
                "column B of the template row of the xl-crm sheet",
            ),
        )
    return named_template(str(chosen))  # a catalogue name in any case, or a file


def validate_book(
    book: Book,
    *,
    template: str | Path | Spec | None = None,
    lang: str = "zh",
    mask_values: bool = False,
) -> MacroResult:
    """Check ``book`` against ``template`` (default: the one the book names), mark every
    bad cell (earlier marks cleared) and list the findings on :data:`FINDINGS_SHEET`, the
    first column linked to each cell where the book can link.  ``mask_values`` masks
    personal values on that sheet.  Returns the :class:`MacroResult` with the Report.
    Raises :class:`xl_crm.WorkbookError` when the book cannot be read or written, and
    :class:`xl_crm.errors.InvalidOptionError` for a ``lang`` that is neither zh nor en
    (``EN``, ``en-US``, ``中文`` are: :func:`xl_crm.excel.values.language`) before
    anything is read or written."""
    lang = language(lang)
    spec = spec_of(book, template)
    report = validate(book, template=spec, mask=mask_values)
    marked = annotate(book, report, lang=lang).marked
    rows = [f for _, f in zip(range(SHEET_ROWS), report.all_findings(), strict=False)]
    columns = findings_columns(rows, lang)
    headers = {tuple(h) for h in FINDINGS_HEADERS.values()}
    sheet = book.add_sheet(
        FINDINGS_SHEET, columns, replace_if=lambda first: tuple(first) in headers
    )
    if isinstance(book, ExcelSheets):
        links = [(f.where, f.where) if f.sheet and f.cell else ("", "") for f in rows]
        _link_runs(book, sheet, links)
    errors, warnings = report.errors, report.warnings
    return MacroResult(
        f"校验完成：{errors} 个错误，{warnings} 个警告；标记了 {marked} 个单元格，"
        f"详见工作表“{sheet}”",
        f"Checked: {errors} errors, {warnings} warnings; {marked} cells marked; "
        f"the findings are on the sheet '{sheet}'",
        sheets=[sheet],
        report=report,
    )


def findings_columns(findings: list[Any], lang: str) -> list[NewColumn]:
    """The findings table of :data:`FINDINGS_SHEET` in ``lang``: cell, severity, rule,
    column, value (masked when the report was), message and fix, one
    :class:`xl_crm.table.NewColumn` each, a row per :class:`xl_crm.validation.report.Finding`
    of ``findings`` (give at most :data:`SHEET_ROWS`)."""
    rows, lang = findings, language(lang)
    return [
        NewColumn(header, pd.Series(values, dtype=object), width=width)
        for header, values, width in zip(
            FINDINGS_HEADERS[lang],
            [
                [f.where for f in rows],
                [_SEVERITY.get(f.severity, (f.severity, f.severity))[lang != "zh"] for f in rows],
                [f.rule for f in rows],
                [f.header or "" for f in rows],
                [f.value or "" for f in rows],
                [f.message(lang) for f in rows],
                [f.hint(lang) for f in rows],
            ],
            [16, 8, 16, 16, 20, 60, 48],
            strict=True,
        )
    ]


def _link_runs(book: ExcelSheets, sheet: str, links: list[tuple[str, str]]) -> None:
    """Link each run of findings that name a cell (row 2 on), one call per run."""
    start = None
    for i, (target, _) in enumerate([*links, ("", "")]):
        if target and start is None:
            start = i
        elif not target and start is not None:
            book.link_cells(sheet, 1, start + 2, links[start:i])
            start = None


def compute_book(
    book: Book,
    *,
    template: str | Path | Spec | None = None,
    as_of: str | dt.date | None = None,
    window_days: int = 365,
    force: bool = False,
    lang: str = "zh",
) -> MacroResult:
    """Compute the customer columns and segments of ``book`` (:func:`xl_crm.compute`):
    only the cells whose value changes are written, formulas are kept unless ``force``.
    ``as_of``: the day the metrics are for (text such as ``2026-06-30``, a date, or an
    Excel date serial number such as 46203 in the 1900 date system; empty: today).
    Raises what :func:`xl_crm.compute` raises (a refused ``as_of`` shown as Excel shows
    it, ``2026-06-30 14:30``)."""
    spec = spec_of(book, template)
    day = _as_of_given(as_of)
    result = compute(book, template=spec, as_of=day, window_days=window_days, force=force)
    n, day, sheet = result.rows, result.as_of, result.sheet
    if not result.written:
        zh = f"{n} 位客户的计算列已是最新（{day}），未写入"
        en = f"the computed columns of {n} customers are up to date ({day}); nothing written"
    else:
        zh = f"已为 {n} 位客户计算 {'、'.join(result.columns)}（截至 {day}），写入工作表“{sheet}”"
        en = f"computed {', '.join(result.columns)} for {n} customers (as of {day}) into '{sheet}'"
    if result.unused:
        cell, why_zh, why_en = result.unused[0]
        zh += f"；{len(result.unused)} 行订单无法使用（如 {cell}：{why_zh}）"
        en += f"; {len(result.unused)} order rows left out (e.g. {cell}: {why_en})"
    return MacroResult(zh, en, sheets=[result.sheet], computed=result)


def _as_of_given(value: Any) -> str | dt.date | None:
    """A macro's ``as_of`` as :func:`xl_crm.compute` reads it: an Excel serial number
    (1900 date system, day 0 = 1899-12-30, as a cell holds a date: 46203 is 2026-06-30)
    and a date or datetime become the text Excel shows (``2026-06-30``, ``2026-05-01
    14:30``, which compute refuses for its time of day), so a refusal names the value as
    the user sees it, never its Python repr; empty is None (today)."""
    from xl_crm.excel.advice import excel_shown
    from xl_crm.fields.coercion import from_serial

    if value is None or value == "" or isinstance(value, bool):
        return None if value in (None, "") else value
    if isinstance(value, int | float):
        stamp = from_serial(float(value))
        if stamp is None:
            return str(value)  # refused by compute as no date, shown as typed
        value = stamp.to_pydatetime()
    if isinstance(value, dt.date):
        return excel_shown(value)
    return value


def _kind(f: FieldSpec) -> str:
    storage = f.ftype.storage
    if storage in ("date", "datetime"):
        return storage
    return "number" if storage in ("integer", "number") else "text"


def build_template(
    book: Book, template: str | Path | Spec, *, lang: str = "zh", rows: int = DEFAULT_INPUT_ROWS
) -> MacroResult:
    """Add ``template``'s sheets to ``book``: headers in ``lang`` in row 1, each column's
    number format and width over ``rows`` input rows, and a dropdown on each choice field
    where the book offers them (:class:`ExcelSheets`).  What a built .xlsx has beyond that
    (Excel Tables, protection, header notes, conditional formats, the hidden lists sheet)
    needs ``xl-crm template build``.  A sheet of that name that holds data is refused
    (:class:`xl_crm.errors.SheetNotWritableError`); nothing is added then."""
    lang = language(lang)
    spec = template if isinstance(template, Spec) else named_template(str(template))
    names = [s.label.get(lang) for s in spec.sheets]  # type: ignore[arg-type]
    taken = {n.casefold() for n in book.sheet_names()}
    clash = [n for n in names if n.casefold() in taken and book.rows(_named(book, n), 1)]
    if clash:
        from xl_crm.errors import SheetNotWritableError

        raise SheetNotWritableError(
            (
                f"工作簿已有工作表 {'、'.join(clash)}",
                f"the workbook already has the sheets {', '.join(clash)}",
            ),
            file=book.name,
            hint=(
                "先给这些工作表改名，或换一个工作簿",
                "rename those sheets first, or use another workbook",
            ),
        )
    added = []
    for sheet, name in zip(spec.sheets, names, strict=True):
        empty = pd.Series([None] * rows, dtype=object)
        columns = [
            NewColumn(f.header(lang), empty, kind=_kind(f), number_format=f.ftype.number_format,  # type: ignore[arg-type]
                      width=column_width(f, lang))  # type: ignore[arg-type]
            for f in sheet.fields
        ]  # fmt: skip
        added.append(book.add_sheet(name, columns))
        if isinstance(book, ExcelSheets):
            for i, f in enumerate(sheet.fields, start=1):
                if f.choices:
                    book.set_choices(added[-1], i, 2, rows + 1, f.choice_labels(lang))  # type: ignore[arg-type]
    return MacroResult(
        f"已添加模板“{spec.title.zh}”的工作表：{'、'.join(added)}",
        f"added the sheets of the template '{spec.title.en}': {', '.join(added)}",
        sheets=added,
    )


def _named(book: Book, name: str) -> str:
    return next(n for n in book.sheet_names() if n.casefold() == name.casefold())


def sort_by_last_update(
    book: Book, *, template: str | Path | Spec | None = None, lang: str = "zh"
) -> MacroResult:
    """Sort each sheet of ``book`` the template's way (its ``sort`` keys: newest last
    purchase, order or stay first) with Excel's own sort, so formats, notes and formulas
    move with their rows.  Key cells that hold text (a date typed as text) are sorted by
    Excel apart from the real dates (text after numbers, before them when descending): the
    summary counts them.  Needs a book inside Excel
    (:class:`ExcelSheets`); raises :class:`xl_crm.errors.ExcelFeatureError` otherwise."""
    if not isinstance(book, ExcelSheets):
        raise ExcelFeatureError(
            (
                "只有在 Excel 中（通过 xlwings）才能排序",
                "sorting runs inside Excel only (through xlwings)",
            ),
            file=book.name,
            hint=("在 Excel 中运行排序宏", "run the sort macro in Excel"),
        )
    spec = spec_of(book, template)
    tables = book.read(spec)
    done: list[str] = []
    texts = 0
    for table in tables.values():
        keys = [k for k in table.spec.sort if k.field in table.letters]
        if not keys or table.frame.empty:
            continue
        first, last = table.header_row + 1, int(table.frame.index.max())
        columns = [column_index_from_string(table.letters[k.field]) for k in keys]
        texts += _text_cells(book.rows(table.sheet), first, last, columns[0])
        book.sort_rows(
            table.sheet,
            first,
            last,
            [(c, k.order == "asc") for c, k in zip(columns, keys, strict=True)],
        )
        done.append(f"{table.sheet}（{_key_header(table, keys[0].field)}）")
    zh = "已排序：" + ("、".join(done) if done else "没有可排序的工作表")
    en = "sorted: " + (
        ", ".join(d.replace("（", " (").replace("）", ")") for d in done)
        if done
        else "no sheet to sort"
    )
    if texts:
        zh += f"；{texts} 个日期是文本，Excel 把它们与真正的日期分开排序，请改成日期"
        en += f"; {texts} dates are text, sorted apart from real dates: enter them as dates"
    return MacroResult(zh, en, sheets=[d.split("（")[0] for d in done])


def _key_header(table: Table, fid: str) -> str:
    return table.headers.get(fid, fid)


def _text_cells(rows: list[list[Any]], first: int, last: int, column: int) -> int:
    """Cells of ``column`` (1-based) in rows ``first``..``last`` that hold text."""
    return sum(
        1
        for row in rows[first - 1 : last]
        if len(row) >= column and isinstance(row[column - 1], str) and row[column - 1].strip()
    )


def export_masked(
    book: Book,
    *,
    template: str | Path | Spec | None = None,
    lang: str = "zh",
    target: Book | None = None,
) -> MacroResult:
    """Copy each template sheet of ``book`` into ``target`` (default: ``book``) as
    ``脱敏 客户`` / ``masked Customers``: the template's columns only (a column the
    template does not know may hold anything), personal fields masked with
    :func:`xl_crm.privacy.mask` (phones 138****5678, e-mails w***@qq.com, ID numbers,
    names), every other cell copied as the sheet holds it (:meth:`Book.rows`: ``C004``
    and ``007`` stay the text they are, a number stays a number).  A masked sheet from
    an earlier run is rewritten."""
    lang = language(lang)
    spec = spec_of(book, template)
    tables = book.read(spec)
    into = target if target is not None else book
    added = []
    for table in tables.values():
        cells = book.rows(table.sheet)
        columns = [_masked_column(table, table.spec.field(fid), cells) for fid in table.letters]
        name = (MASKED_PREFIX[lang] + table.sheet)[:SHEET_NAME_MAX]
        headers = [c.header for c in columns]
        added.append(
            into.add_sheet(name, columns, replace_if=lambda first, h=headers: list(first) == h)
        )
    return MacroResult(
        f"已导出脱敏副本：{'、'.join(added)}（手机号、邮箱、证件号、姓名已遮盖）",
        f"masked copies written: {', '.join(added)} (phones, e-mails, ID numbers, names masked)",
        sheets=added,
    )


def _masked_column(table: Table, f: FieldSpec, cells: list[list[Any]]) -> NewColumn:
    """The column of ``f`` on the table's rows: the sheet's own cells (``cells``, as
    :meth:`Book.rows` gives them), personal values masked (from the typed value, so a
    phone stored as a number is masked on its digits)."""
    at = column_index_from_string(table.letters[f.id]) - 1
    rows = [int(r) for r in table.frame.index]
    raw = [cells[r - 1][at] if r <= len(cells) and at < len(cells[r - 1]) else None
           for r in rows]  # fmt: skip
    errors = {i.row: i.raw for i in table.issues if i.field == f.id and i.kind == "formula-error"}
    if errors:  # a file's rows give an error cell as empty: its error as Excel shows it
        raw = [errors.get(r, v) if v is None else v for r, v in zip(rows, raw, strict=True)]
    header = table.headers[f.id]
    if f.type in PERSONAL_TYPES or f.personal:
        typed = table.frame[f.id].tolist()
        shown = [
            v
            if v is None or v == "" or excel_error(v)
            else mask(_text(v if pd.isna(t) else t), f.type)
            for v, t in zip(raw, typed, strict=True)
        ]  # an error value (#N/A) stays as it is: it holds nothing to hide
        return NewColumn(header, pd.Series(shown, dtype=object))
    present = [v for v in raw if v is not None and v != ""]
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in present)
    dates = all(isinstance(v, dt.date) for v in present)
    if present and (numbers or dates):
        kind = ("datetime" if f.ftype.storage == "datetime" else "date") if dates else "number"
        code = f.ftype.number_format if _kind(f) == kind else None
        return NewColumn(header, pd.Series(raw, dtype=object), kind=kind, number_format=code)
    # a mixed column: each cell as it is (in Excel a number stays a number; a file's text
    # column holds it as the text Excel shows, 7 not 7.0)
    kept = [int(v) if isinstance(v, float) and v.is_integer() else v for v in raw]
    return NewColumn(header, pd.Series(kept, dtype=object))


def _text(value: Any) -> str:
    """A cell's value as text, as Excel shows it in General format (``7``, not ``7.0``)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d" if value.time() == dt.time(0) else "%Y-%m-%d %H:%M")
    return str(value)


def run_macro(
    book: Any,
    body: Callable[..., MacroResult],
    *,
    lang: str = "zh",
    runtime: str = "classic",
    **options: Any,
) -> MacroResult | None:
    """Run ``body(book, lang=lang, **options)`` on ``book`` (an
    :class:`xl_crm.excel.book.XlwingsBook`, or an xlwings ``Book``, wrapped in one) and
    show the outcome the way each runtime shows a macro's message: ``app.alert`` (a message
    box in classic Excel, a dialog in xlwings Lite).  An :class:`xl_crm.XlCrmError` is
    shown as its text in ``lang`` (what, where, how to fix), not as a traceback, its fix
    worded for ``runtime`` (``lite``: the script's form; ``classic``: the ``RunPython``
    line; :func:`xl_crm.excel.advice.for_macro`), and None is returned; any other
    exception is a bug and propagates as xlwings shows it.  ``lang`` is read by
    :func:`xl_crm.excel.values.language` (``EN``, ``en-US``, ``zh-CN``, ``中文``) first: a
    language it does not know is shown in both languages and nothing is done."""
    from xl_crm.excel.advice import MACRO_SHELLS, for_macro
    from xl_crm.excel.book import XlwingsBook

    medium = book if isinstance(book, XlwingsBook) else XlwingsBook(book)
    app = medium.book.app
    try:
        lang = language(lang)  # before anything is read or written
    except InvalidOptionError as exc:
        both = "\n\n".join(exc.text(x) for x in ("zh", "en"))
        app.alert(both, title="xl-crm", mode="critical")
        return None
    try:
        result = body(medium, lang=lang, **options)
    except XlCrmError as exc:
        shell = MACRO_SHELLS.get(body.__name__, body.__name__)
        shown = for_macro(exc, runtime, shell)
        app.alert(shown.text(lang), title="xl-crm", mode="critical")
        return None
    app.alert(result.text(lang), title="xl-crm", mode="info")
    return result
