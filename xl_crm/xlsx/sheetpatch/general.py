"""The general path: rows patched one by one, in any valid SpreadsheetML form.

Cells and rows without ``r``, formula cells (shared and array formulas are checked), rows
to be created, any attribute order or namespace prefix.  It writes the same bytes as the
fast path for the rows both can take.
"""

from __future__ import annotations

import functools
import re

from openpyxl.utils import column_index_from_string, get_column_letter

from xl_crm.errors import NoRoomForColumnError
from xl_crm.xlsx.sheetpatch.rowplan import RowPlan
from xl_crm.xlsx.sheetpatch.stream import ATTR_S, CELL, ROW, ROW_START

_ATTR_R = re.compile(r'\br="([A-Z]+)?(\d+)?"')
_SPANS = re.compile(r'\s+spans="[^"]*"')
_col_index = functools.lru_cache(maxsize=None)(column_index_from_string)


def patch_general(rows: bytes, plan: RowPlan) -> bytes:
    """A block of whole rows, patched row by row (any valid SpreadsheetML)."""
    text = rows.decode("utf-8")
    out: list[str] = []
    pos = 0
    next_auto_row = plan.next_auto_row
    for m in ROW.finditer(text):
        if m.start() != pos:
            out.append(text[pos : m.start()])
        row_xml = m.group(0)
        start = ROW_START.match(row_xml)
        r_attr = re.search(r'\br="(\d+)"', start.group(2)) if start else None
        number = int(r_attr.group(1)) if r_attr else next_auto_row
        next_auto_row = number + 1
        prefix = (start.group(1) or "") if start else ""
        new = plan.pending_before(number)
        if new:
            out.append(new_rows(new, plan, prefix))
        if plan.take(number):
            out.append(patch_row(row_xml, number, plan, start, r_attr is None))
        else:
            if 't="array"' in row_xml:
                for cell in CELL.finditer(row_xml):
                    plan.note_array(cell.group(0))
            out.append(row_xml)
        pos = m.end()
    out.append(text[pos:])
    plan.next_auto_row = next_auto_row
    return "".join(out).encode("utf-8")


def new_rows(rows: list[int], plan: RowPlan, prefix: str) -> str:
    """Rows that the sheet does not have yet, in order."""
    out = []
    for number in rows:
        cells = []
        for col in plan.targets:
            present, value = plan.value_for(col, number)
            if present:
                style = plan.style(col, number, None, False)
                cells.append(plan.cell(prefix, col, number, value, style))
        if any(cells):
            plan.rows_changed += 1
            out.append(f'<{prefix}row r="{number}">{"".join(cells)}</{prefix}row>')
    return "".join(out)


def patch_row(
    row_xml: str, number: int, plan: RowPlan, start: re.Match | None, missing_r: bool
) -> str:
    """One row with the plan's cells written (cells with or without ``r``, in any form)."""
    prefix = (start.group(1) or "") if start else ""
    attrs = start.group(2) if start else ""
    if start and start.group(3) == "/":
        body = ""
    else:
        body = row_xml[start.end() : row_xml.rfind("<")] if start else row_xml
    cells: list[tuple[int, str]] = []
    col = 0
    after = 0  # where the last cell ends: what follows (a row's extLst) is kept
    for m in CELL.finditer(body):
        after = m.end()
        cell = m.group(0)
        ref = _ATTR_R.search(cell[: cell.find(">") + 1])
        if ref and ref.group(1):
            col = _col_index(ref.group(1))
        else:  # position implied by order: make it explicit, new cells may sit between
            col += 1
            cell = re.sub(
                r"^<((?:\w+:)?c)\b", rf'<\1 r="{get_column_letter(col)}{number}"', cell, count=1
            )
        cells.append((col, cell))
    existing = dict(cells)
    for _, cell in cells:
        if 't="array"' in cell:
            plan.note_array(cell)
    changed = False
    for target_col in plan.targets:
        present, value = plan.value_for(target_col, number)
        if not present:
            continue
        if plan.array_ranges:
            plan.check_array(target_col, number)
        old = existing.get(target_col)
        style = None
        if (
            old is not None
            and plan.targets[target_col][0] is not None
            and number != plan.header_row
        ) and re.search(r"<(?:\w+:)?(v|is)\b", old):
            letter = plan.letters[target_col]
            raise NoRoomForColumnError(
                (
                    f"{letter} 列有数据（单元格 {letter}{number}）但没有表头：新列 "
                    f"{plan.targets[target_col][0]!r} 会覆盖它",
                    f"column {letter} has data (cell {letter}{number}) but no header: the new "
                    f"column {plan.targets[target_col][0]!r} would overwrite it",
                ),
                cell=f"{letter}{number}",
                hint=(
                    "给该列加上表头，或移走其数据",
                    "give that column a header, or move its data",
                ),
            )
        if old is not None:
            sm = ATTR_S.search(old[: old.find(">") + 1])
            style = sm.group(1) if sm else None
            if re.search(r"<(?:\w+:)?f\b", old):
                plan.formula_overwritten(old, plan.letters[target_col], number)
        style = plan.style(target_col, number, style, old is not None)
        existing[target_col] = plan.cell(prefix, target_col, number, value, style)
        changed = True
    if not changed:
        return row_xml
    plan.rows_changed += 1
    if missing_r:
        attrs = f' r="{number}"' + attrs
    attrs = _SPANS.sub("", attrs)
    ordered = "".join(existing[c] for c in sorted(existing))
    trailing = body[after:] if body[after:].strip() else ""
    return f"<{prefix}row{attrs}>{ordered}{trailing}</{prefix}row>"
