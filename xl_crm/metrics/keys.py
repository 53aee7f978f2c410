"""Customer keys as ``compute`` joins orders on them, and the refusal when they do not
identify one row each.

Two cells hold the same key when they are equal after normalising: in a number column,
``007``, ``7``, ``７`` (full-width), `` 7 `` and ``7.0`` are all 7; in a text column, keys
compare after NFKC (full-width to half-width), trimming, invisible characters removed and
lower-casing, the form validation's uniqueness check uses.  A key cell that is empty (in a
row that holds anything) or that holds text that is not a key is invalid.  A formula whose
result is an Excel error (``#REF!``) holds no key: that row is one ``compute`` names as
unused (``ComputeResult.unused``), as it does for order rows it cannot read.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from xl_crm.errors import CustomerKeyError
from xl_crm.privacy import PERSONAL_TYPES, mask
from xl_crm.specs.model import FieldSpec
from xl_crm.table import Table

#: characters that show nothing (zero-width, BOM, word joiner) and are dropped from keys
#: CellIssue kinds of a formula cell with no usable result (Excel error, never calculated)
_NOT_COMPUTED = ("formula-error", "formula-no-value")
_INVISIBLE = "[\u200b-\u200d\u2060\ufeff\u00ad]"


def normalised_key(value: object, storage: str) -> float | str | None:
    """The form one key cell's value compares in; None when it is not a valid key.

    ``storage`` is the key field's FieldType.storage.  For ``integer`` a whole number as a
    float (7.0 for 7, ``"007"``, ``"７"``, ``" 7 "``, ``"7.0"``; None for 7.5); for
    ``number`` any number; otherwise the text after NFKC, with invisible characters dropped,
    trimmed and lower-cased (``"ｃ００１ "`` is ``"c001"``)."""
    value = normalised_keys(pd.Series([value], dtype=object), storage).iloc[0]
    return None if pd.isna(value) else value


def check_customer_keys(table: Table, file: str | Path | None = None, to: str = "compute") -> None:
    """Refuse (raise :class:`~xl_crm.errors.CustomerKeyError`) when the key column of
    ``table`` has the same normalised key in two rows, or a key cell that is empty or cannot
    be read as a key, naming every such cell (``客户!A3 and 客户!A7 both hold 7``).  Rows
    wholly empty are not customers and are skipped.  Returns None when every key is fine.

    Run before anything is written, so a refusal leaves the workbook as it was.  ``to``:
    what needs the keys (``compute`` or ``sync``), for the message's wording."""
    key = table.spec.key
    if key is None or key not in table.frame.columns:
        return
    f = table.spec.field(key)
    storage = f.ftype.storage
    raw = table.frame[key]
    mine = [i for i in table.issues if i.field == key and i.row in raw.index]
    unread = {i.row: i.raw for i in mine if i.kind not in _NOT_COMPUTED}
    if unread:  # text the reader could not type is an invalid key: it shows as typed
        raw = raw.astype(object)
        raw.loc[list(unread)] = list(unread.values())
    filled = table.frame.notna().any(axis=1) | raw.notna()
    if table.unread_filled is not None:  # read with fields=: the other fields count too
        filled |= table.unread_filled.reindex(filled.index, fill_value=False)
    # a formula without a usable result holds no key at all: compute names that row as one
    # it could not use (like an order row), and validate reports the formula
    filled.loc[[i.row for i in mine if i.kind in _NOT_COMPUTED]] = False
    raw = raw[filled]
    keys = normalised_keys(raw, storage)
    problems: list[tuple[str, str]] = []
    show = _shown(f)
    bad = keys.isna()
    for row in raw.index[bad.to_numpy()]:
        where = table.where(key, int(row))
        value = raw.at[row]
        if value is None or (not isinstance(value, str) and pd.isna(value)) or _blank(value):
            problems.append((f"{where} 为空", f"{where} is empty"))
        else:
            text = show(value)
            problems.append(
                (f"{where} 的“{text}”不是有效的编号", f"{where} '{text}' is not a valid ID")
            )
    good = keys[~bad]
    repeated = good[repeated_keys(good)]
    for value, rows in repeated.groupby(repeated, sort=False).groups.items():
        cells = [table.where(key, int(r)) for r in sorted(rows)]
        text = show(_number_text(value) if isinstance(value, float) else value)
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
            problems, file=file or table.path, sheet=table.sheet,
            header=table.headers.get(key, key), to=to,
        )  # fmt: skip


