"""Customer keys as ``compute`` joins orders on them, and the refusal when they do not
identify one row each.

Two cells hold the same key when they are equal after normalising: in a number column,
``007``, ``7``, ``７`` (full-width), `` 7 `` and ``7.0`` are all 7; in a text column, keys
compare after NFKC (full-width to half-width), trimming, invisible characters removed and
case folding, the form validation's uniqueness check uses.  A key cell that is empty (in a
row that holds anything) or that cannot be read as its column's type is invalid.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from xl_crm.errors import CustomerKeyError
from xl_crm.privacy import PERSONAL_TYPES, mask
from xl_crm.reader import Table
from xl_crm.specs.model import FieldSpec

#: characters that show nothing (zero-width, BOM, word joiner) and are dropped from keys
_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad]")
_WHOLE = re.compile(r"[+]?(\d+)(?:\.0*)?")


def normalised_key(value: object, storage: str) -> object | None:
    """The form of one key cell's value keys compare in; None when it is not a valid key.

    ``storage`` is the key field's FieldType.storage: for ``integer`` a whole number (as
    int), for ``number`` a float, otherwise the normalised text."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if storage in ("integer", "number"):
        if isinstance(value, bool):
            return None
        if isinstance(value, int | float | np.integer | np.floating):
            number = float(value)
        else:
            text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", str(value)))
            text = re.sub(r"[\s,]", "", text)
            whole = _WHOLE.fullmatch(text)
            if whole:
                return int(whole.group(1))
            try:
                number = float(text)
            except ValueError:
                return None
        if not np.isfinite(number):
            return None
        if storage == "integer":
            return int(number) if number.is_integer() else None
        return number
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", str(value)))
    text = re.sub(r"\s+", " ", text).strip().casefold()
    return text or None


def check_customer_keys(table: Table, file: str | Path | None = None) -> None:
    """Refuse (raise :class:`~xl_crm.errors.CustomerKeyError`) when the key column of
    ``table`` has the same normalised key in two rows, or a key cell that is empty or cannot
    be read as a key, naming every such cell (``客户!A3 and 客户!A7 both hold 7``).  Rows
    wholly empty are not customers and are skipped.  Returns None when every key is fine.

    Run before anything is written, so a refusal leaves the workbook as it was."""
    key = table.spec.key
    if key is None or key not in table.frame.columns:
        return
    f = table.spec.field(key)
    storage = f.ftype.storage
    raw = table.frame[key].astype(object)
    unread = {i.row: i.raw for i in table.issues if i.field == key}
    if unread:  # cells the reader could not type: their text is the value
        rows = [r for r in unread if r in raw.index]
        raw.loc[rows] = [unread[r] for r in rows]
    filled = table.frame.notna().any(axis=1) | raw.notna()
    raw = raw[filled]
    keys = _normalised(raw, storage)
    problems: list[tuple[str, str]] = []
    show = _shown(f)
    bad = keys.isna()
    for row in raw.index[bad.to_numpy()]:
        where = table.where(key, int(row))
        value = raw.at[row]
        if value is None or (not isinstance(value, str) and pd.isna(value)) or not str(value):
            problems.append((f"{where} 为空", f"{where} is empty"))
        else:
            text = show(value)
            problems.append(
                (f"{where} 的“{text}”不是有效的编号", f"{where} '{text}' is not a valid ID")
            )
    good = keys[~bad]
    repeated = good[good.duplicated(keep=False)]
    for value, rows in repeated.groupby(repeated, sort=False).groups.items():
        cells = [table.where(key, int(r)) for r in sorted(rows)]
        text = show(value)
        problems.append(
            (
                f"{'、'.join(cells)} 都是 {text}",
                f"{', '.join(cells[:-1])} and {cells[-1]} all hold {text}"
                if len(cells) > 2
                else f"{cells[0]} and {cells[1]} both hold {text}",
            )
        )
    if problems:
        raise CustomerKeyError(
            problems, file=file or table.path, sheet=table.sheet, header=table.headers.get(key, key)
        )


def _normalised(raw: pd.Series, storage: str) -> pd.Series:
    """:func:`normalised_key` of every value: numbers column-wise, texts once per distinct
    text (a million typed keys take a few milliseconds)."""
    out = pd.Series(None, index=raw.index, dtype=object)
    numeric = raw.map(type).isin((float, int, np.float64, np.int64)).to_numpy()
    if storage in ("integer", "number") and numeric.any():
        nums = raw[numeric].to_numpy(dtype=float)
        ok = np.isfinite(nums) & ((nums == np.round(nums)) | (storage == "number"))
        values = nums.astype(object)
        if storage == "integer":
            values[ok] = nums[ok].astype(np.int64).tolist()
        values[~ok] = None
        out[numeric] = values
        rest = ~numeric
    else:
        rest = np.ones(len(raw), dtype=bool)
    if rest.any():
        codes, uniques = pd.factorize(raw[rest], use_na_sentinel=True)
        table = np.array([normalised_key(u, storage) for u in uniques] + [None], dtype=object)
        out[rest] = table[codes]
    return out


def _shown(f: FieldSpec) -> Callable[[object], str]:
    personal = f.type in PERSONAL_TYPES or f.personal
    return (lambda v: mask(str(v), f.type)) if personal else (lambda v: str(v))
