"""Cells a reader already typed (numbers, date cells, Excel serials), read a whole column
at a time: the fast path of :func:`xl_crm.fields.coercion.coerce` for media that hand
over Python values (an Excel range through xlwings, an in-memory book).

Each function fills the arrays :func:`~xl_crm.fields.coercion.coerce` builds where the
cells it is given are all of one kind, exactly as coerce's value-by-value loop would, and
leaves a column of any other mix to that loop.
"""

from __future__ import annotations

from operator import attrgetter

import numpy as np
import pandas as pd

from xl_crm.fields.grid import EXCEL_EPOCH_1900

__all__ = ["date_cells", "number_cells", "text_cells"]

#: pandas' names (``infer_dtype``) for a column of numbers only
NUMBER_KINDS = ("floating", "integer", "mixed-integer-float")
#: serial numbers taken here: from 1 (1900-01-01) to the last day datetime64[ns] holds
#: (2262-04-11); later ones go one by one
SERIALS = (1, 131_000)


def text_cells(vals: np.ndarray) -> np.ndarray:
    """Which of ``vals`` (an object array) are texts, as a bool array: one pass in C for a
    column of texts (and empties) or of no text at all, else value by value."""
    kind = pd.api.types.infer_dtype(vals, skipna=True)
    if kind == "string":
        return ~pd.isna(vals)
    if kind in ("empty", "boolean", "datetime", "date", *NUMBER_KINDS):
        return np.zeros(len(vals), dtype=bool)
    return np.fromiter((isinstance(v, str) for v in vals), bool, len(vals))


def number_cells(vals: np.ndarray, typed: np.ndarray, out: np.ndarray, ok: np.ndarray) -> None:
    """Where ``typed`` (bools over ``vals``, an object array) marks only ints and floats
    (no bools), set ``out`` to them as floats and ``ok`` to True."""
    if not typed.any():
        return
    some = vals[typed]
    if pd.api.types.infer_dtype(some, skipna=False) in NUMBER_KINDS:
        out[typed], ok[typed] = some.astype(float), True


def _zones(stamps: np.ndarray) -> set:
    """The time zones of datetimes (None for naive ones), looked at in one pass in C."""
    return set(map(attrgetter("tzinfo"), stamps))


def date_cells(vals: np.ndarray, typed: np.ndarray, out, ok, how) -> None:
    """Where ``typed`` marks only naive datetimes (or dates), set ``out`` to them; where it
    marks only numbers, read them as Excel serials (1900 date system, ECMA-376 Part 1
    §18.17.4.1, as :func:`xl_crm.fields.coercion.from_serial`) and set ``how`` to
    ``"Excel serial"``; ``ok`` is True for each value read."""
    if not typed.any():
        return
    some = vals[typed]
    kind = pd.api.types.infer_dtype(some, skipna=False)
    naive = kind == "date" or (kind == "datetime" and _zones(some) == {None})
    if naive:
        try:
            stamps = pd.to_datetime(some).to_numpy(dtype="datetime64[ns]")
        except (ValueError, OverflowError, TypeError, pd.errors.OutOfBoundsDatetime):
            return  # beyond datetime64[ns]: the loop decides
        out[typed], ok[typed] = stamps, ~np.isnat(stamps)
    elif kind in NUMBER_KINDS:
        serial = some.astype(float)
        fits = (serial >= SERIALS[0]) & (serial < SERIALS[1])
        shifted = np.where(serial < 61, serial + 1, serial)[fits]  # Excel's 1900-02-29
        whole = np.floor(shifted)
        seconds = np.round((shifted - whole) * 86400).astype("int64")
        stamps = (
            np.datetime64(EXCEL_EPOCH_1900, "ns")
            + whole.astype("int64").astype("timedelta64[D]")
            + seconds.astype("timedelta64[s]")
        )
        where = np.flatnonzero(typed)[fits]
        out[where], ok[where], how[where] = stamps, True, "Excel serial"
