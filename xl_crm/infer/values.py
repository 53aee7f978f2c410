"""Cell values as validation reads them: blanks, the text a cell shows, typed values.

Inference must read a column the way ``validate`` will, or the spec it writes flags its own
file.  So blanks are what the reader calls blank (empty, or only invisible characters), the
text of a cell is the text the reader sees for a text column (whole numbers without ".0"),
and typed values come from :func:`xl_crm.fields.coercion.coerce`, the one place values are
coerced.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time
from typing import Any

import pandas as pd

from xl_crm.fields.coercion import INVISIBLE, Coerced, clean_text, coerce

_NUMBER_TEXT = re.compile(r"^[+-]?[\d,，]*\.?\d+$")
CURRENCY = re.compile(r"[¥￥$€£]|元$|\[\$")


_STRIP = " " + INVISIBLE


def is_blank(value: Any) -> bool:
    """Whether a cell is empty for ``required``: None, NaN, "" or only invisible characters
    (U+200B, U+FEFF, NBSP, U+3000, line breaks), as :func:`xl_crm.fields.coercion.is_blank`."""
    if value is None:
        return True
    if value.__class__ is str:
        return not value.strip(_STRIP)
    return isinstance(value, float) and value != value


def cell_text(value: Any) -> str:
    """The text a text column holds for this cell, as the reader shows it: trimmed of
    invisible characters, a whole number without ".0", a date at midnight without a time."""
    if value.__class__ is str:
        text = value.strip(_STRIP)
        return clean_text(text) if "\u200b" in text or "\ufeff" in text else text
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d") if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def present_texts(values: list[Any]) -> tuple[list[Any], list[str]]:
    """The cells that are not blank, and the text of each (one pass over the column)."""
    present, texts = [], []
    for v in values:
        if v is None or (v.__class__ is float and v != v):
            continue
        text = cell_text(v)
        if text:
            present.append(v)
            texts.append(text)
    return present, texts


def norm_key(text: str) -> str:
    """The form keys are compared in across sheets (from a cell's text): NFKC, trimmed,
    case folded."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return text.strip().casefold()


def looks_numeric_text(text: str) -> bool:
    """``"1,234.5"``, ``"007"``: text made only of a number (no currency, no date)."""
    return bool(_NUMBER_TEXT.match(unicodedata.normalize("NFKC", text).strip()))


def coerce_column(values: list[Any], storage: str, *, identifier: bool = False) -> Coerced:
    """:func:`xl_crm.fields.coercion.coerce` of a list of cells: ``values`` typed, ``failed``
    where a present cell cannot be read as ``storage`` (the column decides its date order
    and reads ambiguous ones day-first, as the reader does for a spec of region CN)."""
    return coerce(pd.Series(values, dtype="object"), storage, identifier=identifier)
