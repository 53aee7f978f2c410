"""What the column writer writes in each row: the columns, their values, their styles.

A :class:`RowPlan` is consulted by both paths as the sheet streams past: which rows are
still to come, what each cell gets and in which style, and the formulas it must not break.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from openpyxl.utils import column_index_from_string, get_column_letter

from xl_crm.errors import CellNotWritableError
from xl_crm.xlsx.sheetpatch.stream import column_styles
from xl_crm.xlsx.sheetpatch.values import EPOCH_1900, EPOCH_1904, ColumnValues, fragment
from xl_crm.xlsx.valuestyles import ValueStyles

_ARRAY_REF = re.compile(r'<(?:\w+:)?f\b[^>]*\bt="array"[^>]*\bref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')
_DATE_KINDS = ("date", "datetime")


def value_kind(value: object) -> str:
    """The kind a cell of the ``value`` kind is written as: ``datetime`` for a moment with
    a time of day, ``date`` for a date, else ``number`` (a number stays a number, a text
    a text, and a number is not shown as a date)."""
    if isinstance(value, dt.datetime):
        return "datetime" if value.time() != dt.time() else "date"
    return "date" if isinstance(value, dt.date) else "number"


_col_index = functools.lru_cache(maxsize=None)(column_index_from_string)


@dataclass
class WrittenOver:
    """Cells of one column (``letter``) that a write replaces: how many, the first and last
    row, and the first few as (A1 reference, what it held: a formula's text)."""

    letter: str
    count: int = 0
    first: int = 0
    last: int = 0
    examples: list[tuple[str, str]] = field(default_factory=list)

    def add(self, row: int, held: str = "") -> None:
        self.count += 1
        self.first = row if self.count == 1 else min(self.first, row)
        self.last = max(self.last, row)
        if len(self.examples) < 3:
            self.examples.append((f"{self.letter}{row}", held))

    @property
    def cells(self) -> str:
        """``H2`` or ``H2:H9``: the rows they span."""
        first = f"{self.letter}{self.first}"
        return first if self.first == self.last else f"{first}:{self.letter}{self.last}"


class RowPlan:
    """What to write in each row (the columns, their values and styles) and the counts."""

    def __init__(
        self,
        # column index -> (header to write, None to leave the header cell, values)
        targets: dict[int, tuple[str | None, ColumnValues]],
        header_row: int,
        styles: ValueStyles | None = None,
        date1904: bool = False,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        """``targets`` as above (column indexes 1-based); ``header_row`` the Excel row of
        the header; ``styles`` the date and money styles (None: values keep their cells'
        styles); ``progress(rows_done, rows_total)`` is called by :meth:`report`."""
        self.header_row = header_row
        self.targets = dict(sorted(targets.items()))
        self.letters = {i: get_column_letter(i) for i in self.targets}
        for col, (_, values) in self.targets.items():
            values.letter = self.letters[col]
        self.styles = styles if styles is not None else ValueStyles(None, set())
        self.col_styles: dict[int, str] = {}  # <col style> of the target columns
        self.epoch = EPOCH_1904 if date1904 else EPOCH_1900
        union: np.ndarray = np.empty(0, dtype=np.int64)
        for i, (_, values) in enumerate(self.targets.values()):
            if i == 0:
                union = values.rows
            elif len(union) != len(values.rows) or not np.array_equal(union, values.rows):
                union = np.union1d(union, values.rows)
        # the rows written below the header, ascending (a view: no copy of the row numbers)
        self.rows = union[int(np.searchsorted(union, header_row, side="right")) :]
        self.header_pending = True  # the header row comes before them all
        self.next = 0  # index into self.rows of the first row not reached yet
        self.next_auto_row = 1  # the number a row without r gets (one after the last row)
        self.rows_changed = 0
        self.array_ranges: list[tuple[int, int, int, int, str]] = []  # array formulas met
        self.progress = progress
        self.max_col = max(self.targets)
        self.formulas_seen = False  # whether a block of the sheet held a formula
        #: column letter -> the formula cells of that column written over
        self.formulas_replaced: dict[str, WrittenOver] = {}
        self.fast_blocks = 0  # blocks the fast path wrote

    def read_head(self, head: str) -> None:
        """Take what the plan needs from the sheet XML before ``<sheetData>``: the target
        columns' default styles (``<col style>``)."""
        self.col_styles = column_styles(head, self.targets)

    # -- values ------------------------------------------------------------------------

    def value_for(self, col: int, row: int) -> tuple[bool, Any]:
        header, values = self.targets[col]
        if row == self.header_row:
            return header is not None, header  # None: an existing column keeps its header
        return values.get(row)

    def kind(self, col: int, row: int) -> str:
        return "text" if row == self.header_row else self.targets[col][1].kind

    def style(self, col: int, row: int, old: str | None, had_cell: bool) -> str | None:
        """The style of a cell written: the old cell's (or, for a new cell, the column's
        default style); a date goes into a style showing dates (the workbook's date style
        when the cell's own does not), an amount of money into one showing numbers (the
        money format when the cell's own shows none)."""
        if row == self.header_row:
            return old
        base = old if had_cell else self.col_styles.get(col)
        kind = self.targets[col][1].kind
        styles = self.styles
        if self.targets[col][1].kind == "value":  # each cell by its value
            value = self.targets[col][1].get(row)[1]
            kind = value_kind(value)
            number = isinstance(value, int | float) and not isinstance(value, bool)
            if number and base in styles.date_xfs:
                return None  # a number in a date's place shows as a number again
        if kind in _DATE_KINDS or kind == "money":
            shown = styles.date_xfs if kind in _DATE_KINDS else styles.number_xfs
            if base is not None and base in shown:
                return base
            if base not in (None, "0") and kind in styles.by_kind:
                return styles.clone(base, kind)  # its own look, a date format
            return str(styles.by_kind[kind]) if kind in styles.by_kind else base
        return base

    def cell(self, prefix: str, col: int, row: int, value: Any, style: str | None) -> str:
        """One cell's XML (``style`` as given by style()); an empty value keeps a styled
        cell's formatting, else writes nothing."""
        ref = f"{self.letters[col]}{row}"
        s = f' s="{style}"' if style else ""
        frag = fragment(prefix, ref, value, self.kind(col, row), self.epoch)
        if frag is None:
            return f'<{prefix}c r="{ref}"{s}/>' if style else ""
        return f'<{prefix}c r="{ref}"{s}{frag}'

    def formula_overwritten(self, cell_xml: str, letter: str, row: int) -> None:
        """A formula is being replaced by a value: refuse to break a shared formula.

        The master cell of a shared or array formula (``<f t="shared" ref="H2:H9" si="0">``)
        holds the text its other cells use; overwriting it while some of those cells stay
        would leave them without a formula, so that is refused (nothing is written).
        Every formula cell written over is listed in :attr:`formulas_replaced`."""
        text = re.search(r"<(?:\w+:)?f\b[^>]*>([^<]*)<", cell_xml)
        held = f"={html.unescape(text.group(1))}" if text else ""
        self.formulas_replaced.setdefault(letter, WrittenOver(letter)).add(row, held)
        m = re.search(
            r'<(?:\w+:)?f\b[^>]*\bt="(?:shared|array)"[^>]*\bref="([A-Z]+)(\d+):([A-Z]+)(\d+)"',
            cell_xml,
        )
        if m is None:
            return
        first_col, first_row, last_col, last_row = (
            m.group(1),
            int(m.group(2)),
            m.group(3),
            int(m.group(4)),
        )
        entry = self.targets.get(column_index_from_string(letter))
        covered = False
        if first_col == last_col == letter and entry is not None:
            _, hit = entry[1].positions(np.arange(first_row, last_row + 1, dtype=np.int64))
            covered = bool(hit.all())
        if not covered:
            raise CellNotWritableError(
                (
                    f"单元格 {letter}{row} 属于 {first_col}{first_row}:{last_col}{last_row} 的"
                    "共享公式或数组公式；只覆盖它会破坏其他单元格",
                    f"cell {letter}{row} holds the shared or array formula of "
                    f"{first_col}{first_row}:{last_col}{last_row}; overwriting it alone would "
                    "break the other cells",
                ),
                cell=f"{letter}{row}",
                hint=(
                    "写入整个区域，或先在 Excel 中把公式转为数值",
                    "write the whole range, or convert the formulas to values in Excel first",
                ),
            )
        ref = f"{first_col}{first_row}:{last_col}{last_row}"
        self.array_ranges = [a for a in self.array_ranges if a[4] != ref]  # all replaced

    def note_array(self, cell_xml: str) -> None:
        """Remember the range of an array formula (its master is its top-left cell)."""
        m = _ARRAY_REF.search(cell_xml)
        if m is not None:
            first, last = _col_index(m.group(1)), _col_index(m.group(3))
            top, bottom = int(m.group(2)), int(m.group(4))
            if (first, top) != (last, bottom):
                ref = f"{m.group(1)}{top}:{m.group(3)}{bottom}"
                self.array_ranges.append((first, top, last, bottom, ref))

    def check_array(self, col: int, row: int) -> None:
        """Refuse to overwrite a cell inside an array formula's range but not its master:
        Excel cannot change part of an array ("You can't change part of an array")."""
        for first, top, last, bottom, ref in self.array_ranges:
            if first <= col <= last and top <= row <= bottom and (col, row) != (first, top):
                raise CellNotWritableError(
                    (
                        f"单元格 {self.letters[col]}{row} 属于 {ref} 的数组公式；"
                        "只覆盖数组的一部分会破坏它",
                        f"cell {self.letters[col]}{row} is part of the array formula in {ref}; "
                        "overwriting part of an array would break it",
                    ),
                    cell=f"{self.letters[col]}{row}",
                    hint=(
                        "写入整个区域，或先在 Excel 中把公式转为数值",
                        "write the whole range, or convert the formula to values in Excel first",
                    ),
                )

    def arrays_touch(self, top: int, bottom: int) -> bool:
        """Whether an array formula's range covers a target column within these rows."""
        return any(
            any(first <= col <= last for col in self.targets) and t <= bottom and b >= top
            for first, t, last, b, _ in self.array_ranges
        )

    # -- the rows still to come -----------------------------------------------------------

    def pending_before(self, number: int) -> list[int]:
        """Rows to write that come before ``number`` and were not met in the sheet."""
        out = []
        if self.header_pending and self.header_row < number:
            out.append(self.header_row)
            self.header_pending = False
        stop = int(np.searchsorted(self.rows, number))
        if stop > self.next:
            out += self.rows[self.next : stop].tolist()
        self.next = max(self.next, stop)
        return out

    def take(self, number: int) -> bool:
        """Whether row ``number`` is to be written (and mark it met)."""
        if self.header_pending and number == self.header_row:
            self.header_pending = False
            return True
        if self.next < len(self.rows) and self.rows[self.next] == number:
            self.next += 1
            return True
        return False

    def rest(self) -> list[int]:
        out = [self.header_row] if self.header_pending else []
        out += self.rows[self.next :].tolist()
        self.header_pending = False
        self.next = len(self.rows)
        return out

    def report(self) -> None:
        """Tell ``progress`` (if any) how many of the rows to write were reached."""
        if self.progress is not None:
            done = self.next + (0 if self.header_pending else 1)
            self.progress(done, len(self.rows) + 1)

    @property
    def last_row(self) -> int:
        return max(self.header_row, int(self.rows[-1]) if len(self.rows) else 0)
