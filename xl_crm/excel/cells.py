"""Values into and out of Excel cells through xlwings, and which cells a write touches.

- :func:`cell_out`: a value as it is assigned to a cell (text with Excel's text prefix,
  so Excel never reads it as a formula, a number or a date).
- :func:`cell_in`: a value xlwings read, as :meth:`xl_crm.book.Book.rows` hands it over.
- :func:`same_value`: whether a cell already shows a planned value (only the others are
  written).
- :func:`runs` and :func:`bridged`: the changed rows of a column as the spans written, one
  range call each.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pandas as pd

from xl_crm.excel.values import cell
from xl_crm.fields.types import FIELD_TYPES

__all__ = ["FORMATS", "bridged", "cell_in", "cell_out", "plain", "runs", "same_value"]

#: number formats of the kinds a column is written as (the file medium's codes)
FORMATS = {
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
    "money": FIELD_TYPES["money"].number_format,
}


def plain(value: Any) -> Any:
    """A value as Python has it: None for NA/NaN, ``datetime`` for pandas timestamps,
    ``int``/``float``/``bool`` for numpy scalars."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.to_pydatetime()
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        return value
    if hasattr(value, "item") and not isinstance(value, dt.date):
        return value.item()
    return value


def cell_out(value: Any) -> Any:
    """``value`` as it is assigned to a cell: text with Excel's text prefix (``'``) so that
    Excel keeps it as typed (never a formula, a number or a date it reads into it), an
    empty text as None, NaN as None."""
    value = plain(value)
    if isinstance(value, str):
        return "'" + value if value else None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def cell_in(value: Any) -> Any:
    """A value xlwings read, as :meth:`xl_crm.book.Book.rows` hands it over: empty text is
    None, a datetime carries no time zone (classic xlwings reads dates time-zone aware);
    read by :func:`xl_crm.excel.values.cell`, the one reader of both runtimes' cells."""
    return cell(value)


def same_value(old: Any, new: Any) -> bool:
    """Whether a cell holding ``old`` (as read) already shows ``new`` (as planned): numbers
    equal to 1e-9, a date equal to a datetime at midnight, empty text as empty."""
    old, new = cell_in(plain(old)), cell_in(plain(new))
    if old is None or new is None:
        return old is None and new is None
    if isinstance(old, bool) or isinstance(new, bool):
        return type(old) is type(new) and old == new
    if isinstance(old, int | float) and isinstance(new, int | float):
        return math.isclose(float(old), float(new), rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(old, dt.date) and isinstance(new, dt.date):
        as_dt = [v if isinstance(v, dt.datetime) else dt.datetime(v.year, v.month, v.day)
                 for v in (old, new)]  # fmt: skip
        return as_dt[0] == as_dt[1]
    return type(old) is type(new) and old == new


def bridged(spans: list[tuple[int, int]], blank: set[int]) -> list[tuple[int, int]]:
    """``spans`` with the gaps between them joined where every row of the gap is in
    ``blank`` (a cell that is empty and stays empty: writing it changes nothing), so a
    column with customers that have no value is still one range call."""
    out: list[tuple[int, int]] = []
    for first, last in spans:
        if out and all(r in blank for r in range(out[-1][1] + 1, first)):
            out[-1] = (out[-1][0], last)
        else:
            out.append((first, last))
    return out


def runs(rows: list[int]) -> list[tuple[int, int]]:
    """Sorted row numbers as (first, last) runs of adjacent rows."""
    out: list[tuple[int, int]] = []
    for r in sorted(rows):
        if out and r == out[-1][1] + 1:
            out[-1] = (out[-1][0], r)
        else:
            out.append((r, r))
    return out
