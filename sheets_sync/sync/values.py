"""Cell values as the sync compares and stores them, whatever the medium read them as.

A workbook and a Google Sheet hand over the same cell differently (``89.5`` or ``89.50``,
``1001`` or ``1001.0``, a date or a datetime at midnight), so the three-way diff compares
each cell's canonical form (:func:`canon`): text as it is (exactly as typed), a number as
an int when it is whole (else a float), None for an empty cell, and a tagged pair for the
rest: ``("b", True)`` a boolean (so TRUE is not the number 1), ``("d", "2026-05-01")`` a
date (ISO 8601), ``("t", ...)`` a date and time, ``("h", ...)`` a time of day, ``("p",
seconds)`` a duration.  Plain text and numbers, which most cells hold, stay the scalars
they are: a sync of 100,000 rows builds no object per cell.  :func:`value_of` turns a
canonical form back into the value a medium writes.  The snapshot of the last sync is
stored in this form as JSON (a tagged pair as a two-item list: :func:`from_json`).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from xl_crm.fields.errorvalues import EXCEL_ERRORS

__all__ = ["ERRORS", "Canon", "canon", "from_json", "is_error", "shown", "value_of"]

#: a canonical cell (see the module docstring)
Canon = str | int | float | tuple[str, Any] | None

#: Excel's error values as cells show them (a formula's failed result): never synced
ERRORS = frozenset([*EXCEL_ERRORS.values(), "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!",
                    "#UNKNOWN!", "#BUSY!", "#CONNECT!", "#ERROR!"])  # fmt: skip

#: whole numbers up to this size are kept as integers (IEEE 754 doubles are exact below 2**53)
_EXACT = 2**53


def canon(value: Any) -> Canon:
    """The canonical form of one cell value as ``Book.rows`` hands it over (str, int,
    float, bool, datetime, date, time, timedelta or None).  Empty text and NaN are empty
    (None); a datetime at midnight is the date it shows."""
    kind = type(value)
    if kind is str:
        if value[:1] == "#" and value in ERRORS:
            return ("e", value)
        return value or None
    if kind is float:
        if not math.isfinite(value):
            return None
        return int(value) if value.is_integer() and abs(value) < _EXACT else value
    if kind is int or value is None:
        return value
    if isinstance(value, bool):
        return ("b", value)
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        return canon(value.item())  # a numpy scalar
    if isinstance(value, int | float):
        return canon(float(value)) if isinstance(value, float) else int(value)
    if isinstance(value, dt.datetime):
        moment = value.replace(tzinfo=None, microsecond=0)
        if moment.time() == dt.time(0):
            return ("d", moment.date().isoformat())
        return ("t", moment.isoformat())
    if isinstance(value, dt.date):
        return ("d", value.isoformat())
    if isinstance(value, dt.time):
        return ("h", value.replace(microsecond=0).isoformat())
    if isinstance(value, dt.timedelta):
        return ("p", round(value.total_seconds()))
    return canon(str(value))


def from_json(cell: Any) -> Canon:
    """A canonical cell as read back from JSON (a tagged pair comes back as a list)."""
    if isinstance(cell, list):
        return tuple(from_json(c) for c in cell)  # type: ignore[return-value]
    return cell


def is_error(cell: Canon) -> bool:
    """Whether ``cell`` is an Excel error value (``("e", "#N/A")``)."""
    return isinstance(cell, tuple) and cell[0] == "e"


def value_of(cell: Canon) -> Any:
    """The value a medium writes for canonical ``cell``: text, int, float, bool,
    ``datetime.date``, ``datetime.datetime``, ``datetime.time``, ``datetime.timedelta``,
    or None (empty the cell)."""
    if not isinstance(cell, tuple):
        return cell
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
    if not isinstance(cell, tuple):
        return str(cell)
    tag, value = cell
    if tag == "b":
        return "TRUE" if value else "FALSE"
    if tag == "p":
        return str(dt.timedelta(seconds=value))
    if tag == "=":  # two spellings of one value (see sheets_sync.sync.merge)
        return shown(cell[1])
    return str(value)
