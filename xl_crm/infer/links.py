"""Links between inferred sheets: keys, references, and the roles ``compute`` needs.

A sheet's key is its first required, unique identifier column (an ID or code before a
phone or e-mail).  A column of another sheet whose values all fall within a key column
(orders.客户ID within customers.客户ID), or an empty one with the key's header, refers
to it, and takes the key's type so the validator compares the two alike.  Referenced
sheets come first in the spec, so ``compute`` finds the customers (the first sheet with
a key) and, through the reference, the orders with their date and amount columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from xl_crm.fields.types import FIELD_TYPES
from xl_crm.infer.columns import REFERABLE, Column
from xl_crm.view.matching import normalise_header


@dataclass
class Sheet:
    """One inferred sheet while it is assembled."""

    title: str
    id: str | None  # None until named (the title gave no id)
    label: dict[str, str]
    fields: list[dict[str, Any]]
    columns: list[Column]
    groups: list[dict[str, Any]] = field(default_factory=list)
    key: str | None = None
    references: list[dict[str, str]] = field(default_factory=list)

    def index(self, field_id: str) -> int:
        return [f["id"] for f in self.fields].index(field_id)


def choose_key(sheet: Sheet) -> None:
    """The key: a required unique column, IDs and codes first, then phones, e-mails, IDs."""
    candidates = [
        (i, f)
        for i, f in enumerate(sheet.fields)
        if f.get("unique") and f.get("required") and f["type"] in REFERABLE
    ]

    def rank(item: tuple[int, dict[str, Any]]) -> tuple[int, int]:
        i, f = item
        named = "identifier" in sheet.columns[i].roles
        return (0 if named else 1 if f["type"] in ("integer", "text") else 2, i)

    if candidates:
        sheet.key = min(candidates, key=rank)[1]["id"]


def link(sheets: list[Sheet]) -> list[Sheet]:
    """Add references between the sheets and return them with referenced sheets first."""
    for target in sheets:
        if target.key is None:
            continue
        key_col = target.columns[target.index(target.key)]
        key_field = target.fields[target.index(target.key)]
        for sheet in sheets:
            if sheet is target:
                continue
            for i, f in enumerate(sheet.fields):
                col = sheet.columns[i]
                same = f["id"] == key_field["id"] or _same_header(f, key_field)
                if (
                    f["id"] == sheet.key
                    or f["type"] not in REFERABLE
                    or any(r["field"] == f["id"] for r in sheet.references)
                    or not col.keys <= key_col.keys
                    or not (same or (col.keys and col.identifier))
                ):
                    continue
                _align(f, key_field)
                sheet.references.append({"field": f["id"], "to": target})  # named later
    return _ordered(sheets)


def _same_header(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return normalise_header(a["label"]["zh"]) == normalise_header(b["label"]["zh"])


def _align(f: dict[str, Any], key: dict[str, Any]) -> None:
    """A reference column takes its key's type (numbers compare as numbers, text as text)."""
    if FIELD_TYPES[f["type"]].storage == FIELD_TYPES[key["type"]].storage:
        return
    f["type"] = key["type"]
    f.pop("max_length", None)
    if "max_length" in key:
        f["max_length"] = key["max_length"]


def _ordered(sheets: list[Sheet]) -> list[Sheet]:
    """Sheets a reference points at come before the sheets that refer to them."""
    out: list[Sheet] = []

    def visit(sheet: Sheet, seen: tuple[int, ...]) -> None:
        if any(s is sheet for s in out) or id(sheet) in seen:
            return
        for ref in sheet.references:
            visit(ref["to"], (*seen, id(sheet)))
        out.append(sheet)

    for sheet in sheets:
        visit(sheet, ())
    return out


def name_roles(sheets: list[Sheet]) -> None:
    """Unnamed sheets (titles in Chinese) are named for their role: the sheet others refer
    to is ``customers``, a sheet that refers to it with a date is ``orders``."""
    referenced = {id(r["to"]) for s in sheets for r in s.references}
    for sheet in sheets:
        if sheet.id is not None:
            continue
        dated = any(f["type"] in ("date", "datetime") for f in sheet.fields)
        if id(sheet) in referenced:
            sheet.id = "customers"
        elif sheet.references and dated:
            sheet.id = "orders"
        else:
            sheet.id = "sheet"
