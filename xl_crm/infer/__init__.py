"""Inferring a template spec from a sheet people already have.

``infer_spec("客户台账.xlsx")`` reads every table of a workbook (or a CSV) and writes the
spec a template author would keep: for each column a field with its type read the way
``validate`` reads it (text dates, amounts as text and phones stored as numbers included),
a max length with headroom (none on notes), choices only for short lists that repeat
(never places or free text), required, and unique only on identifiers; the key;
references between sheets (orders.客户ID within customers.客户ID); field groups from a
header band.  Headers in Chinese or English, and the aliases of the built-in templates,
are recognised, so a column headed 手机 or Mobile becomes the field ``phone`` with both
labels.  The spec validates the file it came from without an error finding, and build
then infer gives back an equivalent spec.

Modules: :mod:`.reading` (a book's tables, header row, band), :mod:`.columns` (one column),
:mod:`.words` (what headers say), :mod:`.catalogue` (built-in names), :mod:`.links`
(keys, references, sheet roles), :mod:`.values` (cells as the validator reads them).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openpyxl.utils import get_column_letter

from xl_crm.errors import NoHeaderError
from xl_crm.infer import catalogue as cat
from xl_crm.infer.columns import Column, infer_column
from xl_crm.infer.links import Sheet, choose_key, link, name_roles
from xl_crm.infer.reading import RawTable, read_tables
from xl_crm.specs import spec_from_data
from xl_crm.specs.model import Spec
from xl_crm.view.matching import normalise_header
from xl_crm.xlsx.reader import READABLE

if TYPE_CHECKING:
    from xl_crm.book import Book

__all__ = ["READABLE", "infer_spec"]

#: fallback field ids by type, for headers that give none (Chinese headers)
_TYPE_IDS = {
    "phone": "phone",
    "email": "email",
    "cn_resident_id": "resident_id",
    "uscc": "uscc",
    "url": "url",
    "money": "amount",
    "date": "date",
    "datetime": "time",
}


def infer_spec(
    book: str | Path | Book,
    *,
    name: str | None = None,
    sheets: list[str] | None = None,
    password: str | None = None,
) -> Spec:
    """Infer a spec from ``book``: a path to an .xlsx, .xlsm, .xls, .ods or .csv file, or
    any :class:`xl_crm.book.Book` (read through its ``sheet_names``, ``visible``, ``rows``
    and ``structure``, as ``validate`` reads it).

    ``name`` is the template name (default: from the file or book name); ``sheets`` limits
    it to these sheet names; ``password`` opens an encrypted workbook.  Returns a checked
    :class:`~xl_crm.specs.model.Spec`.  Raises :class:`~xl_crm.errors.WorkbookError` when
    the file is missing, cannot be read or decoded, or holds no sheet with a header row."""
    from xl_crm.book import open_book

    opened = open_book(book, password=password)  # missing, damaged, encrypted: as validate
    try:
        tables = read_tables(opened, sheets)
    finally:
        if opened is not book:
            opened.close()
    path = Path(opened.name)
    if not tables:
        raise NoHeaderError(
            ("没有找到带表头行和数据的工作表", "no sheet with a header row and data was found"),
            file=opened.name,
            hint=(
                "每个工作表放一张表，表头放在前几行",
                "put one table per sheet with its header in the first rows",
            ),
        )
    inferred = [_sheet(table) for table in tables]
    inferred = link(inferred)
    name_roles(inferred)
    used: set[str] = set()
    for sheet in inferred:
        sheet.id = cat.unique_id(sheet.id or "sheet", used)
    spec_name = name or cat.slug(path.stem, "inferred").replace("_", "-")
    if not re.match(r"^[a-z][a-z0-9_-]*$", spec_name):
        spec_name = "inferred"
    data = {
        "spec_version": 1,
        "name": spec_name,
        "title": {"zh": path.stem, "en": path.stem},
        "sheets": [_sheet_data(s) for s in inferred],
    }
    return spec_from_data(data, source=opened.name)


def _sheet(table: RawTable) -> Sheet:
    known_sheet = cat.match_sheet(table.title, table.headers)
    fields: list[dict[str, Any]] = []
    columns: list[Column] = []
    groups: list[dict[str, Any]] = []
    group_ids: dict[int, str] = {}  # first column of a band run -> group id
    taken = {normalise_header(h) for h in table.headers if h}
    seen: dict[str, int] = {}
    found = []  # (column index, built-in match, inferred column, label)
    for i, header in enumerate(table.headers):
        if not header:
            continue
        norm = normalise_header(header)
        seen[norm] = seen.get(norm, 0) + 1
        match = cat.match_field(header, known_sheet)
        column = infer_column(
            header,
            [r[i] for r in table.rows],
            structure=table.structure,
            letter=get_column_letter(i + 1),
            known=match.field if match else None,
        )
        if seen[norm] > 1:  # a repeated header: the validator matches "电话 (2)" to it
            text = f"{header} ({seen[norm]})"
            label = {"zh": text, "en": text}
        else:
            label = cat.label(header, match.field.label if match else None, taken - {norm})
        taken |= {normalise_header(label["zh"]), normalise_header(label["en"])}
        found.append((i, match, column, label))
    used: set[str] = set()
    for i, match, column, label in found:
        header = table.headers[i]
        base = match.field.id if match else cat.slug(header, _TYPE_IDS.get(column.type, ""))
        # an id is also a name the validator matches headers by: never another column's
        others = {
            normalise_header(n)
            for j, _, _, other in found
            if j != i
            for n in (table.headers[j], other["zh"], other["en"])
        }
        fid = cat.unique_id(
            base or f"field_{i + 1}", used, lambda c, others=others: normalise_header(c) in others
        )
        field = {"id": fid, "label": label, **column.data}
        group_label = table.band[i]
        if group_label:
            start = i
            while start > 0 and table.band[start - 1] == group_label:
                start -= 1
            if start not in group_ids:
                known_group = cat.match_group(group_label)
                base = known_group.id if known_group else cat.slug(group_label, "group")
                gid = cat.unique_id(base, set(group_ids.values()))
                group_ids[start] = gid
                known = known_group.label if known_group else None
                groups.append({"id": gid, "label": cat.label(group_label, known)})
            field["group"] = group_ids[start]
        fields.append(field)
        columns.append(column)
    title = table.title
    sid = known_sheet.id if known_sheet else (cat.slug(title, "") or None)
    label = cat.label(title, known_sheet.label if known_sheet else None)
    sheet = Sheet(title, sid, label, fields, columns, groups)
    choose_key(sheet)
    return sheet


def _sheet_data(sheet: Sheet) -> dict[str, Any]:
    out: dict[str, Any] = {"id": sheet.id, "label": sheet.label, "fields": sheet.fields}
    if sheet.groups:
        out["groups"] = sheet.groups
    if sheet.key:
        out["key"] = sheet.key
    if sheet.references:
        out["references"] = [
            {"field": r["field"], "to": f"{r['to'].id}.{r['to'].key}"} for r in sheet.references
        ]
    return out
