"""The column patcher: a worksheet's XML streamed through with the plan's columns written.

Each block of whole rows from :class:`~.stream.SheetSplitter` goes the fast way
(:mod:`.fast`) where it can and the general way (:mod:`.general`) otherwise; ``path``
chooses (``"auto"``; ``"fast"`` or ``"general"`` to force one, as the tests do to compare
them byte for byte: ``"fast"`` still leaves to the general path the blocks the fast one
cannot take, and says how many it took in ``plan.fast_blocks``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from openpyxl.utils import column_index_from_string, get_column_letter

from xl_crm.errors import InvalidOptionError
from xl_crm.xlsx.references import ReadsWatch
from xl_crm.xlsx.sheetpatch.fast import nothing_to_write, patch_fast
from xl_crm.xlsx.sheetpatch.general import new_rows, patch_general
from xl_crm.xlsx.sheetpatch.rowplan import RowPlan
from xl_crm.xlsx.sheetpatch.stream import SheetSplitter

PATHS = ("auto", "fast", "general")
_DIMENSION = re.compile(r'(<(?:\w+:)?dimension\b[^>]*\bref=")([^"]*)(")')


def patched(
    blocks: Iterator[bytes], plan: RowPlan, path: str = "auto", watch: ReadsWatch | None = None
) -> Iterator[bytes]:
    """The sheet XML (``blocks`` of its inflated bytes) with the plan's cells written,
    block by block; ``plan.report()`` is called after each block of rows.  ``watch`` (if
    any) is shown the blocks of rows with formulas and the tail, to learn what the sheet's
    formulas and rules read on the way (no second pass over the sheet)."""
    check_patch_path(path)
    splitter = SheetSplitter(blocks)
    rows_done = False
    for kind, data in splitter:
        prefix = splitter.prefix
        if kind == "head":
            head = _widen_dimension(data, plan)
            plan.read_head(head.decode("utf-8"))
            yield head
        elif kind == "open" and splitter.empty:  # <sheetData/>: no rows at all
            yield f"<{prefix}sheetData>".encode()
        elif kind == "open":
            yield data
        elif kind == "rows":
            # one search a block (a formula with its text ends in </f>; the copies of a
            # shared formula come after their master): 3 ms for 4 MiB
            if f"</{prefix}f>".encode() in data:
                plan.formulas_seen = True
                if watch is not None:
                    watch.rows(data, prefix)
            yield patch_block(data, plan, prefix, path)
            plan.report()
        else:
            if watch is not None:
                watch.tail(data)
            if not rows_done:
                rows_done = True
                yield new_rows(plan.rest(), plan, prefix).encode("utf-8")
                plan.report()
                if splitter.empty:
                    yield f"</{prefix}sheetData>".encode()
            yield data
    if not rows_done:  # the part ended right after <sheetData/>
        yield new_rows(plan.rest(), plan, splitter.prefix).encode("utf-8")
        plan.report()
        yield f"</{splitter.prefix}sheetData>".encode()


def check_patch_path(path: str) -> None:
    """Refuse a ``path`` that is not one of :data:`PATHS` (WorkbookError)."""
    if path not in PATHS:
        raise InvalidOptionError(
            (f"未知的写入方式 {path!r}", f"unknown patch path {path!r}"),
            hint=("使用 " + "、".join(PATHS), "use one of " + ", ".join(PATHS)),
        )


def patch_block(rows: bytes, plan: RowPlan, prefix: str, path: str = "auto") -> bytes:
    """A block of whole rows, patched (the fast path where it applies and ``path`` allows)."""
    header_end = 0
    if plan.header_pending:
        # the header row (and anything above it) goes the general way
        m = re.search(rf'<{re.escape(prefix)}row r="{plan.header_row}"'.encode(), rows)
        if m is None:
            return patch_general(rows, plan)
        header_end = rows.find(f"</{prefix}row>".encode(), m.end())
        if header_end < 0:
            return patch_general(rows, plan)
        header_end += len(prefix) + 6
    head = patch_general(rows[:header_end], plan) if header_end else b""
    body = rows[header_end:]
    if not body.strip():
        return head + body
    if nothing_to_write(body, plan, prefix):
        return head + body
    fast = patch_fast(body, plan, prefix) if path != "general" else None
    if fast is not None:
        plan.fast_blocks += 1
    return head + (fast if fast is not None else patch_general(body, plan))


def _widen_dimension(head: bytes, plan: RowPlan) -> bytes:
    def widen(m: re.Match) -> str:
        ref = m.group(2)
        parts = ref.split(":")
        first = parts[0]
        last = parts[-1]
        lm = re.match(r"([A-Z]+)(\d+)", last)
        if not lm:
            return m.group(0)
        col = max(column_index_from_string(lm.group(1)), plan.max_col)
        row = max(int(lm.group(2)), plan.last_row)
        return f"{m.group(1)}{first}:{get_column_letter(col)}{row}{m.group(3)}"

    return _DIMENSION.sub(widen, head.decode("utf-8"), count=1).encode("utf-8")
