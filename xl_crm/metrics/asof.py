"""The two arguments every computation counts from: the as-of date and the window.

``--as-of`` (``compute(as_of=...)``) is a day: recency is counted to it and the purchase
window ends on it.  It is read by the same rules as a date typed in a cell
(:func:`xl_crm.fields.coercion.parse_date`: ``2026-06-30``, ``2026/6/30``,
``2026年6月30日``, ``20260630``, full-width digits, ``30 June 2026``), with three
refusals a cell does not get, because a wrong as-of date silently shifts every figure:

- a form that reads as two different days (``06/07/2026``: 6 July or June 7) is
  refused, not guessed; one that reads one way only (``30/06/2026``) is taken;
- a bare number (``123``, an Excel serial) is not a date, and the year is written in
  full (``30/06/26`` could be 1926 or 2026; a text without a year would be this year's);
- a time of day other than midnight is refused rather than dropped.

``--window`` (``window_days``) is a whole number of days, from 1 to 36,500 (100 years).
"""

from __future__ import annotations

import datetime as dt
import numbers
import re
import unicodedata

import pandas as pd

from xl_crm.errors import AsOfDateError, InvalidWindowError
from xl_crm.fields.coercion import INVISIBLE, parse_date, parse_number

__all__ = ["MAX_WINDOW_DAYS", "as_of_date", "window_days_of"]

_EXPECTED = (
    "日期，最好写成 YYYY-MM-DD（如 2026-06-30；也可 2026年6月30日、2026/6/30）",
    "a date, best as YYYY-MM-DD (e.g. 2026-06-30; 2026年6月30日 and 2026/6/30 also work)",
)
_ISO_HINT = (
    "--as-of 请写成 YYYY-MM-DD，如 2026-06-30",
    "give --as-of as YYYY-MM-DD, e.g. 2026-06-30",
)


def _refuse(
    value: object, why: tuple[str, str], hint: tuple[str, str] = _ISO_HINT
) -> AsOfDateError:
    return AsOfDateError(
        (f"--as-of {value!r} {why[0]}", f"--as-of {value!r} {why[1]}"),
        expected=_EXPECTED,
        hint=hint,
    )


def _day(value: object, stamp: pd.Timestamp) -> pd.Timestamp:
    """``stamp`` when it is a day (midnight); else the refusal of a time of day."""
    if stamp.tzinfo is not None:
        stamp = stamp.tz_localize(None)
    if stamp != stamp.normalize():
        day = stamp.date().isoformat()
        raise _refuse(
            value,
            ("带有时刻；截至日期只能是日期", "has a time of day; the as-of date is a day"),
            hint=(f"去掉时刻，写成 {day}", f"leave out the time: {day}"),
        )
    return stamp


def as_of_date(value: str | dt.date | None) -> pd.Timestamp:
    """The as-of day at midnight, as a :class:`pandas.Timestamp`.

    ``value``: None (today: give a date so results can be reproduced), a
    :class:`datetime.date`, a :class:`datetime.datetime` or Timestamp at midnight, or text
    read as the module docstring says.  Raises :class:`xl_crm.errors.AsOfDateError`
    (``invalid-as-of-date``) for text that is not a date, that reads as two days, a bare
    number, a time of day, or a value of another type, saying which and how to write it.
    """
    if value is None:
        return pd.Timestamp(dt.date.today())
    if isinstance(value, dt.datetime):  # a Timestamp is one too
        return _day(value, pd.Timestamp(value))
    if isinstance(value, dt.date):
        return pd.Timestamp(value)
    if not isinstance(value, str):
        kind = type(value).__name__
        raise _refuse(value, (f"类型是 {kind}，不是日期", f"is of type {kind}, not a date"))
    text = unicodedata.normalize("NFKC", value).strip(" " + INVISIBLE)
    if not text:
        raise _refuse(value, ("是空的", "is empty"))
    if parse_number(text) is not None and not (len(text) == 8 and text.isdigit()):
        raise _refuse(value, ("是数字，不是日期", "is a number, not a date"))
    day_first, month_first = parse_date(text, "dmy"), parse_date(text, "mdy")
    if day_first is not None and month_first is not None and day_first != month_first:
        one, other = day_first.date().isoformat(), month_first.date().isoformat()
        raise _refuse(
            value,
            (
                f"可读作 {one}（日在前）或 {other}（月在前）",
                f"reads as {one} (day first) or {other} (month first)",
            ),
            hint=(
                f"写成 YYYY-MM-DD：--as-of {one} 或 --as-of {other}",
                f"write it as YYYY-MM-DD: --as-of {one} or --as-of {other}",
            ),
        )
    stamp = day_first if day_first is not None else month_first
    if stamp is None or pd.isna(stamp):
        raise _refuse(value, ("不是日期", "is not a date"))
    if not re.search(r"\d{4}", text):
        raise _refuse(value, ("没有写出四位数的年份", "has no four-digit year"))
    return _day(value, stamp)


#: the longest purchase-frequency window: 100 years (a longer one reaches before the
#: dates pandas can hold, 1677)
MAX_WINDOW_DAYS = 36_500


def window_days_of(value: object) -> int:
    """``value`` as the purchase-frequency window: a whole number of days, at least 1
    (``365``: the last year up to the as-of date).  Raises
    :class:`xl_crm.errors.InvalidWindowError` (``invalid-window``) otherwise: zero, a
    negative number, a fraction, a bool, text, or more than :data:`MAX_WINDOW_DAYS`."""
    whole = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if whole and int(value) > MAX_WINDOW_DAYS:  # type: ignore[call-overload]
        raise InvalidWindowError(
            (
                f"--window {value!r}：窗口最长 {MAX_WINDOW_DAYS} 天（100 年）",
                f"--window {value!r}: the window is at most {MAX_WINDOW_DAYS} days (100 years)",
            ),
            expected=(
                f"1 至 {MAX_WINDOW_DAYS} 天的整数，如 365",
                f"a whole number of days from 1 to {MAX_WINDOW_DAYS}, e.g. 365",
            ),
            hint=("如 --window 365（最近一年）", "e.g. --window 365 (the last year)"),
        )
    if whole and int(value) >= 1:  # type: ignore[call-overload]
        return int(value)  # type: ignore[call-overload]
    raise InvalidWindowError(
        (
            f"--window {value!r}：窗口应为正整数天数",
            f"--window {value!r}: the window is a positive whole number of days",
        ),
        expected=("至少 1 天的整数，如 365", "a whole number of days, at least 1, e.g. 365"),
        hint=(
            "如 --window 365（最近一年）或 --window 90（最近一季度）",
            "e.g. --window 365 (the last year) or --window 90 (the last quarter)",
        ),
    )
