"""Building :class:`xl_crm.validation.report.Finding` objects: a rule's message with the
cell, its value (masked where asked), the row's key and the severity the spec gives."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from xl_crm.fields.normalise import comparable
from xl_crm.privacy import PERSONAL_TYPES, mask
from xl_crm.specs.model import FieldSpec
from xl_crm.table import Table
from xl_crm.validation.columnar import HOLE, LINE_BREAK, json_block
from xl_crm.validation.context import CheckFailure, SheetContext
from xl_crm.validation.report import Finding, json_lines, sheet_ref
from xl_crm.validation.rules import RULES, Rule

__all__ = [
    "CellRows",
    "failure_finding",
    "is_personal",
    "make_finding",
    "messages",
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
    key=_LOOK_UP,
    **options,
) -> Finding:
    """The finding of rule ``slug`` at ``row`` of field ``f`` (None: the sheet's header
    cell), with ``value`` shown (masked for personal fields when ``ctx.mask``, unless
    ``mask_value=False``).  ``options`` (see :class:`CellRows`): the message parts (zh, en)
    ``limit``, ``choices``, ``other``, ``rule``, and ``sheet_name``, ``header``,
    ``severity``.  ``key``: the row's key as shown, when the caller looked it up already
    (:func:`row_keys`)."""
    if key is _LOOK_UP:
        key = row_key(table, row, ctx)
    shared = _Shared(table, ctx, slug, f, options)
    return Finding(*shared.record(row, value, key)[:-1])


@dataclass
class CellRows:
    """Findings of rule ``slug`` on field ``f`` at many ``rows``, held as columns: each
    row's ``values`` and ``keys`` (as :func:`row_keys` shows them) and, when they differ
    by row, its message ``parts``; ``options`` are the :func:`make_finding` keywords all
    rows share.  :meth:`findings` builds the Finding objects; :meth:`records` gives the
    same fields as tuples without building them (streamed reports)."""

    table: Table
    ctx: SheetContext
    slug: str
    f: FieldSpec
    rows: list[int]
    values: list
    keys: list[str | None]
    parts: list[dict] | None = None
    options: dict = field(default_factory=dict)

    def findings(self) -> list[Finding]:
        """One Finding per row."""
        return [Finding(*r[:-1]) for r in self.records()]

    def records(self) -> list[tuple]:
        """One tuple per row: the fields of :class:`Finding` in order, then ``where``."""
        shared = _Shared(self.table, self.ctx, self.slug, self.f, self.options)
        parts = self.parts or [None] * len(self.rows)
        return [
            shared.record(row, value, key, extra)
            for row, value, key, extra in zip(self.rows, self.values, self.keys, parts, strict=True)
        ]

    def json_text(self, columnar: bool = True) -> str:
        """The findings as JSON objects (``Finding.to_dict``, one per line) joined by
        :data:`xl_crm.validation.columnar.LINE_BREAK`, as the JSON report lists them.
        ``columnar``: build the lines by columns in Arrow
        (:func:`xl_crm.validation.columnar.json_block`) when the findings differ only in
        row, key and value (no message parts of their own, nothing masked); False builds
        each finding's record in Python (the same text)."""
        if not self.rows:
            return ""
        shared = _Shared(self.table, self.ctx, self.slug, self.f, self.options)
        alike = not (self.parts or shared.hide or self.slug == "duplicate")
        if columnar and alike and shared.column is not None:
            shown = [show_value(v) for v in self.values]
            first = shared.record(self.rows[0], self.values[0], self.keys[0])
            return json_block(
                first, shared.column, shared.prefix, shared.plain, self.rows, shown, self.keys
            )
        return LINE_BREAK.join(json_lines(self.records()))


_PARTS = ("limit", "choices", "other", "rule")


