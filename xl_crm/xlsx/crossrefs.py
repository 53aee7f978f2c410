"""What the rest of a workbook reads on one sheet: before a new column is placed there.

A new column must not land where something already reads, or that something changes what
it shows: ``=SUM(客户!H:H)`` on another sheet adds the new values, a chart plots them, a
pivot table's next refresh takes them in.  The sheet itself (its formulas, rules and
merged cells) and the defined names are watched by :class:`~xl_crm.xlsx.references.ReadsWatch`
as the sheet is written; this module looks through the other parts of the package that
refer to it by name:

- the other worksheets: their cells' formulas, and the formulas of their data validations
  and conditional formats (x14 ones too), where they name the sheet (``客户!H2``,
  ``'My Sheet'!H:H``, a span of sheets ``Jan:Dec!H2`` that covers it);
- charts (``<c:f>``, chartEx ``<cx:f>``): the ranges their series plot;
- pivot caches (``<worksheetSource ref= sheet=>``): the range a pivot table summarises;
- Excel Tables' column formulas, and form controls' linked cells and ranges.

The other worksheets are streamed, ``block_size`` bytes at a time; a block whose cells hold
no formula costs one search, and only formulas that name a sheet are parsed.
"""

from __future__ import annotations

import html
import re
import threading
import zipfile
from pathlib import Path

from xl_crm.xlsx.package import SheetParts
from xl_crm.xlsx.references import Area, Reach, ReadsWatch, areas, furthest, quoted
from xl_crm.xlsx.sheetpatch.stream import BLOCK_SIZE, SheetSplitter, inflated_blocks

__all__ = ["ElsewhereScan", "read_elsewhere"]

_CHART_F = re.compile(r"<(?:c|cx):f\b[^>]*>([^<]+)</(?:c|cx):f>")
_PIVOT_SOURCE = re.compile(r"<(?:\w+:)?worksheetSource\b([^>]*)/?>")
_TABLE_F = re.compile(r"<(?:\w+:)?(calculatedColumnFormula|totalsRowFormula)\b[^>]*>([^<]+)</")
_CONTROL_F = re.compile(r'\b(fmlaLink|fmlaRange|fmlaTxbx|fmlaGroup)="([^"]+)"')
_ATTR = re.compile(r'\b(ref|sheet)="([^"]*)"')
_WORKSHEET = re.compile(r"/(?:worksheets|macrosheets)/[^/]+\.xml$")


class ElsewhereScan:
    """:func:`read_elsewhere` on a thread, while the caller writes the sheet: a context
    manager whose :meth:`reach` waits for the answer (re-raising what the scan raised).
    The workbook at ``path`` is opened again for the scan (a file handle of its own: the
    caller's reads seek theirs).  ``beyond=None`` scans nothing (no new column).  Leaving
    the block early (the write failed) stops the scan at its next block."""

    def __init__(
        self,
        path: Path,
        sheet: str,
        parts: SheetParts,
        rows: tuple[int, int],
        beyond: int | None,
        *,
        block_size: int = BLOCK_SIZE,
    ) -> None:
        self._path = path
        self._args = (sheet, parts, rows, beyond)
        self._block_size = block_size
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._result: Reach | None = None
        self._error: BaseException | None = None

    def __enter__(self) -> ElsewhereScan:
        if self._args[3] is not None:
            self._thread = threading.Thread(target=self._run, name="xlcrm-elsewhere")
            self._thread.start()
        return self

    def _run(self) -> None:
        try:
            with zipfile.ZipFile(self._path) as src:
                self._result = read_elsewhere(
                    src, *self._args, block_size=self._block_size, stop=self._stop
                )
        except BaseException as exc:  # handed to the caller's thread by reach()
            self._error = exc

    def reach(self) -> Reach | None:
        """How far right the rest of the package reads (None: nothing that far)."""
        if self._thread is not None:
            self._thread.join()
        if self._error is not None:
            raise self._error
        return self._result

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


def read_elsewhere(
    src: zipfile.ZipFile,
    sheet: str,
    parts: SheetParts,
    rows: tuple[int, int],
    beyond: int,
    *,
    block_size: int = BLOCK_SIZE,
    stop: threading.Event | None = None,
) -> Reach | None:
    """How far right the rest of the package reads on ``sheet`` (see the module
    docstring) within ``rows`` (first, last Excel row), counting only what reaches column
    ``beyond`` (1-based) or further; None when nothing does.  ``parts``: sheet name ->
    worksheet part, in the workbook's order.  ``stop``, once set, ends the scan early
    (None is returned: the answer is not wanted any more)."""
    order = list(parts)
    reach: Reach | None = None
    names = set(src.namelist())
    for host, part in parts.items():
        if host == sheet or part not in names or not _WORKSHEET.search(part):
            continue  # a chart sheet holds no cells
        watch = ReadsWatch(sheet, rows, beyond, host=host, order=order)
        splitter = SheetSplitter(inflated_blocks(src.open(part), block_size))
        for kind, data in splitter:
            if stop is not None and stop.is_set():
                return None
            # a block without an "f" holds no formula (one memchr); "</f>" is then looked for
            if kind == "rows" and b"f" in data and f"</{splitter.prefix}f>".encode() in data:
                watch.rows(data, splitter.prefix)
            elif kind == "tail":
                watch.tail(data)
        reach = furthest(reach, watch.finish())
    watch = ReadsWatch(sheet, rows, beyond, host="", order=order)  # parts of no sheet
    for name in sorted(names):
        if name.startswith("xl/charts/") and name.endswith(".xml"):
            label = name.rsplit("/", 1)[1]
            for formula in _CHART_F.findall(_text(src, name)):
                formula = html.unescape(formula)
                what = (f"图表 {label} 的数据（{formula}）", f"the chart {label} ({formula})")
                for area in areas(formula):
                    watch.note(area, what)
        elif name.startswith("xl/pivotCache/pivotCacheDefinition"):
            for attrs in _PIVOT_SOURCE.findall(_text(src, name)):
                found = {k: html.unescape(v) for k, v in _ATTR.findall(attrs)}
                if "ref" not in found or "sheet" not in found:
                    continue  # a source named by a defined name or a Table
                where = f"{quoted(found['sheet'])}!{found['ref']}"
                what = (f"数据透视表的数据源（{where}）", f"a pivot table's source ({where})")
                for area in areas(found["ref"]):
                    watch.note(Area(found["sheet"], *_corners(area)), what)
        elif name.startswith("xl/tables/") and name.endswith(".xml"):
            for _, formula in _TABLE_F.findall(_text(src, name)):
                formula = html.unescape(formula)
                what = (f"表格列公式 ={formula}", f"the table column formula ={formula}")
                for area in areas(formula):
                    watch.note(area, what)
        elif name.startswith("xl/ctrlProps/"):
            for _, formula in _CONTROL_F.findall(_text(src, name)):
                formula = html.unescape(formula)
                what = (f"窗体控件链接（{formula}）", f"a form control's link ({formula})")
                for area in areas(formula):
                    watch.note(area, what)
    return furthest(reach, watch.reach)


def _corners(area: Area) -> tuple[int, int, int, int]:
    return area.first_col, area.first_row, area.last_col, area.last_row


def _text(src: zipfile.ZipFile, name: str) -> str:
    return src.read(name).decode("utf-8", errors="replace")
