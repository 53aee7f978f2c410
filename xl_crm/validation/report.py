"""Validation findings and the report: data, not exceptions.

A :class:`Finding` is one problem at one cell (or one header) under one rule.  A
:class:`Report` holds the findings of a workbook with counts, a data-quality score and
the exit code the CLI uses: 0 when no finding has error severity, 1 when some do.  The
JSON form is stable and documented in ``docs/report-schema.md``.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from xl_crm.results import csv_text

if TYPE_CHECKING:
    from xl_crm.view.matching import BookMapping

REPORT_SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Finding:
    rule: str  # slug from the rule catalogue
    severity: str  # "error" | "warning"
    sheet: str  # the sheet's name in the workbook
    cell: str  # A1 reference inside the sheet, e.g. "E17"
    row: int | None  # Excel row (None for whole-column findings)
    column: str | None  # column letter
    field: str | None  # field id in the template
    header: str | None  # the column's header as written
    key: str | None  # the row's key value (masked like value when asked)
    value: str | None  # the cell's value as text (masked for personal data with mask)
    message_zh: str
    message_en: str
    hint_zh: str
    hint_en: str

    @property
    def where(self) -> str:
        """``客户!E17``: the cell as a user types it in Excel's name box (``""`` for a
        finding about the whole workbook, such as a missing sheet)."""
        if not self.sheet:
            return self.cell
        name = self.sheet
        if any(c in name for c in " -!'()") or not name.isidentifier():
            name = "'" + name.replace("'", "''") + "'"
        return f"{name}!{self.cell}"

    def message(self, lang: str) -> str:
        return self.message_zh if lang == "zh" else self.message_en

    def hint(self, lang: str) -> str:
        return self.hint_zh if lang == "zh" else self.hint_en

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["where"] = self.where
        return data


#: the columns of :meth:`Report.to_csv`, one line per finding
FINDING_COLUMNS = [
    "where",
    "rule",
    "severity",
    "sheet",
    "cell",
    "row",
    "column",
    "field",
    "header",
    "key",
    "value",
    "message_zh",
    "message_en",
    "hint_zh",
    "hint_en",
]


@dataclass
class Report:
    """Everything one validation run found."""

    file: str
    template: str
    findings: list[Finding] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)  # sheet -> data rows checked
    cells: int = 0  # cells checked
    seconds: float = 0.0
    masked: bool = False
    #: sheet -> wholly blank rows inside the data, skipped
    blank_rows: dict[str, int] = field(default_factory=dict)
    #: sheet -> {how: cells}: cells read as their column's type after coercion
    #: ("text date": 4, "text number": 2, "full-width": 1)
    coerced: dict[str, dict[str, int]] = field(default_factory=dict)
    #: how the workbook's sheets and columns were matched to the template
    mapping: BookMapping | None = None

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == "warning")

    @property
    def valid(self) -> bool:
        return self.errors == 0

    @property
    def exit_code(self) -> int:
        return 0 if self.valid else 1

    @property
    def score(self) -> float:
        """Data-quality score 0-100 (two decimals, rounded down): the share of cells with no
        error finding.  An error without a row (a missing required column, a check that
        could not run, an empty sheet) counts as a whole column of bad cells (the sheet's
        rows, at least one) added to those checked, so a report with any error never
        scores 100.00."""
        bad = {(f.sheet, f.cell) for f in self.findings if f.severity == "error" and f.row}
        whole = [f for f in self.findings if f.severity == "error" and not f.row]
        unchecked = sum(max(self.rows.get(f.sheet, 0), 1) for f in whole)
        total = self.cells + unchecked
        if not total:
            return 100.0
        good = max(total - len(bad) - unchecked, 0)
        return (good * 10_000 // total) / 100

    def counts_by_rule(self) -> dict[str, int]:
        return dict(Counter(f.rule for f in self.findings).most_common())

    def counts_by_field(self) -> dict[str, int]:
        return dict(
            Counter(
                f"{f.sheet}.{f.header or f.field}" if f.sheet else f"{f.header or f.field}"
                for f in self.findings
            ).most_common()
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": REPORT_SCHEMA_VERSION,
            "file": self.file,
            "template": self.template,
            "valid": self.valid,
            "summary": {
                "errors": self.errors,
                "warnings": self.warnings,
                "score": self.score,
                "rows": self.rows,
                "cells": self.cells,
                "by_rule": self.counts_by_rule(),
                "by_field": self.counts_by_field(),
                "masked": self.masked,
                "blank_rows": self.blank_rows,
                "coerced": self.coerced,
            },
            "mapping": self.mapping.to_dict() if self.mapping is not None else None,
            "findings": [f.to_dict() for f in self.findings],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def to_csv(self) -> str:
        """Findings as CSV; text that a spreadsheet would run as a formula is escaped."""
        return csv_text(FINDING_COLUMNS, (f.to_dict() for f in self.findings))
