"""Building a workbook from a template spec.

openpyxl writes the workbook's structure (headers, styles, dropdowns, tables, conditional
formats, protection, the instructions and lists sheets) with one prototype data row per
sheet; the sample rows are then streamed into each sheet's XML by
:mod:`xl_crm.xlsx.package`, so a full 1,048,575-row sheet takes seconds and little
memory instead of the gigabytes an in-memory workbook needs.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.formatting.rule import FormulaRule, Rule
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Protection
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.filters import AutoFilter, SortCondition, SortState
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

from xl_crm.errors import ExcelLimitError, InvalidOptionError
from xl_crm.sample.rows import EXCEL_MAX_DATA_ROWS, SampleGenerator
from xl_crm.specs import load_spec
from xl_crm.specs.model import FieldSpec, Lang, SheetSpec, Spec
from xl_crm.xlsx import styles as S
from xl_crm.xlsx.layout import (
    INSTRUCTIONS_TITLE,
    LISTS_SHEET,
    SheetLayout,
    column_width,
)
from xl_crm.xlsx.package import SheetRows, sheet_parts, write_package
from xl_crm.xlsx.texts import TYPE_LABELS, describe_field, t

#: custom document properties that mark a workbook as built by xl-crm
PROP_TEMPLATE = "xlcrm.template"
PROP_LANG = "xlcrm.lang"
PROP_VERSION = "xlcrm.version"

ProgressCallback = Callable[[str, int, int], None]


@dataclass
class BuildResult:
    """What ``build_workbook`` wrote: the ``path``, the ``template`` name, the ``lang`` of
    headers and help, data ``rows`` per sheet title, and ``seconds`` taken."""

    path: Path
    template: str
    lang: Lang
    rows: dict[str, int] = field(default_factory=dict)  # sheet title -> data rows
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data (``xl-crm template build --json``); the path as text."""
        return {
            "path": str(self.path),
            "template": self.template,
            "lang": self.lang,
            "rows": dict(self.rows),
            "seconds": self.seconds,
        }


def build_workbook(
    template: str | Path | Spec,
    output: str | Path,
    *,
    lang: Lang = "zh",
    sample: int = 0,
    seed: int = 0,
    protect: bool = True,
    progress: ProgressCallback | None = None,
) -> BuildResult:
    """Write a workbook for ``template`` (a built-in name, a spec file or a
    :class:`~xl_crm.specs.model.Spec`) to ``output`` (an .xlsx path; overwritten).

    ``lang`` ('zh' default, or 'en'): the language of headers, dropdowns and help.
    ``sample`` (default 0, at most 1,048,575): rows of realistic data on the first sheet
    (other sheets get rows in proportion); ``seed`` (default 0) makes them repeatable.
    ``protect`` (default True) locks computed columns (sheet protection without a
    password).  ``progress(label, done, total)`` is called as rows are written.
    Returns a :class:`BuildResult` (``rows``: data rows per sheet title; ``seconds``).
    Raises :class:`xl_crm.errors.InvalidOptionError` (unknown ``lang``, ``output`` not
    .xlsx), :class:`xl_crm.errors.ExcelLimitError` (``sample`` out of range) and
    :class:`xl_crm.errors.TemplateNotFoundError` / :class:`xl_crm.SpecError`.

    >>> build_workbook("hotel", "hotel.xlsx", lang="en", sample=100, seed=1)  # doctest: +SKIP
    """
    started = time.perf_counter()
    spec = template if isinstance(template, Spec) else load_spec(template)
    if lang not in ("zh", "en"):
        raise InvalidOptionError(
            (f"未知语言 {lang!r}", f"unknown language {lang!r}"),
            hint=("使用 --lang zh 或 --lang en", "use --lang zh or --lang en"),
        )
    if not 0 <= sample <= EXCEL_MAX_DATA_ROWS:
        raise ExcelLimitError(
            (
                f"--sample {sample} 超出 0..{EXCEL_MAX_DATA_ROWS:,}",
                f"--sample {sample} is outside 0..{EXCEL_MAX_DATA_ROWS:,}",
            ),
            hint=(
                f"Excel 表头下最多 {EXCEL_MAX_DATA_ROWS:,} 行数据",
                f"Excel holds at most {EXCEL_MAX_DATA_ROWS:,} data rows below the header",
            ),
        )
    output = Path(output)
    if output.suffix.lower() not in (".xlsx", ".xlsm"):
        raise InvalidOptionError(
            (f"{output}：输出文件必须是 .xlsx", f"{output}: the output must be an .xlsx file"),
            hint=(f"改用 {output.with_suffix('.xlsx')}", f"use {output.with_suffix('.xlsx')}"),
        )
    generator = SampleGenerator(spec, sample, seed=seed, lang=lang)
    layouts = [SheetLayout(s, lang, generator.row_count(s.id)) for s in spec.sheets]
    skeleton, part_names = _skeleton(spec, layouts, lang, protect)
    streams = [
        SheetRows(
            part=part_names[layout.sheet.id],
            first_row=layout.first_data_row,
            rows=layout.rows,
            chunks=generator.chunks(layout.sheet.id),
            field_ids=layout.sheet.field_ids(),
            label=layout.title,
        )
        for layout in layouts
        if layout.rows
    ]
    write_package(skeleton, output, streams, progress=progress)
    return BuildResult(
        path=output,
        template=spec.name,
        lang=lang,
        rows={layout.title: layout.rows for layout in layouts},
        seconds=time.perf_counter() - started,
    )


