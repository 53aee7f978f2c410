"""One value per cell: the single place where cell contents become typed values.

Every reader (xlsx, ods, csv; later Google Sheets and Excel ranges) hands the cells it could
not read as the column's type to :func:`coerce`, and every check, reference, metric and
writer uses what comes out, so ``2026年5月1日``, ``¥89.50`` or ``１００００１`` mean the same
thing to validation as to ``compute``.  What was coerced, and how, is recorded per cell
(``Coerced.how``); what cannot be read is flagged (``Coerced.failed``), never dropped.

Accepted forms (documented in ``docs/reading.md``):

- dates and times: real date cells; Excel serial numbers (also as text, also with a time
  fraction, 1900 date system); ``2026-05-01``, ``2026/5/1``, ``2026.05.01``, ``2026年5月1日``,
  ``20260501``, each optionally followed by a time ``9:30``, ``09:30:15``, ``8时00分``,
  ``8点30分``; ISO 8601 (``2026-05-01T09:30:00+08:00``); day-first or month-first
  ``12/04/2026`` (the order decided once per column, see :func:`date_order_of`); English
  month names (``1 May 2026``, ``May 1, 2026``, ``01-May-26``);
- numbers and money: ``2,999.00``, ``¥89.50``, ``89.5元``, ``RMB 1,200``, ``$12``, full-width
  digits, a trailing ``%`` (÷ 100), accounting negatives ``(12.50)``;
- booleans: TRUE/FALSE, 是/否, Y/N, yes/no, 1/0, ✓/✗, √/×, 对/错, 有/无;
- identifiers and other text: trimmed (invisible characters too: U+200B, U+FEFF, NBSP,
  U+3000, line breaks), full-width forms folded to ASCII (NFKC) for identifiers;
- Excel error values (``#N/A``, ``#VALUE!``, ``#REF!`` ...) are recognised in any column and
  reported as formula errors, not as wrong types.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from xl_crm.fields.errorvalues import excel_error
from xl_crm.fields.formats import arrow_text
from xl_crm.fields.grid import EXCEL_EPOCH_1900
from xl_crm.fields.typedcells import date_cells, number_cells, text_cells
from xl_crm.fields.words import FALSE_WORDS, TRUE_WORDS

#: characters people cannot see that spreadsheets and web copies leave in cells and headers
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00a0\u3000\u202f\u2007\r\n\t\v\f"

#: Excel's 1900 date system: serial 1 is 1900-01-01 and serial 60 the leap day 1900 never
#: had, so from serial 61 on, day 0 is 1899-12-30 (ECMA-376 Part 1, §18.17.4.1)
EXCEL_EPOCH = pd.Timestamp(EXCEL_EPOCH_1900)
EXCEL_MAX_SERIAL = 2958465  # 9999-12-31


_CURRENCY = re.compile(r"(?i)^(?:rmb|cny|usd|hk\$|us\$|[¥￥$€£])|(?:元|块|rmb|cny|usd)$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?$")
_PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")

_TIME = (
    r"(?:[ T,，]*(?P<ampm>上午|下午|早上|晚上)?\s*(?P<H>\d{1,2})\s*[:：时点]\s*(?P<M>\d{1,2})"
    r"(?:\s*[:：分]\s*(?P<S>\d{1,2}(?:\.\d+)?))?\s*[分秒]?\s*(?P<ampm2>[AaPp][Mm])?"
    r"(?:\s*(?:Z|[+-]\d{2}:?\d{2}))?)?"
)
_YMD = re.compile(
    r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*[日号]?" + _TIME + r"$"
)
_COMPACT = re.compile(r"^(?P<y>(?:19|20)\d{2})(?P<m>\d{2})(?P<d>\d{2})$")
_NUMERIC_DMY = re.compile(
    r"^(?P<a>\d{1,2})\s*[-/.]\s*(?P<b>\d{1,2})\s*[-/.]\s*(?P<y>\d{4}|\d{2})" + _TIME + r"$"
)
_ISO_QUICK = r"^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
_HAS_LETTERS = re.compile(r"[A-Za-z]{3,}")


@dataclass
class Coerced:
    """What :func:`coerce` made of a column.

    ``values``: the typed column (float64 for integer/number, datetime64[ns] for
    date/datetime, object True/False for boolean, text otherwise; missing as NA).
    ``failed``: present but not readable as the type.  ``errors``: the Excel error value
    shown in a cell (``#N/A``), None elsewhere.  ``how``: what was done to a cell that was
    not already of the type (``"text date"``, ``"Excel serial"``, ``"text number"``,
    ``"full-width"``, ``"yes/no text"``), None where nothing was.  ``date_order`` is the
    order used for ``12/04/2026`` forms (``"dmy"``/``"mdy"``), ``ambiguous`` tells that the
    column's values did not decide it (no part above 12) and ``conflicting`` that they
    contradict each other (both orders needed).
    """

    values: pd.Series
    failed: pd.Series
    errors: pd.Series
    how: pd.Series
    date_order: str | None = None
    ambiguous: bool = False
    conflicting: bool = False

    def coerced_counts(self) -> dict[str, int]:
        """How many cells were coerced, by how (``{"text date": 3}``)."""
        return {str(k): int(v) for k, v in self.how.value_counts().items()}


#: a text of only spaces and invisible characters (RE2, for Arrow)
_BLANK = "^[" + "".join(f"\\x{{{ord(c):x}}}" for c in " \r\n\t\v\f" + INVISIBLE) + "]*$"


def is_blank(values: pd.Series) -> pd.Series:
    """True where a cell is empty: missing, ``""`` or only spaces and invisible characters."""
    out = values.isna().to_numpy().copy()
    strings = _is_str(values) & ~out
    if strings.any():
        out[strings] = pc.equal(_trimmed(arrow_text(values[strings].astype("str"))), "").to_numpy(
            zero_copy_only=False
        )
    return pd.Series(out, index=values.index)


def blank_cells(column: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Where an Arrow column of texts is blank (as :func:`is_blank` says: missing, or only
    spaces and invisible characters), without converting it to Python objects or copying
    its texts: a bool array, True where blank."""
    blank = pc.fill_null(pc.match_substring_regex(column, _BLANK), True)
    return blank.to_numpy(zero_copy_only=False)


def clean_text(text: str) -> str:
    """A cell's or header's text without surrounding spaces or invisible characters."""
    return text.strip(" " + INVISIBLE).replace("\u200b", "").replace("\ufeff", "")


def coerce(
    values: pd.Series,
    storage: str,
    *,
    identifier: bool = False,
    date_order: str | None = None,
    default_order: str = "dmy",
) -> Coerced:
    """Read ``values`` (one column's cells, any Python types) as ``storage``.

    ``storage`` is a field type's storage (``text``, ``integer``, ``number``, ``date``,
    ``datetime``, ``boolean``); ``identifier`` folds full-width forms in text (phones, ID
    numbers, codes); ``date_order`` (``"dmy"`` or ``"mdy"``) fixes the order of
    ``12/04/2026`` forms, else it is decided from the column (:func:`date_order_of`) and
    ``default_order`` is used when the column does not decide.  Returns a :class:`Coerced` with the
    same index; never raises on a value.
    """
    index = values.index
    raw = values if _string_dtype(values) else values.astype(object)
    strings = _is_str(raw)
    blank = raw.isna().to_numpy().copy()
    errors = np.full(len(raw), None, dtype=object)
    # the trimmed text of text cells (NA elsewhere)
    if _string_dtype(raw):  # an Arrow text column (calamine, CSV): kernels keep its NAs
        trimmed = _trimmed(arrow_text(raw))
        text = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([trimmed])), dtype="str")
        text.index = index
        blank = pc.fill_null(pc.equal(trimmed, ""), True).to_numpy(zero_copy_only=False).copy()
        maybe = pc.or_(pc.starts_with(trimmed, "#"), pc.starts_with(trimmed, "Error("))
        where = np.flatnonzero(pc.fill_null(maybe, False).to_numpy(zero_copy_only=False))
        if len(where):
            errors[where] = [excel_error(v) for v in text.iloc[where]]
    elif strings.any():
        text = pd.Series(pd.NA, index=index, dtype="str")
        trimmed = _trimmed(arrow_text(raw[strings].astype("str")))
        text[strings] = pd.arrays.ArrowStringArray(pa.chunked_array([trimmed]))
        blank[strings] = pc.equal(trimmed, "").to_numpy(zero_copy_only=False)
        maybe = pc.or_(pc.starts_with(trimmed, "#"), pc.starts_with(trimmed, "Error("))
        maybe = maybe.to_numpy(zero_copy_only=False)
        if maybe.any():
            where = np.flatnonzero(strings)[maybe]
            errors[where] = [excel_error(v) for v in text.iloc[where]]
    else:
        text = pd.Series(pd.NA, index=index, dtype="str")
    present = ~blank & pd.isna(errors)
    strings = strings & present
    order, ambiguous, conflicting = date_order, False, False
    if storage in ("integer", "number"):
        out, ok, how = _numbers(raw, text, strings, present)
    elif storage in ("date", "datetime"):
        if date_order is None:
            order, ambiguous, conflicting = date_order_of(text[strings])
        out, ok, how = _dates(raw, text, strings, present, order or default_order)
    elif storage == "boolean":
        out, ok, how = _booleans(raw, text, strings, present)
    else:
        out, ok, how = _texts(raw, text, strings, present, identifier)
    return Coerced(
        values=out,
        failed=pd.Series(present & ~ok, index=index),
        errors=pd.Series(errors, index=index, dtype=object),
        how=pd.Series(how, index=index, dtype=object),
        date_order=order,
        ambiguous=ambiguous,
        conflicting=conflicting,
    )


