"""The spreadsheet grid: Excel's limits and its date serials, defined once.

Sources: Microsoft, "Excel specifications and limits" (1,048,576 rows by 16,384 columns,
32,767 characters in a cell); ECMA-376 Part 1, 18.17.4.1 (the 1900 date system counts
from 1899-12-30 once its fictitious 29 February 1900 is allowed for; the 1904 system from
1904-01-01, ``<workbookPr date1904="1"/>``).
"""

from __future__ import annotations

import datetime as dt

__all__ = [
    "EXCEL_EPOCH_1900",
    "EXCEL_EPOCH_1904",
    "EXCEL_MAX_CELL_CHARS",
    "EXCEL_MAX_COLS",
    "EXCEL_MAX_ROWS",
    "too_many_rows",
]

EXCEL_MAX_ROWS = 1_048_576  # rows on a sheet, the header's included
EXCEL_MAX_COLS = 16_384  # columns on a sheet (A .. XFD)
EXCEL_MAX_CELL_CHARS = 32_767  # characters in one cell
#: day 0 of the 1900 date system as serials are computed (serial 61 is 1900-03-01)
EXCEL_EPOCH_1900 = dt.datetime(1899, 12, 30)
#: day 0 of the 1904 date system (old Mac workbooks)
EXCEL_EPOCH_1904 = dt.datetime(1904, 1, 1)


def too_many_rows(n: int) -> tuple[str, str]:
    """The message for ``n`` data rows over Excel's limit, zh and en."""
    return (
        f"{n:,} 行数据，超过了 Excel 的上限 {EXCEL_MAX_ROWS - 1:,} 行",
        f"{n:,} data rows is over Excel's limit of {EXCEL_MAX_ROWS - 1:,}",
    )
