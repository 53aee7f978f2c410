"""A validation report as a sheet of the book it checked (``xl-crm sheets validate
--report-tab``): one row per finding, written through :meth:`xl_crm.book.Book.add_sheet`,
so a team sharing a Google Sheet sees the findings beside its data.

The tab is rewritten on each run: a sheet of that name whose first row is a report tab's
header (in either language) is replaced; any other sheet of that name is refused by the
Book (:class:`xl_crm.errors.SheetNotWritableError`).  Values are written as values, never
as formulas (the medium writes text as text).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from xl_crm.table import NewColumn
from xl_crm.validation.report import Report

__all__ = ["TAB_NAME", "TAB_ROWS", "report_columns", "write_report_tab"]

#: the tab's name in each language
TAB_NAME = {"zh": "校验报告", "en": "Validation report"}
#: findings written at most (the rest are counted in a last row; --json/--csv hold all)
TAB_ROWS = 10_000
#: (zh header, en header, width in characters) of each column
COLUMNS = (
    ("位置", "Where", 14),
    ("级别", "Severity", 9),
    ("规则", "Rule", 18),
    ("字段", "Field", 14),
    ("值", "Value", 20),
    ("问题", "Problem", 48),
    ("修改建议", "How to fix", 48),
)
SEVERITY = {"error": ("错误", "error"), "warning": ("警告", "warning")}


def report_columns(report: Report, lang: str = "zh", limit: int = TAB_ROWS) -> list[NewColumn]:
    """The tab's columns for ``report`` in ``lang`` ('zh' or 'en'): where, severity, rule,
    field (its header as written), value (masked when the report is), problem and fix;
    the first ``limit`` findings, then one row counting the rest.  An empty report gives
    one row saying there was nothing to report."""
    pick = 0 if lang == "zh" else 1
    rows: list[list[Any]] = []
    for finding in report.all_findings():
        if len(rows) == limit:
            break
        rows.append(
            [
                finding.where,
                SEVERITY.get(finding.severity, (finding.severity,) * 2)[pick],
                finding.rule,
                finding.header or finding.field,
                finding.value,
                finding.message(lang),
                finding.hint(lang),
            ]
        )
    rest = report.total - len(rows)
    if rest > 0:
        more = (
            f"另有 {rest:,} 条问题：见 --json / --csv 报告",
            f"{rest:,} more findings: see the --json / --csv report",
        )
        rows.append([None] * 5 + [more[pick], None])
    if not rows:
        rows.append([None] * 5 + [("没有发现问题", "no findings")[pick], None])
    return [
        NewColumn(names[pick], pd.Series([r[i] for r in rows], dtype=object), width=width)
        for i, (*names, width) in enumerate(COLUMNS)
    ]


def is_report_tab(first_row: list[Any]) -> bool:
    """True when ``first_row`` is a report tab's header (either language)."""
    cells = [str(v) if v is not None else "" for v in first_row[: len(COLUMNS)]]
    return any(cells == [c[pick] for c in COLUMNS] for pick in (0, 1))


def write_report_tab(book: Any, report: Report, lang: str = "zh") -> str:
    """Write ``report`` into ``book`` (a :class:`xl_crm.book.Book`) as the tab
    :data:`TAB_NAME` in ``lang``, replacing an earlier report tab.  Returns the tab's name
    as the book spells it.  Raises :class:`xl_crm.errors.SheetNotWritableError` (from the
    Book) when a sheet of that name holds anything else."""
    return book.add_sheet(
        TAB_NAME["zh" if lang == "zh" else "en"],
        report_columns(report, lang),
        replace_if=is_report_tab,
    )