def normalised_keys(raw: pd.Series, storage: str) -> pd.Series:
    """:func:`normalised_key` of every value of ``raw`` (one key column's cells; ``storage``
    its field's storage, ``integer``/``number`` or text), column-wise, same index: float64
    keys for number columns, Arrow strings for the others (NA: not a key), so a million
    keys take well under a second.  Whole numbers beyond 2**53 do not survive as floats;
    Excel keeps 15 digits."""
    numeric = storage in ("integer", "number")
    if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype):
        nums = raw.to_numpy(dtype=float, na_value=np.nan, copy=True)
        texts = None
    else:
        values = raw.to_numpy(dtype=object)
        kind = pd.api.types.infer_dtype(values, skipna=True)  # one pass in C
        present = raw.notna().to_numpy()
        if kind == "string":
            is_num, is_text = np.zeros(len(values), dtype=bool), present
        elif kind in ("floating", "integer", "mixed-integer-float", "decimal"):
            is_num, is_text = present, np.zeros(len(values), dtype=bool)
        else:
            is_num = np.fromiter(
                (
                    isinstance(v, int | float | np.number) and not isinstance(v, bool)
                    for v in values
                ),
                bool,
                len(values),
            )
            is_text = np.fromiter((isinstance(v, str) for v in values), bool, len(values))
        nums = np.full(len(values), np.nan)
        nums[is_num] = values[is_num].astype(float)
        texts = (is_text, values[is_text])
    if numeric:
        if texts is not None and texts[0].any():
            nums[texts[0]] = _text_numbers(texts[1])
        bad = ~np.isfinite(nums)
        if storage == "integer":
            bad |= nums != np.round(nums)
        nums[bad] = np.nan
        return pd.Series(nums, index=raw.index)
    out = np.full(len(raw), None, dtype=object)
    present = ~np.isnan(nums)
    out[present] = [_number_text(x) for x in nums[present].tolist()]  # a number in a text key
    if texts is not None:
        out[texts[0]] = texts[1]
    return pd.Series(_text_keys(out).array, index=raw.index)


def repeated_keys(keys: pd.Series) -> np.ndarray:
    """Whether each key of ``keys`` (from :func:`normalised_keys`, no NA) is held by another
    row too, as a bool array in the order of ``keys``: sorted once, each compared with its
    neighbours (faster than hashing a million keys)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(keys.dtype, pd.ArrowDtype):
        arr = pa.array(keys.array)
        order = pc.array_sort_indices(arr).to_numpy()
        ranked = arr.take(pa.array(order))
        same = pc.equal(ranked[1:], ranked[:-1]).to_numpy(zero_copy_only=False)
    else:
        values = keys.to_numpy(dtype=float)
        order = np.argsort(values, kind="stable")
        ranked = values[order]
        same = ranked[1:] == ranked[:-1]
    twice = np.zeros(len(keys), dtype=bool)
    twice[1:] |= same
    twice[:-1] |= same
    out = np.empty(len(keys), dtype=bool)
    out[order] = twice
    return out


def _number_text(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _clean(values: np.ndarray):
    """Arrow strings after NFKC with invisible characters dropped."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(values, type=pa.large_string(), from_pandas=True)
    if pc.all(pc.string_is_ascii(arr)).as_py() is not False:
        return arr  # NFKC leaves ASCII as it is, and it holds no invisible characters
    return pc.replace_substring_regex(pc.utf8_normalize(arr, "NFKC"), _INVISIBLE, "")


def _text_keys(values: np.ndarray) -> pd.Series:
    """Text keys: cleaned, trimmed, lower case (the form validation's uniqueness check
    compares); empty -> NA."""
    import pyarrow.compute as pc

    arr = pc.utf8_lower(pc.utf8_trim_whitespace(_clean(values)))
    arr = pc.if_else(pc.equal(arr, ""), None, arr)
    return arr.to_pandas(types_mapper=pd.ArrowDtype)


def _text_numbers(values: np.ndarray) -> np.ndarray:
    """Numbers typed as text (``"007"``, ``"1,000"``, ``" ７ "``) as floats; NaN for text
    that is not a number."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pc.replace_substring_regex(_clean(values), r"[\s,]", "")
    number = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
    ok = pc.fill_null(pc.match_substring_regex(arr, number), False)
    parsed = pc.cast(pc.if_else(ok, arr, pa.scalar("nan", pa.large_string())), pa.float64())
    return parsed.to_numpy(zero_copy_only=False).astype(float)


def _blank(value: object) -> bool:
    """Whether a cell shows nothing: empty, spaces, or invisible characters only."""
    return not re.sub(_INVISIBLE + r"|\s", "", str(value))


def _shown(f: FieldSpec) -> Callable[[object], str]:
    personal = f.type in PERSONAL_TYPES or f.personal
    return (lambda v: mask(str(v), f.type)) if personal else (lambda v: str(v))
