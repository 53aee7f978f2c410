"""Whether a column already holds what ``compute`` would write: numbers within 1e-9,
dates equal, texts equal as a cell shows them.  ``compute`` writes nothing (no backup, no
audit record) when every column compares equal."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

__all__ = ["changed_rows", "same_values"]


def same_values(current: pd.Series, new: pd.Series, as_text: bool = False) -> bool:
    """Whether the column read from the workbook already holds the new values (numbers
    within 1e-9, dates equal, texts equal as text; empty cells where values are missing)."""
    return not changed_rows(current, new, as_text).any()


def changed_rows(current: pd.Series | None, new: pd.Series, as_text: bool = False) -> np.ndarray:
    """Per row of ``new`` (a bool array in its order), whether the cell read from the
    workbook (``current``, indexed by row number; None: the column is not there yet) does
    not already hold the new value, compared as :func:`same_values` does."""
    if current is None:
        return ~new.isna().to_numpy()
    old = current.reindex(new.index)
    old_missing = old.isna().to_numpy() | (old.astype(object) == "").to_numpy()
    new_missing = new.isna().to_numpy()
    changed = old_missing != new_missing
    keep = ~(old_missing | new_missing)
    if not keep.any():
        return changed
    old, kept = old[keep], new[keep]
    if as_text or not (
        pd.api.types.is_numeric_dtype(kept) or pd.api.types.is_datetime64_any_dtype(kept)
    ):
        changed[keep] = _as_text(old) != _as_text(kept)
    elif pd.api.types.is_datetime64_any_dtype(kept):
        then = pd.to_datetime(old, errors="coerce")
        changed[keep] = then.to_numpy() != kept.to_numpy()
    else:
        numbers = pd.to_numeric(old, errors="coerce").to_numpy(dtype=float)
        changed[keep] = ~np.isclose(numbers, kept.to_numpy(dtype=float), rtol=1e-9, atol=1e-9)
    return changed


def _as_text(series: pd.Series) -> np.ndarray:
    """Values as the text a cell shows: whole numbers without ".0", dates ISO with a space;
    each distinct value converted once."""
    codes, uniques = pd.factorize(series)
    texts = np.array([_text(v) for v in uniques] + [""], dtype=object)
    return texts[codes]


def _text(value: object) -> str:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    return str(value)
