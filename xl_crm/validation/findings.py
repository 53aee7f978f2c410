"""Building :class:`xl_crm.validation.report.Finding` objects: a rule's message with the
cell, its value (masked where asked), the row's key and the severity the spec gives."""

from __future__ import annotations

import re
from datetime import datetime

import pandas as pd

from xl_crm.fields.normalise import comparable
from xl_crm.privacy import PERSONAL_TYPES, mask
from xl_crm.specs.model import FieldSpec
from xl_crm.table import Table
from xl_crm.validation.context import CheckFailure, SheetContext
from xl_crm.validation.report import Finding
from xl_crm.validation.rules import RULES

__all__ = [
    "failure_finding",
    "is_personal",
    "make_finding",
    "row_key",
    "row_keys",
    "rule_finding",
    "severity_of",
    "show_value",
]

#: make_finding looks the row's key up itself
_LOOK_UP = object()


def make_finding(
    table: Table,
    ctx: SheetContext,
    slug: str,
    f: FieldSpec | None,
    row: int,
    value,
    *,
    limit=("", ""),
    choices=("", ""),
    other=("", ""),
    rule=("", ""),
    header=None,
    sheet_name=None,
    severity=None,
    mask_value=True,
    key=_LOOK_UP,
) -> Finding:
    """The finding of rule ``slug`` at ``row`` of field ``f`` (None: the sheet's header
    cell), with ``value`` shown (masked for personal fields when ``ctx.mask``, unless
    ``mask_value`` is False) and the message parts (zh, en) ``limit``, ``choices``,
    ``other``, ``rule`` and ``sheet_name`` formatted into the rule's message.  ``key``: the
    row's key as shown, when the caller looked it up already (:func:`row_keys`)."""
    text = show_value(value)
    personal = f is not None and is_personal(f)
    display = mask(text, f.type) if (ctx.mask and personal and mask_value and text) else text
    column = table.letters.get(f.id) if f is not None else None
    cell = f"{column}{row}" if column else f"A{table.header_row}"
    head = header or (table.headers.get(f.id) if f is not None else None)
    if slug == "duplicate" and f is not None:
        other = _duplicate_other(table, f, row, ctx)
    return rule_finding(
        table,
        ctx,
        slug,
        f,
        cell,
        row,
        head,
        display,
        row_key(table, row, ctx) if key is _LOOK_UP else key,
        {
            "limit": limit,
            "choices": choices,
            "other": other,
            "rule": rule,
            "sheet": (sheet_name or "", sheet_name or ""),
        },
        column=column,
        severity=severity,
    )


def _duplicate_other(table: Table, f: FieldSpec, row: int, ctx: SheetContext) -> tuple[str, str]:
    cache = ctx.duplicates
    if (table.sheet, f.id) not in cache:
        keys = comparable(table.frame[f.id], f, ctx.spec.phone_region)
        groups: dict = {}
        for r, k in keys[keys.duplicated(keep=False) & keys.notna()].items():
            groups.setdefault(k, []).append(r)
        cache[table.sheet, f.id] = (keys, groups)
    keys, groups = cache[table.sheet, f.id]
    rows = groups.get(keys.get(row), [])
    others = [r for r in rows if r != row]
    cell = f"{table.letters[f.id]}{others[0]}" if others else ""
    return cell, cell


def is_personal(f: FieldSpec) -> bool:
    return f.type in PERSONAL_TYPES or f.personal


def row_key(table: Table, row: int | None, ctx: SheetContext) -> str | None:
    key = table.spec.key
    if row is None or key is None or key not in table.frame.columns:
        return None
    text = show_value(table.frame.at[row, key]) if row in table.frame.index else ""
    f = table.spec.field(key)
    if ctx.mask and is_personal(f) and text:
        return mask(text, f.type)
    return text or None


def rule_finding(
    table: Table,
    ctx: SheetContext,
    slug: str,
    f: FieldSpec | None,
    cell: str,
    row: int | None,
    header: str | None,
    value: str | None,
    key: str | None,
    parts: dict,
    *,
    column: str | None = None,
    severity: str | None = None,
) -> Finding:
    rule = RULES[slug]
    severity = severity_of(ctx, slug, f, severity)
    fields_zh = {k: v[0] for k, v in parts.items()}
    fields_en = {k: v[1] for k, v in parts.items()}
    common = {"header": header or "", "value": value or ""}
    return Finding(
        rule=slug,
        severity=severity,
        sheet=table.sheet,
        cell=cell,
        row=row,
        column=column,
        field=f.id if f is not None else None,
        header=header,
        key=key,
        value=value,
        message_zh=rule.message[0].format(**{**fields_zh, **common}),
        message_en=rule.message[1].format(**{**fields_en, **common}),
        hint_zh=rule.hint[0],
        hint_en=rule.hint[1],
    )


def show_value(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp | datetime):
        ts = pd.Timestamp(value)
        return ts.strftime("%Y-%m-%d") if ts == ts.normalize() else ts.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def failure_finding(
    table: Table, ctx: SheetContext, frame: pd.DataFrame, item: CheckFailure
) -> Finding:
    """The ``check-failed`` finding of a check that could not answer: at its cell when
    one row made it raise, else at the column's header (or the sheet's A1 header cell)."""
    sheet = table.spec
    f = sheet.field(item.column) if item.column in sheet.field_ids() else None
    name = item.check.partition(":")[0]
    title = RULES[name].title if name in RULES else (item.check, item.check)
    shown = (f"{item.check}（{title[0]}）", f"{item.check} ({title[1]})")
    cause = item.cause
    if ctx.mask:  # an exception's text may quote a cell's value
        cause = re.match(r"[\w.]*", cause).group(0) or "error"
    parts = {"rule": shown, "limit": (cause, cause)}
    if f is not None and item.row is not None and item.row in frame.index:
        return make_finding(
            table, ctx, "check-failed", f, item.row, frame.at[item.row, f.id], **parts
        )
    letter = table.letters.get(f.id) if f is not None else None
    row = item.row if item.row is not None else table.header_row
    head = table.headers.get(f.id) if f is not None else table.sheet
    return rule_finding(
        table,
        ctx,
        "check-failed",
        f,
        f"{letter or 'A'}{row}",
        item.row,
        head,
        None,
        row_key(table, item.row, ctx) if item.row in frame.index else None,
        parts,
        column=letter,
    )


def row_keys(table: Table, rows, ctx: SheetContext) -> list[str | None]:
    """:func:`row_key` of each of ``rows`` (Excel rows of ``table.frame``), looked up at
    once."""
    key = table.spec.key
    if key is None or key not in table.frame.columns:
        return [None] * len(rows)
    values = table.frame[key].reindex(rows).tolist()
    f = table.spec.field(key)
    hide = ctx.mask and is_personal(f)
    out: list[str | None] = []
    for value in values:
        text = show_value(value)
        out.append((mask(text, f.type) if hide else text) if text else None)
    return out


def severity_of(ctx: SheetContext, slug: str, f: FieldSpec | None, severity: str | None = None):
    """The severity of a ``slug`` finding on field ``f``: ``severity`` when given, else the
    spec's ``severity:`` override or the rule's own, lowered to a warning on a field marked
    ``severity: warning`` (except a missing required column)."""
    if severity is not None:
        return severity
    rule = RULES[slug]
    severity = ctx.spec.severity.get(slug, rule.severity)
    lowered = f is not None and f.severity == "warning" and rule.severity == "error"
    if lowered and slug != "missing-column":
        severity = "warning"
    return severity
