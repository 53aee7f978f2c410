"""Cell values as the writers put them in SpreadsheetML: one column at a time.

:class:`ColumnValues` holds a column's values as sorted Excel row numbers and a typed array
(numbers, datetimes) or codes into distinct values (texts), and formats them a block of rows
at a time; :func:`fragment` formats one value.  Excel's epochs and limits come from
:mod:`xl_crm.fields.grid`.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from xl_crm.errors import ExcelLimitError, ValueNotWritableError, WorkbookError
from xl_crm.fields.grid import EXCEL_EPOCH_1900 as EPOCH_1900
from xl_crm.fields.grid import EXCEL_EPOCH_1904 as EPOCH_1904
from xl_crm.fields.grid import EXCEL_MAX_CELL_CHARS as MAX_CELL_CHARS
from xl_crm.fields.grid import EXCEL_MAX_ROWS as MAX_ROWS
from xl_crm.fields.words import truth_of

__all__ = ["EPOCH_1900", "EPOCH_1904", "ColumnValues", "escape_text", "fragment", "serials"]

_ESCAPE_LIKE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
#: characters XML 1.0 cannot hold (dropped from texts)
ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def escape_text(text: str) -> str:
    """Text for a cell's ``<t>``: XML-escaped; a literal ``_xHHHH_`` protected as
    ``_x005F_xHHHH_`` and a carriage return written as ``_x000D_`` (SpreadsheetML's own
    escapes, which Excel and other readers decode); characters XML cannot hold dropped."""
    text = ILLEGAL_XML.sub("", text)
    text = _ESCAPE_LIKE.sub(r"_x005F_\1", text).replace("\r", "_x000D_")
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class ColumnValues:
    """One column's values as sorted Excel row numbers and an array of values.

    Built from a mapping ``{row: value}`` or a pandas Series indexed by Excel row.  Numbers
    and dates are kept as typed arrays; texts (and mixed values) as codes into their
    distinct values, each formatted once.  A million values cost megabytes, not the gigabyte
    a dict of Python objects does, and are formatted a block of rows at a time."""

    def __init__(self, values: Mapping[int, Any] | pd.Series, kind: str, epoch: dt.datetime):
        if isinstance(values, pd.Series):
            if not pd.api.types.is_integer_dtype(values.index.dtype) and len(values):
                raise ValueNotWritableError(
                    (
                        "值的索引必须是 Excel 行号",
                        "a Series of values must be indexed by Excel row",
                    ),
                    hint=(
                        "如 pd.Series(v, pd.RangeIndex(2, n + 2))",
                        "e.g. pd.Series(v, index=rows)",
                    ),
                )
            rows = values.index.to_numpy(dtype=np.int64)
            if isinstance(values.dtype, pd.DatetimeTZDtype):
                values = values.dt.tz_localize(None)
            array = values.to_numpy() if values.dtype.kind in "biufM" else values
        else:
            rows = np.fromiter(values.keys(), dtype=np.int64, count=len(values))
            array = np.empty(len(values), dtype=object)
            array[:] = list(values.values())
        if len(rows) and not (rows[1:] > rows[:-1]).all():
            order = np.argsort(rows, kind="stable")
            rows = rows[order]
            array = array.iloc[order] if isinstance(array, pd.Series) else array[order]
            if (rows[1:] == rows[:-1]).any():
                twice = int(rows[1:][rows[1:] == rows[:-1]][0])
                raise ValueNotWritableError(
                    (f"第 {twice} 行给了两个值", f"row {twice} is given two values"),
                    hint=("每行只给一个值", "give one value a row"),
                )
        if len(rows) and (rows[0] < 1 or rows[-1] > MAX_ROWS):
            raise ExcelLimitError(
                (
                    f"行号必须在 1 到 {MAX_ROWS:,} 之间",
                    f"row numbers must be between 1 and {MAX_ROWS:,}",
                ),
                hint=("Excel 工作表最多 1,048,576 行", "Excel sheets have at most 1,048,576 rows"),
            )
        self.rows = rows
        self.kind = kind
        self.epoch = epoch
        self.letter = ""  # set by the plan, for messages
        if not isinstance(array, pd.Series):
            array = _typed(array, kind)
        if isinstance(array, pd.Series) or array.dtype.kind not in "biufM" or kind == "text":
            # texts and mixed values: codes into the distinct values (-1: missing)
            codes, uniques = pd.factorize(array, use_na_sentinel=True)
            small = np.int8 if len(uniques) < 127 else np.int16 if len(uniques) < 32767 else None
            self.codes: np.ndarray | None = codes.astype(small) if small else codes
            self.uniques = list(uniques)
            self.array = None
        else:
            self.codes = None
            self.array = array
        self._frags: dict[str, list] = {}

    def get(self, row: int) -> tuple[bool, Any]:
        i = int(np.searchsorted(self.rows, row))
        if i >= len(self.rows) or self.rows[i] != row:
            return False, None
        if self.codes is not None:
            code = int(self.codes[i])
            return True, (None if code < 0 else _plain(self.uniques[code]))
        value = self.array[i]
        if self.array.dtype.kind == "M":
            return True, value.astype("datetime64[us]").item()  # None for NaT
        value = value.item()
        if isinstance(value, float) and not np.isfinite(value):
            value = None
        return True, value

    def positions(self, nums: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(index into the values, whether the row has a value) for each row number."""
        pos = np.searchsorted(self.rows, nums)
        safe = np.minimum(pos, max(len(self.rows) - 1, 0))
        hit = (pos < len(self.rows)) & (self.rows[safe] == nums) if len(self.rows) else pos < 0
        return safe, hit

    def _table(self, prefix: str, nums: np.ndarray, pos: np.ndarray, encoded: bool) -> list:
        """Each distinct value's fragment (last: None for missing), made once."""
        key = prefix + ("b" if encoded else "")
        table = self._frags.get(key)
        if table is None:
            table = [None] * (len(self.uniques) + 1)
            self._frags[key] = table
        codes = self.codes[pos]
        for code in np.unique(codes).tolist():
            if code >= 0 and table[code] is None:
                row = int(nums[int(np.argmax(codes == code))])
                frag = fragment(
                    prefix, f"{self.letter}{row}", self.uniques[code], self.kind, self.epoch
                )
                table[code] = frag.encode("utf-8") if encoded and frag is not None else frag
        return table

    def fragments(self, pos: np.ndarray, prefix: str, nums: np.ndarray) -> list[str | None]:
        """Each value's cell XML after the style attribute (None: no value), for the given
        positions, formatted column-wise."""
        if self.codes is not None:
            table = np.empty(len(self.uniques) + 1, dtype=object)
            table[:] = self._table(prefix, nums, pos, encoded=False)
            return table[self.codes[pos]].tolist()
        values = self.array[pos]
        kind = values.dtype.kind
        v, c = f"<{prefix}v>", f"</{prefix}v></{prefix}c>"
        if kind == "b" or (self.kind == "boolean" and kind in "iu"):
            return [f' t="b">{v}{int(bool(x))}{c}' for x in values.tolist()]
        if self.kind == "boolean" and kind == "f":
            return [
                (f' t="b">{v}{int(x != 0)}{c}' if ok else None)
                for x, ok in zip(values.tolist(), np.isfinite(values).tolist(), strict=True)
            ]
        if kind in "iu":
            return [f">{v}{x}{c}" for x in values.tolist()]
        if kind == "M":
            values = serials(values, self.epoch, self.letter, nums)
        finite = np.isfinite(values)
        return [
            (f">{v}{_number(x)}{c}" if ok else None)
            for x, ok in zip(values.tolist(), finite.tolist(), strict=True)
        ]

    def template(
        self, pos: np.ndarray, prefix: str, nums: np.ndarray
    ) -> tuple[bytes, list, np.ndarray | None]:
        """(template piece after the style, argument lists, missing) for the values at
        ``pos``, formatted by bytes %-formatting in C.  ``missing`` is None when every value
        is there, else a mask of the rows without one (their cells are empty): the
        argument lists then hold the other rows' arguments only."""
        v, c = f"><{prefix}v>".encode(), f"</{prefix}v></{prefix}c>".encode()
        if self.codes is not None:
            codes = self.codes[pos]
            frags = self._table(prefix, nums, pos, encoded=True)
            table = np.empty(len(frags), dtype=object)
            table[:] = frags
            cells = table[codes]  # code -1: the None at the end
            missing = np.array([f is None for f in frags])[codes]
            if missing.any():
                return b"%s", [cells[~missing].tolist()], missing
            return b"%s", [cells.tolist()], None
        values = self.array[pos]
        kind = values.dtype.kind
        if kind == "M":
            values = serials(values, self.epoch, self.letter, nums)  # NaN for NaT
        missing = None
        if values.dtype.kind == "f":
            empty = ~np.isfinite(values)
            if empty.any():
                missing, values = empty, values[~empty]
        if kind == "b" or (self.kind == "boolean" and kind in "iuf"):
            return b' t="b"' + v + b"%d" + c, [(values != 0).astype(np.int64).tolist()], missing
        if kind in "iu":
            return v + b"%d" + c, [values.tolist()], missing
        # whole numbers below 1e16 print as integers (repr switches to exponents there)
        integral = (values == np.round(values)) & (np.abs(values) < 1e16)
        if integral.all():
            return v + b"%d" + c, [values.astype(np.int64).tolist()], missing
        # shortest round-trip text (repr, by %r in C), whole numbers as ints so they show
        # no ".0", as _number() does
        numbers = values.astype(object)
        numbers[integral] = values[integral].astype(np.int64).astype(object)
        return v + b"%r" + c, [numbers.tolist()], missing


