"""Streaming a worksheet's XML through, with some columns written into its rows.

The sheet XML is inflated in blocks (4 MiB unless ``block_size`` says) and cut after the
last complete ``<row>``; each block of whole rows is patched and handed to a writer thread
that deflates it (zlib releases the GIL, so compression overlaps the patching).

A block is patched one of two ways:

* the fast path (:mod:`.fast`), for rows in the usual form, as Excel, LibreOffice, openpyxl
  and XlsxWriter write them, with no formula in a cell being overwritten and no row to
  create inside the block: the block is split by one regular expression and each row
  rebuilt by one bytes %-format, the values formatted column-wise;
* the general path (:mod:`.general`), row by row, for everything else: cells and rows
  without ``r``, formula cells (shared and array formulas are checked), rows to be created,
  odd attribute order.

Both give the same XML for the same rows (tested byte for byte on random workbooks).
The other modules: :mod:`.values` (cell values, formatted column-wise), :mod:`.rowplan`
(what each row gets), :mod:`.stream` (the one splitter of a sheet's XML into head, rows and
tail, which the marks use too), :mod:`.patch` (the loop).  See docs/in-place-writer.md.
"""

from xl_crm.xlsx.sheetpatch.patch import PATHS, check_patch_path, patch_block, patched
from xl_crm.xlsx.sheetpatch.rowplan import RowPlan, WrittenOver
from xl_crm.xlsx.sheetpatch.stream import BLOCK_SIZE, SheetSplitter, inflated_blocks
from xl_crm.xlsx.sheetpatch.values import (
    EPOCH_1900,
    EPOCH_1904,
    ColumnValues,
    escape_text,
    fragment,
    serials,
)

__all__ = [
    "BLOCK_SIZE",
    "EPOCH_1900",
    "EPOCH_1904",
    "PATHS",
    "ColumnValues",
    "RowPlan",
    "SheetSplitter",
    "WrittenOver",
    "check_patch_path",
    "escape_text",
    "fragment",
    "inflated_blocks",
    "patch_block",
    "patched",
    "serials",
]
