"""``xl/workbook.xml`` (ECMA-376 Part 1, 18.2): the date system, sheet ids, defined names
and the calculation settings; and ``xl/calcChain.xml``, Excel's order of formula cells."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from xml.sax.saxutils import quoteattr

from xl_crm.errors import DamagedWorkbookError
from xl_crm.xlsx.parts.rels import REL_NS
from xl_crm.xlsx.parts.xmltext import (
    attributes,
    insert_before_close,
    namespace_prefix,
    root_prefix,
    start_tags,
)

CALC_CHAIN = "xl/calcChain.xml"


def is_1904(xml: str) -> bool:
    """Whether the workbook counts dates from 1904 (``<workbookPr date1904="1"/>``)."""
    return bool(re.search(r'date1904="(1|true)"', xml))


def sheet_id(xml: str, sheet: str) -> str | None:
    """The ``sheetId`` of sheet ``sheet`` (names decoded: ``&amp;`` is ``&``)."""
    for tag in start_tags(xml, "sheet"):
        a = attributes(tag)
        if html.unescape(a.get("name", "")) == sheet:
            return a.get("sheetId")
    return None


def sheet_index(xml: str, sheet: str) -> int | None:
    """The 0-based position of ``sheet`` in ``<sheets>`` (a defined name's
    ``localSheetId``)."""
    for i, tag in enumerate(start_tags(xml, "sheet")):
        if html.unescape(attributes(tag).get("name", "")) == sheet:
            return i
    return None


def with_sheet(xml: str, sheet: str, rid: str) -> str:
    """``xml`` with sheet ``sheet`` listed last in ``<sheets>`` (the next ``sheetId``; its
    part is relationship ``rid``, with whatever prefix the workbook binds to relationships,
    declared on the element when none is)."""
    if not re.search(r"<(?:\w+:)?sheets\b", xml):
        raise DamagedWorkbookError(
            (
                "工作簿没有工作表列表：文件已损坏",
                "the workbook has no list of sheets: it is damaged",
            )
        )
    ids = [int(i) for i in re.findall(r"<(?:\w+:)?sheet\b[^>]*\bsheetId=\"(\d+)\"", xml)]
    rel_prefix = namespace_prefix(xml, REL_NS)
    if rel_prefix is None:  # no prefix bound to relationships: declare one on the element
        rid_attr = f'xmlns:xlcrmr="{REL_NS}" xlcrmr:id="{rid}"'
    else:
        rid_attr = f'{rel_prefix}:id="{rid}"'
    p = root_prefix(xml, "sheets")
    entry = f'<{p}sheet name={quoteattr(sheet)} sheetId="{max(ids, default=0) + 1}" {rid_attr}/>'
    return insert_before_close(xml, "sheets", entry)


@dataclass(frozen=True)
class DefinedName:
    """One ``<definedName>``: its name, the sheet it is local to (0-based, None: the
    workbook) and its formula text (entities decoded)."""

    name: str
    local_sheet: int | None
    formula: str


def defined_names(xml: str) -> list[DefinedName]:
    """The workbook's defined names (print areas are ``_xlnm.Print_Area``)."""
    out = []
    pattern = r"<(?:\w+:)?definedName\b([^>]*)>(.*?)</(?:\w+:)?definedName>"
    for attrs, text in re.findall(pattern, xml, re.S):
        a = attributes(attrs)
        local = a.get("localSheetId")
        out.append(
            DefinedName(
                html.unescape(a.get("name", "")),
                int(local) if local and local.isdigit() else None,
                html.unescape(text),
            )
        )
    return out


def with_full_calc_on_load(xml: str) -> str:
    """``xml`` whose ``<calcPr>`` asks Excel to recalculate every formula when it opens the
    workbook (``fullCalcOnLoad="1"``); a ``<calcPr>`` is added where it has none (after
    ``<definedNames>``/``<sheets>``, where ECMA-376's sequence puts it)."""
    calc = re.search(r"<(?:\w+:)?calcPr\b[^>]*?/?>", xml)
    if calc is not None:
        tag = calc.group(0)
        if re.search(r'\bfullCalcOnLoad="(1|true)"', tag):
            return xml
        tag = re.sub(r'\s+fullCalcOnLoad="[^"]*"', "", tag)
        end = len(tag) - (2 if tag.endswith("/>") else 1)
        tag = tag[:end] + ' fullCalcOnLoad="1"' + tag[end:]
        return xml[: calc.start()] + tag + xml[calc.end() :]
    p = root_prefix(xml, "workbook")
    element = f'<{p}calcPr fullCalcOnLoad="1"/>'
    after = None
    for tag in ("definedNames", "externalReferences", "sheets"):
        after = re.search(rf"</(?:\w+:)?{tag}>|<(?:\w+:)?{tag}\b[^>]*/>", xml)
        if after is not None:
            break
    if after is None:
        return xml
    return xml[: after.end()] + element + xml[after.end() :]


def chain_cells(chain_xml: str, sheet: str | None) -> list[tuple[str, int]]:
    """(column letters, row) of the formula cells calcChain.xml lists on the sheet with
    ``sheetId`` ``sheet`` (an entry without ``i`` is on the sheet of the one before)."""
    out = []
    current = None
    for cm in re.finditer(r"<(?:\w+:)?c\b([^>]*)/?>", chain_xml):
        attrs = cm.group(1)
        im = re.search(r'\bi="(\d+)"', attrs)
        if im:
            current = im.group(1)
        rm = re.search(r'\br="([A-Z]+)(\d+)"', attrs)
        if rm and current == sheet:
            out.append((rm.group(1), int(rm.group(2))))
    return out