def _string_dtype(values: pd.Series) -> bool:
    return values.dtype != object and pd.api.types.is_string_dtype(values.dtype)


def _is_str(raw: pd.Series) -> np.ndarray:
    """Which cells hold text (all present ones, for a column of a string dtype)."""
    if _string_dtype(raw):
        return raw.notna().to_numpy().copy()
    return text_cells(raw.to_numpy(dtype=object))


def _trimmed(arr: pa.Array) -> pa.Array:
    """Arrow texts (NA stays NA) without surrounding spaces or invisible characters, and
    without zero-width spaces and byte-order marks inside."""
    if pc.all(pc.string_is_ascii(arr)).as_py() is not False:  # only spaces to trim
        return pc.ascii_trim(arr, characters=" \r\n\t\v\f")
    arr = pc.utf8_trim(arr, characters=" " + INVISIBLE)
    for inside in ("\u200b", "\ufeff"):  # rare: look before copying every value
        if pc.any(pc.match_substring(arr, inside)).as_py():
            arr = pc.replace_substring(arr, inside, "")
    return arr


def _texts(raw: pd.Series, text: pd.Series, strings: np.ndarray, present: np.ndarray, ident):
    """Text: trimmed of invisible characters; identifiers folded from full width (NFKC);
    numbers a reader gave as numbers shown as Excel shows them (13812345678, not ...0)."""
    same = present.all() or np.array_equal(text.notna().to_numpy(), present)
    out = text.copy() if same else text.where(present, None)  # NA where blank or an error
    how = np.full(len(raw), None, dtype=object)
    if ident and strings.any():
        before = pa.array(text[strings], type=pa.large_string(), from_pandas=True)
        wide = ~pc.string_is_ascii(before).to_numpy(zero_copy_only=False)  # ASCII is NFKC
        if wide.any():
            where = np.flatnonzero(strings)[wide]
            folded = pc.utf8_normalize(pc.filter(before, pa.array(wide)), "NFKC")
            changed = pc.not_equal(folded, pc.filter(before, pa.array(wide)))
            changed = changed.to_numpy(zero_copy_only=False)
            how[where[changed]] = "full-width"
            out.iloc[where] = folded.to_pylist()
    others = np.flatnonzero(present & ~strings)
    if len(others):
        out.iloc[others] = [_shown(raw.iat[i]) for i in others]
    return out, np.ones(len(raw), dtype=bool), how


