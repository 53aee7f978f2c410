"""Validation findings and the report: data, not exceptions.

A :class:`Finding` is one problem at one cell (or one header) under one rule.  A
:class:`Report` holds the findings of a workbook with counts, a data-quality score and
the exit code the CLI uses: 0 when no finding has error severity, 1 when some do.  The
JSON form is stable and documented in ``docs/report-schema.md``.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, TextIO

import numpy as np

from xl_crm.results import csv_safe

if TYPE_CHECKING:
    from xl_crm.validation.bounded import FindingBatch
    from xl_crm.view.matching import BookMapping

REPORT_SCHEMA_VERSION = 1


def sheet_ref(name: str) -> str:
    """A sheet's name as a reference writes it before ``!``: quoted (``'Q1 data'``) when
    Excel needs quotes; ``""`` for no sheet."""
    if name and (any(c in name for c in " -!'()") or not name.isidentifier()):
        return "'" + name.replace("'", "''") + "'"
    return name


@dataclass(frozen=True)
class Finding:
    """One problem at one cell (or header) under one rule of docs/rules.md, with its
    message and fix in Chinese and English (docs/report-schema.md describes each field)."""

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
        return f"{sheet_ref(self.sheet)}!{self.cell}"

    def message(self, lang: str) -> str:
        return self.message_zh if lang == "zh" else self.message_en

    def hint(self, lang: str) -> str:
        return self.hint_zh if lang == "zh" else self.hint_en

    def to_dict(self) -> dict[str, Any]:
        """The finding's fields and ``where``, as the JSON report writes them."""
        data = {name: getattr(self, name) for name in FINDING_FIELDS}
        data["where"] = self.where
        return data


FINDING_FIELDS = tuple(f.name for f in fields(Finding))
#: the columns of :meth:`Report.to_csv`, one line per finding
FINDING_COLUMNS = ("where", *FINDING_FIELDS)
_ENCODE = json.JSONEncoder(ensure_ascii=False).encode
_JSON_KEYS = tuple(json.dumps(n) + ": " for n in (*FINDING_FIELDS, "where"))
#: positions in a record (FINDING_FIELDS, then where) that differ between the findings of
#: one batch; the others are the same for all of them
_VARYING = tuple(
    i
    for i, n in enumerate((*FINDING_FIELDS, "where"))
    if n in ("cell", "row", "key", "value", "message_zh", "message_en", "where")
)
assert _VARYING == (3, 4, 8, 9, 10, 11, 14)  # the positions json_lines fills in
_STR = json.encoder.encode_basestring  # C-accelerated, ensure_ascii=False


