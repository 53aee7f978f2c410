"""The ``spreadsheets.batchUpdate`` requests that lay out one template sheet in a Google
Sheet: what :func:`sheets_sync.build.build_sheet` sends.

The layout is the .xlsx builder's (:class:`xl_crm.xlsx.layout.SheetLayout`: the field
group band in row 1 when the sheet has groups, the header below it, data from the next
row), with its words (:mod:`xl_crm.xlsx.texts`), widths and colours
(:mod:`xl_crm.xlsx.styles`), so a sheet and a workbook built from one template put every
field in the same cell and findings name the same cells.  In Sheets terms:

- the grid: exactly the template's columns, the header and band rows plus the data rows
  asked for (``addSheet``, or ``updateSheetProperties`` growing a reused empty sheet);
  frozen header rows and first column;
- band and header cells (``updateCells``: text as ``stringValue``, never parsed, so a
  header starting with ``=`` stays text), merged band cells, the field help as the
  header's note;
- per column over the data rows: the number format (:func:`number_format`), the input
  rule (:func:`input_rule`), the pixel width, duplicate and overdue highlighting
  (``addConditionalFormatRule``), computed columns grey and protected with a warning
  (``addProtectedRange``, ``warningOnly``: the API and ``xl-crm compute`` still write);
- a basic filter over the header and data rows;
- sample rows (``updateCells`` of values only, in blocks of :data:`SAMPLE_BLOCK` rows).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape
from typing import Any

from sheets_sync.cells import colour, pixels
from xl_crm.fields.types import TEXT_FORMAT
from xl_crm.sample.rows import SampleColumn, SampleGenerator
from xl_crm.specs.model import FieldSpec
from xl_crm.xlsx import styles as S
from xl_crm.xlsx.layout import SheetLayout, column_width
from xl_crm.xlsx.texts import describe_field, t

__all__ = ["SAMPLE_BLOCK", "SheetPlan", "input_rule", "number_format", "sheet_requests"]

#: sample rows per ``updateCells`` request (bodies are then packed under the size cap)
SAMPLE_BLOCK = 2000
#: row heights in pixels: the header's (30 pt in the .xlsx) and the band's (22 pt)
HEADER_PIXELS, BAND_PIXELS = 40, 29
_CURRENCY = re.compile(r"^([¥￥$€£])")
_TEXT_FIELDS = "userEnteredValue,userEnteredFormat,note"


@dataclass
class SheetPlan:
    """One template sheet to lay out: its ``layout`` (fields, band and header rows, words
    in the layout's language), the ``sheet_id`` it gets (or has, when ``reused``), the grid
    ``rows`` (header and band rows included) and ``sample`` rows of data."""

    layout: SheetLayout
    sheet_id: int
    index: int
    rows: int
    sample: int = 0
    reused: tuple[int, int] | None = None  # the reused sheet's grid (rows, columns)

    @property
    def title(self) -> str:
        return self.layout.title

    @property
    def columns(self) -> int:
        return len(self.layout.sheet.fields)

    def span(self, r0: int, r1: int, c0: int, c1: int) -> dict[str, Any]:
        """A GridRange of this sheet (0-based, ends excluded)."""
        return {
            "sheetId": self.sheet_id,
            "startRowIndex": r0,
            "endRowIndex": r1,
            "startColumnIndex": c0,
            "endColumnIndex": c1,
        }

    def data(self, column: int) -> dict[str, Any]:
        """The data rows of ``column`` (1-based) as a GridRange."""
        return self.span(self.layout.header_row, self.rows, column - 1, column)


def number_format(f: FieldSpec) -> dict[str, Any] | None:
    """The Sheets ``NumberFormat`` of ``f``'s column, from the field type's Excel code:
    ``@`` is TEXT (identifiers typed as ``007`` stay text), dates DATE / DATE_TIME (so
    their serials read back as dates), a leading currency sign CURRENCY with the sign as
    ``[$¥]`` (Sheets' pattern syntax), other codes NUMBER; None for ``General``."""
    code, storage = f.ftype.number_format, f.ftype.storage
    if code == "General":
        return None
    if code == TEXT_FORMAT:
        return {"type": "TEXT", "pattern": TEXT_FORMAT}
    if storage == "date":
        return {"type": "DATE", "pattern": code}
    if storage == "datetime":
        return {"type": "DATE_TIME", "pattern": code}
    if m := _CURRENCY.match(code):
        return {"type": "CURRENCY", "pattern": f"[${m.group(1)}]{code[1:]}"}
    return {"type": "NUMBER", "pattern": code}


def _num(value: float) -> str:
    """A bound as a formula and a condition take it (``-1000000000000000``, ``0.5``)."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _formula_text(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def input_rule(f: FieldSpec, cell: str, lang: str) -> dict[str, Any] | None:
    """The ``DataValidationRule`` of ``f``'s data cells, the .xlsx builder's rules in
    Sheets' terms; ``cell`` is the first data cell (``C3``), which custom formulas are
    relative to.  Rejecting (``strict``) for fields of severity error, a warning
    otherwise; the field's help as the input message.

    - choice: ``ONE_OF_LIST`` of the labels, shown as a dropdown (``showCustomUi``);
    - multi_choice: the Sheets API has no multi-select dropdown (``DataValidationRule``
      has only ``condition``, ``inputMessage``, ``strict`` and ``showCustomUi``), so a
      ``CUSTOM_FORMULA`` accepts labels joined by the field's separator
      (``REGEXMATCH``), and the note and input message list them;
    - text: its length (exact for ID numbers and credit codes); numbers
      ``NUMBER_BETWEEN`` (whole numbers by formula); dates ``DATE_IS_VALID``; yes/no
      ``BOOLEAN`` (a checkbox)."""
    storage = f.ftype.storage
    longest = f.effective_max_length
    condition: dict[str, Any]
    if f.type == "choice" and f.choices:
        values = [{"userEnteredValue": label} for label in f.choice_labels(lang)]  # type: ignore[arg-type]
        condition = {"type": "ONE_OF_LIST", "values": values}
    elif f.type == "multi_choice" and f.choices:
        one = "(?:" + "|".join(re.escape(c) for c in f.choice_labels(lang)) + ")"  # type: ignore[arg-type]
        pattern = f"^{one}(?:{re.escape(f.separator)}{one})*$"
        formula = f'=OR({cell}="",REGEXMATCH({cell},{_formula_text(pattern)}))'
        condition = {"type": "CUSTOM_FORMULA", "values": [{"userEnteredValue": formula}]}
    elif f.ftype.fixed_length:
        formula = f'=OR({cell}="",LEN({cell})={f.ftype.fixed_length})'
        condition = {"type": "CUSTOM_FORMULA", "values": [{"userEnteredValue": formula}]}
    elif storage == "text" and longest:
        formula = f"=LEN({cell})<={longest}"
        condition = {"type": "CUSTOM_FORMULA", "values": [{"userEnteredValue": formula}]}
    elif storage in ("integer", "number"):
        lo = f.min_value if f.min_value is not None else -1e15
        hi = f.max_value if f.max_value is not None else 1e15
        if storage == "integer":
            formula = (
                f"=AND(ISNUMBER({cell}),{cell}=INT({cell}),{cell}>={_num(lo)},{cell}<={_num(hi)})"
            )
            condition = {"type": "CUSTOM_FORMULA", "values": [{"userEnteredValue": formula}]}
        else:
            condition = {
                "type": "NUMBER_BETWEEN",
                "values": [{"userEnteredValue": _num(lo)}, {"userEnteredValue": _num(hi)}],
            }
    elif storage in ("date", "datetime"):
        condition = {"type": "DATE_IS_VALID"}
    elif storage == "boolean":
        condition = {"type": "BOOLEAN"}
    else:
        return None
    return {
        "condition": condition,
        "inputMessage": describe_field(f, lang),  # type: ignore[arg-type]
        "strict": f.severity == "error",
        "showCustomUi": condition["type"] in ("ONE_OF_LIST", "BOOLEAN"),
    }


def _text_cell(text: str, fill: Any, font: Any, note: str | None = None) -> dict[str, Any]:
    fmt = {
        "backgroundColor": colour(fill.fgColor.rgb),
        "textFormat": {"bold": bool(font.b), "foregroundColor": colour(font.color.rgb)},
        "horizontalAlignment": "CENTER",
        "verticalAlignment": "MIDDLE",
        "wrapStrategy": "WRAP",
    }
    cell: dict[str, Any] = {"userEnteredValue": {"stringValue": text}, "userEnteredFormat": fmt}
    if note:
        cell["note"] = note
    return cell


def _row_height(plan: SheetPlan, row: int, size: int) -> dict[str, Any]:
    span = {"sheetId": plan.sheet_id, "dimension": "ROWS", "startIndex": row - 1, "endIndex": row}
    return {
        "updateDimensionProperties": {
            "range": span,
            "properties": {"pixelSize": size},
            "fields": "pixelSize",
        }
    }


def _grid(plan: SheetPlan) -> tuple[dict[str, Any], str]:
    """The grid properties and their field mask: a reused sheet is only ever grown."""
    layout = plan.layout
    frozen_column = 0 if any(a == 1 < b for _, a, b in layout.group_runs()) else 1
    rows, columns = plan.rows, plan.columns
    if plan.reused:
        rows, columns = max(rows, plan.reused[0]), max(columns, plan.reused[1])
    grid = {
        "rowCount": rows,
        "columnCount": columns,
        "frozenRowCount": layout.header_row,
        "frozenColumnCount": frozen_column,
    }
    return grid, ",".join(f"gridProperties.{k}" for k in grid)


def _sheet(plan: SheetPlan) -> list[dict[str, Any]]:
    grid, mask = _grid(plan)
    props = {"sheetId": plan.sheet_id, "gridProperties": grid}
    if not plan.reused:
        props |= {"title": plan.title, "index": plan.index}
        return [{"addSheet": {"properties": props}}]
    out: list[dict[str, Any]] = [{"updateSheetProperties": {"properties": props, "fields": mask}}]
    if plan.layout.band_row:
        out.append({"unmergeCells": {"range": plan.span(0, 1, 0, plan.columns)}})
    return out


def _band(plan: SheetPlan) -> list[dict[str, Any]]:
    layout = plan.layout
    if not layout.band_row:
        return []
    groups = {g.id: g.label.get(layout.lang) for g in layout.sheet.groups}
    cells: list[dict[str, Any]] = [{} for _ in range(plan.columns)]
    out: list[dict[str, Any]] = []
    for n, (gid, first, last) in enumerate(layout.group_runs()):
        fill = S.BAND_FILLS[n % len(S.BAND_FILLS)]
        cells[first - 1] = _text_cell(groups[gid], fill, S.BAND_FONT)
        for c in range(first, last):
            cells[c] = {"userEnteredFormat": {"backgroundColor": colour(fill.fgColor.rgb)}}
        if last > first:
            out.append(
                {
                    "mergeCells": {
                        "range": plan.span(0, 1, first - 1, last),
                        "mergeType": "MERGE_ALL",
                    }
                }
            )
    start = {"sheetId": plan.sheet_id, "rowIndex": 0, "columnIndex": 0}
    cells_request = {
        "updateCells": {"rows": [{"values": cells}], "start": start, "fields": _TEXT_FIELDS}
    }
    return [cells_request, *out, _row_height(plan, 1, BAND_PIXELS)]


def _header(plan: SheetPlan) -> list[dict[str, Any]]:
    layout = plan.layout
    cells = []
    for f in layout.sheet.fields:
        fill = (
            S.COMPUTED_HEADER_FILL
            if f.computed
            else S.REQUIRED_FILL
            if f.required
            else S.HEADER_FILL
        )
        note = describe_field(f, layout.lang, both=True)
        cells.append(_text_cell(f.header(layout.lang), fill, S.HEADER_FONT, note))
    start = {"sheetId": plan.sheet_id, "rowIndex": layout.header_row - 1, "columnIndex": 0}
    return [
        {"updateCells": {"rows": [{"values": cells}], "start": start, "fields": _TEXT_FIELDS}},
        _row_height(plan, layout.header_row, HEADER_PIXELS),
    ]


def _highlight(plan: SheetPlan, column: int, formula: str, fill: Any, font: Any) -> dict[str, Any]:
    fmt = {
        "backgroundColor": colour(fill.bgColor.rgb),
        "textFormat": {"bold": bool(font.b), "foregroundColor": colour(font.color.rgb)},
    }
    condition = {"type": "CUSTOM_FORMULA", "values": [{"userEnteredValue": formula}]}
    rule = {"ranges": [plan.data(column)], "booleanRule": {"condition": condition, "format": fmt}}
    return {"addConditionalFormatRule": {"index": 0, "rule": rule}}


def _column(plan: SheetPlan, column: int, f: FieldSpec) -> list[dict[str, Any]]:
    layout, sid = plan.layout, plan.sheet_id
    letter, first = layout.letter(f.id), layout.first_data_row
    cell = f"{letter}{first}"
    out: list[dict[str, Any]] = []
    fmt: dict[str, Any] = {}
    if code := number_format(f):
        fmt["numberFormat"] = code
    if f.computed:
        fmt["backgroundColor"] = colour(S.COMPUTED_FILL.fgColor.rgb)
    if fmt:
        mask = ",".join(f"userEnteredFormat.{k}" for k in fmt)
        out.append(
            {
                "repeatCell": {
                    "range": plan.data(column),
                    "cell": {"userEnteredFormat": fmt},
                    "fields": mask,
                }
            }
        )
    if rule := input_rule(f, cell, layout.lang):
        out.append({"setDataValidation": {"range": plan.data(column), "rule": rule}})
    span = {"sheetId": sid, "dimension": "COLUMNS", "startIndex": column - 1, "endIndex": column}
    width = {"pixelSize": pixels(column_width(f, layout.lang))}
    out.append(
        {"updateDimensionProperties": {"range": span, "properties": width, "fields": "pixelSize"}}
    )
    if f.unique or layout.sheet.key == f.id:
        rows = f"${letter}${first}:${letter}${plan.rows}"
        formula = f'=AND({cell}<>"",COUNTIF({rows},{cell})>1)'
        out.append(_highlight(plan, column, formula, S.DUPLICATE_FILL, S.DUPLICATE_FONT))
    if f.highlight_overdue:
        formula = f"=AND(ISNUMBER({cell}),{cell}<TODAY())"
        out.append(_highlight(plan, column, formula, S.OVERDUE_FILL, S.OVERDUE_FONT))
    if f.computed:
        what = f"{f.header(layout.lang)}: {t('computed', layout.lang)}"
        protected = {
            "range": plan.span(layout.header_row - 1, plan.rows, column - 1, column),
            "description": f"xl-crm · {what}",
            "warningOnly": True,
        }
        out.append({"addProtectedRange": {"protectedRange": protected}})
    return out


def sheet_requests(plan: SheetPlan) -> list[dict[str, Any]]:
    """The requests that add (or grow) and lay out ``plan``'s sheet, in order; the sample
    rows are :func:`sample_requests`."""
    out = _sheet(plan) + _band(plan) + _header(plan)
    for column, f in enumerate(plan.layout.sheet.fields, start=1):
        out += _column(plan, column, f)
    header = plan.layout.header_row
    out.append(
        {"setBasicFilter": {"filter": {"range": plan.span(header - 1, plan.rows, 0, plan.columns)}}}
    )
    return out


def _value(column: SampleColumn, value: str | None) -> dict[str, Any]:
    """One generated sample value (XML-escaped text, numbers and serial dates as text,
    ``1``/``0`` for booleans) as a Sheets ``CellData``."""
    if value is None:
        return {}
    if column.kind == "n":
        number = float(value)
        return {"userEnteredValue": {"numberValue": int(number) if number.is_integer() else number}}
    if column.kind == "b":
        return {"userEnteredValue": {"boolValue": value == "1"}}
    text = unescape(value) if "&" in value else value
    return {"userEnteredValue": {"stringValue": text}}


def sample_requests(plan: SheetPlan, generator: SampleGenerator) -> list[dict[str, Any]]:
    """``updateCells`` requests of the sample rows ``generator`` makes for ``plan``'s sheet
    (values only: the formats laid out before stay), :data:`SAMPLE_BLOCK` rows each."""
    out: list[dict[str, Any]] = []
    first = plan.layout.first_data_row - 1
    ids = plan.layout.sheet.field_ids()
    for start, columns in generator.chunks(plan.layout.sheet.id):
        cols = [columns[i] for i in ids]
        count = len(cols[0].values) if cols else 0
        for at in range(0, count, SAMPLE_BLOCK):
            rows = [
                {"values": [_value(c, c.values[r]) for c in cols]}
                for r in range(at, min(at + SAMPLE_BLOCK, count))
            ]
            where = {"sheetId": plan.sheet_id, "rowIndex": first + start + at, "columnIndex": 0}
            out.append(
                {"updateCells": {"rows": rows, "start": where, "fields": "userEnteredValue"}}
            )
    return out
