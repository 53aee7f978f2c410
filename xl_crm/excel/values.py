"""What the Excel runtimes hand a worksheet function, made into what the library reads;
what the library returns, made into what Excel shows.  The one place for both runtimes.

The two runtimes pass the same cells differently (``../shared/research/xlwings.md`` §3.6,
xlwings-server ``docs/custom_functions.md``):

============================  =================================  ==========================
                              classic xlwings (Windows, COM)     xlwings Lite (Office.js)
============================  =================================  ==========================
a range                       tuples of tuples (lists after      lists of lists
                              xlwings' conversion)
a whole number                float (``7.0``)                    int (``7``)
an empty cell                 None                               ``0``, or ``""`` (``=""``)
a date cell                   datetime (pywin32's is tz-aware,   its serial number
                              stamped UTC, xlwings' is naive)    (``46143``)
an error cell (``#N/A``)      an int (``-2146826246``), None,    the error's text
                              or its text with ``err_to_str``
an optional argument left     ``-2147352572`` (xlwings puts the  the Python default
out                           Python default instead)
============================  =================================  ==========================

:func:`cell` makes every value one of None, str, int, float, bool or a naive datetime
(the values ``Book.rows`` gives), :func:`grid` makes a range rows of those, and
:mod:`xl_crm.excel.ranges` makes the rows Tables through the project's typed view, so
``2026年5月1日`` or ``¥89.50`` in a cell means what it means in a file.

Back to Excel: :func:`shown` makes a result cell (NaN, None and NaT become ``""``,
numpy and pandas scalars plain Python), :func:`error_text` an exception the text Excel
shows in the cell (``#VALUE! <reason>``), never a traceback.

Importing this module loads only the standard library (the error classes are imported
when an error is shown), so it imports in Pyodide without pandas.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import math
import re
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from xl_crm.excel.errortext import answer, error_text

if TYPE_CHECKING:
    import pandas as pd

    from xl_crm.specs.model import Spec

__all__ = [
    "COM_ERRORS",
    "COM_MISSING",
    "LANGUAGE_NAMES",
    "ORDERS_NAMES",
    "RANGE_NAMES",
    "REGION_FIX",
    "answer",
    "as_of_day",
    "blank_zeros",
    "cell",
    "cleaned",
    "column_shown",
    "error_text",
    "first_cell",
    "grid",
    "is_empty",
    "is_zero",
    "language",
    "option",
    "region",
    "reshape",
    "rows_of",
    "shape",
    "shown",
    "template",
    "whole_days",
    "zero_is_empty",
]

#: Excel's error values as COM hands them to Python (``VT_ERROR`` codes; xlwings reads the
#: same table in ``_xlwindows.cell_errors``)
COM_ERRORS: dict[int, str] = {
    -2146826281: "#DIV/0!",
    -2146826246: "#N/A",
    -2146826259: "#NAME?",
    -2146826288: "#NULL!",
    -2146826252: "#NUM!",
    -2146826265: "#REF!",
    -2146826273: "#VALUE!",
}
#: what VBA passes for an optional argument left out (``DISP_E_PARAMNOTFOUND``)
COM_MISSING = -2147352572
#: the file name of a range in errors (a range has no file; messages do not show it)
RANGE = "range"
#: what messages call a range given without its sheet, by language (None: both)
RANGE_NAMES = {"zh": "所给区域", "en": "the range", None: "所给区域 / the range"}
ORDERS_NAMES = {"zh": "订单区域", "en": "the orders range", None: "订单区域 / the orders range"}


# -- cells in ---------------------------------------------------------------------------


def cell(value: Any) -> Any:
    """One cell as the typed view reads it: None (empty: None, ``""``, NaN, a left-out
    argument), str, bool, int, float, an error's text (``#N/A`` for a COM error code) or a
    naive datetime (a tz-aware one keeps its wall-clock time: Excel has no time zones; a
    date becomes midnight).  Anything else becomes its ``str``."""
    kind = type(value)
    if kind is str:
        return value or None
    if value is None or kind is bool:
        return value
    if kind is float or isinstance(value, float):
        return None if math.isnan(value) else float(value)
    if isinstance(value, int):  # Lite's whole numbers, and COM's error codes
        if value in COM_ERRORS:
            return COM_ERRORS[value]
        return None if value == COM_MISSING else int(value)
    if isinstance(value, dt.datetime):
        if value != value:  # NaT
            return None
        if type(value) is dt.datetime and value.tzinfo is None:
            return value
        return dt.datetime.combine(value.date(), value.time())  # pywin32's TimeType too
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if kind.__name__ == "NAType":  # pandas.NA
        return None
    if hasattr(value, "item") and not isinstance(value, list | tuple):  # numpy scalars
        return cell(value.item())
    return str(value)


def _row(row: Any) -> list[Any]:
    """A row of cells; plain texts and numbers (nearly every cell) skip :func:`cell`."""
    return [c if (type(c) is str and c) or (type(c) is float and c == c) else cell(c) for c in row]


def shape(value: Any) -> str:
    """How a value came: ``"cell"`` (one value), ``"list"`` (a flat list or tuple, as a
    plain Python caller or a 1-D range without ``ndim=2`` gives it) or ``"grid"`` (rows)."""
    if hasattr(value, "columns") and hasattr(value, "itertuples"):
        return "grid"  # a DataFrame (plain Python callers)
    if isinstance(value, list | tuple):
        kinds = set(map(type, value))  # one pass in C
        rows = kinds and all(issubclass(k, list | tuple) for k in kinds)
        return "grid" if rows else "list"
    return "cell"


def grid(value: Any) -> list[Any]:
    """``value`` as rows of :func:`cell` values: a range's rows, a flat list as one
    column, one value as a 1×1 grid, a DataFrame as its header and rows
    (:func:`cleaned` of :func:`rows_of`)."""
    return cleaned(rows_of(value))


def rows_of(value: Any) -> list[Any]:
    """``value``'s rows as they came (a flat list as one column, one value as a 1×1 grid
    of :func:`cell`, a DataFrame as its header and rows, NaN as None), cells unread."""
    kind = shape(value)
    if kind == "grid" and hasattr(value, "columns"):  # NaN is an empty cell: None
        body = value.astype(object).where(value.notna(), None)
        return [list(value.columns), *body.itertuples(index=False, name=None)]
    if kind == "grid":
        return list(value)
    if kind == "list":
        return [[c] for c in value]
    return [[cell(value)]]


def cleaned(rows: list[Any]) -> list[Any]:
    """``rows`` with every cell as :func:`cell` makes it.  Rows of only texts, numbers,
    bools, None and naive datetimes (what xlwings hands over) are taken as they are (an
    empty text is an empty cell to the typed view as None is); only rows holding
    something else (an aware datetime, an error code, numpy values) go cell by cell."""
    return rows if _plain(rows) else [_row(r) for r in rows]


#: types of cell value the typed view reads as they are
_PLAIN = frozenset({str, float, int, bool, type(None), dt.datetime})
_CODES = frozenset({*COM_ERRORS, COM_MISSING})


def _plain(rows: list[Any]) -> bool:
    """Whether every cell of ``rows`` is one :func:`cell` leaves as it is (a pass over the
    cells' types in C, then over the few kinds that need a second look)."""
    cells = itertools.chain.from_iterable
    types = set(map(type, cells(rows)))
    if not types <= _PLAIN:
        return False
    if int in types and not _CODES.isdisjoint(cells(rows)):
        return False  # COM error codes (a NaN, which xlwings never gives, reads as empty)
    if dt.datetime not in types:
        return True
    times = filter(_IS_TIME, cells(rows))  # the filter and the map run in C
    return set(map(attrgetter("tzinfo"), times)) == {None}


_IS_TIME = functools.partial(type.__instancecheck__, dt.datetime)


def reshape(results: list[Any], value: Any) -> Any:
    """``results`` (one per cell of ``value``, row by row) in the shape ``value`` came in:
    one value, a flat list, or rows as long as ``value``'s."""
    kind = shape(value)
    if kind == "cell":
        return results[0]
    if kind == "list":
        return list(results)
    out, at = [], 0
    rows = grid(value) if hasattr(value, "columns") else value  # a DataFrame's header too
    for row in rows:
        out.append(results[at : at + len(row)])
        at += len(row)
    return out


def is_empty(value: Any) -> bool:
    """Whether an argument was left empty: None, ``""``, a left-out argument, NaN, or
    Lite's ``0`` for an empty cell (for arguments that are never a number)."""
    value = cell(value) if not isinstance(value, list | tuple) else value
    return value is None or (type(value) in (int, float) and value == 0)


def is_zero(value: Any) -> bool:
    """Whether a cell holds the number 0 (an int or float; not False)."""
    return type(value) in (int, float) and value == 0


def zero_is_empty(sheet: Any, field: Any) -> bool:
    """Whether a 0 in the column of ``field`` (a FieldSpec of the SheetSpec ``sheet``)
    stands for an empty cell, as xlwings Lite passes one: in every column but a number
    column; in a number column, where 0 is no value of the field: the sheet's key, a
    unique field, a reference to another sheet, a field whose least value is above 0
    (``客户ID``, at least 1).  Elsewhere (an amount, a count) 0 stays 0."""
    if field.ftype.storage not in ("integer", "number"):
        return True
    refs = {r.field for r in getattr(sheet, "references", ())}
    low = field.min_value is not None and field.min_value > 0
    return field.id == sheet.key or field.unique or field.id in refs or low


def blank_zeros(
    rows: list[Any], sheet: Any, h: int, found: dict[str, int], also: Any = ()
) -> list[Any]:
    """``rows`` (a range's rows, the header at index ``h``, field id -> column index in
    ``found``) with the zeros that stand for empty cells made None, the same in both
    runtimes (docs/excel-functions.md): all-zero rows, the header row and above, columns
    without a header, columns where :func:`zero_is_empty`, and the columns of the field
    ids in ``also`` (the metric functions' order amounts: an order whose amount is empty
    counts for nothing in compute, and Lite hands that empty cell over as 0)."""
    if 0 not in itertools.chain.from_iterable(rows):  # one pass in C (False == 0 too)
        return rows
    kept = {
        i
        for fid, i in found.items()
        if fid not in also and not zero_is_empty(sheet, sheet.field(fid))
    }
    out = [[None if is_zero(c) else c for c in row] for row in rows[: h + 1]]
    for row in rows[h + 1 :]:
        if 0 in row:
            if all(c is None or c == "" or is_zero(c) for c in row):
                row = [None] * len(row)
            else:
                row = [None if is_zero(c) and i not in kept else c for i, c in enumerate(row)]
        out.append(row)
    return out


# -- arguments ----------------------------------------------------------------------------


def _single(value: Any) -> Any:
    """The one value of an argument Excel may hand as a 1×1 range (``[[x]]``)."""
    while isinstance(value, list | tuple) and len(value) == 1:
        value = value[0]
    return cell(value)


def option(value: Any, default: str) -> str:
    """A text argument (a template name, a kind, a model), ``default`` when left empty;
    trimmed."""
    value = _single(value)
    if is_empty(value):
        return default
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip() or default


#: what a language argument may say (case, ``-`` or ``_`` and a region aside: ``EN``,
#: ``en-US``, ``zh_CN``, ``zh-Hans``), by the language it means
LANGUAGE_NAMES = {
    "zh": ("zh", "chinese", "中文", "汉语", "简体中文", "中"),
    "en": ("en", "english", "英文", "英语", "英"),
}
_LANGUAGE_OF = {name: lang for lang, names in LANGUAGE_NAMES.items() for name in names}


def language(value: Any) -> str:
    """``zh`` or ``en`` (default zh) from what a language argument says: ``zh``, ``EN``,
    ``en-US``, ``zh_CN``, ``中文``, ``English`` (:data:`LANGUAGE_NAMES`); raises
    :class:`xl_crm.errors.InvalidOptionError` for any other."""
    text = option(value, "zh")
    key = text.casefold().replace("_", "-")
    chosen = _LANGUAGE_OF.get(key) or _LANGUAGE_OF.get(key.split("-")[0])
    if chosen is None:
        from xl_crm.errors import InvalidOptionError

        raise InvalidOptionError(
            (f"语言 {text!r} 无效", f"unknown language {text!r}"),
            expected=("zh（中文）或 en（English）", "zh (中文) or en (English)"),
            hint=("语言参数写 zh 或 en", "write zh or en as the language"),
        )
    return chosen


#: the fix of a region argument no one knows
REGION_FIX = (
    "region 参数写地区代码，如 CN；留空为 CN",
    "write a region code such as CN; empty: CN",
)


def region(value: Any) -> str:
    """A two-letter region (ISO 3166, default ``CN``) phone numbers are read for."""
    text = option(value, "CN").upper()
    if not re.fullmatch(r"[A-Z]{2}", text):
        from xl_crm.errors import InvalidOptionError

        raise InvalidOptionError(
            (f"地区 {text!r} 无效，应为两个字母，如 CN", f"region {text!r}: give two letters"),
            expected=("ISO 3166 地区代码，如 CN、HK、US", "an ISO 3166 code such as CN, HK, US"),
            hint=REGION_FIX,
        )
    return text


def template(value: Any, default: str = "ecommerce") -> Spec:
    """The template named by ``value``: a built-in name of the template catalogue
    (:func:`xl_crm.specs.builtin_names`) in any case (``ecommerce``, ``Ecommerce``,
    ``HOTEL``), or a spec file's path where Python can read files; raises
    :class:`xl_crm.errors.TemplateNotFoundError` or :class:`xl_crm.errors.SpecError`."""
    from xl_crm.specs import builtin_names, load_spec

    name = option(value, default)
    if not name:
        from xl_crm.errors import InvalidOptionError

        raise InvalidOptionError(
            ("没有给出模板", "no template given"),
            expected=("模板名，如 ecommerce", "a template's name, e.g. ecommerce"),
            hint=("template 参数写模板名，如 ecommerce", "write a template's name, e.g. ecommerce"),
        )
    catalogue = {n.casefold(): n for n in builtin_names()}
    if name.casefold() in catalogue:
        return _builtin(catalogue[name.casefold()])
    return load_spec(name)


_BUILTIN: dict[str, Spec] = {}


def _builtin(name: str) -> Spec:
    """A built-in template, loaded once per process (a formula recalculates often)."""
    from xl_crm.specs import load_spec

    if name not in _BUILTIN:
        _BUILTIN[name] = load_spec(name)
    return _BUILTIN[name]


def as_of_day(value: Any) -> pd.Timestamp:
    """The as-of day of a metric: empty for today; a date cell (a datetime in classic, a
    serial number in Lite, e.g. from ``TODAY()`` or ``DATE(2026,6,30)``); or text read
    strictly by :func:`xl_crm.metrics.asof.as_of_date` (``2026-06-30``, ``2026年6月30日``).
    Raises :class:`xl_crm.errors.AsOfDateError` for a value that is not one day, worded
    for Excel (:func:`xl_crm.excel.advice.as_of_refused`: ``=NOW()`` is shown as
    ``2026-05-01 14:30``, the fix names the ``as_of`` argument)."""
    from xl_crm.errors import AsOfDateError
    from xl_crm.excel.advice import as_of_refused
    from xl_crm.metrics.asof import as_of_date

    value = _single(value)
    if is_empty(value):
        return as_of_date(None)
    given = value
    if type(value) in (int, float):
        from xl_crm.fields.coercion import from_serial

        stamp = from_serial(float(value))
        if stamp is None:
            raise as_of_refused(
                AsOfDateError(("不是 Excel 日期", "is not an Excel date")), value, None
            )
        value = given = stamp.to_pydatetime()
    try:
        return as_of_date(value)
    except AsOfDateError as exc:
        raise as_of_refused(exc, given, value) from None


def whole_days(value: Any, default: int = 365) -> int:
    """The frequency window in days (default 365 when left empty): a whole number of at
    least 1, as :func:`xl_crm.metrics.asof.window_days_of` reads it (a classic ``365.0``
    is 365); raises :class:`xl_crm.errors.InvalidWindowError` otherwise (0 too), worded
    for Excel (:func:`xl_crm.excel.advice.window_refused`)."""
    from xl_crm.errors import InvalidWindowError
    from xl_crm.excel.advice import window_refused
    from xl_crm.metrics.asof import window_days_of

    value = _single(value)
    if value is None:  # not 0: a window of 0 days is refused, not taken for empty
        return default
    given = value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    try:
        return window_days_of(value)
    except InvalidWindowError as exc:
        raise window_refused(exc, given) from None


_FIRST_CELL = re.compile(
    r"^(?:\[[^\]]*\])?(?:(?P<sheet>'(?:[^']|'')+'|[^!]+)!)?"
    r"\$?(?P<col>[A-Za-z]{1,3})\$?(?P<row>[0-9]{1,7})(?::.*)?$"
)


#: Excel's last row and column (XFD)
EXCEL_ROWS, EXCEL_COLUMNS = 1_048_576, 16_384


def first_cell(value: Any) -> tuple[str, int, int]:
    """(sheet, row, column) of a range's first cell from its address (``B3``, ``$B$3``,
    ``客户!B3``, ``'Q1 data'!B3``, ``[Book1]客户!$B$3`` as ``CELL("address", B3)``
    gives it); empty means ``A1`` on an unnamed sheet.  Raises
    :class:`xl_crm.errors.InvalidOptionError` for anything else, and for a cell outside
    Excel's sheet (``A0``, ``XFE1``, ``A1048577``)."""
    text = option(value, "A1")
    m = _FIRST_CELL.match(text)
    column = 0
    for ch in (m.group("col") if m else "").upper():
        column = column * 26 + ord(ch) - 64
    row = int(m.group("row")) if m else 0
    if m is None or not (1 <= row <= EXCEL_ROWS and 1 <= column <= EXCEL_COLUMNS):
        from xl_crm.errors import InvalidOptionError

        raise InvalidOptionError(
            (f"{text!r} 不是单元格地址", f"{text!r} is not a cell address"),
            expected=(
                "如 A1、客户!B3；行 1 至 1048576，列 A 至 XFD",
                "e.g. A1 or Customers!B3; rows 1 to 1048576, columns A to XFD",
            ),
            hint=(
                'first_cell 写表格左上角单元格的地址，或用 CELL("address",A1)',
                'write the address of the table\'s top left cell, or CELL("address",A1)',
            ),
        )
    sheet = m.group("sheet") or ""
    if sheet.startswith("'"):
        sheet = sheet[1:-1].replace("''", "'")
    sheet = re.sub(r"^\[[^\]]*\]", "", sheet)  # '[Book 1.xlsx]Q1 data'!A1
    return sheet, row, column


# -- results out --------------------------------------------------------------------------


def shown(value: Any) -> Any:
    """A result cell as Excel takes it: ``""`` for None, NaN, NA and NaT; plain Python
    numbers, bools and naive datetimes for numpy and pandas scalars."""
    kind = type(value)
    if kind is str or kind is bool or kind is int:
        return value
    if value is None or kind.__name__ in ("NAType", "NaTType"):
        return ""
    if isinstance(value, float):
        return "" if value != value else float(value)
    if isinstance(value, dt.datetime):  # a pandas Timestamp is one too
        plain = value.to_pydatetime() if hasattr(value, "to_pydatetime") else value
        return plain.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return value
    if hasattr(value, "item"):  # numpy scalars
        return shown(value.item())
    return str(value)


def column_shown(series: pd.Series) -> list[Any]:
    """Each value of ``series`` as :func:`shown` makes it, in order."""
    return [shown(v) for v in series.tolist()]
