"""Findings past the report's bound, kept as row arrays instead of Finding objects.

A sheet where a whole column is wrong has a finding per row: a million Finding objects,
each with four messages, would cost more than reading and checking the sheet.  So each
producer of findings builds at most ``SheetContext.limit`` Finding objects per rule and
column (:data:`xl_crm.validation.context.FINDINGS_PER_RULE`) and hands the remaining rows
to a :class:`FindingBatch`: their Excel rows as a numpy array plus the function that builds
their findings.  The report counts batches exactly (errors, warnings, score, per rule and
per field) and builds their findings only while writing the JSON or CSV report, a chunk
of rows at a time (:meth:`xl_crm.validation.report.Report.write_json`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from xl_crm.validation.context import SheetContext
from xl_crm.validation.findings import CellRows
from xl_crm.validation.report import Finding

__all__ = ["CHUNK_ROWS", "FindingBatch", "bounded"]

#: rows whose findings are built at once while a batch is written out
CHUNK_ROWS = 8192

Build = Callable[[np.ndarray], CellRows]


@dataclass
class FindingBatch:
    """The findings of one rule on one column of one sheet past the report's bound.

    ``rule``, ``severity``, ``sheet``, ``column`` (letter, None for a whole-sheet rule)
    and ``label`` (the header or field id the report groups by) are the same for every
    finding; ``rows`` holds their Excel rows (int64, ascending); ``build`` turns some of
    those rows into :class:`xl_crm.validation.findings.CellRows`, exactly as the bounded
    ones were built.
    """

    rule: str
    severity: str
    sheet: str
    column: str | None
    label: str | None
    rows: np.ndarray
    build: Build

    def __len__(self) -> int:
        return len(self.rows)

    def findings(self, chunk: int = CHUNK_ROWS) -> Iterator[Finding]:
        """Every finding of the batch, built ``chunk`` rows at a time."""
        for start in range(0, len(self.rows), chunk):
            yield from self.build(self.rows[start : start + chunk]).findings()

    def json_texts(self, chunk: int = CHUNK_ROWS) -> Iterator[str]:
        """The findings as the JSON report lists them (:meth:`CellRows.json_text`), a
        text per ``chunk`` rows."""
        for start in range(0, len(self.rows), chunk):
            yield self.build(self.rows[start : start + chunk]).json_text()

    def records(self, chunk: int = CHUNK_ROWS) -> Iterator[list[tuple]]:
        """The findings as tuples (:meth:`CellRows.records`), a list per ``chunk`` rows."""
        for start in range(0, len(self.rows), chunk):
            yield self.build(self.rows[start : start + chunk]).records()


def bounded(
    ctx: SheetContext,
    rows: Sequence[int] | np.ndarray,
    build: Build,
    *,
    rule: str,
    severity: str,
    sheet: str,
    column: str | None,
    label: str | None,
) -> list[Finding]:
    """The findings of the first ``ctx.limit`` of ``rows`` (built now by ``build``); the
    other rows go to ``ctx.overflow`` as one :class:`FindingBatch` with the same ``build``.
    ``rows``: Excel rows of one rule on one column, in the order findings are reported."""
    rows = np.asarray(rows, dtype=np.int64)
    first, rest = rows[: ctx.limit], rows[ctx.limit :]
    if len(rest):
        ctx.overflow.append(FindingBatch(rule, severity, sheet, column, label, rest, build))
    return build(first).findings() if len(first) else []