class _Shared:
    """What the findings of one rule on one field share: severity, cell column, header,
    message parts; :meth:`record` adds a row's own."""

    def __init__(self, table: Table, ctx: SheetContext, slug: str, f, options: dict) -> None:
        self.table, self.ctx, self.slug, self.f = table, ctx, slug, f
        self.rule = RULES[slug]
        self.severity = severity_of(ctx, slug, f, options.get("severity"))
        self.column = table.letters.get(f.id) if f is not None else None
        header = options.get("header")
        self.header = header or (table.headers.get(f.id) if f is not None else None)
        personal = f is not None and is_personal(f)
        self.hide = ctx.mask and personal and options.get("mask_value", True)
        sheet_name = options.get("sheet_name") or ""
        base = {name: options.get(name, ("", "")) for name in _PARTS}
        base["sheet"] = (sheet_name, sheet_name)
        self.base = base
        self.prefix = sheet_ref(table.sheet)
        # the messages with everything but the value filled in, for rows with no parts
        # of their own ("\0" stands for the value)
        self.plain = messages(self.rule, base, self.header, HOLE)

    def record(self, row: int, value, key, extra: dict | None = None) -> tuple:
        f, table = self.f, self.table
        text = show_value(value)
        display = mask(text, f.type) if (self.hide and text) else text
        column = self.column
        cell = f"{column}{row}" if column else f"A{table.header_row}"
        if extra or self.slug == "duplicate":
            parts = {**self.base, **extra} if extra else self.base
            if self.slug == "duplicate" and f is not None:
                parts = {**parts, "other": _duplicate_other(table, f, row, self.ctx)}
            zh, en = messages(self.rule, parts, self.header, display)
        else:
            zh, en = self.plain[0].replace(HOLE, display), self.plain[1].replace(HOLE, display)
        where = f"{self.prefix}!{cell}" if self.prefix else cell
        return (
            self.slug, self.severity, table.sheet, cell, row, column,
            f.id if f is not None else None, self.header, key, display, zh, en,
            self.rule.hint[0], self.rule.hint[1], where,
        )  # fmt: skip


def messages(rule: Rule, parts: dict, header: str | None, value: str | None) -> tuple[str, str]:
    """The rule's message (zh, en) with ``parts`` (name -> (zh, en)), the header and the
    value as shown filled in."""
    common = {"header": header or "", "value": value or ""}
    zh = rule.message[0].format(**{k: v[0] for k, v in parts.items()}, **common)
    en = rule.message[1].format(**{k: v[1] for k, v in parts.items()}, **common)
    return zh, en


def _duplicate_other(table: Table, f: FieldSpec, row: int, ctx: SheetContext) -> tuple[str, str]:
    cache = ctx.duplicate_groups
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
    """Whether ``f`` holds personal data (masked with ``--mask``)."""
    return f.type in PERSONAL_TYPES or f.personal


def row_key(table: Table, row: int | None, ctx: SheetContext) -> str | None:
    """The key of ``row`` as a finding shows it (masked when personal and asked), or None."""
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
    """A finding of rule ``slug`` at ``cell`` built from its parts as they are: for the
    findings of a column or a header cell (:func:`make_finding` is for a row's cell)."""
    rule = RULES[slug]
    severity = severity_of(ctx, slug, f, severity)
    message_zh, message_en = messages(rule, parts, header, value)
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
        message_zh=message_zh,
        message_en=message_en,
        hint_zh=rule.hint[0],
        hint_en=rule.hint[1],
    )


def show_value(value) -> str:
    """A cell's value as a finding shows it: dates ISO (with the time when not midnight),
    whole numbers without ".0", missing as ""."""
    if type(value) is str:
        return value
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
    column = table.frame[key].reindex(rows)
    f = table.spec.field(key)
    hide = ctx.mask and is_personal(f)
    if pd.api.types.is_float_dtype(column.dtype) and not hide:  # IDs read as numbers
        values = column.to_numpy(dtype=np.float64)
        whole = np.isfinite(values) & (values == np.round(values)) & (np.abs(values) < 2**53)
        if whole.all():  # the usual case: whole numbers, formatted by Arrow at once
            return pc.cast(pa.array(values.astype(np.int64)), pa.string()).to_pylist()
        return [
            None if v != v else (str(int(v)) if v.is_integer() else str(v)) for v in column.tolist()
        ]
    out: list[str | None] = []
    for value in column.tolist():
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
