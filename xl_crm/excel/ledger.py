"""What the Excel medium keeps in the workbook and the small texts it builds.

- :class:`Ledger`: the cells xl-crm marked, kept in the hidden sheet :data:`LEDGER`, so the
  next run clears exactly those (Lite cannot read a fill or a note's text synchronously,
  so a mark cannot be recognised by its look, as the file medium recognises its own).
- :func:`setting`: a ``key | value`` row of the settings sheet ``xl-crm excel init`` adds.
- :func:`link_formula`: ``=HYPERLINK("#客户!B3","客户!B3")`` with both texts quoted as
  formula strings, the only formula the medium writes.
- :func:`excel_feature`: the error for what a runtime or xlwings version cannot do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from openpyxl.utils import get_column_letter

from xl_crm.errors import ExcelFeatureError

__all__ = [
    "LEDGER",
    "MARK_FILL",
    "Ledger",
    "column_letter",
    "excel_feature",
    "link_formula",
    "parse_cell",
    "setting",
]

#: the hidden sheet that lists the cells marked by the last run
LEDGER = "_xlcrm_marks"
#: the marks' fill: the file medium's MARK_COLOUR (light red, one step off Excel's preset)
MARK_FILL = "#FFC7CD"
TITLE = "xl-crm: cells marked by the last validation (used to clear them; do not edit)"
HEADER = ["sheet", "cell", "noted"]
_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


def column_letter(column: int) -> str:
    """The letter(s) of a 1-based column number: 1 -> A, 28 -> AB."""
    return get_column_letter(column)


def parse_cell(ref: str) -> str:
    """An A1 reference without ``$`` and in capitals (``$b$3`` -> ``B3``); other text as
    given."""
    m = _CELL.match(ref.strip())
    return f"{m.group(1).upper()}{m.group(2)}" if m else ref


def setting(rows: list[list[Any]], key: str) -> str | None:
    """The value of the row whose first cell is ``key`` (case and spaces ignored) in
    ``rows``, as text; None when there is no such row or its value is empty."""
    for row in rows:
        if row and isinstance(row[0], str) and row[0].strip().casefold() == key.casefold():
            value = row[1] if len(row) > 1 else None
            text = "" if value is None else str(value).strip()
            return text or None
    return None


def formula_text(text: str) -> str:
    """``text`` as a string inside a formula: in double quotes, quotes doubled."""
    return '"' + text.replace('"', '""') + '"'


def link_formula(target: str, text: str) -> str:
    """A formula linking to ``target`` (a cell of the book as the name box takes it,
    ``客户!B3``) and showing ``text``; both are formula strings, never formula code."""
    return f"=HYPERLINK({formula_text('#' + target)},{formula_text(text)})"


@dataclass
class Ledger:
    """The marks of the last run: (sheet, cell) -> whether the note is xl-crm's."""

    marks: dict[tuple[str, str], bool] = field(default_factory=dict)

    @classmethod
    def from_rows(cls, rows: list[list[Any]]) -> Ledger:
        """The ledger kept in ``rows`` (the :data:`LEDGER` sheet's cells); empty when the
        sheet is missing or not one of ours."""
        out = cls()
        start = next((i for i, r in enumerate(rows) if r[:2] == HEADER[:2]), None)
        if start is None:
            return out
        for row in rows[start + 1 :]:
            if len(row) >= 2 and isinstance(row[0], str) and isinstance(row[1], str):
                noted = row[2] if len(row) > 2 else False
                out.marks[(row[0], parse_cell(row[1]))] = noted is True or noted == 1
        return out

    def marks_on(self, sheets: set[str]) -> dict[tuple[str, str], bool]:
        """The marks on ``sheets``."""
        return {k: v for k, v in self.marks.items() if k[0] in sheets}

    def replace(self, sheets: set[str], marks: dict[tuple[str, str], bool]) -> None:
        """Forget the marks on ``sheets``, then keep ``marks``."""
        self.marks = {k: v for k, v in self.marks.items() if k[0] not in sheets}
        self.marks.update(marks)

    def to_rows(self) -> list[list[Any]]:
        """The ledger as the sheet's rows: a title, the header, one row per mark."""
        rows: list[list[Any]] = [[TITLE, None, None], list(HEADER)]
        rows += [[s, c, noted] for (s, c), noted in sorted(self.marks.items())]
        return rows


_FEATURES = {
    "formulas": (
        (
            "这个运行环境不能直接读取公式（xlwings Lite 需先异步读取）",
            "this runtime cannot read formulas synchronously (xlwings Lite reads them with await)",
        ),
        (
            "在 Lite 脚本中先 await XlwingsBook.load_formulas()",
            "in a Lite script, await XlwingsBook.load_formulas() first",
        ),
    ),
    "notes": (
        (
            "这个 Excel 不能添加批注（xlwings Lite 需要 ExcelApi 1.18）",
            "this Excel cannot add notes (xlwings Lite needs ExcelApi 1.18)",
        ),
        (
            "更新 Excel（Microsoft 365 或 Excel 网页版）后重试",
            "update Excel (Microsoft 365 or Excel on the web) and run it again",
        ),
    ),
    "dropdowns": (
        ("这个 xlwings 版本不能添加下拉列表", "this xlwings version cannot add dropdowns"),
        (
            "把 xlwings 升级到 0.37.8 或更高（Lite：requirements.txt）",
            "upgrade xlwings to 0.37.8 or later (Lite: requirements.txt)",
        ),
    ),
    "sorting": (
        ("这个 xlwings 版本不能排序", "this xlwings version cannot sort"),
        (
            "把 xlwings 升级到 0.37.8 或更高（Lite：requirements.txt）",
            "upgrade xlwings to 0.37.8 or later (Lite: requirements.txt)",
        ),
    ),
}


def excel_feature(file: str, what: str, exc: BaseException) -> ExcelFeatureError:
    """The error for ``what`` (``formulas``, ``notes``, ``dropdowns``, ``sorting``) that
    this runtime or xlwings version cannot do; ``exc`` is what xlwings raised."""
    (zh, en), hint = _FEATURES[what]
    return ExcelFeatureError((f"{zh}：{exc}", f"{en}: {exc}"), file=file, hint=hint)
