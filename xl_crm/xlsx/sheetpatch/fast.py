"""The fast path: a block of rows in the usual form patched column-wise.

For rows as Excel, LibreOffice, openpyxl and XlsxWriter write them (every row and cell
starting with its ``r`` attribute, cells in column order, no whitespace between cells), with
no formula in a cell being overwritten and no row to create inside the block: one regular
expression splits the whole block into, per row, the cells before each run of adjacent
target columns, the target cells and the rest; each row is rebuilt by one bytes %-format
of those pieces and the new values, which are formatted column-wise from the column's
arrays (about 4 us a row in all).  Anything else is left to :mod:`.general` (``None``).
"""

from __future__ import annotations

import functools
import re

import numpy as np
from openpyxl.utils import column_index_from_string

from xl_crm.xlsx.sheetpatch.rowplan import RowPlan

_ATTR_S_B = re.compile(rb'\bs="(\d+)"')
_SPANS_B = re.compile(rb'(<(?:\w+:)?row\b[^>]*?)\s+spans="[^"]*"')  # in row tags only
_ABSENT = object()


def nothing_to_write(rows: bytes, plan: RowPlan, prefix: str) -> bool:
    """Whether no row of the block gets anything (rows below the data): then it passes
    through as it is.  (Checked cheapest first: most blocks do get something.)"""
    if plan.header_pending:
        return False
    at = rows.rfind(f'<{prefix}row r="'.encode())
    if at < 0:
        return False
    m = re.match(rb'<(?:\w+:)?row r="(\d+)"', rows[at : at + 40])
    if m is None:
        return False
    last = int(m.group(1))
    if plan.next < len(plan.rows) and plan.rows[plan.next] <= last:
        return False
    if b't="array"' in rows:  # array formulas are noted on the way
        return False
    tags = rows.count(f"<{prefix}row ".encode()) + rows.count(f"<{prefix}row>".encode())
    if tags != rows.count(f'<{prefix}row r="'.encode()):
        return False  # rows without r: their numbers are counted the general way
    plan.next_auto_row = last + 1
    return True


def patch_fast(rows: bytes, plan: RowPlan, prefix: str) -> bytes | None:
    """The block patched column-wise, or None when the general path must do it."""
    parts = block_pattern(tuple(plan.letters.values()), prefix).split(rows)
    runs = column_runs(tuple(plan.targets))
    stride = 3 + len(runs) + 2 * len(plan.targets) + 1
    n, extra = divmod(len(parts) - 1, stride)
    # a row the pattern does not take (no r, cells without r or out of order, ...) is left
    # between the rows it takes: the general path must do the block
    if extra or n == 0 or b"".join(parts[0::stride]).strip():
        return None
    nums = np.array(parts[2::stride], dtype=np.int64)
    lo = int(np.searchsorted(plan.rows, nums[0]))
    hi = int(np.searchsorted(plan.rows, nums[-1], side="right"))
    if plan.header_pending or plan.next != lo or hi - lo != n:
        return None  # a row to create, a row not written, or rows out of order
    if not np.array_equal(plan.rows[lo:hi], nums):
        return None  # a row to create, a row not written, or rows out of order
    if b't="array"' in rows or (plan.array_ranges and plan.arrays_touch(nums[0], nums[-1])):
        return None  # array formulas are checked the general way
    formula = f"<{prefix}f".encode()
    numbers = nums.tolist()
    # each row is rebuilt by one %-format: what was between the rows, its start tag, then
    # per run the cells before it and the run's new cells, then the rest of the row
    pieces = [b"%s%s"]
    args: list[list] = [parts[0:-1:stride], _without_spans(parts[1::stride])]
    slot = 3
    for run in runs:
        pieces.append(b"%s")
        args.append(parts[slot::stride])
        slot += 1
        for col in run:
            old, attrs = parts[slot::stride], parts[slot + 1 :: stride]
            if attrs.count(None) != n:
                existing = b"".join(old)
                if formula in existing:
                    return None  # formulas are checked the general way
                if plan.targets[col][0] is not None and (b"<v" in existing or b"<is" in existing):
                    return None  # data under no header: refused the general way
            styles = _styles(attrs, plan, col, int(nums[0]))
            cells = _column_cells(plan, col, prefix, nums, numbers, styles, old)
            if isinstance(cells, tuple):
                pieces.append(cells[0])
                args += cells[1]
            else:
                pieces.append(b"%s")
                args.append(cells)
            slot += 2
    pieces.append(b"%s")
    args.append(parts[slot::stride])
    template = b"".join(pieces)
    out = b"".join(map(template.__mod__, zip(*args, strict=True))) + parts[-1]
    plan.next = hi
    plan.rows_changed += n
    plan.next_auto_row = int(nums[-1]) + 1
    return out


def _without_spans(tags: list[bytes]) -> list[bytes]:
    """The rows' start tags without ``spans`` (the rows get new cells; spans is only a
    hint): one search and one substitution over the tags joined, not the whole block."""
    joined = b"\x00".join(tags)
    if b' spans="' not in joined:
        return tags
    return _SPANS_B.sub(rb"\1", joined).split(b"\x00")


def _styles(
    attrs: list[bytes | None], plan: RowPlan, col: int, row: int
) -> str | list[str | None] | None:
    """The style of each new cell (see RowPlan.style), from the old cell's attributes (None:
    no old cell); one value when it is the same for every row."""
    by_attrs = {}
    for a in set(attrs):
        m = _ATTR_S_B.search(a) if a is not None else None
        old = m.group(1).decode("ascii") if m else None
        by_attrs[a] = plan.style(col, row, old, a is not None)
    if len(set(by_attrs.values())) == 1:
        return next(iter(by_attrs.values()))
    return [by_attrs[a] for a in attrs]


