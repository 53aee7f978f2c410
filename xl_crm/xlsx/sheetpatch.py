"""Streaming a worksheet's XML through, with some columns written into its rows.

The sheet XML is inflated in 4 MiB blocks and cut after the last complete ``<row>``; each
block of whole rows is patched and handed to a writer thread that deflates it (zlib releases
the GIL, so compression overlaps the patching).

A block is patched one of two ways:

* the fast path, for rows in the usual form, as Excel, LibreOffice, openpyxl and XlsxWriter
  write them (every row and cell starting with its ``r`` attribute, cells in column order, no
  whitespace between cells), with no formula in a cell being overwritten and no row to create
  inside the block: one regular expression splits the whole block into, per row, the cells
  before each run of adjacent target columns, the target cells and the rest; each row is
  rebuilt by one bytes %-format of those pieces and the new values, which are formatted
  column-wise from the column's arrays (about 4 us a row in all);
* the general path, row by row, for everything else: cells and rows without ``r``, formula
  cells (shared and array formulas are checked), rows to be created, odd attribute order.

Both give the same XML for the same rows (tested byte for byte on random workbooks).
See docs/in-place-writer.md.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np
import pandas as pd
from openpyxl.utils import column_index_from_string, get_column_letter

from xl_crm.errors import (
    CellNotWritableError,
    DamagedWorkbookError,
    ExcelLimitError,
    NoRoomForColumnError,
    ValueNotWritableError,
    WorkbookError,
)
from xl_crm.fields.grid import EXCEL_EPOCH_1900, EXCEL_EPOCH_1904
from xl_crm.fields.grid import EXCEL_MAX_CELL_CHARS as MAX_CELL_CHARS
from xl_crm.fields.grid import EXCEL_MAX_ROWS as MAX_ROWS
from xl_crm.fields.words import truth_of

BLOCK = 1 << 22

_ROW = re.compile(r"<(?P<p>(?:\w+:)?)row\b[^>]*?(?:/>|>.*?</(?P=p)row>)", re.S)
_ROW_START = re.compile(r"<(\w+:)?row\b([^>]*?)(/?)>")
_CELL = re.compile(r"<(?:\w+:)?c\b[^>]*?(?:/>|>.*?</(?:\w+:)?c>)", re.S)
_ATTR_R = re.compile(r'\br="([A-Z]+)?(\d+)?"')
_ATTR_S = re.compile(r'\bs="(\d+)"')
_ATTR_S_B = re.compile(rb'\bs="(\d+)"')
_ARRAY_REF = re.compile(r'<(?:\w+:)?f\b[^>]*\bt="array"[^>]*\bref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')
_SPANS = re.compile(r'\s+spans="[^"]*"')
_SPANS_B = re.compile(rb'(<(?:\w+:)?row\b[^>]*?)\s+spans="[^"]*"')  # in row tags only
_SHEET_DATA = re.compile(rb"<(\w+:)?sheetData\b[^>]*?(/?)>")
_SHEET_DATA_END = re.compile(rb"</(?:\w+:)?sheetData>")
_DIMENSION = re.compile(r'(<(?:\w+:)?dimension\b[^>]*\bref=")([^"]*)(")')
_ESCAPE_LIKE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
EPOCH_1900 = EXCEL_EPOCH_1900
SHEET_XML_CUT = (
    "工作表 XML 在 </sheetData> 之前就结束了：文件已损坏",
    "the worksheet XML ended before </sheetData>: the file is damaged",
)
EPOCH_1904 = EXCEL_EPOCH_1904
_DATE_KINDS = ("date", "datetime")
_ABSENT = object()
_col_index = functools.lru_cache(maxsize=None)(column_index_from_string)


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
                        "值的索引必须是 Excel 行号（整数）",
                        "values must be indexed by Excel row numbers",
                    ),
                    expected=(
                        "以行号为索引的 Series 或 {行号: 值}",
                        "a Series or {row: value} by row",
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
                raise ValueNotWritableError(
                    ("同一行给了两个值", "the same row is given two values"),
                    expected=("每行一个值", "one value a row"),
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

    def template(self, pos: np.ndarray, prefix: str, nums: np.ndarray) -> tuple[bytes, list] | None:
        """(template piece after the style, argument lists) for values with none missing,
        formatted by bytes %-formatting in C; None when some are missing."""
        v, c = f"><{prefix}v>".encode(), f"</{prefix}v></{prefix}c>".encode()
        if self.codes is not None:
            codes = self.codes[pos]
            if (codes < 0).any():
                return None
            frags = self._table(prefix, nums, pos, encoded=True)
            if any(frags[code] is None for code in np.unique(codes).tolist()):
                return None
            table = np.empty(len(frags), dtype=object)
            table[:] = frags
            return b"%s", [table[codes].tolist()]
        values = self.array[pos]
        kind = values.dtype.kind
        if kind == "b" or (self.kind == "boolean" and kind in "iuf"):
            if kind == "f" and not np.isfinite(values).all():
                return None
            return b' t="b"' + v + b"%d" + c, [(values != 0).astype(np.int64).tolist()]
        if kind in "iu":
            return v + b"%d" + c, [values.tolist()]
        if kind == "M":
            values = serials(values, self.epoch, self.letter, nums)
        if not np.isfinite(values).all():
            return None
        # whole numbers below 1e16 print as integers (repr switches to exponents there)
        integral = (values == np.round(values)) & (np.abs(values) < 1e16)
        if integral.all():
            return v + b"%d" + c, [values.astype(np.int64).tolist()]
        # shortest round-trip text (repr), whole numbers without ".0", as _number() does
        texts = list(map(float.__repr__, values.tolist()))
        whole = np.flatnonzero(integral)
        for i, number in zip(whole.tolist(), values[whole].astype(np.int64).tolist(), strict=True):
            texts[i] = str(number)
        return v + b"%s" + c, ["\x00".join(texts).encode("ascii").split(b"\x00")]


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


class RowPlan:
    """What to write in each row (the columns, their values and styles) and the counts."""

    def __init__(
        self,
        # column index -> (header to write, None to leave the header cell, values)
        targets: dict[int, tuple[str | None, ColumnValues]],
        header_row: int,
        date_styles: dict[str, int],
        date1904: bool,
        date_xfs: set[str] = frozenset(),
    ) -> None:
        self.header_row = header_row
        self.targets = dict(sorted(targets.items()))
        self.letters = {i: get_column_letter(i) for i in self.targets}
        for col, (_, values) in self.targets.items():
            values.letter = self.letters[col]
        self.date_styles = date_styles
        self.date_xfs = date_xfs  # the style indexes whose number format shows a date
        self.col_styles: dict[int, str] = {}  # <col style> of the target columns
        self.epoch = EPOCH_1904 if date1904 else EPOCH_1900
        union: np.ndarray = np.empty(0, dtype=np.int64)
        for i, (_, values) in enumerate(self.targets.values()):
            if i == 0:
                union = values.rows
            elif len(union) != len(values.rows) or not np.array_equal(union, values.rows):
                union = np.union1d(union, values.rows)
        # the rows written below the header, ascending (a view: no copy of the row numbers)
        self.rows = union[int(np.searchsorted(union, header_row, side="right")) :]
        self.header_pending = True  # the header row comes before them all
        self.next = 0  # index into self.rows of the first row not reached yet
        self.next_auto_row = 1  # the number a row without r gets (one after the last row)
        self.rows_changed = 0
        self.array_ranges: list[tuple[int, int, int, int, str]] = []  # array formulas met
        self.progress: Callable[[int, int], None] | None = None
        # (style index, kind) -> a copy of that style with a date format (set by the writer)
        self.clone_date_style: Callable[[str, str], str] | None = None
        # the style indexes whose number format shows numbers its own way (set by the writer)
        self.number_xfs: set[str] = set()
        self.max_col = max(self.targets)
        self._fast: dict[str, re.Pattern[bytes]] = {}

    # -- values ------------------------------------------------------------------------

    def value_for(self, col: int, row: int) -> tuple[bool, Any]:
        header, values = self.targets[col]
        if row == self.header_row:
            return header is not None, header  # None: an existing column keeps its header
        return values.get(row)

    def kind(self, col: int, row: int) -> str:
        return "text" if row == self.header_row else self.targets[col][1].kind

    def style(self, col: int, row: int, old: str | None, had_cell: bool) -> str | None:
        """The style of a cell written: the old cell's (or, for a new cell, the column's
        default style); a date goes into a style showing dates (the workbook's date style
        when the cell's own does not), an amount of money into one showing numbers (the
        money format when the cell's own shows none)."""
        if row == self.header_row:
            return old
        base = old if had_cell else self.col_styles.get(col)
        kind = self.targets[col][1].kind
        if kind in _DATE_KINDS or kind == "money":
            shown = self.date_xfs if kind in _DATE_KINDS else self.number_xfs
            if base is not None and base in shown:
                return base
            if base not in (None, "0") and self.clone_date_style and kind in self.date_styles:
                return self.clone_date_style(base, kind)  # its own look, a date format
            return str(self.date_styles[kind]) if kind in self.date_styles else base
        return base

    def cell(self, prefix: str, col: int, row: int, value: Any, style: str | None) -> str:
        """One cell's XML (``style`` as given by style()); an empty value keeps a styled
        cell's formatting, else writes nothing."""
        ref = f"{self.letters[col]}{row}"
        s = f' s="{style}"' if style else ""
        frag = fragment(prefix, ref, value, self.kind(col, row), self.epoch)
        if frag is None:
            return f'<{prefix}c r="{ref}"{s}/>' if style else ""
        return f'<{prefix}c r="{ref}"{s}{frag}'

    def formula_overwritten(self, cell_xml: str, letter: str, row: int) -> None:
        """A formula is being replaced by a value: refuse to break a shared formula.

        The master cell of a shared or array formula (``<f t="shared" ref="H2:H9" si="0">``)
        holds the text its other cells use; overwriting it while some of those cells stay
        would leave them without a formula, so that is refused (nothing is written)."""
        m = re.search(
            r'<(?:\w+:)?f\b[^>]*\bt="(?:shared|array)"[^>]*\bref="([A-Z]+)(\d+):([A-Z]+)(\d+)"',
            cell_xml,
        )
        if m is None:
            return
        first_col, first_row, last_col, last_row = (
            m.group(1),
            int(m.group(2)),
            m.group(3),
            int(m.group(4)),
        )
        entry = self.targets.get(column_index_from_string(letter))
        covered = False
        if first_col == last_col == letter and entry is not None:
            _, hit = entry[1].positions(np.arange(first_row, last_row + 1, dtype=np.int64))
            covered = bool(hit.all())
        if not covered:
            raise CellNotWritableError(
                (
                    f"单元格 {letter}{row} 属于 {first_col}{first_row}:{last_col}{last_row} 的"
                    "共享公式或数组公式；只覆盖它会破坏其他单元格",
                    f"cell {letter}{row} holds the shared or array formula of "
                    f"{first_col}{first_row}:{last_col}{last_row}; overwriting it alone would "
                    "break the other cells",
                ),
                cell=f"{letter}{row}",
                hint=(
                    "写入整个区域，或先在 Excel 中把公式转为数值",
                    "write the whole range, or convert the formulas to values in Excel first",
                ),
            )
        ref = f"{first_col}{first_row}:{last_col}{last_row}"
        self.array_ranges = [a for a in self.array_ranges if a[4] != ref]  # all replaced

    def note_array(self, cell_xml: str) -> None:
        """Remember the range of an array formula (its master is its top-left cell)."""
        m = _ARRAY_REF.search(cell_xml)
        if m is not None:
            first, last = _col_index(m.group(1)), _col_index(m.group(3))
            top, bottom = int(m.group(2)), int(m.group(4))
            if (first, top) != (last, bottom):
                ref = f"{m.group(1)}{top}:{m.group(3)}{bottom}"
                self.array_ranges.append((first, top, last, bottom, ref))

    def check_array(self, col: int, row: int) -> None:
        """Refuse to overwrite a cell inside an array formula's range but not its master:
        Excel cannot change part of an array ("You can't change part of an array")."""
        for first, top, last, bottom, ref in self.array_ranges:
            if first <= col <= last and top <= row <= bottom and (col, row) != (first, top):
                raise CellNotWritableError(
                    (
                        f"单元格 {self.letters[col]}{row} 属于 {ref} 的数组公式；"
                        "只覆盖数组的一部分会破坏它",
                        f"cell {self.letters[col]}{row} is part of the array formula in {ref}; "
                        "overwriting part of an array would break it",
                    ),
                    cell=f"{self.letters[col]}{row}",
                    hint=(
                        "写入整个区域，或先在 Excel 中把公式转为数值",
                        "write the whole range, or convert the formula to values in Excel first",
                    ),
                )

    def arrays_touch(self, top: int, bottom: int) -> bool:
        """Whether an array formula's range covers a target column within these rows."""
        return any(
            any(first <= col <= last for col in self.targets) and t <= bottom and b >= top
            for first, t, last, b, _ in self.array_ranges
        )

    # -- the rows still to come -----------------------------------------------------------

    def pending_before(self, number: int) -> list[int]:
        """Rows to write that come before ``number`` and were not met in the sheet."""
        out = []
        if self.header_pending and self.header_row < number:
            out.append(self.header_row)
            self.header_pending = False
        stop = int(np.searchsorted(self.rows, number))
        if stop > self.next:
            out += self.rows[self.next : stop].tolist()
        self.next = max(self.next, stop)
        return out

    def take(self, number: int) -> bool:
        """Whether row ``number`` is to be written (and mark it met)."""
        if self.header_pending and number == self.header_row:
            self.header_pending = False
            return True
        if self.next < len(self.rows) and self.rows[self.next] == number:
            self.next += 1
            return True
        return False

    def rest(self) -> list[int]:
        out = [self.header_row] if self.header_pending else []
        out += self.rows[self.next :].tolist()
        self.header_pending = False
        self.next = len(self.rows)
        return out

    def report(self) -> None:
        """Tell ``progress`` (if any) how many of the rows to write were reached."""
        if self.progress is not None:
            done = self.next + (0 if self.header_pending else 1)
            self.progress(done, len(self.rows) + 1)

    @property
    def last_row(self) -> int:
        return max(self.header_row, int(self.rows[-1]) if len(self.rows) else 0)

    # -- the fast path's expression ----------------------------------------------------------

    def runs(self) -> list[list[int]]:
        """The target columns in runs of adjacent columns (E F, H I J K)."""
        runs: list[list[int]] = []
        for col in self.targets:
            if runs and runs[-1][-1] == col - 1:
                runs[-1].append(col)
            else:
                runs.append([col])
        return runs

    def block_pattern(self, prefix: str) -> re.Pattern[bytes]:
        """Splits a block of rows into, per row: the row's start tag, its number, then for
        each run of adjacent target columns the cells before the run and, for each column
        of the run, its cell (empty if absent) and that cell's attributes; then the rest of
        the row with its end tag.  Cells are taken whole (possessive, no backtracking); the
        usual contents (a value, an inline string) are matched literally, anything else
        tag by tag.  Whitespace between cells is left to the general path."""
        if prefix not in self._fast:
            p = re.escape(prefix)
            content = (
                rf"(?:(?<=/)>|>(?:<{p}v>[^<]*+</{p}v>|<{p}is><{p}t[^>]*+>[^<]*+</{p}t></{p}is>"
                rf"|(?:[^<]*+<(?!/{p}c>))*+[^<]*+)</{p}c>)"
            )

            def cells(letters: str) -> str:
                return rf'(?:<{p}c r="{letters}\d+"[^>]*+{content})*+'

            pattern = rf'(<{p}row r="(\d+)"[^>]*+>)'
            for run in self.runs():
                pattern += f"({cells(_letters_below(self.letters[run[0]]))})"
                for col in run:
                    letter = self.letters[col]
                    pattern += rf'((?:<{p}c r="{letter}\d+"([^>]*+){content})?+)'
            pattern += rf"({cells('[A-Z]{1,3}')}</{p}row>)"
            self._fast[prefix] = re.compile(pattern.encode())
        return self._fast[prefix]


def _letters_below(letters: str) -> str:
    """A pattern for the column letters that come before ``letters`` (A < Z < AA)."""
    m = len(letters)
    alternatives = [f"[A-Z]{{1,{m - 1}}}"] if m > 1 else []
    for i, ch in enumerate(letters):
        if ch > "A":
            rest = m - i - 1
            alternatives.append(
                letters[:i] + f"[A-{chr(ord(ch) - 1)}]" + (f"[A-Z]{{{rest}}}" if rest else "")
            )
    return "(?:" + "|".join(alternatives) + ")" if alternatives else "(?!)"


# -- the stream ---------------------------------------------------------------------------


def inflated_blocks(fh) -> Iterator[bytes]:
    while True:
        block = fh.read(BLOCK)
        if not block:
            return
        yield block


def patched(blocks: Iterator[bytes], plan: RowPlan) -> Iterator[bytes]:
    """The sheet XML with the plan's cells written, block by block."""
    buffer = b""
    state = "head"
    prefix = ""
    end_row = b"</row>"
    for block in blocks:
        buffer += block
        if state == "head":
            m = _SHEET_DATA.search(buffer)
            if not m:
                continue
            prefix = (m.group(1) or b"").decode("ascii")
            end_row = f"</{prefix}row>".encode()
            head = _widen_dimension(buffer[: m.start()], plan)
            plan.col_styles = column_styles(head.decode("utf-8"), plan.targets)
            if m.group(2) == b"/":  # <sheetData/>: no rows at all
                yield head + f"<{prefix}sheetData>".encode()
                yield _new_rows(plan.rest(), plan, prefix).encode("utf-8")
                yield f"</{prefix}sheetData>".encode()
                buffer = buffer[m.end() :]
                state = "tail"
            else:
                yield head + buffer[m.start() : m.end()]
                buffer = buffer[m.end() :]
                state = "rows"
        if state == "rows":
            end = _sheet_data_end(buffer)
            if end is not None:
                rows, rest = buffer[: end.start()], buffer[end.start() :]
            else:
                cut = buffer.rfind(end_row)
                if cut < 0:
                    continue
                cut += len(end_row)
                rows, rest = buffer[:cut], buffer[cut:]
            if rows:
                yield patch_block(rows, plan, prefix)
                plan.report()
            buffer = rest
            if end is not None:
                yield _new_rows(plan.rest(), plan, prefix).encode("utf-8")
                plan.report()
                state = "tail"
        if state == "tail":
            yield buffer
            buffer = b""
    if state != "tail":
        raise DamagedWorkbookError(SHEET_XML_CUT)


def _sheet_data_end(buffer: bytes) -> re.Match | None:
    """``</sheetData>`` in the buffer (found with bytes.find: a regex search over every
    block would cost more than the rest of the scan)."""
    at = buffer.find(b"sheetData>")
    while at >= 0:
        start = buffer.rfind(b"</", max(0, at - 40), at)
        m = _SHEET_DATA_END.match(buffer, start) if start >= 0 else None
        if m is not None and m.end() == at + len(b"sheetData>"):
            return m
        at = buffer.find(b"sheetData>", at + 1)
    return None


def patch_block(rows: bytes, plan: RowPlan, prefix: str) -> bytes:
    """A block of whole rows, patched (the fast path where it applies)."""
    header_end = 0
    if plan.header_pending:
        # the header row (and anything above it) goes the general way
        m = re.search(rf'<{re.escape(prefix)}row r="{plan.header_row}"'.encode(), rows)
        if m is None:
            return _patch_general(rows, plan)
        header_end = rows.find(f"</{prefix}row>".encode(), m.end())
        if header_end < 0:
            return _patch_general(rows, plan)
        header_end += len(prefix) + 6
    head = _patch_general(rows[:header_end], plan) if header_end else b""
    body = rows[header_end:]
    if not body.strip():
        return head + body
    if _nothing_to_write(body, plan, prefix):
        return head + body
    fast = _patch_fast(body, plan, prefix)
    return head + (fast if fast is not None else _patch_general(body, plan))


def _nothing_to_write(rows: bytes, plan: RowPlan, prefix: str) -> bool:
    """Whether no row of the block gets anything (rows below the data): then it passes
    through as it is.  (Checked cheapest first: most blocks do get something.)"""
    if plan.header_pending:
        return False
    at = rows.rfind(f'<{prefix}row r="'.encode())
    if at < 0:
        return False
    m = re.match(rb'<(?:\w+:)?row r="(\d+)"', rows[at : at + 40])
    if m is None:
        return False
    last = int(m.group(1))
    if plan.next < len(plan.rows) and plan.rows[plan.next] <= last:
        return False
    if b't="array"' in rows:  # array formulas are noted on the way
        return False
    tags = rows.count(f"<{prefix}row ".encode()) + rows.count(f"<{prefix}row>".encode())
    if tags != rows.count(f'<{prefix}row r="'.encode()):
        return False  # rows without r: their numbers are counted the general way
    plan.next_auto_row = last + 1
    return True


def _patch_fast(rows: bytes, plan: RowPlan, prefix: str) -> bytes | None:
    """The block patched column-wise, or None when the general path must do it."""
    if b' spans="' in rows:
        rows = _SPANS_B.sub(rb"\1", rows)  # the rows get new cells; spans is only a hint
    parts = plan.block_pattern(prefix).split(rows)
    runs = plan.runs()
    stride = 3 + len(runs) + 2 * len(plan.targets) + 1
    n, extra = divmod(len(parts) - 1, stride)
    # a row the pattern does not take (no r, cells without r or out of order, ...) is left
    # between the rows it takes: the general path must do the block
    if extra or n == 0 or b"".join(parts[0::stride]).strip():
        return None
    nums = np.array(parts[2::stride], dtype=np.int64)
    lo = int(np.searchsorted(plan.rows, nums[0]))
    hi = int(np.searchsorted(plan.rows, nums[-1], side="right"))
    if plan.header_pending or plan.next != lo or hi - lo != n:
        return None  # a row to create, a row not written, or rows out of order
    if not np.array_equal(plan.rows[lo:hi], nums):
        return None  # a row to create, a row not written, or rows out of order
    if b't="array"' in rows or (plan.array_ranges and plan.arrays_touch(nums[0], nums[-1])):
        return None  # array formulas are checked the general way
    formula = f"<{prefix}f".encode()
    numbers = nums.tolist()
    # each row is rebuilt by one %-format: what was between the rows, its start tag, then
    # per run the cells before it and the run's new cells, then the rest of the row
    pieces = [b"%s%s"]
    args: list[list] = [parts[0:-1:stride], parts[1::stride]]
    slot = 3
    for run in runs:
        pieces.append(b"%s")
        args.append(parts[slot::stride])
        slot += 1
        for col in run:
            old, attrs = parts[slot::stride], parts[slot + 1 :: stride]
            if attrs.count(None) != n:
                existing = b"".join(old)
                if formula in existing:
                    return None  # formulas are checked the general way
                if plan.targets[col][0] is not None and (b"<v" in existing or b"<is" in existing):
                    return None  # data under no header: refused the general way
            styles = _styles(attrs, plan, col, int(nums[0]))
            cells = _column_cells(plan, col, prefix, nums, numbers, styles, old)
            if isinstance(cells, tuple):
                pieces.append(cells[0])
                args += cells[1]
            else:
                pieces.append(b"%s")
                args.append(cells)
            slot += 2
    pieces.append(b"%s")
    args.append(parts[slot::stride])
    template = b"".join(pieces)
    out = b"".join(map(template.__mod__, zip(*args, strict=True))) + parts[-1]
    plan.next = hi
    plan.rows_changed += n
    plan.next_auto_row = int(nums[-1]) + 1
    return out


def _styles(
    attrs: list[bytes | None], plan: RowPlan, col: int, row: int
) -> str | list[str | None] | None:
    """The style of each new cell (see RowPlan.style), from the old cell's attributes (None:
    no old cell); one value when it is the same for every row."""
    by_attrs = {}
    for a in set(attrs):
        m = _ATTR_S_B.search(a) if a is not None else None
        old = m.group(1).decode("ascii") if m else None
        by_attrs[a] = plan.style(col, row, old, a is not None)
    if len(set(by_attrs.values())) == 1:
        return next(iter(by_attrs.values()))
    return [by_attrs[a] for a in attrs]


def _column_cells(
    plan: RowPlan,
    col: int,
    prefix: str,
    nums: np.ndarray,
    numbers: list[int],
    styles: str | list[str | None] | None,
    old: list[bytes],
) -> tuple[bytes, list] | list[bytes]:
    """One column's new cells for a block: a %-template with its argument lists (the fast
    form: no Python work per cell), or the cells themselves as a list of bytes."""
    values = plan.targets[col][1]
    letter = plan.letters[col]
    pos, hit = values.positions(nums)
    if hit.all() and not isinstance(styles, list):
        s = f' s="{styles}"' if styles else ""
        head = f'<{prefix}c r="{letter}%d"{s}'.encode()
        fast = values.template(pos, prefix, nums)
        if fast is not None:
            piece, args = fast
            return head + piece, [numbers, *args]
    frags = [_ABSENT] * len(numbers)
    idx = np.flatnonzero(hit)
    if len(idx):
        for i, frag in zip(
            idx.tolist(), values.fragments(pos[idx], prefix, nums[idx]), strict=True
        ):
            frags[i] = frag
    return _cells(prefix, letter, [str(x) for x in numbers], frags, styles, old)


def _cells(
    prefix: str,
    letter: str,
    nums: list[str],
    frags: list,
    styles: str | list[str | None] | None,
    old: list[bytes],
) -> list[bytes]:
    """The new cells of one column for each row of a block, as bytes (any values)."""
    start = f'<{prefix}c r="{letter}'
    per_row = styles if isinstance(styles, list) else [styles] * len(nums)
    out = []
    for num, frag, style, before in zip(nums, frags, per_row, old, strict=True):
        if frag is _ABSENT:
            out.append(before.decode("utf-8"))
            continue
        s = f' s="{style}"' if style else ""
        if frag is None:
            out.append(f'{start}{num}"{s}/>' if style else "")
        else:
            out.append(f'{start}{num}"{s}{frag}')
    return "\x00".join(out).encode("utf-8").split(b"\x00")


def _patch_general(rows: bytes, plan: RowPlan) -> bytes:
    """A block of whole rows, patched row by row (any valid SpreadsheetML)."""
    text = rows.decode("utf-8")
    out: list[str] = []
    pos = 0
    next_auto_row = plan.next_auto_row
    for m in _ROW.finditer(text):
        if m.start() != pos:
            out.append(text[pos : m.start()])
        row_xml = m.group(0)
        start = _ROW_START.match(row_xml)
        r_attr = re.search(r'\br="(\d+)"', start.group(2)) if start else None
        number = int(r_attr.group(1)) if r_attr else next_auto_row
        next_auto_row = number + 1
        prefix = (start.group(1) or "") if start else ""
        new = plan.pending_before(number)
        if new:
            out.append(_new_rows(new, plan, prefix))
        if plan.take(number):
            out.append(patch_row(row_xml, number, plan, start, r_attr is None))
        else:
            if 't="array"' in row_xml:
                for cell in _CELL.finditer(row_xml):
                    plan.note_array(cell.group(0))
            out.append(row_xml)
        pos = m.end()
    out.append(text[pos:])
    plan.next_auto_row = next_auto_row
    return "".join(out).encode("utf-8")


def _widen_dimension(head: bytes, plan: RowPlan) -> bytes:
    def widen(m: re.Match) -> str:
        ref = m.group(2)
        parts = ref.split(":")
        first = parts[0]
        last = parts[-1]
        lm = re.match(r"([A-Z]+)(\d+)", last)
        if not lm:
            return m.group(0)
        col = max(column_index_from_string(lm.group(1)), plan.max_col)
        row = max(int(lm.group(2)), plan.last_row)
        return f"{m.group(1)}{first}:{get_column_letter(col)}{row}{m.group(3)}"

    return _DIMENSION.sub(widen, head.decode("utf-8"), count=1).encode("utf-8")


def column_styles(head: str, columns) -> dict[int, str]:
    """The default style (``<col style>``, in the sheet XML before ``<sheetData>``) of each of
    ``columns`` (1-based indexes) that has one."""
    out = {}
    for m in re.finditer(r"<(?:\w+:)?col\b([^>]*)>", head):
        attrs = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
        try:
            first, last = int(attrs["min"]), int(attrs["max"])
        except (KeyError, ValueError):
            continue
        style = attrs.get("style")
        if style and style != "0":
            out.update({col: style for col in columns if first <= col <= last})
    return out


def _new_rows(rows: list[int], plan: RowPlan, prefix: str) -> str:
    """Rows that the sheet does not have yet, in order."""
    out = []
    for number in rows:
        cells = []
        for col in plan.targets:
            present, value = plan.value_for(col, number)
            if present:
                style = plan.style(col, number, None, False)
                cells.append(plan.cell(prefix, col, number, value, style))
        if any(cells):
            plan.rows_changed += 1
            out.append(f'<{prefix}row r="{number}">{"".join(cells)}</{prefix}row>')
    return "".join(out)


def patch_row(
    row_xml: str, number: int, plan: RowPlan, start: re.Match | None, missing_r: bool
) -> str:
    """One row with the plan's cells written (cells with or without ``r``, in any form)."""
    prefix = (start.group(1) or "") if start else ""
    attrs = start.group(2) if start else ""
    if start and start.group(3) == "/":
        body = ""
    else:
        body = row_xml[start.end() : row_xml.rfind("<")] if start else row_xml
    cells: list[tuple[int, str]] = []
    col = 0
    after = 0  # where the last cell ends: what follows (a row's extLst) is kept
    for m in _CELL.finditer(body):
        after = m.end()
        cell = m.group(0)
        ref = _ATTR_R.search(cell[: cell.find(">") + 1])
        if ref and ref.group(1):
            col = _col_index(ref.group(1))
        else:  # position implied by order: make it explicit, new cells may sit between
            col += 1
            cell = re.sub(
                r"^<((?:\w+:)?c)\b", rf'<\1 r="{get_column_letter(col)}{number}"', cell, count=1
            )
        cells.append((col, cell))
    existing = dict(cells)
    for _, cell in cells:
        if 't="array"' in cell:
            plan.note_array(cell)
    changed = False
    for target_col in plan.targets:
        present, value = plan.value_for(target_col, number)
        if not present:
            continue
        if plan.array_ranges:
            plan.check_array(target_col, number)
        old = existing.get(target_col)
        style = None
        if (
            old is not None
            and plan.targets[target_col][0] is not None
            and number != plan.header_row
        ) and re.search(r"<(?:\w+:)?(v|is)\b", old):
            letter = plan.letters[target_col]
            raise NoRoomForColumnError(
                (
                    f"{letter} 列有数据（单元格 {letter}{number}）但没有表头：新列 "
                    f"{plan.targets[target_col][0]!r} 会覆盖它",
                    f"column {letter} has data (cell {letter}{number}) but no header: the new "
                    f"column {plan.targets[target_col][0]!r} would overwrite it",
                ),
                cell=f"{letter}{number}",
                hint=(
                    "给该列加上表头，或移走其数据",
                    "give that column a header, or move its data",
                ),
            )
        if old is not None:
            sm = _ATTR_S.search(old[: old.find(">") + 1])
            style = sm.group(1) if sm else None
            if re.search(r"<(?:\w+:)?f\b", old):
                plan.formula_overwritten(old, plan.letters[target_col], number)
        style = plan.style(target_col, number, style, old is not None)
        existing[target_col] = plan.cell(prefix, target_col, number, value, style)
        changed = True
    if not changed:
        return row_xml
    plan.rows_changed += 1
    if missing_r:
        attrs = f' r="{number}"' + attrs
    attrs = _SPANS.sub("", attrs)
    ordered = "".join(existing[c] for c in sorted(existing))
    trailing = body[after:] if body[after:].strip() else ""
    return f"<{prefix}row{attrs}>{ordered}{trailing}</{prefix}row>"
