"""Cell values between the Sheets API and the values :class:`xl_crm.book.Book` hands over.

- **In** (:func:`cell_in`, :func:`effective_in`): the API's unformatted values
  (``valueRenderOption=UNFORMATTED_VALUE``, ``dateTimeRenderOption=SERIAL_NUMBER``) are JSON
  numbers, strings and booleans; a number is a date, a time or a duration only by its cell's
  number format (``NumberFormat.type`` DATE / TIME / DATE_TIME; a TIME whose pattern starts
  with ``[`` is a duration, as Sheets' own "Duration" format ``[h]:mm:ss``).  Serials count
  days from 1899-12-30 with the fraction as time of day, 1900 correctly not a leap year
  (Sheets API reference, ``DateTimeRenderOption.SERIAL_NUMBER``; research/gsheets.md §5).
  Text is never made a number (gspread's ``numericise`` turns ``0042`` into 42: never used).
- **Out** (:func:`cell_out`): a value as ``RAW`` input / an ``ExtendedValue``: text stays the
  text it is (``=A1`` is stored as text, never parsed as a formula), a date is its serial.
  :func:`entered`: a value as ``USER_ENTERED`` input, what :meth:`GoogleSheetBook.write
  <sheets_sync.book.GoogleSheetBook.write>` sends: every text behind a ``'`` (the UI's "treat
  as text" prefix, not stored: ``'=A1`` is stored as the text ``=A1``, ``'0042`` as ``0042``),
  dates and date-times as ISO text, which the API parses into a serial *and* gives a date
  format when the cell has none (so a new date column needs no format request).
- A1 ranges with the sheet title quoted the way the API accepts it (:func:`a1`).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

from openpyxl.utils import get_column_letter

from xl_crm.excel.cells import plain

__all__ = [
    "EPOCH",
    "ERROR_TEXTS",
    "a1",
    "cell_in",
    "cell_out",
    "colour",
    "effective_in",
    "entered",
    "extended",
    "kind_of",
    "number_format",
    "pixels",
    "quote",
    "value_ranges",
]

#: empty rows a write range spans rather than start a new range: an empty row costs 4 bytes
#: of JSON (``[], ``), a range about 50 (its A1 text and keys)
GAP_ROWS = 10
#: the most JSON bytes one ValueRange of a write holds (a bigger block is cut into row
#: bands), so two fit one request under :data:`sheets_sync.marking.REQUEST_BYTES`
PART_BYTES = 4_000_000
#: day 0 of Sheets' serial dates (``SERIAL_NUMBER``)
EPOCH = dt.datetime(1899, 12, 30)
#: ``ErrorValue.type`` -> the text a cell shows (Sheets API reference, ErrorType)
ERROR_TEXTS = {
    "ERROR": "#ERROR!",
    "NULL_VALUE": "#NULL!",
    "DIVIDE_BY_ZERO": "#DIV/0!",
    "VALUE": "#VALUE!",
    "REF": "#REF!",
    "NAME": "#NAME?",
    "NUM": "#NUM!",
    "N_A": "#N/A",
    "LOADING": "Loading...",
}
#: number formats of the kinds of column xl-crm writes (patterns as the file medium's)
FORMATS = {
    "date": {"type": "DATE", "pattern": "yyyy-mm-dd"},
    "datetime": {"type": "DATE_TIME", "pattern": "yyyy-mm-dd hh:mm"},
    "time": {"type": "TIME", "pattern": "hh:mm"},
}


def kind_of(fmt: dict[str, Any] | None) -> str | None:
    """What a ``NumberFormat`` makes of a number: ``date``, ``datetime``, ``time``,
    ``duration`` or None (a plain number)."""
    if not fmt:
        return None
    kind = fmt.get("type")
    if kind == "DATE":
        return "date"
    if kind == "DATE_TIME":
        return "datetime"
    if kind == "TIME":
        return "duration" if str(fmt.get("pattern", "")).lstrip().startswith("[") else "time"
    return None


def from_serial(serial: float, kind: str) -> Any:
    """A serial number as the ``kind`` of :func:`kind_of`: a ``date``, a naive
    ``datetime``, a ``time`` or a ``timedelta``; the number itself when out of range."""
    try:
        if kind == "duration":
            return dt.timedelta(seconds=round(serial * 86400))
        moment = EPOCH + dt.timedelta(seconds=round(serial * 86400))
    except (OverflowError, ValueError):
        return serial
    if kind == "date" and moment.time() == dt.time(0):
        return moment.date()
    if kind == "time":
        return moment.time() if serial < 1 else moment
    return moment


def cell_in(value: Any, kind: str | None = None) -> Any:
    """One value of ``values.get`` (UNFORMATTED_VALUE, SERIAL_NUMBER) as ``Book.rows``
    hands it over: empty text is None, a number in a cell of date / time format (``kind``)
    the date, time or duration it shows, any other number as the API sent it."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        if kind is not None:
            return from_serial(float(value), kind)
        return value
    return str(value)