_DAY_US = 86_400_000_000


def serials(
    values: np.ndarray, epoch: dt.datetime, letter: str = "", rows: np.ndarray | None = None
) -> np.ndarray:
    """Excel date serials of datetime64 values (NaN for NaT): whole days plus the time of
    day's microseconds / a day's (exact as a float holds it, and the same arithmetic as
    fragment()); in the 1900 system, January and February 1900 one less (Excel counts a
    29 February 1900 that never was).  Raises for dates Excel cannot hold, naming the cell
    (``letter`` and the ``rows`` of the values)."""
    us = values.astype("datetime64[us]").view(np.int64)
    missing = us == np.iinfo(np.int64).min
    offset = us - np.int64(pd.Timestamp(epoch).value // 1000)
    days = np.floor_divide(offset, _DAY_US)
    fraction = (offset - days * _DAY_US) / 86_400e6
    if epoch == EPOCH_1900:
        days = np.where(days < 61, days - 1, days)
    bad = ~missing & (days < (1 if epoch == EPOCH_1900 else 0))
    if bad.any():
        first = int(np.argmax(bad))
        where = f"{letter}{rows[first]}" if rows is not None else None
        raise _too_early(values[first], epoch, where)
    out = days + fraction
    out[missing] = np.nan
    return out


def _serial(moment: dt.datetime, epoch: dt.datetime, ref: str | None = None) -> float:
    delta = moment - epoch
    days = delta.days
    if epoch == EPOCH_1900 and days < 61:
        days -= 1
    if days < (1 if epoch == EPOCH_1900 else 0):
        raise _too_early(moment, epoch, ref)
    return days + (delta.seconds * 1_000_000 + delta.microseconds) / 86_400e6


def _too_early(value: Any, epoch: dt.datetime, ref: str | None) -> WorkbookError:
    first = "1900-01-01" if epoch == EPOCH_1900 else "1904-01-01"
    return ValueNotWritableError(
        (
            f"{str(value)[:10]} 早于 {first}，Excel 工作表能存放的最早日期",
            f"{str(value)[:10]} is before {first}, the first date an Excel sheet can hold",
        ),
        cell=ref,
        hint=("把这样的日期写成文本", "write such dates as text"),
    )


def _plain(value: Any) -> Any:
    """A value as a plain Python object (numpy and pandas scalars unwrapped)."""
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _typed(array: np.ndarray, kind: str) -> np.ndarray:
    """An object array of one kind of value as a typed array (floats, datetimes)."""
    if array.dtype != object or not len(array) or kind == "text":
        return array  # texts stay objects: each distinct one is formatted once per block
    types = set(map(type, array.tolist()))
    types.discard(type(None))
    if not types:
        return np.full(len(array), np.nan) if kind != "text" else array
    if kind != "text" and types <= {
        int,
        float,
        decimal.Decimal,
        np.int64,
        np.float64,
        np.int32,
        np.float32,
    }:
        numbers = np.array([np.nan if x is None else float(x) for x in array], dtype=float)
        finite = numbers[np.isfinite(numbers)]
        if not len(finite) or np.abs(finite).max() < 2**53:
            return numbers
    if types <= {dt.datetime, pd.Timestamp, dt.date} and not any(
        getattr(x, "tzinfo", None) for x in array if x is not None
    ):
        return np.array(array.tolist(), dtype="datetime64[us]")  # years 1-9999 fit
    return array


def _number(x: float) -> str:
    """A float as the shortest text that reads back the same; whole numbers without ".0"
    (and no "-0")."""
    if x == 0:
        return "0"
    text = repr(x)
    return text[:-2] if text.endswith(".0") else text


def _truth(value: Any, ref: str) -> int:
    """1 or 0 for a value written as a boolean; text must say yes or no."""
    if isinstance(value, str):
        truth = truth_of(value) if value.strip() else False
        if truth is not None:
            return int(truth)
        raise ValueNotWritableError(
            (f"{value!r} 不是“是/否”值", f"{value!r} is not a yes/no value"),
            cell=ref,
            hint=("使用 TRUE/FALSE、是/否 或 yes/no", "use TRUE/FALSE, yes/no or 是/否"),
        )
    return int(bool(value))


def fragment(prefix: str, ref: str, value: Any, kind: str, epoch: dt.datetime) -> str | None:
    """A cell's XML after its ``r`` and style attributes, for one value (None: empty)."""
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return None
    if value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool) or kind == "boolean":
        return f' t="b"><{prefix}v>{_truth(value, ref)}</{prefix}v></{prefix}c>'
    if isinstance(value, dt.datetime | dt.date):
        moment = value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())
        if moment.tzinfo is not None:
            moment = moment.replace(tzinfo=None)
        serial = _serial(moment, epoch, ref)  # the same arithmetic as serials()
        return f"><{prefix}v>{_number(serial)}</{prefix}v></{prefix}c>"
    if isinstance(value, int | float | decimal.Decimal) and kind != "text":
        number = str(value) if isinstance(value, int) else _number(float(value))
        return f"><{prefix}v>{number}</{prefix}v></{prefix}c>"
    text = str(value)
    # Excel counts UTF-16 units: a character outside the BMP (an emoji) counts twice
    units = len(text.encode("utf-16-le")) // 2 if len(text) > MAX_CELL_CHARS // 2 else len(text)
    if units > MAX_CELL_CHARS:
        raise ExcelLimitError(
            (
                f"{units:,} 个字符，超过了 Excel 每个单元格 {MAX_CELL_CHARS:,} 个字符的上限",
                f"{units:,} characters is over Excel's limit of {MAX_CELL_CHARS:,} per cell",
            ),
            cell=ref,
            hint=("缩短内容", "shorten the value"),
        )
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return (
        f' t="inlineStr"><{prefix}is><{prefix}t{space}>{escape_text(text)}'
        f"</{prefix}t></{prefix}is></{prefix}c>"
    )
