"""Writing columns into a user's workbook in place, without losing anything in it.

Only the worksheet XML (and, when columns are added to an Excel Table, the table part) is
rewritten, as a stream; every other part of the package (charts, images, pivot tables, VBA,
comments, x14 validations, conditional formats, defined names, other sheets) is copied with
its exact compressed bytes.  ``styles.xml`` gains a date or money style when needed, a
stale ``calcChain.xml`` is dropped, and ``workbook.xml`` asks Excel to recalculate on open
when the sheet has formulas.  The new package is written to a temporary file beside the
original, fsynced and renamed over it (:class:`~xl_crm.xlsx.atomic.AtomicReplace`), so a
failure at any moment leaves the original as it was; a timestamped backup is kept and an
audit record is appended.

Text is always written as an inline string, never as a formula.  Where new columns go:
:mod:`xl_crm.xlsx.placement`; how rows are patched: :mod:`xl_crm.xlsx.sheetpatch`.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl.utils import column_index_from_string, get_column_letter

from xl_crm.errors import OverwriteRefusedError, SheetNotFoundError, WorkbookError
from xl_crm.xlsx.atomic import AtomicReplace, check_writable, sha256
from xl_crm.xlsx.crossrefs import ElsewhereScan
from xl_crm.xlsx.package import rewrite_member, sheet_parts
from xl_crm.xlsx.parts import contenttypes, rels, tables, workbook
from xl_crm.xlsx.parts.styles import StyleSheet, cell_xfs
from xl_crm.xlsx.placement import dimension_width, last_column_user, place_columns
from xl_crm.xlsx.references import Reach, ReadsWatch, furthest
from xl_crm.xlsx.sheetpatch import (
    BLOCK_SIZE,
    EPOCH_1900,
    EPOCH_1904,
    ColumnValues,
    RowPlan,
    WrittenOver,
    check_patch_path,
    inflated_blocks,
    patched,
)
from xl_crm.xlsx.valuestyles import ValueStyles
from xl_crm.xlsx.zipcopy import PackageRewriter

__all__ = ["COMPRESS_LEVEL", "AtomicReplace", "ColumnWrite", "WriteResult", "write_columns"]

#: deflate level of the rewritten sheet (zlib-ng; see docs/performance.md for the choice:
#: level 4 deflates a million customers in 3.1 s of CPU, level 6 in 6.2 s, for a part 3 %
#: larger; the standard zlib took 7.5 s at level 6)
COMPRESS_LEVEL = 4


@dataclass
class ColumnWrite:
    """Values for one column, found by its header (or added with that header)."""

    header: str
    #: Excel row -> value (None leaves the cell empty): a mapping, or a pandas Series indexed
    #: by Excel row (numbers, datetimes and texts are then formatted column-wise: much faster)
    values: Mapping[int, Any] | pd.Series
    #: text | number | money | date | datetime | boolean, or value: each cell as its value
    #: is (a date shows as a date, a number stays a number, a text a text; written the
    #: general way)
    kind: str = "text"
    match: set[str] = field(default_factory=set)  # other headers that mean this column


@dataclass
class WriteResult:
    """What :func:`write_columns` did."""

    path: Path
    sheet: str
    columns: dict[str, str]  # header (as written in a Table: made unique) -> column letter
    rows_changed: int
    backup: Path | None
    before_sha256: str | None  # digests of the file before and after, kept for the audit
    after_sha256: str | None  # log (None without one: hashing a big file takes time)
    #: whether workbook.xml now asks Excel to recalculate every formula on open
    recalculate: bool = False
    #: blocks of rows the fast path wrote (the rest went the general way)
    fast_blocks: int = 0
    #: what was written over because ``force`` allowed it: (cells, zh, en), e.g.
    #: ("H2:H9", "8 个公式（H2 =A2*2 ……）", "8 formulas (H2 =A2*2, ...)"); empty without
    overwritten: list[tuple[str, str, str]] = field(default_factory=list)


def write_columns(
    book: str | Path,
    sheet: str,
    columns: list[ColumnWrite],
    *,
    header_row: int,
    backups: int = 5,
    audit_log: Path | None = None,
    actor: str | None = None,
    compresslevel: int = COMPRESS_LEVEL,
    progress: Callable[[int, int], None] | None = None,
    block_size: int = BLOCK_SIZE,
    patch_path: str = "auto",
    force: bool = False,
) -> WriteResult:
    """Write ``columns`` into ``sheet`` of ``book`` in place (see the module docstring).

    ``header_row`` is the Excel row of the headers; the last ``backups`` originals are kept
    in ``.xlcrm-backups/`` (0: none); ``audit_log`` (a JSON-lines file) gets a record with
    ``actor``.  The rewritten sheet is deflated at ``compresslevel`` (1-9) on parallel
    threads; its XML is inflated ``block_size`` bytes at a time and ``progress(rows_done,
    rows_total)`` is called after each block of rows (an exception it raises stops the
    write and leaves the workbook as it was).  ``patch_path`` is ``"auto"``, or
    ``"general"`` to patch every row the general way (``"fast"`` is ``"auto"``: the fast
    path takes the blocks it can).  A new column placed where a formula or rule met on the
    way reads is placed again beyond it and the sheet streamed once more (``progress``
    starts again from 0).  Raises WorkbookError for what the writer refuses
    (docs/in-place-writer.md), with the file, sheet and cell."""
    path = Path(book)
    check_writable(path)
    check_patch_path(patch_path)
    before = sha256(path) if audit_log is not None else None
    args = (path, sheet, columns, header_row, backups, progress, compresslevel, block_size,
            patch_path, force)  # fmt: skip
    try:
        with zipfile.ZipFile(path) as src:
            try:
                result = _write(src, *args, None)
            except _Misplaced as again:  # that write was dropped: place beyond, once more
                result = _write(src, *args, again.reach, elsewhere=False)
    except WorkbookError as exc:  # raised deep in the stream: add the file and sheet
        raise exc.located(path, sheet) from None
    result.before_sha256 = before
    result.after_sha256 = sha256(path) if audit_log is not None else None
    if audit_log is not None:
        from xl_crm.audit import append_record

        append_record(
            audit_log,
            action="write-columns",
            actor=actor,
            file=str(path),
            sheet=sheet,
            columns=list(result.columns),
            rows=result.rows_changed,
            before=before,
            after=result.after_sha256,
        )
    return result


class _Misplaced(Exception):
    """A new column was placed where a formula or rule met on the way reads."""

    def __init__(self, reach: Reach) -> None:
        super().__init__(reach.what[1])
        self.reach = reach


def _write(
    src: zipfile.ZipFile,
    path: Path,
    sheet: str,
    columns: list[ColumnWrite],
    header_row: int,
    backups: int,
    progress: Callable[[int, int], None] | None,
    compresslevel: int,
    block_size: int,
    patch_path: str,
    force: bool,
    reach: Reach | None,
    *,
    elsewhere: bool = True,
) -> WriteResult:
    """One write (see :func:`write_columns`); ``reach``: how far right something already
    known reads; ``elsewhere``: whether to look through the rest of the package for what
    reads the sheet (not again after a :class:`_Misplaced`: ``reach`` holds it)."""
    parts = sheet_parts(path)
    if sheet not in parts:
        raise SheetNotFoundError(
            (f"没有名为 {sheet!r} 的工作表", f"no sheet called {sheet!r}"),
            file=path,
            hint=("工作表：" + "、".join(parts), "sheets: " + ", ".join(parts)),
        )
    part = parts[sheet]
    names = set(src.namelist())
    workbook_xml = src.read("xl/workbook.xml").decode("utf-8", errors="replace")
    date1904 = workbook.is_1904(workbook_xml)
    epoch = EPOCH_1904 if date1904 else EPOCH_1900
    values = [ColumnValues(c.values, c.kind, epoch) for c in columns]
    rows = (header_row, max([header_row, *(int(v.rows[-1]) for v in values if len(v.rows))]))
    defined = ReadsWatch(sheet, rows)
    defined.names(workbook_xml)
    reach = furthest(reach, defined.reach)
    placement, new_letters = _place(src, path, sheet, part, columns, header_row, block_size, reach)
    first_new = min((column_index_from_string(x) for x in new_letters), default=None)
    # formulas, rules and merged cells met on the way matter where they reach a new
    # column; the merged cells also where a value would be hidden in them
    watch = ReadsWatch(sheet, rows, first_new)
    styles_xml = src.read("xl/styles.xml").decode("utf-8") if "xl/styles.xml" in names else None
    stylesheet = StyleSheet(styles_xml) if styles_xml and cell_xfs(styles_xml) else None
    kinds = {c.kind for c in columns}
    if "value" in kinds:  # a style per cell's value: the general way
        patch_path = "general"
        kinds |= {"date", "datetime"}
    value_styles = ValueStyles(stylesheet, kinds)
    indexes = [column_index_from_string(p) for p in placement]
    new_headers = {
        i: c.header for i, p, c in zip(indexes, placement, columns, strict=True) if p in new_letters
    }
    table_part, new_table_xml, new_headers = tables.widened(src, part, header_row, new_headers)
    # the header cell is written for new columns only: a column found under another name
    # (an alias, another language) keeps its header, and its Table column name
    targets = {i: (new_headers.get(i), v) for i, v in zip(indexes, values, strict=True)}
    drop_chain = _formulas_overwritten(src, workbook_xml, sheet, targets, header_row)
    plan = RowPlan(targets, header_row, value_styles, date1904, progress)
    deferred: dict[str, zipfile.ZipInfo] = {}
    # what other sheets, charts and pivot caches read is gathered on a thread while the
    # sheet is written (inflating releases the GIL); a reach found there redoes the write
    beyond = first_new if elsewhere else None
    with (
        ElsewhereScan(path, sheet, parts, rows, beyond, block_size=block_size) as elsewhere_scan,
        AtomicReplace(path, backups) as (out, replaced),
    ):
        rewriter = PackageRewriter(src, out)
        for info in src.infolist():
            name = info.filename
            if name == part:
                rewrite_member(
                    src,
                    info,
                    out,
                    lambda raw: patched(inflated_blocks(raw, block_size), plan, patch_path, watch),
                    compresslevel,
                )
                read = furthest(watch.finish(), elsewhere_scan.reach())
                if read is not None:
                    raise _Misplaced(furthest(reach, read))
                overwritten = _written_over(plan, watch.merges, new_letters)
                if overwritten and not force:
                    raise OverwriteRefusedError(overwritten, file=path, sheet=sheet)
            elif name == table_part and new_table_xml is not None:
                out.writestr(info, new_table_xml)
            elif name in ("xl/styles.xml", "xl/workbook.xml"):
                deferred[name] = info  # written after the sheet: they may change with it
            elif drop_chain and name == workbook.CALC_CHAIN:
                continue  # Excel rebuilds it; stale entries make it "repair"
            elif drop_chain and name == "[Content_Types].xml":
                xml = contenttypes.without_override(
                    src.read(name).decode("utf-8"), "xl/calcChain.xml"
                )
                out.writestr(info, xml.encode("utf-8"))
            elif drop_chain and name == "xl/_rels/workbook.xml.rels":
                xml = rels.without_target(src.read(name).decode("utf-8"), "calcChain.xml")
                out.writestr(info, xml.encode("utf-8"))
            else:
                rewriter.copy(info)
        recalculate = plan.rows_changed > 0 and (plan.formulas_seen or workbook.CALC_CHAIN in names)
        for name, info in deferred.items():
            if name == "xl/styles.xml" and stylesheet is not None and stylesheet.changed:
                out.writestr(info, stylesheet.text.encode("utf-8"))
            elif name == "xl/workbook.xml" and recalculate:
                out.writestr(info, workbook.with_full_calc_on_load(src.read(name).decode("utf-8")))
            else:
                rewriter.copy(info)
    return WriteResult(
        path,
        sheet,
        {
            new_headers.get(i, c.header): p
            for i, p, c in zip(indexes, placement, columns, strict=True)
        },
        plan.rows_changed,
        replaced.backup,
        None,
        None,
        recalculate,
        plan.fast_blocks,
        overwritten,
    )


def _place(
    src: zipfile.ZipFile,
    path: Path,
    sheet: str,
    part: str,
    columns: list[ColumnWrite],
    header_row: int,
    block_size: int,
    reach: Reach | None,
) -> tuple[list[str], set[str]]:
    """Each column's letter and the new ones (see :mod:`xl_crm.xlsx.placement`)."""
    from xl_crm.xlsx.peek import peek_xlsx

    peeked = peek_xlsx(path, sheet, header_row + 50)
    header = (peeked + [[]] * header_row)[header_row - 1]
    used = max([len(r) for r in peeked] + [dimension_width(src, part)])

    def explain_used() -> tuple[str, str]:
        found = last_column_user(src, part, block_size=block_size)
        return found or ("工作表的 <dimension> 如此记录", "the sheet's <dimension> says so")

    return place_columns(
        header,
        [(c.header, c.match) for c in columns],
        used=used,
        reach=reach,
        explain_used=explain_used,
        path=path,
        sheet=sheet,
    )