def effective_in(cell: dict[str, Any], kind: str | None) -> Any:
    """A ``CellData``'s ``effectiveValue`` as :func:`cell_in` reads the same cell."""
    value = cell.get("effectiveValue") or {}
    if "errorValue" in value:
        return ERROR_TEXTS.get(value["errorValue"].get("type", ""), "#ERROR!")
    for key in ("stringValue", "numberValue", "boolValue"):
        if key in value:
            return cell_in(value[key], kind)
    return None


def cell_out(value: Any) -> Any:
    """A value as ``RAW`` input of ``values.batchUpdate``: text as it is (stored as text,
    whatever its first character), a date or datetime its serial number, a ``time`` its
    fraction of a day, None / NaN the empty text (which empties the cell)."""
    value = plain(value)
    if value is None:
        return ""
    if isinstance(value, float) and not math.isfinite(value):
        return ""
    if isinstance(value, dt.datetime):
        return (value.replace(tzinfo=None) - EPOCH) / dt.timedelta(days=1)
    if isinstance(value, dt.date):
        return float((value - EPOCH.date()).days)
    if isinstance(value, dt.time):
        return (value.hour * 3600 + value.minute * 60 + value.second) / 86400
    if isinstance(value, dt.timedelta):
        return value / dt.timedelta(days=1)
    return value


def entered(value: Any, *, plain_text: bool = False) -> Any:
    """A value as ``USER_ENTERED`` input of ``values.batchUpdate``.

    Non-empty text goes behind a ``'``: it is stored as the text after it, whatever it
    starts with, never a formula, a number or a date.  USER_ENTERED input "will be parsed
    as if the user typed them into the UI" (Sheets API reference, ValueInputOption), where
    a leading ``'`` makes the entry text and is not shown; values read back, in every
    ``valueRenderOption``, come without it (Stack Exchange, "Google Sheets API 4: how to get
    the raw value of a cell with a leading apostrophe"; research/gsheets.md §5;
    docs/google-sheets.md, "Writing").  With ``plain_text`` (a cell formatted as plain
    text, which keeps what is typed as text, a ``'`` included: Sheets Help, "Format numbers
    in a spreadsheet"; the emulator does the same) text goes as it is.  A date goes as
    ``yyyy-mm-dd``, a date-time as ``yyyy-mm-dd hh:mm:ss`` (``yyyy-mm-dd`` at midnight, as
    :func:`number_format` formats it); anything else as :func:`cell_out` gives it (numbers
    and booleans stay what they are; times and durations their fraction of a day, which
    need a number format of their own)."""
    value = plain(value)
    if isinstance(value, str):
        return "'" + value if value and not plain_text else value
    if isinstance(value, dt.datetime):
        value = value.replace(tzinfo=None)
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return cell_out(value)


def extended(value: Any) -> dict[str, Any]:
    """A value as an ``ExtendedValue`` of ``updateCells``: ``stringValue`` for text (never
    parsed, so never a formula), ``numberValue`` for numbers and dates, ``boolValue``;
    an empty dict for an empty cell."""
    raw = cell_out(value)
    if isinstance(raw, bool):
        return {"boolValue": raw}
    if isinstance(raw, int | float):
        return {"numberValue": raw}
    return {"stringValue": raw} if raw != "" else {}


