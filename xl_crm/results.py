"""What the library's calls return, as data: the helpers their ``to_dict``/``to_csv`` share.

Every call the command line makes returns an object with ``to_dict()`` (JSON-ready: str,
int, float, bool, None, lists and dicts only; paths and dates as text) and, where its
result is a table, ``to_csv()``.  ``xl-crm COMMAND --json -`` prints exactly ``to_dict()``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["csv_safe", "csv_text"]

#: first characters that make a spreadsheet read a cell as a formula (OWASP CSV injection)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> Any:
    """``value`` for a CSV cell: None as empty, text a spreadsheet would run as a formula
    (starting with = + - @, tab or CR) prefixed with ``'`` so it stays text."""
    if isinstance(value, str) and value[:1] in _FORMULA_STARTS:
        return "'" + value
    return "" if value is None else value


def csv_text(columns: list[str], rows: Iterable[Mapping[str, Any]]) -> str:
    """CSV text (RFC 4180, ``\\r\\n`` line ends) with a header of ``columns`` and one line per
    row of ``rows`` (mappings keyed by column; a missing key is an empty cell)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_safe(row.get(c)) for c in columns])
    return buffer.getvalue()
