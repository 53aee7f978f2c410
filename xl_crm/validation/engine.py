"""Checking one sheet's Table against its template: the cells the reader could not read,
the columns missing or unknown, then the sheet's pandera schema
(:mod:`xl_crm.validation.schema`), whose failures become findings
(:mod:`xl_crm.validation.cases`), one per cell and rule, zh and en.  Every check
runs, so every failure in every column is collected in one pass
(:mod:`xl_crm.validation.runner`).
"""

from __future__ import annotations

import pandas as pd

from xl_crm.table import Table
from xl_crm.validation.bounded import bounded
from xl_crm.validation.cases import findings_from_failures
from xl_crm.validation.context import SheetContext
from xl_crm.validation.findings import (
    CellRows,
    failure_finding,
    row_keys,
    rule_finding,
    severity_of,
)
from xl_crm.validation.report import Finding
from xl_crm.validation.runner import failures_by_pandera, run_schema
from xl_crm.validation.schema import Derived, build_schema
from xl_crm.xlsx.texts import TYPE_LABELS

__all__ = ["DATE_FORMS", "SheetContext", "check_table", "column_findings", "prepare"]

#: the forms a date cell may take, shown in every date finding (see xl_crm.fields.coercion)
DATE_FORMS = (
    "2026-05-01、2026/5/1、2026.5.1、2026年5月1日、20260501，可带时间 9:30 或 8时30分",
    "2026-05-01, 2026/5/1, 2026.5.1, 2026年5月1日, 20260501, 1 May 2026, optionally with a "
    "time 9:30",
)


def prepare(table: Table, ctx: SheetContext) -> tuple[pd.DataFrame, list[Finding]]:
    """The table's typed frame (built once by the reader, see :mod:`xl_crm.fields.coercion`) and
    the findings for the cells it could not read: wrong type, Excel error values, formulas
    without a saved result; plus a warning per column whose day/month order is unclear."""
    findings: list[Finding] = []
    groups: dict[tuple[str, str], dict[int, str]] = {}
    for issue in table.issues:
        slug = issue.kind if issue.kind in ("formula-error", "formula-no-value") else "type"
        groups.setdefault((slug, issue.field), {}).setdefault(issue.row, issue.raw)
    for (slug, fid), raws in groups.items():
        findings += _issue_findings(table, ctx, slug, fid, raws)
    for fid, order in table.date_orders.items():
        if not (order.ambiguous or order.conflicting) or ctx.spec.date_order:
            continue
        if order.conflicting:
            text = (
                "同时有“日/月/年”和“月/日/年”两种写法，按日/月/年读取",
                "are written both day-first and month-first; read day-first",
            )
        elif order.order == "dmy":
            text = (
                "如 12/04/2026 可读作4月12日或12月4日，已按日/月/年读取",
                "like 12/04/2026 could be 12 April or 4 December; read day-first",
            )
        else:
            text = (
                "如 12/04/2026 可读作4月12日或12月4日，已按月/日/年读取",
                "like 12/04/2026 could be 12 April or 4 December; read month-first",
            )
        f = table.spec.field(fid)
        findings.append(
            rule_finding(
                table,
                ctx,
                "ambiguous-date",
                f,
                f"{table.letters[fid]}{table.header_row}",
                None,
                table.headers.get(fid),
                None,
                None,
                {"limit": text},
                column=table.letters[fid],
            )
        )
    return table.frame, findings


def _issue_findings(
    table: Table, ctx: SheetContext, slug: str, fid: str, raws: dict[int, str]
) -> list[Finding]:
    """The ``slug`` findings of the cells of field ``fid`` that could not be read (row ->
    their text), bounded as :func:`xl_crm.validation.bounded.bounded` says."""
    f = table.spec.field(fid)
    limit = ("", "")
    if slug == "type":
        kind = TYPE_LABELS[f.type]
        if f.ftype.storage in ("date", "datetime"):
            kind = (f"{kind[0]}（可用格式：{DATE_FORMS[0]}）", f"{kind[1]} ({DATE_FORMS[1]})")
        limit = (kind[0], kind[1])

    def build(part) -> CellRows:
        rows = part.tolist()
        values = [raws[row] for row in rows]
        keys = row_keys(table, part, ctx)
        return CellRows(table, ctx, slug, f, rows, values, keys, None, {"limit": limit})

    return bounded(
        ctx,
        sorted(raws),
        build,
        rule=slug,
        severity=severity_of(ctx, slug, f),
        sheet=table.sheet,
        column=table.letters.get(fid),
        label=table.headers.get(fid) or fid,
    )


def check_table(table: Table, ctx: SheetContext, engine: str = "fast") -> list[Finding]:
    """The findings of one sheet, ordered by row: missing and unknown columns, cells that
    could not be read, then every check of the sheet's pandera schema, run by ``engine``
    (``fast``: check by check, failures kept as row masks; ``pandera``:
    ``DataFrameSchema.validate`` and its failure cases; the same findings either way,
    see :mod:`xl_crm.validation.runner`).  At most ``ctx.limit`` findings are built per
    rule and column; the rest are added to ``ctx.overflow`` (see
    :mod:`xl_crm.validation.bounded`).  Never raises for bad data."""
    findings = column_findings(table, ctx)
    frame, type_findings = prepare(table, ctx)
    findings += type_findings
    derived = Derived(frame, ctx.spec.phone_region)
    schema = build_schema(table, ctx, derived)
    if engine == "pandera":
        failures = failures_by_pandera(schema, frame)
    else:
        failures = run_schema(schema, frame)
    # a cell whose text is not of the column's type is not also "empty"
    unread: dict[str, set[int]] = {}
    for issue in table.issues:
        unread.setdefault(issue.field, set()).add(issue.row)
    found = findings_from_failures(failures, table, frame, ctx, skip=unread)
    found += [failure_finding(table, ctx, frame, item) for item in derived.failures.items]
    ctx.distinct[table.sheet] = derived.distinct
    return _ordered(findings + found)


def _ordered(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple] = set()
    out = []
    for f in sorted(findings, key=lambda f: (f.row or 0, f.column or "", f.rule)):
        key = (f.sheet, f.cell, f.rule, f.field, f.header)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def column_findings(table: Table, ctx: SheetContext) -> list[Finding]:
    """A finding per template column the sheet lacks (computed ones aside: compute adds
    them) and per column the template does not know, at its header cell."""
    out = []
    for fid in table.missing:
        f = table.spec.field(fid)
        if f.computed:
            continue  # compute adds it
        slug = (
            "missing-column"
            if (f.required or table.spec.key == fid)
            else ("missing-optional-column")
        )
        header = f"{f.label.zh} / {f.label.en}"
        out.append(
            rule_finding(
                table, ctx, slug, None, f"A{table.header_row}", None, header, None, None, {}
            )
        )
    for header, letter in table.unknown:
        out.append(
            rule_finding(
                table,
                ctx,
                "unknown-column",
                None,
                f"{letter}{table.header_row}",
                None,
                header,
                None,
                None,
                {},
                column=letter,
            )
        )
    return out