def _skeleton(
    spec: Spec, layouts: list[SheetLayout], lang: Lang, protect: bool
) -> tuple[bytes, dict[str, str]]:
    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.title = spec.title.get(lang)
    wb.properties.creator = "xl-crm"
    wb.properties.subject = spec.description.get(lang) if spec.description else None
    from xl_crm import __version__

    for name, value in (
        (PROP_TEMPLATE, spec.name),
        (PROP_LANG, lang),
        (PROP_VERSION, __version__),
    ):
        wb.custom_doc_props.append(StringProperty(name=name, value=value))

    lists = _ListsSheet(lang)
    for layout in layouts:
        _data_sheet(wb.create_sheet(layout.title), spec, layout, lists, protect)
    _instructions(wb.create_sheet(INSTRUCTIONS_TITLE[lang]), spec, layouts, lang)
    lists.write(wb.create_sheet(LISTS_SHEET))
    wb.active = 0
    buffer = io.BytesIO()
    wb.save(buffer)
    data = buffer.getvalue()
    parts = sheet_parts(data)
    return data, {layout.sheet.id: parts[layout.title] for layout in layouts}


class _ListsSheet:
    """The hidden sheet that feeds the dropdowns: one column per choice field."""

    def __init__(self, lang: Lang) -> None:
        self.lang = lang
        self.columns: list[tuple[str, list[str]]] = []

    def add(self, sheet: SheetSpec, f: FieldSpec) -> str:
        self.columns.append((f"{sheet.id}.{f.id}", f.choice_labels(self.lang)))
        col = get_column_letter(len(self.columns))
        last = 1 + len(f.choices)
        return f"{quote_sheetname(LISTS_SHEET)}!${col}$2:${col}${last}"

    def write(self, ws) -> None:
        for col, (name, labels) in enumerate(self.columns, start=1):
            put_text(ws, 1, col, name)
            for row, label in enumerate(labels, start=2):
                put_text(ws, row, col, label)
        ws.sheet_state = "hidden"
        ws.protection.sheet = True


