"""One side of a sync as the merge sees it: a sheet's rows by key, and where each lives.

Both media are read through their :class:`xl_crm.book.Book`: ``read(spec)`` finds the
template's sheets and columns by their headers (so the workbook and the Google Sheet may
order their columns differently, or name them in the other language), and ``rows()``
gives each cell as the user typed it: the sync copies what is in the cells, not what the
checks make of it.  Keys are normalised the way ``compute`` joins on them
(:func:`xl_crm.metrics.keys.normalised_keys`: ``ｃ００１ `` is ``c001``); a key column with
an empty, unreadable or repeated key is refused (:func:`xl_crm.metrics.keys.check_customer_keys`),
because rows are matched by key and never by position.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from sheets_sync.sync.values import Canon, canon
from xl_crm.metrics.keys import check_customer_keys, normalised_keys
from xl_crm.table import Table

__all__ = ["SideRows", "side_rows", "synced_fields"]


@dataclass
class SideRows:
    """One sheet of one side: ``table`` (as :meth:`Book.read` typed it), ``fields`` (the
    field ids synced, in the merge's order), ``rows`` (normalised key -> canonical cells),
    ``row_of`` (key -> 1-based row number), ``key_text`` (key -> the key as typed),
    ``grid`` (every row of the sheet as ``Book.rows`` gives it) and ``last_row`` (the last
    row with anything in it, the header's at least)."""

    table: Table
    fields: list[str]
    rows: dict[str, list[Canon]] = field(default_factory=dict)
    row_of: dict[str, int] = field(default_factory=dict)
    key_text: dict[str, str] = field(default_factory=dict)
    grid: list[list[Any]] = field(default_factory=list)
    last_row: int = 0

    def column(self, field_id: str) -> int:
        """The 1-based column of ``field_id``."""
        from openpyxl.utils import column_index_from_string

        return column_index_from_string(self.table.letters[field_id])

    def meaning(self, key: str, index: int) -> Canon:
        """The canonical form of the typed value (as the checks read it) of field
        ``fields[index]`` in ``key``'s row; None when it is empty or could not be read."""
        value = self.table.frame.at[self.row_of[key], self.fields[index]]
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return None
        return canon(value)

    def cell(self, field_id: str, row: int) -> str:
        """The A1 reference of ``field_id``'s cell in ``row``, with the sheet: ``客户!C7``."""
        return f"{self.table.sheet}!{self.table.letters[field_id]}{row}"


def synced_fields(local: Table, sheet: Table) -> list[str]:
    """The template's field ids both tables have a column for, in the template's order."""
    return [f.id for f in local.spec.fields if f.id in local.letters and f.id in sheet.letters]


def side_rows(table: Table, grid: list[list[Any]], fields: list[str], book: str) -> SideRows:
    """The :class:`SideRows` of ``table`` (read from ``book``, named so in errors) whose
    cells are ``grid`` (``Book.rows`` of its sheet).  Raises
    :class:`xl_crm.errors.CustomerKeyError` when a key is empty, unreadable or repeated
    (every such cell named)."""
    key = table.spec.key
    assert key is not None  # the engine syncs only sheets with a key
    check_customer_keys(table, file=book, to="sync")
    out = SideRows(table=table, fields=list(fields), grid=grid)
    columns = [out.column(f) - 1 for f in fields]
    width = max(columns) + 1
    at_key = out.column(key) - 1
    pick = operator.itemgetter(*columns) if len(columns) > 1 else (lambda c: (c[columns[0]],))
    storage = table.spec.field(key).ftype.storage
    keys = normalised_keys(table.frame[key], storage)
    for row, normal in zip(table.frame.index.tolist(), keys.tolist(), strict=True):
        if normal is None or (not isinstance(normal, str) and normal != normal):  # NA
            continue  # a wholly empty row: check_customer_keys let it through
        cells = grid[row - 1] if row - 1 < len(grid) else []
        if len(cells) < width:
            cells = [*cells, *([None] * (width - len(cells)))]
        name = _key_name(normal)
        # most cells are text: kept as they are without a call (canon's first case)
        out.rows[name] = [v if type(v) is str and v and v[0] != "#" else canon(v)
                          for v in pick(cells)]  # fmt: skip
        out.row_of[name] = row
        shown_key = canon(cells[at_key])
        out.key_text[name] = str(shown_key) if shown_key is not None else name
    # a formula whose result is an error (#N/A) or that has no saved result reads as empty
    # from a file: it is the error, never a value to copy over the other side's
    at_field = {f: i for i, f in enumerate(fields)}
    keys_of_rows = {r: k for k, r in out.row_of.items()}
    for issue in table.issues:
        if issue.kind != "type" and issue.field in at_field and issue.row in keys_of_rows:
            out.rows[keys_of_rows[issue.row]][at_field[issue.field]] = ("e", issue.raw or "=")
    out.last_row = max([table.header_row, *(i + 1 for i, row in enumerate(grid) if row)])
    return out


def _key_name(normal: Any) -> str:
    """A normalised key as text (a whole number without ``.0``): the snapshot's keys."""
    if isinstance(normal, float) and normal.is_integer():
        return str(int(normal))
    return str(normal)
