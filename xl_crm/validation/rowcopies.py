"""Rows that repeat an earlier row exactly: a warning (``duplicate-row``, the name
frictionless gives the same check), since an order entered twice counts twice.

Rows compare on every column the template reads, each as its typed value (``¥89.50`` and
89.5 are the same amount); a cell that could not be read compares by its text.
"""

from __future__ import annotations

import pandas as pd

from xl_crm.metrics.scores import exact_duplicates
from xl_crm.table import Table
from xl_crm.validation.bounded import bounded
from xl_crm.validation.context import SheetContext
from xl_crm.validation.findings import CellRows, row_keys, severity_of
from xl_crm.validation.report import Finding


def copied_rows(table: Table) -> pd.Series:
    """Excel row of each row that repeats an earlier one -> the row it copies."""
    frame = table.frame
    if table.issues:  # unreadable cells are missing in the frame: compare their text
        frame = frame.astype(object)
        for issue in table.issues:
            if issue.row in frame.index and issue.field in frame.columns:
                frame.at[issue.row, issue.field] = f"\0{issue.raw}"
    return exact_duplicates(frame)


def duplicate_row_findings(table: Table, ctx: SheetContext) -> list[Finding]:
    """One ``duplicate-row`` warning per copied row, at the row's first column (at most
    ``ctx.limit`` built; the rest go to ``ctx.overflow``)."""
    if ctx.distinct.get(table.sheet):  # a key filled and distinct in every row: no copies
        return []
    copies = copied_rows(table)
    if copies.empty:
        return []
    first = min(table.letters, key=lambda fid: (len(table.letters[fid]), table.letters[fid]))
    f = table.spec.field(first)

    def build(part) -> CellRows:
        values = table.frame[first].reindex(part).tolist()
        parts = [{"other": (str(other), str(other))} for other in copies.reindex(part).tolist()]
        keys = row_keys(table, part, ctx)
        return CellRows(table, ctx, "duplicate-row", f, part.tolist(), values, keys, parts)

    return bounded(
        ctx,
        copies.index.to_numpy(),
        build,
        rule="duplicate-row",
        severity=severity_of(ctx, "duplicate-row", f),
        sheet=table.sheet,
        column=table.letters[first],
        label=table.headers.get(first) or first,
    )
