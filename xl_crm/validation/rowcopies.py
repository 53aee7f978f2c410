"""Rows that repeat an earlier row exactly: a warning (``duplicate-row``, the name
frictionless gives the same check), since an order entered twice counts twice.

Rows compare on every column the template reads, each as its typed value (``¥89.50`` and
89.5 are the same amount); a cell that could not be read compares by its text.
"""

from __future__ import annotations

import pandas as pd

from xl_crm.metrics.scores import exact_duplicates
from xl_crm.table import Table
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


def duplicate_row_findings(table: Table, ctx) -> list[Finding]:
    """One ``duplicate-row`` warning per copied row, at the row's first column."""
    from xl_crm.validation.engine import make_finding

    copies = copied_rows(table)
    if copies.empty:
        return []
    first = min(table.letters, key=lambda fid: (len(table.letters[fid]), table.letters[fid]))
    f = table.spec.field(first)
    return [
        make_finding(
            table,
            ctx,
            "duplicate-row",
            f,
            int(row),
            table.frame.at[row, first],
            other=(str(other), str(other)),
        )
        for row, other in copies.items()
    ]
