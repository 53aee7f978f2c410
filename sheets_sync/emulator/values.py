"""Cell values: what a write stores and how a read renders it.

Input (``valueInputOption``, https://developers.google.com/sheets/api/reference/rest/v4/ValueInputOption):
``RAW`` stores strings as strings; ``USER_ENTERED`` parses as if typed in the UI.  The emulator
parses a documented subset: numbers with ``,`` thousands separators (``"2,000,000.01"``, kept
formatted ``#,##0.00``), leading zeros dropped (``"0042"`` -> 42), percentages, dates and
date-times as an en_US spreadsheet reads them (``2020-01-01``, ``2026/4/1``, ``4/1/2026``,
with ``14:30``, ``14:30:15`` or ``2:30 PM``) to serial numbers (days since 1899-12-30;
``"2020-01-01"`` -> 43831; a day that does not exist stays text), ``TRUE`` / ``FALSE``, a
leading ``'`` keeps the rest as text, and ``=`` stores a formula.

Formulas are stored, not evaluated, except plain arithmetic on numbers (``=4/2`` -> 2, ``= 1 /
1024``: gspread's recorded ``WorksheetTest.test_update_cell`` and ``CellTest`` cassettes).  Any
other formula's value is the error ``#N/A`` with the message "formula not evaluated by the
xl-crm emulator"; ``FORMULA`` renders the formula text as the API does.

Output (``valueRenderOption``): ``FORMATTED_VALUE`` strings in the cell's number format,
``UNFORMATTED_VALUE`` JSON numbers and booleans, ``FORMULA`` formulas' text;
``dateTimeRenderOption`` ``SERIAL_NUMBER`` (default) or ``FORMATTED_STRING`` for date cells.
"""

from __future__ import annotations

import ast
import operator
import re
from datetime import date, datetime, timedelta
from typing import Any

#: day 0 of the serial numbers Sheets and Excel use for dates
EPOCH = datetime(1899, 12, 30)

_NUMBER = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?(?:[eE][+-]?\d+)?%?$")
_TIME = r"(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*([AaPp][Mm]))?)?$"
#: the date forms an en_US spreadsheet reads as dates: year first with ``-`` or ``/``
#: (``2026-04-01``, ``2026/4/1``), month first with ``/`` (``4/1/2026``), each with an
#: optional time (``9:30``, ``09:30:15``, ``2:30 PM``)
_DATES = (
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})" + _TIME), "ymd", "yyyy-mm-dd"),
    (re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})" + _TIME), "ymd", "yyyy/mm/dd"),
    (re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})" + _TIME), "mdy", "mm/dd/yyyy"),
)
_OPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}
NOT_EVALUATED = "formula not evaluated by the xl-crm emulator"


def to_serial(moment: date | datetime) -> float:
    """Days since 1899-12-30 (fraction: time of day) for ``moment``."""
    if not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day)
    delta = moment.replace(tzinfo=None) - EPOCH
    serial = delta.days + delta.seconds / 86400 + delta.microseconds / 86400e6
    return int(serial) if float(serial).is_integer() else serial


def from_serial(serial: float) -> datetime:
    """The date-time of a serial number (days since 1899-12-30)."""
    return EPOCH + timedelta(days=serial)


def extended(value: Any) -> dict[str, Any]:
    """A JSON value written RAW as an ExtendedValue (``stringValue``, ``numberValue``,
    ``boolValue``)."""
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int | float):
        return {"numberValue": value}
    return {"stringValue": "" if value is None else str(value)}


def user_entered(value: Any) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """``value`` parsed as typed in the UI: its ExtendedValue and the number format the UI
    would give it (None to leave the format alone)."""
    if not isinstance(value, str):
        return extended(value), None
    text = value
    if text.startswith("'"):
        return {"stringValue": text[1:]}, None
    if text.startswith("=") and len(text) > 1:
        return {"formulaValue": text}, None
    stripped = text.strip()
    if stripped.upper() in ("TRUE", "FALSE"):
        return {"boolValue": stripped.upper() == "TRUE"}, None
    if stripped and _NUMBER.match(stripped) and any(c.isdigit() for c in stripped):
        number = float(stripped.replace(",", "").rstrip("%"))
        fmt = None
        if stripped.endswith("%"):
            number /= 100
            fmt = {"type": "PERCENT", "pattern": "0.00%" if "." in stripped else "0%"}
        elif "," in stripped:
            fmt = {"type": "NUMBER", "pattern": "#,##0.00" if "." in stripped else "#,##0"}
        return {"numberValue": int(number) if number.is_integer() else number}, fmt
    parsed = _date_typed(stripped)
    if parsed is not None:
        return parsed
    return {"stringValue": text}, None


