"""The cell ranges a formula text refers to (A1 references, as stored in SpreadsheetML).

Used to keep new columns out of what formulas, defined names, data validations and
conditional formats already read: a formula ``=B1+C1`` in A1 of a sheet whose data ends in
column A reads the cells a new column would fill.  Formula grammar: ECMA-376 Part 1, 18.17
(references ``A1``, ``$A$1:B2``, ``A:C``, ``1:3``, qualified by ``Sheet!``, ``'My
Sheet'!`` or a span of sheets ``Jan:Dec!``); string literals are skipped, function names
such as ``LOG10(`` are not references, and references into other workbooks
(``[1]Sheet!A1``) are left out.  :class:`ReadsWatch` gathers what reaches a sheet's
columns from that sheet's own XML or, with ``host``, from another sheet's formulas
(:mod:`xl_crm.xlsx.crossrefs` looks through the rest of the package).
"""

from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass

from openpyxl.utils import column_index_from_string, get_column_letter

from xl_crm.fields.grid import EXCEL_MAX_COLS, EXCEL_MAX_ROWS
from xl_crm.xlsx.parts.workbook import defined_names

_STRING = re.compile(r'"(?:[^"]|"")*"')
_REFERENCE = re.compile(
    r"(?<![\w.!\]$'])"
    r"(?:(?P<sheet>'(?:[^']|'')+'|[^\W\d][\w.]*(?::[^\W\d][\w.]*)?)!)?"
    r"(?:\$?(?P<c1>[A-Z]{1,3})\$?(?P<r1>\d+)(?::\$?(?P<c2>[A-Z]{1,3})\$?(?P<r2>\d+))?"
    r"|\$?(?P<cc1>[A-Z]{1,3}):\$?(?P<cc2>[A-Z]{1,3})"
    r"|\$?(?P<rr1>\d+):\$?(?P<rr2>\d+))"
    r"(?![\w(\[!])"
)


@dataclass(frozen=True)
class Area:
    """A rectangle of cells, 1-based and inclusive, on ``sheet`` (None: the sheet of the
    formula)."""

    sheet: str | None
    first_col: int
    first_row: int
    last_col: int
    last_row: int

    def meets_rows(self, top: int, bottom: int) -> bool:
        """Whether the area has a row between ``top`` and ``bottom``."""
        return self.first_row <= bottom and self.last_row >= top


def _column(letters: str) -> int | None:
    try:
        col = column_index_from_string(letters)
    except ValueError:
        return None
    return col if col <= EXCEL_MAX_COLS else None


def areas(formula: str) -> list[Area]:
    """The areas a formula text (without its ``=``) refers to."""
    out = []
    for m in _REFERENCE.finditer(_STRING.sub('""', formula)):
        sheet = m.group("sheet")
        if sheet is not None and sheet.startswith("'"):
            sheet = sheet[1:-1].replace("''", "'")
        if m.group("c1"):
            c1, r1 = _column(m.group("c1")), int(m.group("r1"))
            c2 = _column(m.group("c2")) if m.group("c2") else c1
            r2 = int(m.group("r2")) if m.group("r2") else r1
        elif m.group("cc1"):
            c1, c2, r1, r2 = _column(m.group("cc1")), _column(m.group("cc2")), 1, EXCEL_MAX_ROWS
        else:
            c1, c2 = 1, EXCEL_MAX_COLS
            r1, r2 = int(m.group("rr1")), int(m.group("rr2"))
        if c1 is None or c2 is None or not (min(r1, r2) > 0 and max(r1, r2) <= EXCEL_MAX_ROWS):
            continue  # not a reference after all (a name such as ABCD1)
        out.append(Area(sheet, min(c1, c2), min(r1, r2), max(c1, c2), max(r1, r2)))
    return out


def sqref_areas(sqref: str) -> list[Area]:
    """The areas of an ``sqref`` attribute (``"B2:B9 D2"``), on the sheet it belongs to."""
    return [a for part in sqref.split() for a in areas(part)]


@dataclass(frozen=True)
class Reach:
    """How far right something on a sheet reads: the last column (1-based) and what
    reads it, ``(zh, en)``."""

    column: int
    what: tuple[str, str]


def furthest(*reaches: Reach | None) -> Reach | None:
    """The reach that goes furthest right (the first of equals); None for none."""
    return max((r for r in reaches if r is not None), key=lambda r: r.column, default=None)


_FORMULA = re.compile(r"<((?:\w+:)?)f\b([^>]*?)(?:/>|>([^<]*)</\1f>)")


@functools.lru_cache(maxsize=8)
def _formula_texts(prefix: str) -> re.Pattern[bytes]:
    """The texts of a block's formulas (the prefix written out: a literal start is found
    fast)."""
    return re.compile(rf"<{re.escape(prefix)}f\b[^>]*>([^<]+)<".encode())


