"""The typed view: a sheet's raw columns made into one typed value per cell.

Medium-independent: a reader gives the raw columns (calamine's typed Arrow columns plus
the cells it could not convert, or all-text columns from a CSV or the Sheets API) and this
module builds ``Table.frame`` through :func:`xl_crm.fields.coercion.coerce`, recording
what was coerced, what could not be read (:class:`xl_crm.table.CellIssue`) and which rows
were blank.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl.utils import column_index_from_string, get_column_letter

from xl_crm.fields.coercion import coerce, is_blank
from xl_crm.specs.model import SheetSpec, Spec
from xl_crm.table import CellIssue, DateOrder, Table

__all__ = [
    "UNREAD_FILLED",
    "date_options",
    "drop_blank_rows",
    "issues_at_empty_cells",
    "make_table",
    "record_coercion",
    "type_columns",
]


#: the helper column a reader adds when it reads only some fields: not NA where a field
#: column it did not read holds something (see ``Table.unread_filled``)
UNREAD_FILLED = "_col_filled"


def type_columns(table: Table, spec: Spec, failed: dict[str, dict[int, str]]) -> None:
    """Build the typed view in place: every field column through :func:`coerce` (all
    cells of text columns; for typed columns, the cells calamine could not convert),
    blank rows dropped, what was coerced and what could not be read recorded."""
    frame = table.frame
    texts = {fid: pd.Series(list(cells.values()), dtype=object) for fid, cells in failed.items()}
    dates = date_options(spec, table.spec, texts)
    for fid in [c for c in frame.columns if not str(c).startswith("_col")]:
        f = table.spec.field(fid)
        storage = f.ftype.storage
        bad = failed.get(fid, {})
        if storage in ("date", "datetime"):
            bad = {**bad, **_beyond_excel(frame, fid)}
        if storage == "text":
            column = frame[fid]
            if bad:
                column = column.astype(object)
                column[list(bad)] = list(bad.values())
            result = coerce(column, "text", identifier=f.ftype.identifier)
            frame[fid] = result.values
            record_coercion(table, spec, fid, result, column)
        elif bad:
            cells = pd.Series(list(bad.values()), index=list(bad), dtype=object)
            result = coerce(cells, storage, **dates)
            column = frame[fid].astype(object) if storage == "boolean" else frame[fid].copy()
            good = result.values[~result.failed & result.errors.isna() & cells.notna()]
            good = good[good.notna()]
            if storage in ("date", "datetime"):
                column = pd.to_datetime(column).astype("datetime64[ns]")
            column.loc[good.index] = good.to_numpy()
            frame[fid] = column
            record_coercion(table, spec, fid, result, cells)
    drop_blank_rows(table)


#: the last moment Excel can show (9999-12-31 23:59:59; ECMA-376 Part 1 §18.17.4.1)
_EXCEL_LAST = pd.Timestamp("9999-12-31 23:59:59")


def _beyond_excel(frame: pd.DataFrame, fid: str) -> dict[int, float]:
    """Cells of a date column a reader made into dates past 9999-12-31: number cells it
    read as serials (``20260501`` would be the year 57371).  They are set to NaT in
    ``frame`` and returned as row -> the number typed, for :func:`coerce` to read."""
    column = frame[fid]
    if not pd.api.types.is_datetime64_any_dtype(column):
        return {}
    late = (column > _EXCEL_LAST).to_numpy(dtype=bool)
    if not late.any():
        return {}
    epoch = np.datetime64("1899-12-30", "ms")
    days = (column[late].to_numpy(dtype="datetime64[ms]") - epoch) / np.timedelta64(1, "D")
    frame[fid] = column.where(~late)
    return {int(row): float(n) for row, n in zip(column.index[late], days, strict=True)}


def date_options(spec: Spec, sheet: SheetSpec, texts: dict[str, pd.Series]) -> dict:
    """How the sheet's ``12/04/2026`` dates are read: the template's ``date_order``, else
    the order the text dates of all the sheet's date columns decide together (so a
    check-in and a check-out of one stay are read alike), else each column decides
    alone (:func:`xl_crm.fields.coercion.date_order_of`) with the template's default."""
    from xl_crm.fields.coercion import date_order_of

    order = spec.date_order
    if order is None:
        columns = [
            texts[f.id]
            for f in sheet.fields
            if f.ftype.storage in ("date", "datetime") and f.id in texts
        ]
        if columns:
            decided, _, conflicting = date_order_of(pd.concat(columns, ignore_index=True))
            order = None if conflicting else decided
    return {"date_order": order, "default_order": spec.default_date_order}


