"""The first rows of a worksheet, read without parsing the whole sheet.

Finding the header row must not cost a second pass over a million-row sheet: for .xlsx
and .xlsm the worksheet XML is streamed only until the first rows are complete, and the
shared strings are streamed only as far as the highest index those rows use (Excel
writes shared strings in order of first use, so headers come early).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.etree.ElementTree import XMLPullParser

from openpyxl.utils import column_index_from_string

from xl_crm.xlsx.package import sheet_parts

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