def _shown(v: object) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, dt.datetime | pd.Timestamp):
        ts = pd.Timestamp(v)
        return ts.strftime("%Y-%m-%d") if ts == ts.normalize() else ts.isoformat(sep=" ")
    return str(v)


def _numbers(raw: pd.Series, text: pd.Series, strings: np.ndarray, present: np.ndarray):
    vals = raw.to_numpy(dtype=object)
    out = np.full(len(raw), np.nan)
    ok = np.zeros(len(raw), dtype=bool)
    how = np.full(len(raw), None, dtype=object)
    if strings.any():  # plain numbers in one vectorised pass (a CSV column)
        quick = pd.to_numeric(text[strings], errors="coerce").to_numpy(dtype=float)
        hit = ~np.isnan(quick)
        where = np.flatnonzero(strings)[hit]
        out[where], ok[where], how[where] = quick[hit], True, "text number"
    number_cells(vals, present & ~strings, out, ok)  # an Excel range's numbers, in one pass
    cache: dict[str, float | None] = {}
    for i in np.flatnonzero(present & ~ok):
        v = vals[i]
        if isinstance(v, bool | np.bool_):
            continue
        if isinstance(v, int | float | np.integer | np.floating):
            out[i], ok[i] = float(v), True
        elif isinstance(v, str):
            if v not in cache:
                cache[v] = parse_number(v)
            if cache[v] is not None:
                out[i], ok[i], how[i] = cache[v], True, "text number"
    return pd.Series(out, index=raw.index), ok, how