def _data_sheet(ws, spec: Spec, layout: SheetLayout, lists: _ListsSheet, protect: bool) -> None:
    sheet, lang = layout.sheet, layout.lang
    header_row = layout.header_row
    has_computed = any(f.computed for f in sheet.fields)
    if layout.band_row:
        _band(ws, layout)
    for i, (letter, f) in enumerate(layout.columns(), start=1):
        cell = put_text(ws, header_row, i, f.header(lang))
        cell.font = S.HEADER_FONT
        cell.fill = (
            S.COMPUTED_HEADER_FILL
            if f.computed
            else S.REQUIRED_FILL
            if f.required
            else S.HEADER_FILL
        )
        cell.alignment = S.CENTER
        cell.border = S.HEADER_BORDER
        comment = Comment(describe_field(f, lang, both=True), "xl-crm")
        comment.width, comment.height = 260, 130
        cell.comment = comment
        dim = ws.column_dimensions[letter]
        dim.width = column_width(f, lang)
        dim.number_format = f.ftype.number_format
        dim.protection = Protection(locked=bool(f.computed))
        if f.computed:
            dim.fill = S.COMPUTED_FILL
        if layout.rows:  # the prototype row: streaming copies its cell styles
            proto = ws[f"{letter}{layout.first_data_row}"]
            proto.value = _prototype_value(f)
            proto.number_format = f.ftype.number_format
            proto.protection = Protection(locked=bool(f.computed))
            if f.computed:
                proto.fill = S.COMPUTED_FILL
        _validation(ws, layout, letter, f, lists)
    ws.row_dimensions[header_row].height = 30
    ws.freeze_panes = f"B{layout.first_data_row}"
    _conditional_formats(ws, layout)
    table = Table(displayName=f"tbl_{sheet.id}", ref=layout.table_ref)
    # name the columns here: left to openpyxl, it would create every cell of the range
    table.tableColumns = [
        TableColumn(id=i, name=f.header(lang)) for i, f in enumerate(sheet.fields, start=1)
    ]
    table.autoFilter = AutoFilter(ref=layout.table_ref, sortState=_sort_state(layout))
    table.tableStyleInfo = TableStyleInfo(
        name=S.TABLE_STYLE, showRowStripes=True, showColumnStripes=False
    )
    ws.add_table(table)
    if protect and has_computed:
        p = ws.protection
        p.sheet = True
        # allowed while protected: everything except editing locked (computed) cells
        for option in (
            "formatCells",
            "formatColumns",
            "formatRows",
            "insertRows",
            "deleteRows",
            "insertHyperlinks",
            "sort",
            "autoFilter",
        ):
            setattr(p, option, False)


def _sort_state(layout: SheetLayout) -> SortState | None:
    """The sheet's sort order, shown on the table's filter buttons."""
    keys = [k for k in layout.sheet.sort if k.field in layout.sheet.field_ids()]
    if not keys:
        return None
    first, last = layout.first_data_row, layout.last_data_row
    conditions = [
        SortCondition(
            ref=f"{layout.letter(k.field)}{first}:{layout.letter(k.field)}{last}",
            descending=k.order == "desc",
        )
        for k in keys
    ]
    return SortState(ref=f"A{first}:{layout.last_column}{last}", sortCondition=conditions)


def put_text(ws, row: int, column: int, text: str):
    """Write ``text`` as text: openpyxl would store "=..." as a formula."""
    cell = ws.cell(row=row, column=column)
    cell.value = text
    cell.data_type = "s"
    return cell


def _band(ws, layout: SheetLayout) -> None:
    row = layout.band_row
    groups = {g.id: g for g in layout.sheet.groups}
    for n, (gid, start, end) in enumerate(layout.group_runs()):
        cell = put_text(ws, row, start, groups[gid].label.get(layout.lang))
        cell.font = S.BAND_FONT
        cell.fill = S.BAND_FILLS[n % len(S.BAND_FILLS)]
        cell.alignment = S.CENTER
        for col in range(start, end + 1):
            ws.cell(row=row, column=col).fill = S.BAND_FILLS[n % len(S.BAND_FILLS)]
            ws.cell(row=row, column=col).border = S.HEADER_BORDER
        if end > start:
            ws.merge_cells(start_row=row, start_column=start, end_row=row, end_column=end)
    ws.row_dimensions[row].height = 22


def _prototype_value(f: FieldSpec):
    storage = f.ftype.storage
    if storage in ("integer", "number", "date", "datetime"):
        return 0
    if storage == "boolean":
        return False
    return "-"


