"""Excel Tables (``xl/tables/tableN.xml``, ECMA-376 Part 1, 18.5): widened to take the
columns written to their right."""

from __future__ import annotations

import re
import zipfile
from xml.sax.saxutils import quoteattr

from openpyxl.utils import column_index_from_string, get_column_letter

from xl_crm.errors import NoRoomForColumnError
from xl_crm.xlsx.parts import rels
from xl_crm.xlsx.parts.xmltext import bump_count, insert_before_close

_REF = re.compile(r'<(\w+:)?table\b[^>]*\bref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')


def table_parts(src: zipfile.ZipFile, part: str) -> list[str]:
    """The table parts of worksheet ``part``."""
    name = rels.rels_part(part)
    if name not in src.namelist():
        return []
    found = rels.relationships(src.read(name).decode("utf-8"), part)
    return [r.part for r in found if r.type.endswith("/table")]


def widened(
    src: zipfile.ZipFile, part: str, header_row: int, added: dict[int, str]
) -> tuple[str | None, bytes | None, dict[int, str]]:
    """Widen the Excel Table whose header is on ``header_row`` and ends just left of the
    new columns ``added`` (column index -> header) to take them in.

    Returns ``(table part, its new XML, column index -> header)``, the headers made unique
    among the Table's column names (``Name``, ``Name2``...: a Table's header cells must
    equal its column names); ``(None, None, added)`` when no Table takes the columns.
    Raises WorkbookError for a Table with a totals row (the new column would have none)."""
    for table_part in table_parts(src, part):
        xml = src.read(table_part).decode("utf-8")
        m = _REF.search(xml)
        if not m or int(m.group(3)) != header_row:
            continue
        prefix = m.group(1) or ""
        last = column_index_from_string(m.group(4))
        first = column_index_from_string(m.group(2))
        new = sorted(set(added) - set(range(first, last + 1)))
        if not new or new != list(range(last + 1, last + 1 + len(new))):
            continue  # not this table: another on the header row may take them
        if re.search(r'totalsRowCount="[1-9]', xml):
            raise NoRoomForColumnError(
                ("不能给带汇总行的表格添加列", "cannot add a column to a table with a totals row"),
                hint=(
                    "关闭汇总行（表设计 > 汇总行），再运行一次，然后重新打开",
                    "turn the totals row off (Table Design > Total Row), run again, turn it on",
                ),
            )
        old_ref = f"{m.group(2)}{m.group(3)}:{m.group(4)}{m.group(5)}"
        new_ref = f"{m.group(2)}{m.group(3)}:{get_column_letter(new[-1])}{m.group(5)}"
        xml = xml.replace(f'ref="{old_ref}"', f'ref="{new_ref}"')
        names = set(re.findall(r'<(?:\w+:)?tableColumn\b[^>]*\bname="([^"]*)"', xml))
        ids = [int(i) for i in re.findall(r'<(?:\w+:)?tableColumn\b[^>]*\bid="(\d+)"', xml)]
        next_id = max(ids, default=0) + 1
        headers = dict(added)
        entries = []
        for col in new:
            candidate, n = added[col], 2
            while candidate in names:
                candidate, n = f"{added[col]}{n}", n + 1
            names.add(candidate)
            headers[col] = candidate
            entries.append(f'<{prefix}tableColumn id="{next_id}" name={quoteattr(candidate)}/>')
            next_id += 1
        xml = bump_count(xml, "tableColumns", len(new))
        xml = insert_before_close(xml, "tableColumns", "".join(entries), last=False)
        return table_part, xml.encode("utf-8"), headers
    return None, None, added