def parse_number(text: str) -> float | None:
    """A number from its text as people type it (``2,999.00``, ``¥89.50``, ``12%``,
    ``(5.00)``, full-width digits); None when it is not one."""
    s = unicodedata.normalize("NFKC", text).strip(" " + INVISIBLE).replace(" ", "")
    if not s:
        return None
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1]
    s = _CURRENCY.sub("", _CURRENCY.sub("", s))  # "¥89.50元"
    percent = s.endswith("%")
    if percent:
        s = s[:-1]
    if "," in s:
        if not _THOUSANDS.match(s):
            return None
        s = s.replace(",", "")
    if not _PLAIN_NUMBER.match(s):
        return None
    value = float(s)
    if percent:
        value /= 100
    return -value if negative else value


def _booleans(raw: pd.Series, text: pd.Series, strings: np.ndarray, present: np.ndarray):
    vals = raw.to_numpy(dtype=object)
    out = np.full(len(raw), None, dtype=object)
    ok = np.zeros(len(raw), dtype=bool)
    how = np.full(len(raw), None, dtype=object)
    for i in np.flatnonzero(present):
        v = vals[i]
        if isinstance(v, bool | np.bool_):
            out[i], ok[i] = bool(v), True
        elif isinstance(v, int | float | np.integer | np.floating) and v in (0, 1):
            out[i], ok[i], how[i] = bool(v), True, "number as yes/no"
        elif isinstance(v, str):
            word = unicodedata.normalize("NFKC", v).strip(" " + INVISIBLE).casefold()
            if word in TRUE_WORDS or word in FALSE_WORDS:
                out[i], ok[i], how[i] = word in TRUE_WORDS, True, "yes/no text"
    return pd.Series(out, index=raw.index, dtype=object), ok, how


# -- dates -------------------------------------------------------------------------------


def date_order_of(values: pd.Series) -> tuple[str | None, bool, bool]:
    """The order of the column's ``a/b/yyyy`` dates: ``("dmy" | "mdy" | None, ambiguous,
    conflicting)``.  A first part above 12 means day-first, a second part above 12
    month-first; a column with neither is ambiguous (None: the caller's default), one
    with both is conflicting (read day-first; the cells that do not fit fail)."""
    strings = values[_is_str(values)]
    if not len(strings):
        return None, False, False
    arr = pa.array(strings, type=pa.large_string(), from_pandas=True)
    shaped = pc.match_substring_regex(arr, r"^\s*\d{1,2}\s*[-/.]\s*\d{1,2}\s*[-/.]")
    candidates = pc.filter(arr, shaped).to_pylist()
    texts = [unicodedata.normalize("NFKC", v).strip() for v in candidates]
    day_first = month_first = seen = False
    for text in texts:
        m = _NUMERIC_DMY.match(text)
        if not m:
            continue
        seen = True
        a, b = int(m.group("a")), int(m.group("b"))
        day_first |= a > 12
        month_first |= b > 12
    if not seen:
        return None, False, False
    if day_first and month_first:
        return "dmy", False, True
    if day_first:
        return "dmy", False, False
    if month_first:
        return "mdy", False, False
    return None, True, False


