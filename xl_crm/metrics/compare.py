"""Whether a column already holds what ``compute`` would write: numbers within 1e-9,
dates equal, texts equal as a cell shows them.  ``compute`` writes nothing (no backup, no
audit record) when every column compares equal."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

__all__ = ["same_values"]


def same_values(current: pd.Series, new: pd.Series, as_text: bool = False) -> bool:
    """Whether the column read from the workbook already holds the new values (numbers
    within 1e-9, dates equal, texts equal as text; empty cells where values are missing)."""
    old = current.reindex(new.index)
    old_missing = old.isna().to_numpy() | (old.astype(object) == "").to_numpy()
    new_missing = new.isna().to_numpy()
    if (old_missing != new_missing).any():
        return False
    keep = ~new_missing
    old, new = old[keep], new[keep]
    if not len(new):
        return True
    if as_text or not (
        pd.api.types.is_numeric_dtype(new) or pd.api.types.is_datetime64_any_dtype(new)
    ):
        return bool((_as_text(old) == _as_text(new)).all())
    if pd.api.types.is_datetime64_any_dtype(new):
        then = pd.to_datetime(old, errors="coerce")
        return bool((then.to_numpy() == new.to_numpy()).all())
    numbers = pd.to_numeric(old, errors="coerce").to_numpy(dtype=float)
    return bool(np.isclose(numbers, new.to_numpy(dtype=float), rtol=1e-9, atol=1e-9).all())


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
