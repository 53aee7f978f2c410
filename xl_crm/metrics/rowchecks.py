"""The rows ``compute`` names instead of passing over silently: those it cannot use (an
empty or unreadable key, date or amount) and order rows that repeat an earlier row."""

from __future__ import annotations

from xl_crm.table import Table

__all__ = ["duplicate_orders", "unused_rows"]


def unused_rows(table: Table, needed: list[str]) -> list[tuple[str, str, str]]:
    """The rows of ``table`` that ``compute`` cannot use, each with the cell that stops it
    and why (zh, en): a value that could not be read (an Excel error, a formula without a
    value, text that is not a date or number) or an empty cell in one of the ``needed``
    fields (the customer key; on orders also the date and the amount).  Rows are named,
    never dropped silently."""
    needed = [fid for fid in needed if fid in table.frame.columns]
    issues = {(i.row, i.field): i for i in table.issues}
    out: list[tuple[str, str, str]] = []
    frame = table.frame[needed]
    missing = frame.isna()
    for row in frame.index[missing.any(axis=1).to_numpy()]:
        fid = next(c for c in needed if missing.at[row, c])
        header = table.headers.get(fid, fid)
        issue = issues.get((row, fid))
        if issue is None:
            zh, en = f"“{header}”为空", f"'{header}' is empty"
        elif issue.kind == "formula-error":
            zh, en = f"“{header}”是错误值 {issue.raw}", f"'{header}' holds the error {issue.raw}"
        elif issue.kind == "formula-no-value":
            zh = f"“{header}”是没有计算结果的公式"
            en = f"'{header}' is a formula without a computed value"
        else:
            zh = f"“{header}”的值“{issue.raw}”无法读取"
            en = f"'{header}' value '{issue.raw}' cannot be read"
        out.append((table.where(fid, int(row)), zh, en))
    return out


def duplicate_orders(orders: Table) -> list[tuple[str, str, str]]:
    """Order (or stay) rows that repeat an earlier row in every column the template reads
    (same customer, date, amount and the rest): (first cell of the row, zh, en).  They are
    counted in the metrics all the same; the warning lets the user check for a row
    entered twice."""
    from xl_crm.validation.rowcopies import copied_rows

    copies = copied_rows(orders)
    if copies.empty:
        return []
    first = min(orders.letters.values(), key=lambda c: (len(c), c))
    return [
        (
            f"{orders.sheet}!{first}{row}",
            f"与第 {other} 行完全相同（重复录入？）",
            f"is an exact copy of row {other} (entered twice?)",
        )
        for row, other in copies.items()
    ]
