"""The cells of a sheet as each xlwings runtime hands them to a worksheet function, for
the tests of ``xl_crm.excel`` (``../shared/research/xlwings.md`` §3.5-3.6).

:func:`sheet_cells` reads a saved workbook's cells with openpyxl (not through xl-crm):
None for an empty cell, ints for whole numbers Excel stored without a fraction, floats,
texts, bools, datetimes for date cells and ``#N/A``-style texts for error cells.
:func:`classic` and :func:`lite` turn those into what classic xlwings (COM, Windows) and
xlwings Lite (Office.js) pass.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

#: Excel's errors as COM passes them (pywin32 VT_ERROR codes)
COM_CODES = {
    "#DIV/0!": -2146826281,
    "#N/A": -2146826246,
    "#NAME?": -2146826259,
    "#NULL!": -2146826288,
    "#NUM!": -2146826252,
    "#REF!": -2146826265,
    "#VALUE!": -2146826273,
}
EPOCH = dt.datetime(1899, 12, 30)


class TimeType(dt.datetime):
    """Plays pywintypes.TimeType: a datetime subclass, stamped UTC by pywin32."""


def sheet_cells(path: Path, sheet: str) -> list[list[Any]]:
    """The used range of ``sheet`` as Excel holds its values (see the module docstring)."""
    import openpyxl

    wb = openpyxl.load_workbook(path, data_only=True)
    ws = wb[sheet]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def classic(rows: list[list[Any]], *, raw: bool = False) -> tuple[tuple[Any, ...], ...]:
    """What a classic UDF gets: tuples of tuples, every number a float, None for empty.

    ``raw``: as pywin32 hands it (error cells as COM codes, dates as tz-aware TimeType);
    else after xlwings' conversion with ``err_to_str`` (error texts, naive datetimes)."""

    def one(v: Any) -> Any:
        if isinstance(v, bool) or v is None:
            return v
        if isinstance(v, int | float):
            return float(v)
        if isinstance(v, dt.datetime):
            return TimeType(*v.timetuple()[:6], tzinfo=dt.UTC) if raw else v
        if isinstance(v, str) and raw and v in COM_CODES:
            return COM_CODES[v]
        return v

    return tuple(tuple(one(v) for v in row) for row in rows)


def serial(value: dt.datetime) -> float:
    """The Excel serial number (1900 date system) of a date and time."""
    delta = value - EPOCH
    return delta.days + delta.seconds / 86400


def lite(rows: list[list[Any]]) -> list[list[Any]]:
    """What a Lite custom function gets: lists of lists, whole numbers as ints, 0 for an
    empty cell, dates as serial numbers, error texts as they are."""

    def one(v: Any) -> Any:
        if v is None:
            return 0
        if isinstance(v, bool):
            return v
        if isinstance(v, float) and v.is_integer():
            return int(v)
        if isinstance(v, dt.datetime):
            return serial(v)
        return v

    return [[one(v) for v in row] for row in rows]