def _validation(ws, layout: SheetLayout, letter: str, f: FieldSpec, lists: _ListsSheet) -> None:
    lang = layout.lang
    storage = f.ftype.storage
    max_len = f.effective_max_length
    kwargs: dict = {}
    if f.type == "choice":
        kwargs = {"type": "list", "formula1": lists.add(layout.sheet, f)}
    elif f.ftype.fixed_length:
        kwargs = {"type": "textLength", "operator": "equal", "formula1": str(f.ftype.fixed_length)}
    elif storage == "text" and max_len:
        kwargs = {"type": "textLength", "operator": "lessThanOrEqual", "formula1": str(max_len)}
    elif storage in ("integer", "number"):
        kind = "whole" if storage == "integer" else "decimal"
        lo = f.min_value if f.min_value is not None else -1e15
        hi = f.max_value if f.max_value is not None else 1e15
        kwargs = {"type": kind, "operator": "between", "formula1": _num(lo), "formula2": _num(hi)}
    elif storage in ("date", "datetime"):
        kwargs = {"type": "date", "operator": "between", "formula1": "1", "formula2": "2958465"}
    elif storage == "boolean":
        kwargs = {"type": "list", "formula1": '"TRUE,FALSE"'}
    if not kwargs:
        return
    dv = DataValidation(
        allow_blank=not f.required,
        showInputMessage=True,
        showErrorMessage=True,
        errorStyle="stop" if f.severity == "error" else "warning",
        promptTitle=_clip(f.header(lang), 32),
        prompt=_clip(describe_field(f, lang), 255),
        errorTitle=_clip(t("invalid_value", lang), 32),
        error=_clip(_error_text(f, lang), 225),
        **kwargs,
    )
    dv.add(layout.data_range(f.id))
    ws.add_data_validation(dv)


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _error_text(f: FieldSpec, lang: Lang) -> str:
    kind = TYPE_LABELS[f.type][0 if lang == "zh" else 1]
    if f.type == "choice":
        return t("error_choice", lang).format(header=f.header(lang))
    if f.ftype.fixed_length:
        return t("error_fixed", lang).format(
            header=f.header(lang), kind=kind, n=f.ftype.fixed_length
        )
    if f.ftype.storage == "text":
        return t("error_length", lang).format(header=f.header(lang), n=f.effective_max_length)
    return t("error_type", lang).format(header=f.header(lang), kind=kind)


def _conditional_formats(ws, layout: SheetLayout) -> None:
    sheet = layout.sheet
    duplicate = DifferentialStyle(fill=S.DUPLICATE_FILL, font=S.DUPLICATE_FONT)
    overdue = DifferentialStyle(fill=S.OVERDUE_FILL, font=S.OVERDUE_FONT)
    for f in sheet.fields:
        if f.unique or sheet.key == f.id:
            ws.conditional_formatting.add(
                layout.data_range(f.id), Rule(type="duplicateValues", dxf=duplicate)
            )
        if f.highlight_overdue:
            cell = f"{layout.letter(f.id)}{layout.first_data_row}"
            rule = FormulaRule(formula=[f"AND(ISNUMBER({cell}),{cell}<TODAY())"])
            rule.dxf = overdue
            ws.conditional_formatting.add(layout.data_range(f.id), rule)


def _instructions(ws, spec: Spec, layouts: list[SheetLayout], lang: Lang) -> None:
    put_text(ws, 1, 1, f"{spec.title.get(lang)} · {t('instructions', lang)}").font = S.TITLE_FONT
    row = 2
    if spec.description:
        put_text(ws, row, 1, spec.description.get(lang))
        row += 1
    for line in t("how_to", lang).split("\n"):
        put_text(ws, row, 1, line)
        row += 1
    headers = t("dictionary_headers", lang).split("|")
    widths = [14, 20, 20, 14, 8, 8, 10, 34, 44, 14, 26]
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    for layout in layouts:
        row += 1
        sheet = layout.sheet
        title = f"{layout.title} ({sheet.label.get('en' if lang == 'zh' else 'zh')})"
        put_text(ws, row, 1, title).font = S.SECTION_FONT
        row += 1
        if sheet.description:
            put_text(ws, row, 1, sheet.description.get(lang))
            row += 1
        for col, text in enumerate(headers, start=1):
            cell = put_text(ws, row, col, text)
            cell.font = S.HEADER_FONT
            cell.fill = S.HEADER_FILL
            cell.alignment = S.CENTER
        row += 1
        groups = {g.id: g.label.get(lang) for g in sheet.groups}
        for letter, f in layout.columns():
            kind = TYPE_LABELS[f.type][0 if lang == "zh" else 1]
            values = [
                letter,
                f.label.zh,
                f.label.en,
                kind,
                t("yes", lang) if (f.required or sheet.key == f.id) else "",
                t("yes", lang) if (f.unique or sheet.key == f.id) else "",
                f.effective_max_length or "",
                "、".join(f.choice_labels(lang)) if f.choices else "",
                describe_field(f, lang, short=True),
                groups.get(f.group, "") if f.group else "",
                ", ".join(f.aliases),
            ]
            for col, value in enumerate(values, start=1):
                cell = ws.cell(row=row, column=col, value=value)
                cell.alignment = S.WRAP_TOP
                if isinstance(value, str):
                    cell.data_type = "s"
            row += 1
    ws.sheet_view.showGridLines = False