def record_coercion(table: Table, spec: Spec, fid: str, result, raw: pd.Series) -> None:
    """Keep what coercion did to column ``fid``: counts, date order, the text as typed of
    cells folded from full width (``Table.as_typed``), and an issue for each cell that
    holds an Excel error or could not be read (``raw``: its text)."""
    counts = result.coerced_counts()
    if counts:
        table.coercions[fid] = counts
    if counts.get("full-width"):
        folded = result.how.index[(result.how == "full-width").to_numpy()]
        table.as_typed[fid] = {int(row): str(raw[row]).strip() for row in folded}
    if result.date_order is not None or result.ambiguous:
        table.date_orders[fid] = DateOrder(
            result.date_order or spec.default_date_order,
            result.ambiguous,
            result.conflicting,
        )
    for row, error in result.errors.dropna().items():
        table.issues.append(CellIssue(int(row), fid, str(error), "formula-error"))
    for row in result.failed.index[result.failed.to_numpy()]:
        table.issues.append(CellIssue(int(row), fid, str(raw.get(row, "")).strip()))


def drop_blank_rows(table: Table) -> None:
    """Rows with nothing in any column (field or unknown) are not data: dropped from the
    frame and listed in ``blank_rows``; the trailing ones (formatted but empty) are not
    listed.  Helper ``_col`` columns (unknown headers; :data:`UNREAD_FILLED`, where a reader
    marks the rows that hold something in field columns it did not read) are dropped
    afterwards."""
    frame = table.frame
    if frame.empty:
        table.frame = frame[[c for c in frame.columns if not str(c).startswith("_col")]]
        return
    erred = {(i.row, i.field) for i in table.issues}
    filled = np.zeros(len(frame), dtype=bool)
    for c in frame.columns:  # field columns are typed already: blank there is missing
        column = frame[c]
        filled |= ~(is_blank(column) if str(c).startswith("_col") else column.isna()).to_numpy()
    if erred:
        rows = {r for r, _ in erred}
        filled |= frame.index.isin(list(rows))
    last = np.flatnonzero(filled)
    end = (last[-1] + 1) if len(last) else 0
    inside = ~filled[:end]
    table.blank_rows = [int(r) for r in frame.index[:end][inside]]
    keep = np.zeros(len(frame), dtype=bool)
    keep[:end] = filled[:end]
    table.frame = frame.loc[keep, [c for c in frame.columns if not str(c).startswith("_col")]]
    if UNREAD_FILLED in frame.columns:
        table.unread_filled = frame.loc[keep, UNREAD_FILLED].notna()
    extra = {
        f"_col{column_index_from_string(letter) - 1}": header for header, letter in table.unknown
    }
    extra = {c: h for c, h in extra.items() if c in frame.columns}
    table.extras = frame.loc[keep, list(extra)].rename(columns=extra)


def issues_at_empty_cells(table: Table, cells: dict[str, str], kind: str) -> None:
    """An issue of ``kind`` for each A1 reference in ``cells`` (-> the text to show) that
    falls on a field column and reads as empty in the typed frame."""
    letters = {letter: fid for fid, letter in table.letters.items()}
    for ref, raw in cells.items():
        m = re.fullmatch(r"([A-Z]+)(\d+)", ref)
        if not m or m.group(1) not in letters:
            continue
        fid, row = letters[m.group(1)], int(m.group(2))
        if row in table.frame.index and pd.isna(table.frame.at[row, fid]):
            table.issues.append(CellIssue(row, fid, raw, kind))


def make_table(
    path: Path,
    name: str,
    sheet: SheetSpec,
    header_row: int,
    frame: pd.DataFrame,
    found: dict[str, int],
    headers: list[str],
    unknown: list[tuple[str, str]],
    issues: list[CellIssue],
) -> Table:
    """A Table from what the readers found: columns by 0-based index in the sheet."""
    return Table(
        path=path,
        sheet=name,
        spec=sheet,
        header_row=header_row,
        frame=frame,
        letters={fid: get_column_letter(i + 1) for fid, i in found.items()},
        headers={fid: headers[i] for fid, i in found.items()},
        unknown=unknown,
        missing=[f.id for f in sheet.fields if f.id not in found],
        issues=issues,
    )