@functools.lru_cache(maxsize=64)
def _named_from(column: int) -> re.Pattern[bytes]:
    """Finds column letters of ``column`` or further right named as (part of) a reference
    in formula texts without their digits (``D5`` is ``D``, ``$AB$2`` is ``$AB$``, ``E:F``
    stays; ``LOG10(`` is ``LOG(``, a function): one search, no list of every reference."""
    letters = get_column_letter(column)
    m = len(letters)
    alternatives = [f"[A-Z]{{{m + 1},3}}"] if m < 3 else []
    alternatives.append(letters)
    for i, ch in enumerate(letters):
        if ch < "Z":
            rest = m - i - 1
            higher = f"[{chr(ord(ch) + 1)}-Z]" + (f"[A-Z]{{{rest}}}" if rest else "")
            alternatives.append(letters[:i] + higher)
    named = "|".join(alternatives)
    return re.compile(rf"(?<![A-Za-z_.])\$?(?:{named})(?![A-Za-z_(])".encode())


_MERGE = re.compile(r'<(?:\w+:)?mergeCell\b[^>]*\bref="([A-Z]+\d+:[A-Z]+\d+)"')
_ROW_RANGE = re.compile(rb"(?<![A-Za-z])(?<![A-Za-z]\$):(?!\$?[A-Za-z])")  # 3:3 without digits
_SHARED = re.compile(rb'<(?:\w+:)?f\b[^>]*\bt="shared"[^>]*\bref="([A-Z]+)\d+:([A-Z]+)\d+"')
_RULES = (
    # (element, what it is: zh, en): its sqref and the formulas inside it
    ("dataValidation", "数据验证", "a data validation"),
    ("conditionalFormatting", "条件格式", "a conditional format"),
    ("x14:dataValidation", "数据验证", "a data validation"),
    ("x14:conditionalFormatting", "条件格式", "a conditional format"),
)


