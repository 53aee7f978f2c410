"""Cell values as validation reads them: blanks, the text a cell shows, typed values.

Inference must read a column the way ``validate`` will, or the spec it writes flags its own
file.  So blanks are what the reader calls blank (empty, or only invisible characters), the
text of a cell is the text the reader sees for a text column (whole numbers without ".0"),
and typed values come from :func:`xl_crm.coercion.coerce`, the one place values are
coerced (a temporary stand-in with the same contract is used until it is available).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time
from typing import Any

import pandas as pd

#: characters a cell may hold and still be empty (zero-width, BOM, NBSP, ideographic space)
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00a0\u3000\t\r\n "
_NUMBER_TEXT = re.compile(r"^[+-]?[\d,，]*\.?\d+$")
CURRENCY = re.compile(r"[¥￥$€£]|元$|\[\$")


def is_blank(value: Any) -> bool:
    """Whether a cell is empty for ``required``: None, NaN, "" or only invisible characters."""
    if value is None:
        return True
    if isinstance(value, float) and value != value:
        return True
    return isinstance(value, str) and value.strip(INVISIBLE) == ""


def cell_text(value: Any) -> str:
    """The text a text column holds for this cell (a whole float without ".0")."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return f"{value.isoformat()} 00:00:00"
    if isinstance(value, time):
        return value.isoformat()
    return unicodedata.normalize("NFC", str(value)).strip(INVISIBLE)


def norm_key(value: Any) -> str:
    """The form keys are compared in across sheets: text, NFKC, trimmed, case folded."""
    return unicodedata.normalize("NFKC", cell_text(value)).strip().casefold()


def looks_numeric_text(text: str) -> bool:
    """``"1,234.5"``, ``"007"``: text made only of a number (no currency, no date)."""
    return bool(_NUMBER_TEXT.match(unicodedata.normalize("NFKC", text).strip()))


def coerce_column(values: list[Any], storage: str, *, identifier: bool = False) -> Any:
    """``coerce(values, storage)`` from :mod:`xl_crm.coercion` (see the contract there):
    an object with ``values`` (typed) and ``failed`` (present but unreadable) Series."""
    series = pd.Series(values, dtype="object")
    try:
        from xl_crm.coercion import coerce
    except ImportError:  # pragma: no cover - until the coercion module lands on main
        return _Shim.coerce(series, storage)
    return coerce(series, storage, identifier=identifier)


class _Shim:
    """Stand-in for ``xl_crm.coercion.coerce`` reading cells as the validator does today."""

    def __init__(self, values: pd.Series, failed: pd.Series) -> None:
        self.values = values
        self.failed = failed

    @classmethod
    def coerce(cls, series: pd.Series, storage: str) -> _Shim:
        from xl_crm.specs.model import FieldSpec
        from xl_crm.validation.engine import _convert

        kind = {"integer": "integer", "number": "decimal", "boolean": "boolean"}.get(
            storage, "datetime"
        )
        probe = FieldSpec(id="probe", label="probe", type=kind)
        out, failed = [], []
        for v in series:
            if is_blank(v):
                out.append(None)
                failed.append(False)
                continue
            got: Any = None
            if storage == "boolean":
                got = v if isinstance(v, bool) else None
            elif storage in ("integer", "number"):
                if isinstance(v, int | float) and not isinstance(v, bool):
                    got = float(v)
            elif isinstance(v, datetime | date) and not isinstance(v, bool):
                got = pd.Timestamp(v)
            if got is None and isinstance(v, str):
                got = _convert(v, probe)
                if got is not None and storage in ("date", "datetime"):
                    got = pd.Timestamp(got)
            out.append(got)
            failed.append(got is None)
        return cls(pd.Series(out, dtype="object"), pd.Series(failed, dtype=bool))
