"""Cell values as the sync compares and stores them, whatever the medium read them as.

A workbook and a Google Sheet hand over the same cell differently (``89.5`` or ``89.50``,
``1001`` or ``1001.0``, a date or a datetime at midnight), so the three-way diff compares
each cell's canonical form (:func:`canon`): a small JSON-ready pair ``[tag, value]``, or
None for an empty cell.  The tags: ``s`` text (exactly as typed), ``n`` a number (an
integer when it is whole), ``b`` a boolean, ``d`` a date (ISO 8601), ``t`` a date and
time, ``h`` a time of day, ``p`` a duration in seconds.  :func:`value_of` turns a canonical
form back into the value a medium writes.  The snapshot of the last sync is stored in
this form (:mod:`sheets_sync.sync.state`).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

__all__ = ["Canon", "canon", "same", "shown", "value_of"]

#: a canonical cell: ``[tag, value]`` (see the module docstring) or None when empty
Canon = list[Any] | None

#: whole numbers up to this size are kept as integers (IEEE 754 doubles are exact below 2**53)
_EXACT = 2**53


def canon(value: Any) -> Canon:
    """The canonical form of one cell value as ``Book.rows`` hands it over (str, int,
    float, bool, datetime, date, time, timedelta or None).  Empty text and NaN are empty
    (None); a datetime at midnight is the date it shows."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()  # a numpy scalar
    if isinstance(value, bool):
        return ["b", value]
    if isinstance(value, int):
        return ["n", value]
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        if value.is_integer() and abs(value) < _EXACT:
            return ["n", int(value)]
        return ["n", value]
    if isinstance(value, dt.datetime):
        moment = value.replace(tzinfo=None, microsecond=0)
        if moment.time() == dt.time(0):
            return ["d", moment.date().isoformat()]
        return ["t", moment.isoformat()]
    if isinstance(value, dt.date):
        return ["d", value.isoformat()]
    if isinstance(value, dt.time):
        return ["h", value.replace(microsecond=0).isoformat()]
    if isinstance(value, dt.timedelta):
        return ["p", round(value.total_seconds())]
    text = str(value)
    return ["s", text] if text else None


def same(a: Canon, b: Canon) -> bool:
    """Whether two canonical cells hold the same value."""
    return a == b


def value_of(cell: Canon) -> Any:
    """The value a medium writes for canonical ``cell``: text, int, float, bool,
    ``datetime.date``, ``datetime.datetime``, ``datetime.time``, ``datetime.timedelta``,
    or None (empty the cell)."""
    if cell is None:
        return None
    tag, value = cell
    if tag == "d":
        return dt.date.fromisoformat(value)
    if tag == "t":
        return dt.datetime.fromisoformat(value)
    if tag == "h":
        return dt.time.fromisoformat(value)
    if tag == "p":
        return dt.timedelta(seconds=value)
    return value


def shown(cell: Canon) -> str:
    """``cell`` as a person reads it in a report (an empty cell is the empty text)."""
    if cell is None:
        return ""
    tag, value = cell
    if tag == "b":
        return "TRUE" if value else "FALSE"
    if tag == "p":
        return str(dt.timedelta(seconds=value))
    return str(value)