def number_format(value: Any) -> dict[str, Any] | None:
    """The ``NumberFormat`` a written value needs to show as what it is (a date, a
    date-time, a time), or None."""
    value = plain(value)
    if isinstance(value, dt.datetime):
        return FORMATS["datetime"] if value.time() != dt.time(0) else FORMATS["date"]
    if isinstance(value, dt.date):
        return FORMATS["date"]
    if isinstance(value, dt.time):
        return FORMATS["time"]
    return None


def quote(title: str) -> str:
    """A sheet title as A1 notation takes it: always in single quotes, quotes doubled
    (the API accepts quotes on any title)."""
    return "'" + title.replace("'", "''") + "'"


def a1(title: str, row1: int, col1: int, row2: int | None = None, col2: int | None = None) -> str:
    """``'title'!B2:C9`` for 1-based rows and columns (a single cell when the second
    corner is left out)."""
    first = f"{get_column_letter(col1)}{row1}"
    if row2 is None or col2 is None or (row2, col2) == (row1, col1):
        return f"{quote(title)}!{first}"
    return f"{quote(title)}!{first}:{get_column_letter(col2)}{row2}"


def colour(hex_rgb: str) -> dict[str, float]:
    """An RGB colour (``#FFC7CD``, ``FFC7CD`` or openpyxl's ARGB ``FFFFC7CD``: the last six
    hex digits count) as a Sheets ``Color`` (red, green, blue from 0 to 1)."""
    rgb = hex_rgb.lstrip("#")[-6:]
    return {
        "red": int(rgb[0:2], 16) / 255,
        "green": int(rgb[2:4], 16) / 255,
        "blue": int(rgb[4:6], 16) / 255,
    }


def pixels(width: float) -> int:
    """A column width in characters (Excel's unit, what templates give) in pixels, as the
    Sheets API sizes columns (``pixelSize``): 7 pixels a character and 5 of padding."""
    return int(width * 7 + 5)


def value_ranges(
    title: str,
    columns: dict[int, dict[int, Any]],
    part_bytes: int = PART_BYTES,
    plain_text: frozenset[int] | set[int] = frozenset(),
) -> list[dict[str, Any]]:
    """The ``ValueRange``s of ``values.batchUpdate`` (USER_ENTERED) that write ``columns``
    (column -> {row: value}, 1-based) of sheet ``title``: one block from the first column to
    the last, cut where more than :data:`GAP_ROWS` rows in a row write nothing, and into
    bands of rows of at most about ``part_bytes`` each.  A cell not
    written is ``null`` ("Null values will be skipped", Sheets API reference, ValueRange),
    and a row ends at its last cell written (a shorter row leaves the rest as it is); a
    value of None is ``""``, which empties the cell.  Text goes as :func:`entered` gives it,
    without the ``'`` in the columns ``plain_text`` (formatted as plain text)."""
    if not columns:
        return []
    c0, c1 = min(columns), max(columns)
    rows = sorted({r for values in columns.values() for r in values})
    spans: list[list[int]] = [[rows[0], rows[0]]]
    for r in rows[1:]:
        if r - spans[-1][1] - 1 > GAP_ROWS:
            spans.append([r, r])
        else:
            spans[-1][1] = r
    order = [(c in plain_text, columns.get(c)) for c in range(c0, c1 + 1)]
    out = []
    for first, last in spans:
        block = []
        for r in range(first, last + 1):
            line = [entered(v[r], plain_text=t) if v is not None and r in v else None
                    for t, v in order]  # fmt: skip
            while line and line[-1] is None:
                line.pop()
            block.append(line)
        parts = -(-len(json.dumps(block)) // part_bytes)  # bytes as gspread sends them
        step = -(-len(block) // parts)
        for i in range(0, len(block), step):
            top, bottom = first + i, min(first + i + step, last + 1) - 1
            out.append({"range": a1(title, top, c0, bottom, c1), "values": block[i : i + step]})
    return out
