"""Excel's error values (``#N/A``, ``#VALUE!`` ...) as cells hold them.

A reader gives an error cell as its text (``#N/A`` from a CSV, an .ods or a Sheets API
read) or as calamine's name for it (``Error(NA)``); :func:`excel_error` turns either into
the value as Excel shows it.  The list is Excel's (Microsoft support, "How to correct a
#... error" pages), with the dynamic-array errors of Microsoft 365 (#SPILL!, #CALC! ...).
"""

from __future__ import annotations

import re

__all__ = ["EXCEL_ERRORS", "excel_error"]

#: Excel's error values as Excel shows them, by the names calamine/fastexcel give them
EXCEL_ERRORS: dict[str, str] = {
    "NA": "#N/A",
    "Value": "#VALUE!",
    "Ref": "#REF!",
    "Div0": "#DIV/0!",
    "Name": "#NAME?",
    "Null": "#NULL!",
    "Num": "#NUM!",
    "GettingData": "#GETTING_DATA",
}
_ERROR_TEXTS = {
    *EXCEL_ERRORS.values(),
    "#SPILL!",
    "#CALC!",
    "#FIELD!",
    "#BLOCKED!",
    "#CONNECT!",
    "#BUSY!",
    "#UNKNOWN!",
    "#DIV/0",
}
_ERROR_NAME = re.compile(r"^Error\((\w+)\)$")


def excel_error(value: object) -> str | None:
    """The Excel error value (``#N/A``) a cell holds, from its text or calamine's name."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text.upper() in _ERROR_TEXTS:
        return text.upper()
    m = _ERROR_NAME.match(text)
    if m:
        return EXCEL_ERRORS.get(m.group(1), f"#{m.group(1).upper()}")
    return None
