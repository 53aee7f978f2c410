"""The first rows of a worksheet, read without parsing the whole sheet.

Finding the header row must not cost a second pass over a million-row sheet: for .xlsx
and .xlsm the worksheet XML is streamed only until the first rows are complete, and the
shared strings are streamed only as far as the highest index those rows use (Excel
writes shared strings in order of first use, so headers come early).
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import XMLPullParser

from openpyxl.utils import column_index_from_string

from xl_crm.xlsx.package import sheet_parts
from xl_crm.xlsx.sheetpatch.stream import ROW, SheetSplitter, inflated_blocks, row_number

_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*/>")

_LOCAL = re.compile(r"^\{[^}]*\}")


def _local(tag: str) -> str:
    return _LOCAL.sub("", tag)


def peek_xlsx(path: Path, sheet: str, rows: int = 20) -> list[list[object]]:
    """Values of the first ``rows`` rows of ``sheet`` (text, numbers, booleans; None)."""
    with zipfile.ZipFile(path) as z:
        part = sheet_parts(path)[sheet]
        raw_rows = _first_rows(z, part, rows)
        needed = {int(v) for row in raw_rows for (_, kind, v) in row if kind == "s" and v.isdigit()}
        strings = _shared_strings(z, max(needed)) if needed else []
    out: list[list[object]] = []
    for row in raw_rows:
        values: list[object] = []
        for col, kind, v in row:
            while len(values) < col:
                values.append(None)
            values.append(_value(kind, v, strings))
        out.append(values)
    return out


def _value(kind: str, v: str, strings: list[str]) -> object:
    if kind == "s":
        i = int(v) if v.isdigit() else -1
        return strings[i] if 0 <= i < len(strings) else None
    if kind in ("inlineStr", "str"):
        return v
    if kind == "b":
        return v == "1"
    if v == "":
        return None
    try:
        number = float(v)
    except ValueError:
        return v
    return int(number) if number.is_integer() else number


def _first_rows(z: zipfile.ZipFile, part: str, limit: int) -> list[list[tuple[int, str, str]]]:
    parser = XMLPullParser(events=("start", "end"))
    rows: list[list[tuple[int, str, str]]] = []
    current: list[tuple[int, str, str]] | None = None
    next_row = 1
    cell_ref: str | None = None
    cell_kind = "n"
    text_parts: list[str] = []
    col_counter = 0
    with z.open(part) as fh:
        while len(rows) < limit:
            block = fh.read(1 << 16)
            if not block:
                break
            parser.feed(block)
            for event, elem in parser.read_events():
                tag = _local(elem.tag)
                if event == "start" and tag == "row":
                    r = elem.get("r")
                    number = int(r) if r and r.isdigit() else next_row
                    while len(rows) < min(number - 1, limit):
                        rows.append([])  # rows left out of the XML are empty
                    current, col_counter, next_row = [], 0, number + 1
                elif event == "start" and tag == "c":
                    cell_ref, cell_kind, text_parts = elem.get("r"), elem.get("t", "n"), []
                elif event == "end" and tag in ("v", "t") and current is not None:
                    text_parts.append(elem.text or "")
                elif event == "end" and tag == "c" and current is not None:
                    if cell_ref:
                        letters = re.match(r"[A-Z]+", cell_ref)
                        col = column_index_from_string(letters.group(0)) - 1 if letters else 0
                    else:
                        col = col_counter
                    col_counter = col + 1
                    current.append((col, cell_kind, "".join(text_parts)))
                elif event == "end" and tag == "row" and current is not None:
                    if len(rows) < limit:
                        rows.append(current)
                    current = None
                elif event == "end" and tag == "sheetData":
                    return rows
                if event == "end" and tag in ("row", "c"):
                    elem.clear()
    return rows


def _shared_strings(z: zipfile.ZipFile, highest: int) -> list[str]:
    try:
        fh = z.open("xl/sharedStrings.xml")
    except KeyError:
        return []
    parser = XMLPullParser(events=("start", "end"))
    strings: list[str] = []
    parts: list[str] = []
    in_phonetic = False
    with fh:
        while len(strings) <= highest:
            block = fh.read(1 << 16)
            if not block:
                break
            parser.feed(block)
            for event, elem in parser.read_events():
                tag = _local(elem.tag)
                if tag == "rPh":  # phonetic guides are not part of the text
                    in_phonetic = event == "start"
                elif event == "start" and tag == "si":
                    parts = []
                elif event == "end" and tag == "t" and not in_phonetic:
                    parts.append(elem.text or "")
                elif event == "end" and tag == "si":
                    strings.append("".join(parts))
                    elem.clear()
    return strings


def grid_values(values: list[list[Any]]) -> list[list[Any]]:
    """Rows of cell values as calamine reads them, the way :meth:`xl_crm.book.Book.rows`
    hands them over: an empty cell (``""``) is None, and a row ends at its last cell with
    a value (calamine pads every row to the widest; the first rows alone may be
    narrower)."""
    out = []
    for row in values:
        cells = [None if v == "" else v for v in row]
        while cells and cells[-1] is None:
            cells.pop()
        out.append(cells)
    return out


def leading_rows(path: Path, sheet: str, limit: int) -> list[list[Any]]:
    """The first ``limit`` rows of ``sheet`` read by calamine, as :func:`grid_values`,
    without parsing the rest of the sheet: calamine reads a copy of the package cut after
    those rows (and after the first row below them that holds a value, so empty rows in
    between count as they do in the whole sheet), with the shared strings those rows use.
    Every cell gets the type a read of the whole sheet gives it (dates by their number
    format, numbers as floats)."""
    from python_calamine import CalamineWorkbook

    with zipfile.ZipFile(path) as z:
        part = sheet_parts(path)[sheet]
        sheet_xml, highest = _cut_sheet(z, part, limit)
        if sheet_xml is None:
            return []
        names = set(z.namelist())
        cut = io.BytesIO()
        with zipfile.ZipFile(cut, "w", zipfile.ZIP_STORED) as out:
            for name in _PACKAGE_PARTS:
                if name in names:
                    out.writestr(name, z.read(name))
            out.writestr(part, sheet_xml)
            if "xl/sharedStrings.xml" in names and highest >= 0:
                out.writestr("xl/sharedStrings.xml", _cut_strings(z, highest))
    book = CalamineWorkbook.from_filelike(io.BytesIO(cut.getvalue()))
    values = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    return grid_values(values)[:limit]


#: what calamine needs besides the sheet: the package's and workbook's parts, the styles
_PACKAGE_PARTS = (
    "[Content_Types].xml",
    "_rels/.rels",
    "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels",
    "xl/styles.xml",
)
_VALUE = re.compile(r"<(?:\w+:)?(?:v|t)\b[^>]*>[^<]")
_STRING_INDEX = re.compile(r'<(?:\w+:)?c\b[^>]*\bt="s"[^>]*>\s*<(?:\w+:)?v>(\d+)<')


def _cut_sheet(z: zipfile.ZipFile, part: str, limit: int) -> tuple[bytes | None, int]:
    """The sheet XML cut after its first ``limit`` rows (and the first row below them with
    a value), and the highest shared string index those rows use (-1: none); None when
    the sheet has no rows."""
    splitter = SheetSplitter(inflated_blocks(z.open(part), 1 << 16))
    head: list[bytes] = []
    kept: list[str] = []
    highest = -1
    number = 0
    for kind, data in splitter:
        if kind in ("head", "open"):
            head.append(_DIMENSION.sub(b"", data) if kind == "head" else data)
            if splitter.empty:
                return None, -1
            continue
        if kind != "rows":
            break
        done = False
        for m in ROW.finditer(data.decode("utf-8")):
            row = m.group(0)
            number = row_number(row, number)
            below = number > limit
            if below and not _VALUE.search(row):
                continue
            kept.append(row)
            highest = max([highest, *(int(i) for i in _STRING_INDEX.findall(row))])
            if below:
                done = True
                break
        if done:
            break
    p = splitter.prefix
    tail = f"</{p}sheetData></{p}worksheet>"
    return b"".join(head) + "".join(kept).encode("utf-8") + tail.encode(), highest


def _cut_strings(z: zipfile.ZipFile, highest: int) -> bytes:
    """``xl/sharedStrings.xml`` cut after string ``highest`` (0-based), its root closed."""
    kept = bytearray()
    count = 0
    counted = 0  # where the last string counted ends
    ends = re.compile(rb"</((?:\w+:)?)si>")
    with z.open("xl/sharedStrings.xml") as fh:
        while block := fh.read(1 << 16):
            kept += block
            for m in ends.finditer(kept, counted):
                count += 1
                counted = m.end()
                if count > highest:
                    root = re.search(rb"<((?:\w+:)?)sst\b", kept)
                    prefix = root.group(1) if root else b""
                    return bytes(kept[: m.end()]) + b"</" + prefix + b"sst>"
    return bytes(kept)


_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_REF = re.compile(rb'\br="([A-Z]+[0-9]+)"')
_HAS_F = re.compile(rb"<(?:\w+:)?f\b")
_HAS_V = re.compile(rb"<(?:\w+:)?v\b[^>]*>[^<]")


def uncached_formulas(path: Path, sheet: str) -> set[str]:
    """A1 references of the cells of ``sheet`` that hold a formula but no saved result.

    Programs that write .xlsx without calculating (openpyxl, many exporters) leave a
    formula's ``<v>`` out; Excel computes it when the file is opened, but readers see an
    empty cell.  The sheet XML is streamed; blocks without a formula cost one search."""
    found: set[str] = set()
    with zipfile.ZipFile(path) as z:
        part = sheet_parts(path)[sheet]
        with z.open(part) as fh:
            tail = b""
            while True:
                block = fh.read(1 << 22)
                data = tail + block
                if not block:
                    cut = len(data)
                else:
                    cut = data.rfind(b"</row>")
                    if cut < 0:
                        tail = data
                        continue
                    cut += len(b"</row>")
                chunk, tail = data[:cut], data[cut:]
                if any(tag in chunk for tag in (b"<f>", b"<f ", b":f>", b":f ")):
                    for m in _CELL.finditer(chunk):
                        inner = m.group(2) or b""
                        if _HAS_F.search(inner) and not _HAS_V.search(inner):
                            ref = _REF.search(m.group(1))
                            if ref:
                                found.add(ref.group(1).decode())
                if not block:
                    break
    return found


_ODS_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_ODS_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_ODS_CALCEXT = "{urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0}"
_CELL_TAGS = (_ODS_TABLE + "table-cell", _ODS_TABLE + "covered-table-cell")


def ods_errors(path: Path, sheet: str) -> dict[str, str]:
    """A1 reference -> Excel error text (``#N/A``) of the formula cells of an .ods sheet
    whose result is an error (LibreOffice marks them ``calcext:value-type="error"``;
    calamine reads them as empty).  Streams content.xml, counting repeated rows and
    columns (ODF 1.2 Part 1, §9.1.3 and §9.1.4)."""
    from xml.etree.ElementTree import iterparse

    from openpyxl.utils import get_column_letter

    found: dict[str, str] = {}
    inside = False
    row = 0
    col = 0
    with zipfile.ZipFile(path) as z, z.open("content.xml") as fh:
        for event, elem in iterparse(fh, events=("start", "end")):
            tag = elem.tag
            if tag == _ODS_TABLE + "table":
                if event == "start":
                    inside, row = elem.get(_ODS_TABLE + "name") == sheet, 0
                elif inside:
                    break
                continue
            if not inside:
                if event == "end":
                    elem.clear()
                continue
            if tag == _ODS_TABLE + "table-row" and event == "start":
                col = 0
            elif tag == _ODS_TABLE + "table-row" and event == "end":
                row += int(elem.get(_ODS_TABLE + "number-rows-repeated", "1"))
                elem.clear()
            elif event == "end" and tag in _CELL_TAGS:
                if elem.get(_ODS_CALCEXT + "value-type") == "error":
                    text = "".join(elem.itertext()).strip() or "#VALUE!"
                    found[f"{get_column_letter(col + 1)}{row + 1}"] = text
                col += int(elem.get(_ODS_TABLE + "number-columns-repeated", "1"))
    return found
