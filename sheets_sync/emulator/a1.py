"""A1 notation as the Sheets API reads and writes it.

Rules (https://developers.google.com/sheets/api/guides/concepts#cell): ``Sheet1!A1:B2``,
``A1:B2`` (the first visible sheet), ``Sheet1`` (the whole sheet), ``A:C`` and ``2:5``
(unbounded), ``A2:2`` (from A2 to the end of row 2), named ranges by name.  In replies a sheet
title is quoted only when it needs it (``Sheet1!A1:D2`` but ``'My sheet'!A1`` and ``'D3'!A1``:
gspread's recorded ``SpreadsheetTest.test_values_get`` and ``WorksheetTest`` cassettes) and a
single cell is written ``Sheet1!B1``, not ``B1:B1``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sheets_sync.emulator.errors import ApiError

_CELL = re.compile(r"^([A-Za-z]*)(\d*)$")
_PLAIN_TITLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_LOOKS_LIKE_REF = re.compile(r"^(?:[A-Za-z]{1,3}\d+|[Rr]\d+[Cc]\d+|[A-Za-z]{1,3}|\d+)$")


def column_letter(index: int) -> str:
    """The letters of a 0-based column index: 0 -> ``A``, 26 -> ``AA``."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_index(letters: str) -> int:
    """The 0-based index of column ``letters`` (``A`` -> 0, ``AA`` -> 26)."""
    index = 0
    for char in letters.upper():
        index = index * 26 + ord(char) - 64
    return index - 1


def quote_title(title: str) -> str:
    """A sheet title as a range prefix: bare when plain, else in single quotes with ``'``
    doubled (``Sheet1``, ``'My sheet'``, ``'D3'``)."""
    if _PLAIN_TITLE.match(title) and not _LOOKS_LIKE_REF.match(title):
        return title
    return "'" + title.replace("'", "''") + "'"


@dataclass(frozen=True)
class Bounds:
    """A rectangle of a sheet, 0-based and end-exclusive like a GridRange; ``None`` ends
    are unbounded (to the edge of the grid)."""

    row0: int | None
    row1: int | None
    col0: int | None
    col1: int | None

    def clamp(self, rows: int, cols: int) -> Bounds:
        """These bounds with unbounded and overlong ends cut to a ``rows`` x ``cols`` grid."""
        return Bounds(
            min(self.row0 or 0, rows),
            min(rows if self.row1 is None else self.row1, rows),
            min(self.col0 or 0, cols),
            min(cols if self.col1 is None else self.col1, cols),
        )

    def exceeds(self, rows: int, cols: int) -> bool:
        """True when a bounded end lies beyond a ``rows`` x ``cols`` grid."""
        return (self.row1 is not None and self.row1 > rows) or (
            self.col1 is not None and self.col1 > cols
        )


@dataclass(frozen=True)
class A1Range:
    """A parsed A1 range: the sheet title it names (None: the first sheet) and its bounds;
    ``name`` is set instead when the text is a named range's name."""

    title: str | None
    bounds: Bounds
    name: str | None = None


def parse_range(text: str) -> A1Range:
    """Parse A1 text (``'My sheet'!A1:B2``, ``Sheet1``, ``A:C``, ``2:5``, ``A2:2``).

    A bare word that is not a cell reference is a sheet title or a named range's name: the
    caller decides (``A1Range.name`` and ``title`` are both set).  Raises ApiError 400
    "Unable to parse range: ..." (the API's wording) for text that is neither.
    """
    text = text.strip()
    if not text:
        raise ApiError.bad_request(f"Unable to parse range: {text}")
    title, cells = _split_title(text)
    if cells is None:
        if title is not None:
            return A1Range(title, Bounds(None, None, None, None))
        if _is_ref(text):
            return A1Range(None, _parse_cells(text, text))
        return A1Range(text, Bounds(None, None, None, None), name=text)
    return A1Range(title, _parse_cells(cells, text))


def _split_title(text: str) -> tuple[str | None, str | None]:
    if text.startswith("'"):
        end = 1
        while True:
            end = text.find("'", end)
            if end == -1:
                raise ApiError.bad_request(f"Unable to parse range: {text}")
            if text[end + 1 : end + 2] == "'":
                end += 2
                continue
            break
        title = text[1:end].replace("''", "'")
        rest = text[end + 1 :]
        if not rest:
            return title, None
        if not rest.startswith("!"):
            raise ApiError.bad_request(f"Unable to parse range: {text}")
        return title, rest[1:]
    if "!" in text:
        title, _, cells = text.rpartition("!")
        return title, cells
    return None, None


def _is_ref(text: str) -> bool:
    parts = text.split(":")
    if len(parts) == 1:
        match = _CELL.match(parts[0])
        return bool(match and 0 < len(match.group(1)) <= 3 and match.group(2))
    return len(parts) == 2 and all(
        p and (m := _CELL.match(p)) and len(m.group(1)) <= 3 for p in parts
    )


def _parse_cells(cells: str, whole: str) -> Bounds:
    parts = cells.split(":")
    if len(parts) > 2 or not all(parts):
        raise ApiError.bad_request(f"Unable to parse range: {whole}")
    ends = []
    for part in parts:
        match = _CELL.match(part)
        if not match or len(match.group(1)) > 3:
            raise ApiError.bad_request(f"Unable to parse range: {whole}")
        letters, digits = match.groups()
        col = column_index(letters) if letters else None
        row = int(digits) - 1 if digits else None
        if row is not None and row < 0:
            raise ApiError.bad_request(f"Unable to parse range: {whole}")
        ends.append((row, col))
    (r0, c0), (r1, c1) = ends[0], ends[-1]
    if len(parts) == 1:
        return Bounds(r0, r0 + 1, c0, c0 + 1)
    if (r0 is None) != (r1 is None) and c0 is not None and c1 is not None and r0 is not None:
        # A2:C -> from row 2 down to the grid's end
        return Bounds(r0, None, min(c0, c1), max(c0, c1) + 1)
    if (c0 is None) != (c1 is None) and r0 is not None and r1 is not None and c0 is not None:
        # A2:2 -> from A2 to the end of row 2
        return Bounds(min(r0, r1), max(r0, r1) + 1, c0, None)
    rows = (None, None) if r0 is None or r1 is None else (min(r0, r1), max(r0, r1) + 1)
    cols = (None, None) if c0 is None or c1 is None else (min(c0, c1), max(c0, c1) + 1)
    return Bounds(rows[0], rows[1], cols[0], cols[1])


def format_range(title: str, bounds: Bounds) -> str:
    """A bounded rectangle as the API writes it in replies: ``Sheet1!A1:D2``, ``Sheet1!B1``
    for one cell, the title alone (``Sheet1``) for an empty rectangle."""
    assert bounds.row0 is not None and bounds.row1 is not None
    assert bounds.col0 is not None and bounds.col1 is not None
    prefix = quote_title(title)
    if bounds.row1 <= bounds.row0 or bounds.col1 <= bounds.col0:
        return prefix
    start = f"{column_letter(bounds.col0)}{bounds.row0 + 1}"
    end = f"{column_letter(bounds.col1 - 1)}{bounds.row1}"
    if start == end:
        return f"{prefix}!{start}"
    return f"{prefix}!{start}:{end}"