def _json(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):
        return _STR(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def json_lines(records: list[tuple]) -> list[str]:
    """Findings of one batch as JSON objects (the same as ``Finding.to_dict``), the parts
    they share encoded once."""
    if not records:
        return []
    first = records[0]
    template = (
        "{"
        + ", ".join(
            key + ("%s" if i in _VARYING else _json(first[i]).replace("%", "%%"))
            for i, key in enumerate(_JSON_KEYS)
        )
        + "}"
    )
    enc = _STR
    # cell, row, key, value, message_zh, message_en, where
    return [
        template % (enc(r[3]), r[4], _json(r[8]), _json(r[9]), enc(r[10]), enc(r[11]), enc(r[14]))
        for r in records
    ]


_CELL = re.compile(r"([A-Z]+)(\d+)")


def _distinct(values: np.ndarray) -> int:
    """How many distinct values ``values`` holds (by sorting: numpy's hashing ``unique``
    takes seconds for a million rows)."""
    if len(values) < 2:
        return len(values)
    ordered = np.sort(values)
    return int(1 + np.count_nonzero(ordered[1:] != ordered[:-1]))


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
    #: the findings past the bound on Finding objects per rule and column (``findings``
    #: holds the first ones): counted in every total, written in full by
    #: :meth:`write_json` / :meth:`write_csv` (see :mod:`xl_crm.validation.bounded`)
    more: list[FindingBatch] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Every finding: those in ``findings`` and those kept as rows in ``more``."""
        return len(self.findings) + sum(len(b) for b in self.more)

    def all_findings(self) -> Iterator[Finding]:
        """Every finding: ``findings``, then those of ``more`` built as they are read (a
        report with a million findings never holds them all at once)."""
        yield from self.findings
        for batch in self.more:
            yield from batch.findings()

    def _count(self, severity: str) -> int:
        built = sum(1 for f in self.findings if f.severity == severity)
        return built + sum(len(b) for b in self.more if b.severity == severity)

    @property
    def errors(self) -> int:
        return self._count("error")

    @property
    def warnings(self) -> int:
        return self._count("warning")

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
        whole = [f for f in self.findings if f.severity == "error" and not f.row]
        unchecked = sum(max(self.rows.get(f.sheet, 0), 1) for f in whole)
        total = self.cells + unchecked
        if not total:
            return 100.0
        good = max(total - self._bad_cells() - unchecked, 0)
        return (good * 10_000 // total) / 100

    def _bad_cells(self) -> int:
        """Distinct cells with an error finding on a row, batches included."""
        rows: dict[tuple[str, str], list] = {}
        other: set[tuple[str, str]] = set()
        for f in self.findings:
            if f.severity == "error" and f.row:
                m = _CELL.fullmatch(f.cell)
                if m:
                    rows.setdefault((f.sheet, m.group(1)), []).append([int(m.group(2))])
                else:
                    other.add((f.sheet, f.cell))
        for b in self.more:
            if b.severity == "error" and b.column:
                rows.setdefault((b.sheet, b.column), []).append(b.rows)
        return len(other) + sum(_distinct(np.concatenate(r)) for r in rows.values())

    def counts_by_rule(self) -> dict[str, int]:
        counts = Counter(f.rule for f in self.findings)
        for b in self.more:
            counts[b.rule] += len(b)
        return dict(counts.most_common())

    def counts_by_field(self) -> dict[str, int]:
        counts = Counter(
            f"{f.sheet}.{f.header or f.field}" if f.sheet else f"{f.header or f.field}"
            for f in self.findings
        )
        for b in self.more:
            counts[f"{b.sheet}.{b.label}"] += len(b)
        return dict(counts.most_common())

    def to_dict(self) -> dict[str, Any]:
        """The JSON report as a dict (docs/report-schema.md), every finding included;
        for a large report :meth:`write_json` streams the same to a file."""
        data = self._head()
        data["findings"] = [f.to_dict() for f in self.all_findings()]
        return data

    def _head(self) -> dict[str, Any]:
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
        }

    def write_json(self, out: TextIO) -> None:
        """Write the JSON report (:meth:`to_dict`) to the text file ``out``, one finding
        per line, building the findings of ``more`` a chunk at a time."""
        head = json.dumps(self._head(), ensure_ascii=False, indent=2)
        out.write(head[: head.rindex("}")].rstrip() + ',\n  "findings": [')
        chunks = [",\n    ".join(_ENCODE(f.to_dict()) for f in self.findings)]
        chunks = itertools.chain(chunks, *(b.json_texts() for b in self.more))
        first = True
        for text in chunks:
            if text:
                out.write(("\n    " if first else ",\n    ") + text)
                first = False
        out.write("]\n}\n" if first else "\n  ]\n}\n")

    def to_json(self) -> str:
        """The JSON report as one string (:meth:`write_json`)."""
        buffer = io.StringIO()
        self.write_json(buffer)
        return buffer.getvalue()

    def write_csv(self, out: TextIO) -> None:
        """Write every finding as a CSV row (:data:`FINDING_COLUMNS`) to the text file ``out``
        (opened with ``newline=""``); text a spreadsheet would run as a formula is
        escaped."""
        writer = csv.writer(out)
        writer.writerow(FINDING_COLUMNS)
        for f in self.findings:
            data = f.to_dict()
            writer.writerow([csv_safe(data[c]) for c in FINDING_COLUMNS])
        for batch in self.more:
            for records in batch.records():
                # a record is FINDING_FIELDS then where; the CSV starts with where
                writer.writerows([csv_safe(r[-1]), *map(csv_safe, r[:-1])] for r in records)

    def to_csv(self) -> str:
        """The CSV report as one string (:meth:`write_csv`)."""
        buffer = io.StringIO()
        self.write_csv(buffer)
        return buffer.getvalue()
