"""The worksheet XML as a stream of pieces: its head, blocks of whole rows, its tail.

Both in-place writers (columns and marks) read a sheet through :class:`SheetSplitter`: the
part is inflated ``block_size`` bytes at a time and cut after the last complete row, so a
sheet of a million rows is never held in memory, and every block handed on holds whole
``<row>`` elements.  A text cannot hold ``<``, so ``</row>`` (with the sheet's namespace
prefix) found from the end of a buffer always ends a row.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from openpyxl.utils import column_index_from_string

from xl_crm.errors import DamagedWorkbookError, InvalidOptionError

#: bytes of sheet XML inflated at a time (4 MiB: see docs/performance.md)
BLOCK_SIZE = 1 << 22
#: a whole ``<row>`` element, any prefix
ROW = re.compile(r"<(?P<p>(?:\w+:)?)row\b[^>]*?(?:/>|>.*?</(?P=p)row>)", re.S)
#: a row's start tag: (prefix, attributes, "/" when empty)
ROW_START = re.compile(r"<(\w+:)?row\b([^>]*?)(/?)>")
#: a row start tag with its ``r``: (row number)
ROW_NUMBER = re.compile(r'<(?:\w+:)?row\b[^>]*?\br="(\d+)"')
#: a whole ``<c>`` element, any prefix
CELL = re.compile(r"<(?:\w+:)?c\b[^>]*?(?:/>|>.*?</(?:\w+:)?c>)", re.S)
#: a cell's style attribute: (style index)
ATTR_S = re.compile(r'\bs="(\d+)"')
SHEET_XML_CUT = (
    "工作表 XML 在 </sheetData> 之前就结束了：文件已损坏",
    "the worksheet XML ended before </sheetData>: the file is damaged",
)
_SHEET_DATA = re.compile(rb"<(\w+:)?sheetData\b[^>]*?(/?)>")
_SHEET_DATA_END = re.compile(rb"</(?:\w+:)?sheetData>")


def inflated_blocks(fh: BinaryIO, block_size: int = BLOCK_SIZE) -> Iterator[bytes]:
    """The member ``fh`` read ``block_size`` bytes at a time."""
    if block_size < 1:
        raise InvalidOptionError(
            (f"block_size 必须是正的字节数，不是 {block_size}",
             f"block_size must be a positive number of bytes, not {block_size}"),
        )  # fmt: skip
    while block := fh.read(block_size):
        yield block


class SheetSplitter:
    """Iterate over a worksheet's XML as ``(kind, bytes)`` pieces, in order:

    - ``("head", ...)``: everything before ``<sheetData>``;
    - ``("open", ...)``: the ``<sheetData>`` start tag (``<sheetData/>`` when the sheet has
      no rows: :attr:`empty` is then True and no ``rows`` follow);
    - ``("rows", ...)``: whole rows (and what lies between them), one piece a block;
    - ``("tail", ...)``: from ``</sheetData>`` (or after ``<sheetData/>``) to the end, in
      one or more pieces.

    :attr:`prefix` is the sheet's namespace prefix (``""`` or ``"x:"``), known from the
    ``open`` piece on.  Raises WorkbookError when the XML ends before ``</sheetData>``."""

    def __init__(self, blocks: Iterable[bytes]) -> None:
        self.blocks = blocks
        self.prefix = ""
        self.empty = False

    def __iter__(self) -> Iterator[tuple[str, bytes]]:
        buffer = b""
        state = "head"
        end_row = b"</row>"
        for block in self.blocks:
            buffer += block
            if state == "head":
                m = _SHEET_DATA.search(buffer)
                if not m:
                    continue
                self.prefix = (m.group(1) or b"").decode("ascii")
                end_row = f"</{self.prefix}row>".encode()
                self.empty = m.group(2) == b"/"
                yield "head", buffer[: m.start()]
                yield "open", buffer[m.start() : m.end()]
                buffer = buffer[m.end() :]
                state = "tail" if self.empty else "rows"
            if state == "rows":
                end = sheet_data_end(buffer)
                if end is not None:
                    rows, rest = buffer[: end.start()], buffer[end.start() :]
                else:
                    cut = buffer.rfind(end_row)
                    if cut < 0:
                        continue
                    cut += len(end_row)
                    rows, rest = buffer[:cut], buffer[cut:]
                if rows:
                    yield "rows", rows
                buffer = rest
                if end is not None:
                    state = "tail"
            if state == "tail" and buffer:
                yield "tail", buffer
                buffer = b""
        if state != "tail":
            raise DamagedWorkbookError(SHEET_XML_CUT)


def sheet_data_end(buffer: bytes) -> re.Match | None:
    """``</sheetData>`` in the buffer (found with bytes.find: a regex search over every
    block would cost more than the rest of the scan)."""
    at = buffer.find(b"sheetData>")
    while at >= 0:
        start = buffer.rfind(b"</", max(0, at - 40), at)
        m = _SHEET_DATA_END.match(buffer, start) if start >= 0 else None
        if m is not None and m.end() == at + len(b"sheetData>"):
            return m
        at = buffer.find(b"sheetData>", at + 1)
    return None


def column_styles(head: str, columns: Iterable[int]) -> dict[int, str]:
    """The default style (``<col style>``, in the sheet XML before ``<sheetData>``) of each of
    ``columns`` (1-based indexes) that has one."""
    out = {}
    for m in re.finditer(r"<(?:\w+:)?col\b([^>]*)>", head):
        attrs = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
        try:
            first, last = int(attrs["min"]), int(attrs["max"])
        except (KeyError, ValueError):
            continue
        style = attrs.get("style")
        if style and style != "0":
            out.update({col: style for col in columns if first <= col <= last})
    return out


def row_number(row_xml: str, last: int) -> int:
    """A row's number: its ``r``, or one after ``last`` (the row before) without one."""
    start = ROW_START.match(row_xml)
    rm = re.search(r'\br="(\d+)"', start.group(2)) if start else None
    return int(rm.group(1)) if rm else last + 1


def cell_column(cell_xml: str, last: int) -> int | None:
    """A cell's column (1-based) from its ``r``; None without one (it is then the column
    after ``last``, the cell before)."""
    ref = re.search(r'\br="([A-Z]+)\d*"', cell_xml[: cell_xml.find(">") + 1])
    return column_index_from_string(ref.group(1)) if ref else None


def cells_of(row_xml: str) -> list[tuple[int, str]]:
    """(column, cell XML) of a row's cells; a cell without ``r`` is the one after the
    last."""
    start = ROW_START.match(row_xml)
    if start is None or start.group(3) == "/":
        return []
    out = []
    col = 0
    for cell in CELL.finditer(row_xml, start.end()):
        text = cell.group(0)
        col = cell_column(text, col) or col + 1
        out.append((col, text))
    return out