class ReadsWatch:
    """How far right the formulas, data validations, conditional formats and merged cells
    of ``sheet`` reach within ``rows`` (first, last Excel row of interest), gathered from
    the sheet's XML as it streams past: :meth:`rows` for each block of rows with a
    formula, :meth:`tail` for the XML after the rows, then :meth:`finish`.  Only what
    reaches column ``beyond`` (1-based) or further is kept, so a block whose formulas name
    no column that far is passed over after one scan of their texts; ``beyond=None``
    watches nothing (only :attr:`merges` are gathered).

    ``host``: the XML shown is another sheet's (its name): only references that name
    ``sheet`` count (``Sheet!A1``, or a span of sheets ``Jan:Dec!A1`` that covers it in
    ``order``, the workbook's sheets in order), and its own validations' and formats'
    ranges and merged cells are on the host, so they do not."""

    def __init__(
        self,
        sheet: str,
        rows: tuple[int, int],
        beyond: int | None = 1,
        *,
        host: str | None = None,
        order: list[str] | tuple[str, ...] = (),
    ) -> None:
        self.sheet = sheet
        self.top, self.bottom = rows
        self.beyond = beyond
        self.host = host
        self.order = [name.casefold() for name in order]
        self.reach: Reach | None = None
        #: the merged ranges of the sheet (first col, first row, last col, last row), known
        #: after :meth:`finish` (not gathered with ``host``)
        self.merges: list[tuple[int, int, int, int]] = []
        self._tail: list[bytes] = []

    def names_sheet(self, qualifier: str) -> bool:
        """Whether a reference's sheet (``Sheet``, or ``First:Last``) is :attr:`sheet`."""
        key = self.sheet.casefold()
        first, _, last = qualifier.casefold().partition(":")
        if not last or first == key or last == key:
            return key in (first, last)
        if key in self.order and first in self.order and last in self.order:
            at, ends = self.order.index(key), (self.order.index(first), self.order.index(last))
            return min(ends) <= at <= max(ends)
        return False

    def _take(self, area: Area, what: tuple[str, str], unqualified: bool = True) -> None:
        if self.beyond is None:
            return
        on_sheet = (
            unqualified and self.host is None
            if area.sheet is None
            else self.names_sheet(area.sheet)
        )
        if on_sheet and area.last_col >= self.beyond and area.meets_rows(self.top, self.bottom):
            self.reach = furthest(self.reach, Reach(area.last_col, what))

    def note(self, area: Area, what: tuple[str, str]) -> None:
        """Take an area read from elsewhere in the package, when it names the sheet
        (``what`` says what reads it, ``(zh, en)``)."""
        self._take(area, what, unqualified=False)

    def names(self, workbook_xml: str) -> None:
        """Take the defined names of ``workbook.xml`` that refer to the sheet (the print
        area among them; the print titles read no values)."""
        for name in defined_names(workbook_xml):
            key = name.name.casefold()
            if key == "_xlnm.print_titles":
                continue
            zh, en = (
                ("打印区域", "the print area")
                if key == "_xlnm.print_area"
                else (f"名称 {name.name}", f"the defined name {name.name}")
            )
            for area in areas(name.formula):
                self._take(area, (f"{zh}（{name.formula}）", f"{en} ({name.formula})"), False)

    def rows(self, data: bytes, prefix: str) -> None:
        """Take the formulas of a block of rows (shared ones as far as their copies reach);
        a block without ``</f>`` need not be shown."""
        if not self._may_reach(data, prefix):
            return
        text = data.decode("utf-8")
        for m in _FORMULA.finditer(text):
            attrs, formula = m.group(2), html.unescape(m.group(3) or "")
            if not formula or (self.host is not None and "!" not in formula):
                continue
            start = text.rfind(f"<{prefix}c ", 0, m.start())
            cell = re.search(r'\br="([A-Z]+\d+)"', text[start : text.find(">", start)])
            where = cell.group(1) if cell else "?"
            if self.host is not None:
                where = f"{quoted(self.host)}!{where}"
            what = (f"单元格 {where} 的公式 ={formula}", f"the formula ={formula} in {where}")
            wide = 0
            shared = re.search(r'\bref="([A-Z]+)\d+:([A-Z]+)\d+"', attrs)
            if shared and 't="shared"' in attrs:  # the copies read as far right again
                wide = _column(shared.group(2)) - _column(shared.group(1))
            for area in areas(formula):
                last = min(area.last_col + wide, EXCEL_MAX_COLS)
                self._take(
                    Area(area.sheet, area.first_col, area.first_row, last, area.last_row), what
                )

    def _may_reach(self, data: bytes, prefix: str) -> bool:
        """Whether a formula of the block may read column :attr:`beyond` or further: any
        column letters it names, widened by its shared formulas' ranges, or a range of whole
        rows (an over-estimate: what might be a reference counts).  On another sheet only
        formulas that name a sheet count."""
        if self.beyond is None or self.beyond > EXCEL_MAX_COLS:
            return False
        texts = b"\x00".join(_formula_texts(prefix).findall(data))
        if self.host is not None and b"!" not in texts:
            return False
        # without their digits, formulas filled down are one shape: each is read once
        texts = b"\x00".join(set(texts.translate(None, b"0123456789").split(b"\x00")))
        if _ROW_RANGE.search(texts):
            return True
        shared = _SHARED.findall(data) if b't="shared"' in data else []
        wide = max((_column(b.decode()) - _column(a.decode()) for a, b in shared), default=0)
        return _named_from(max(self.beyond - wide, 1)).search(texts) is not None

    def tail(self, data: bytes) -> None:
        """Keep a piece of the XML after the rows (read by :meth:`finish`)."""
        self._tail.append(data)

    def finish(self) -> Reach | None:
        """Take the data validations, conditional formats and merged cells; the furthest
        reach."""
        tail = b"".join(self._tail).decode("utf-8")
        self._tail = []
        own = self.host is None  # a rule's range (sqref) is on the sheet whose XML it is
        for element, zh, en in _RULES:
            for attrs, body in re.findall(rf"<{element}\b([^>]*)>(.*?)</{element}>", tail, re.S):
                sqref = re.search(r'\bsqref="([^"]*)"', attrs)
                sqref = (
                    sqref.group(1) if sqref else " ".join(re.findall(r"<xm:sqref>([^<]*)<", body))
                )
                if own:
                    what = (f"{zh}（{sqref}）", f"{en} ({sqref})")
                else:
                    where = f"{quoted(self.host)}!{sqref}"
                    what = (f"{zh}（{where}）", f"{en} on {where}")
                for area in sqref_areas(sqref) if own else []:
                    self._take(area, what)
                for formula in re.findall(r"<(?:\w+:)?(?:formula\d?|f)>([^<]*)<", body):
                    for area in areas(html.unescape(formula)):
                        self._take(area, what)
        if own:
            for ref in _MERGE.findall(tail):
                (area,) = areas(ref)
                self.merges.append((area.first_col, area.first_row, area.last_col, area.last_row))
                self._take(area, (f"合并单元格 {ref}", f"the merged cells {ref}"))
        return self.reach


def quoted(sheet: str) -> str:
    """A sheet's name as a formula writes it: quoted when it is not a plain word
    (``'My Sheet'``, ``'It''s'``)."""
    if re.fullmatch(r"[^\W\d]\w*", sheet) and not re.fullmatch(r"[A-Za-z]{1,3}\d+", sheet):
        return sheet
    return "'" + sheet.replace("'", "''") + "'"