def _written_over(
    plan: RowPlan, merges: list[tuple[int, int, int, int]], new_letters: set[str]
) -> list[tuple[str, str, str]]:
    """What the write replaces that the user made, (cells, zh, en): the formulas written
    over in each column, and the cells written that merged cells hide (not their top-left
    cell, the one that shows)."""
    out = []
    for over in plan.formulas_replaced.values():
        shown = "、".join(f"{ref} {held}".strip() for ref, held in over.examples)
        shown_en = ", ".join(f"{ref} {held}".strip() for ref, held in over.examples)
        more = "……" if over.count > len(over.examples) else ""
        more_en = ", ..." if over.count > len(over.examples) else ""
        out.append((
            over.cells,
            f"{over.count:,} 个公式单元格会被数值替换（{shown}{more}）",
            f"{over.count:,} cells with formulas would be replaced by values ({shown_en}{more_en})",
        ))  # fmt: skip
    for first_col, top, last_col, bottom in merges:
        for col, (_, values) in plan.targets.items():
            letter = plan.letters[col]
            if not first_col <= col <= last_col or letter in new_letters:
                continue  # a new column is placed beyond merged cells
            rows = np.arange(max(top, plan.header_row + 1), bottom + 1, dtype=np.int64)
            _, hit = values.positions(rows)
            hidden = WrittenOver(letter)
            for row in rows[hit].tolist():
                if (col, row) != (first_col, top):
                    hidden.add(row)
            if hidden.count:
                area = f"{get_column_letter(first_col)}{top}:{get_column_letter(last_col)}{bottom}"
                out.append((
                    hidden.cells,
                    f"藏在合并单元格 {area} 中，写入的值不会显示",
                    f"hidden in the merged cells {area}: a value written there would not show",
                ))  # fmt: skip
    return out


def _formulas_overwritten(
    src: zipfile.ZipFile,
    workbook_xml: str,
    sheet: str,
    targets: dict[int, tuple[str | None, ColumnValues]],
    header_row: int,
) -> bool:
    """Whether a formula cell listed in calcChain.xml is about to be overwritten."""
    if workbook.CALC_CHAIN not in src.namelist():
        return False
    by_letter = {get_column_letter(col): values for col, (_, values) in targets.items()}
    chain = src.read(workbook.CALC_CHAIN).decode("utf-8", errors="replace")
    for letter, row in workbook.chain_cells(chain, workbook.sheet_id(workbook_xml, sheet)):
        if letter in by_letter and (row == header_row or by_letter[letter].get(row)[0]):
            return True
    return False