def _date_typed(text: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """A date (or date-time) typed in an en_US spreadsheet as its serial and the DATE /
    DATE_TIME format the UI gives it; None when ``text`` is none of :data:`_DATES` or
    names no real day (``2026-02-30``, ``13/1/2026``: text, as Sheets keeps them)."""
    for pattern, order, date_pattern in _DATES:
        match = pattern.match(text)
        if not match:
            continue
        a, b, c, hh, mm, ss, half = match.groups()
        y, m, d = (a, b, c) if order == "ymd" else (c, a, b)
        hour = int(hh or 0)
        if half:
            if not 1 <= hour <= 12:
                return None
            hour = hour % 12 + (12 if half.upper() == "PM" else 0)
        try:
            moment = datetime(int(y), int(m), int(d), hour, int(mm or 0), int(ss or 0))
        except ValueError:
            return None
        if hh is None:
            return {"numberValue": to_serial(moment)}, {"type": "DATE", "pattern": date_pattern}
        fmt = {"type": "DATE_TIME", "pattern": date_pattern + " hh:mm:ss"}
        return {"numberValue": to_serial(moment)}, fmt
    return None


def effective(entered: dict[str, Any]) -> dict[str, Any]:
    """The value a cell shows for what was entered: itself, or a formula's result (plain
    arithmetic only; anything else an ``#N/A`` error value)."""
    if "formulaValue" not in entered:
        return dict(entered)
    try:
        number = _arith(ast.parse(entered["formulaValue"][1:].strip(), mode="eval").body)
    except (SyntaxError, ValueError, ZeroDivisionError, OverflowError, TypeError):
        return {"errorValue": {"type": "N_A", "message": NOT_EVALUATED}}
    return {"numberValue": int(number) if float(number).is_integer() else number}


def _arith(node: ast.AST) -> float:
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        value = _arith(node.operand)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        return _OPS[type(node.op)](_arith(node.left), _arith(node.right))
    raise ValueError("not plain arithmetic")


def render(cell: dict[str, Any], value_option: str, date_option: str) -> Any:
    """A cell's value in a values reply, or None for an empty cell.

    ``value_option``: FORMATTED_VALUE | UNFORMATTED_VALUE | FORMULA; ``date_option``:
    SERIAL_NUMBER | FORMATTED_STRING (ignored with FORMATTED_VALUE, as documented).
    """
    entered = cell.get("userEnteredValue")
    if not entered:
        return None
    if value_option == "FORMULA" and "formulaValue" in entered:
        return entered["formulaValue"]
    shown = cell.get("effectiveValue") or effective(entered)
    fmt = (cell.get("userEnteredFormat") or {}).get("numberFormat") or {}
    if "errorValue" in shown:
        return "#N/A" if shown["errorValue"].get("type") == "N_A" else "#ERROR!"
    if "stringValue" in shown:
        return shown["stringValue"]
    if "boolValue" in shown:
        flag = shown["boolValue"]
        return ("TRUE" if flag else "FALSE") if value_option == "FORMATTED_VALUE" else flag
    number = shown.get("numberValue")
    if number is None:
        return None
    is_date = fmt.get("type") in ("DATE", "TIME", "DATE_TIME")
    if value_option == "FORMATTED_VALUE" or (is_date and date_option == "FORMATTED_STRING"):
        return format_number(number, fmt)
    return number


def format_number(number: float, fmt: dict[str, Any]) -> str:
    """``number`` as shown with the number format ``fmt`` (a subset: dates and times with
    yyyy/mm/dd/hh/mm/ss, ``#,##0``-style grouping and decimals, percentages, TEXT)."""
    kind, pattern = fmt.get("type"), fmt.get("pattern", "")
    if kind in ("DATE", "TIME", "DATE_TIME"):
        return _format_date(from_serial(number), pattern or _DEFAULT_DATES[kind])
    if kind == "PERCENT":
        return _format_decimal(number * 100, pattern.rstrip("%")) + "%"
    if pattern and kind in ("NUMBER", "CURRENCY", "SCIENTIFIC"):
        return _format_decimal(number, pattern)
    if float(number).is_integer() and abs(number) < 1e15:
        return str(int(number))
    return f"{number:.10g}" if abs(number) >= 1e-4 else repr(number)


_DEFAULT_DATES = {"DATE": "yyyy-mm-dd", "TIME": "hh:mm:ss", "DATE_TIME": "yyyy-mm-dd hh:mm:ss"}


def _format_decimal(number: float, pattern: str) -> str:
    decimals = len(pattern.split(".", 1)[1].rstrip("#")) if "." in pattern else 0
    grouping = "," if "," in pattern else ""
    return f"{number:{grouping}.{decimals}f}"


def _format_date(moment: datetime, pattern: str) -> str:
    tokens = [
        ("yyyy", f"{moment.year:04d}"),
        ("dd", f"{moment.day:02d}"),
        ("hh", f"{moment.hour:02d}"),
        ("ss", f"{moment.second:02d}"),
    ]
    out = pattern
    for token, text in tokens:
        out = out.replace(token, text)
    # mm is the month after a date part, minutes after hh
    out = re.sub(r"(?<=:)mm|mm(?=:)", f"{moment.minute:02d}", out)
    return out.replace("mm", f"{moment.month:02d}")
