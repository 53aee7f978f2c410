"""Which cell style a written date or amount of money takes (the column writer's rules).

A date goes into a style that shows dates: the cell's own when it does; a cell styled for
something else gets a copy of its style with a date format (its fill, font and borders
stay); a cell without a style gets a plain date style (the workbook's own when it carries
nothing but the date format).  Money works the same way with the money format, except that
a cell already showing a number format of its own keeps it.  Built-in format ids: ECMA-376
Part 1, 18.8.30.
"""

from __future__ import annotations

import re

from xl_crm.fields.types import FIELD_TYPES
from xl_crm.xlsx.parts.styles import StyleSheet, number_formats, plain_xf, xf_attribute

#: number formats of dates written into cells without a date style of their own
DATE_CODES = {"date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm"}
#: kinds written with a number format of their own: dates, and money in the format a built
#: workbook's money columns have (cells already showing a number keep their format)
FORMAT_CODES = {**DATE_CODES, "money": FIELD_TYPES["money"].number_format}
#: built-in number formats that show dates or times (ECMA-376 18.8.30, and the CJK ones)
BUILTIN_DATE_FORMATS = {*range(14, 23), *range(27, 37), 45, 46, 47, *range(50, 59)}


def is_date_format(code: str) -> bool:
    """Whether a number format code shows a date or time (y, d, h or s outside quotes)."""
    plain = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", code)
    return bool(re.search(r"[ydhs]", plain, re.I)) and "General" not in plain


def _format_id(xf: str) -> int | None:
    fid = re.search(r'numFmtId="(\d+)"', xf)
    return int(fid.group(1)) if fid else None


class ValueStyles:
    """The styles dates and money are written in, over one :class:`StyleSheet`.

    ``kinds`` are the kinds being written (``date``, ``datetime``, ``money`` matter);
    :attr:`by_kind` gives each its plain style (found or added), :attr:`date_xfs` the
    style indexes (as text) that show dates, :attr:`number_xfs` those that show numbers
    their own way (not General, text, a date or a percentage)."""

    def __init__(self, sheet: StyleSheet | None, kinds: set[str]) -> None:
        self.sheet = sheet
        self.by_kind: dict[str, int] = {}
        self.date_xfs: set[str] = set()
        self.number_xfs: set[str] = set()
        needed = {k for k in kinds if k in FORMAT_CODES}
        if not needed or sheet is None:
            return
        numfmts = number_formats(sheet.text)  # formatCode="0&quot; days&quot;" is 0" days"
        for i, xf in enumerate(sheet.xfs):
            fid = _format_id(xf)
            code = numfmts.get(str(fid), "") if fid is not None else ""
            if fid is not None and (fid in BUILTIN_DATE_FORMATS or is_date_format(code)):
                self.date_xfs.add(str(i))
            for kind, wanted in FORMAT_CODES.items():
                if kind in needed and kind not in self.by_kind and code == wanted and plain_xf(xf):
                    self.by_kind[kind] = i
        for kind in sorted(needed - set(self.by_kind), key=list(FORMAT_CODES).index):
            self.by_kind[kind] = sheet.format_style(FORMAT_CODES[kind])
            if kind in DATE_CODES:
                self.date_xfs.add(str(self.by_kind[kind]))
        if "money" in needed:
            self.number_xfs = self._number_xfs()
        self._formats = {
            kind: xf_attribute(sheet.xf(index), "numFmtId", "14")
            for kind, index in self.by_kind.items()
        }

    def _number_xfs(self) -> set[str]:
        numfmts = number_formats(self.sheet.text)
        out = set()
        for i, xf in enumerate(self.sheet.xfs):
            number = _format_id(xf) or 0
            code = numfmts.get(str(number), "")
            if code:  # the workbook's own format (any id)
                unquoted = re.sub(r'"[^"]*"|\\.', "", code)
                shows_number = not (
                    code in ("General", "@") or is_date_format(code) or "%" in unquoted
                )
            else:  # built in: not General, percent, text or a date
                shows_number = number not in (0, 9, 10, 49, *BUILTIN_DATE_FORMATS) and number < 164
            if shows_number:
                out.add(str(i))
        return out

    def clone(self, base: str, kind: str) -> str:
        """A copy of style ``base`` showing ``kind``'s format (see the module docstring)."""
        attrs = {"numFmtId": self._formats[kind], "applyNumberFormat": "1"}
        return str(self.sheet.derive(int(base), attrs))