def _dates(raw, text: pd.Series, strings: np.ndarray, present: np.ndarray, order: str):
    vals = raw.to_numpy(dtype=object)
    out = np.full(len(raw), np.datetime64("NaT"), dtype="datetime64[ns]")
    ok = np.zeros(len(raw), dtype=bool)
    how = np.full(len(raw), None, dtype=object)
    if strings.any():  # ISO dates in one vectorised pass (a CSV column)
        texts = text[strings]
        iso = texts.str.match(_ISO_QUICK).fillna(False).to_numpy(dtype=bool)
        if iso.any():
            quick = pd.to_datetime(texts[iso], errors="coerce", format="ISO8601")
            if getattr(quick.dt, "tz", None) is not None:
                quick = quick.dt.tz_localize(None)
            stamps = quick.to_numpy(dtype="datetime64[ns]")
            hit = ~np.isnat(stamps)
            where = np.flatnonzero(strings)[iso][hit]
            out[where], ok[where], how[where] = stamps[hit], True, "text date"
    date_cells(vals, present & ~strings, out, ok, how)  # date cells and serials, in one pass
    cache: dict[str, pd.Timestamp | None] = {}
    for i in np.flatnonzero(present & ~ok):
        v = vals[i]
        stamp: pd.Timestamp | None
        if isinstance(v, pd.Timestamp | dt.datetime):
            stamp = pd.Timestamp(v).tz_localize(None) if pd.Timestamp(v).tzinfo else pd.Timestamp(v)
        elif isinstance(v, dt.date | np.datetime64):
            stamp = pd.Timestamp(v)
        elif isinstance(v, bool | np.bool_):
            stamp = None
        elif isinstance(v, int | float | np.integer | np.floating):
            stamp = from_serial(float(v))
            how[i] = "Excel serial"
            if stamp is None and float(v).is_integer():
                # 20260501 typed into a number cell: beyond every serial (9999-12-31 is
                # 2,958,465), so it can only be a date written without separators
                stamp = parse_date(str(int(v)), order)
                how[i] = "compact date"
        elif isinstance(v, str):
            if v not in cache:
                cache[v] = parse_date(v, order)
            stamp = cache[v]
            how[i] = "Excel serial" if _PLAIN_NUMBER.match(v.strip()) else "text date"
        else:
            stamp = None
        if stamp is not None and not pd.isna(stamp):
            out[i], ok[i] = stamp.to_datetime64(), True
    how[~ok] = None
    return pd.Series(out, index=raw.index), ok, how


def from_serial(serial: float) -> pd.Timestamp | None:
    """The date and time of an Excel serial number (1900 date system), None when out of
    Excel's range (1 to 2,958,465, i.e. 1900-01-01 to 9999-12-31)."""
    if not (1 <= serial < EXCEL_MAX_SERIAL + 1) or serial != serial:
        return None
    if serial < 61:  # before Excel's phantom 1900-02-29
        serial += 1
    whole = int(serial)
    seconds = round((serial - whole) * 86400)
    return EXCEL_EPOCH + pd.Timedelta(days=whole, seconds=seconds)


def parse_date(text: str, order: str = "dmy") -> pd.Timestamp | None:
    """A date (and time) from text as people type it; None when it is not one.

    ``order`` (``"dmy"``/``"mdy"``) reads ``12/04/2026``; see the module docstring for the
    forms accepted."""
    s = unicodedata.normalize("NFKC", text).strip(" " + INVISIBLE)
    if not s:
        return None
    m = _YMD.match(s)
    if m:
        return _build(m, int(m.group("y")), int(m.group("m")), int(m.group("d")))
    m = _COMPACT.match(s)
    if m:
        return _build(None, int(m.group("y")), int(m.group("m")), int(m.group("d")))
    m = _NUMERIC_DMY.match(s)
    if m:
        a, b = int(m.group("a")), int(m.group("b"))
        day, month = (a, b) if order == "dmy" else (b, a)
        return _build(m, _year(m.group("y")), month, day)
    if _PLAIN_NUMBER.match(s):
        return from_serial(float(s))
    if _HAS_LETTERS.search(s) or "T" in s:
        return _parse_words(s, order)
    return None


def _year(text: str) -> int:
    """Four-digit year; two digits are read in a window ending ten years from now."""
    year = int(text)
    if len(text) == 2:
        pivot = (dt.date.today().year + 10) % 100
        year += 2000 if year <= pivot else 1900
    return year


def _build(m: re.Match | None, year: int, month: int, day: int) -> pd.Timestamp | None:
    try:
        date = dt.datetime(year, month, day)
    except ValueError:
        return None
    if m is None or m.group("H") is None:
        return pd.Timestamp(date)
    hour, minute = int(m.group("H")), int(m.group("M"))
    second = float(m.group("S") or 0)
    marker = (m.group("ampm") or m.group("ampm2") or "").lower()
    if marker in ("下午", "晚上", "pm") and hour < 12:
        hour += 12
    elif marker in ("上午", "早上", "am") and hour == 12:
        hour = 0
    if hour > 23 or minute > 59 or second >= 61:
        return None
    return pd.Timestamp(date) + pd.Timedelta(hours=hour, minutes=minute, seconds=second)


def _parse_words(s: str, order: str) -> pd.Timestamp | None:
    """ISO 8601 with a T or an offset, and English month names, through dateutil."""
    from dateutil import parser

    try:
        stamp = pd.Timestamp(parser.parse(s, dayfirst=order == "dmy"))
    except (ValueError, OverflowError, parser.ParserError):
        return None
    if stamp.tzinfo is not None:
        stamp = stamp.tz_localize(None)
    return stamp