def _column_cells(
    plan: RowPlan,
    col: int,
    prefix: str,
    nums: np.ndarray,
    numbers: list[int],
    styles: str | list[str | None] | None,
    old: list[bytes],
) -> tuple[bytes, list] | list[bytes]:
    """One column's new cells for a block: a %-template with its argument lists (the fast
    form: no Python work per cell), or the cells themselves as a list of bytes."""
    values = plan.targets[col][1]
    letter = plan.letters[col]
    pos, hit = values.positions(nums)
    if hit.all() and not isinstance(styles, list):
        s = f' s="{styles}"' if styles else ""
        head = f'<{prefix}c r="{letter}%d"{s}'.encode()
        piece, args, missing = values.template(pos, prefix, nums)
        if missing is None:
            return head + piece, [numbers, *args]
        # some values missing: an empty cell keeps its style (<c r="E5" s="3"/>), so the
        # cells differ only after the style; without a style an empty cell goes
        full = np.flatnonzero(~missing)
        ends = piece == b"%s" and len(args) == 1
        made = args[0] if ends else list(map(piece.__mod__, zip(*args, strict=True)))
        if styles:
            tails = np.full(len(numbers), b"/>", dtype=object)
            tails[full] = made
            return head + b"%s", [numbers, tails.tolist()]
        cells = np.full(len(numbers), b"", dtype=object)
        rows = zip(nums[full].tolist(), made, strict=True)
        cells[full] = list(map((head + b"%s").__mod__, rows))
        return cells.tolist()
    frags = [_ABSENT] * len(numbers)
    idx = np.flatnonzero(hit)
    if len(idx):
        for i, frag in zip(
            idx.tolist(), values.fragments(pos[idx], prefix, nums[idx]), strict=True
        ):
            frags[i] = frag
    return _cells(prefix, letter, [str(x) for x in numbers], frags, styles, old)


def _cells(
    prefix: str,
    letter: str,
    nums: list[str],
    frags: list,
    styles: str | list[str | None] | None,
    old: list[bytes],
) -> list[bytes]:
    """The new cells of one column for each row of a block, as bytes (any values)."""
    start = f'<{prefix}c r="{letter}'
    per_row = styles if isinstance(styles, list) else [styles] * len(nums)
    out = []
    for num, frag, style, before in zip(nums, frags, per_row, old, strict=True):
        if frag is _ABSENT:
            out.append(before.decode("utf-8"))
            continue
        s = f' s="{style}"' if style else ""
        if frag is None:
            out.append(f'{start}{num}"{s}/>' if style else "")
        else:
            out.append(f'{start}{num}"{s}{frag}')
    return "\x00".join(out).encode("utf-8").split(b"\x00")


def _letters_below(letters: str) -> str:
    """A pattern for the column letters that come before ``letters`` (A < Z < AA)."""
    m = len(letters)
    alternatives = [f"[A-Z]{{1,{m - 1}}}"] if m > 1 else []
    for i, ch in enumerate(letters):
        if ch > "A":
            rest = m - i - 1
            alternatives.append(
                letters[:i] + f"[A-{chr(ord(ch) - 1)}]" + (f"[A-Z]{{{rest}}}" if rest else "")
            )
    return "(?:" + "|".join(alternatives) + ")" if alternatives else "(?!)"


def column_runs(columns: tuple[int, ...]) -> list[list[int]]:
    """The target columns (ascending indexes) in runs of adjacent columns (E F, H I J K)."""
    runs: list[list[int]] = []
    for col in columns:
        if runs and runs[-1][-1] == col - 1:
            runs[-1].append(col)
        else:
            runs.append([col])
    return runs


@functools.lru_cache(maxsize=64)
def block_pattern(letters: tuple[str, ...], prefix: str) -> re.Pattern[bytes]:
    """Splits a block of rows into, per row: the row's start tag, its number, then for
    each run of adjacent target columns (``letters``, in column order) the cells before the
    run and, for each column of the run, its cell (empty if absent) and that cell's
    attributes; then the rest of the row with its end tag.  Cells are taken whole
    (possessive, no backtracking); the usual contents (a value, an inline string) are
    matched literally, anything else tag by tag.  Whitespace between cells is left to the
    general path."""
    p = re.escape(prefix)
    content = (
        rf"(?:(?<=/)>|>(?:<{p}v>[^<]*+</{p}v>|<{p}is><{p}t[^>]*+>[^<]*+</{p}t></{p}is>"
        rf"|(?:[^<]*+<(?!/{p}c>))*+[^<]*+)</{p}c>)"
    )

    def cells(pattern: str) -> str:
        return rf'(?:<{p}c r="{pattern}\d+"[^>]*+{content})*+'

    by_index = {column_index_from_string(x): x for x in letters}
    pattern = rf'(<{p}row r="(\d+)"[^>]*+>)'
    for run in column_runs(tuple(by_index)):
        pattern += f"({cells(_letters_below(by_index[run[0]]))})"
        for col in run:
            pattern += rf'((?:<{p}c r="{by_index[col]}\d+"([^>]*+){content})?+)'
    pattern += rf"({cells('[A-Z]{1,3}')}</{p}row>)"
    return re.compile(pattern.encode())
