"""Findings from pandera's failure cases: one per failing cell and rule, with the details
its message needs (why an e-mail or an ID number is wrong, the allowed range ...), built
for the first ``ctx.limit`` rows of each rule and column (the rest as a
:class:`xl_crm.validation.bounded.FindingBatch`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from xl_crm.fields import formats as fc
from xl_crm.fields.normalise import comparable
from xl_crm.specs.expressions import parse_expression
from xl_crm.specs.model import FieldSpec
from xl_crm.table import Table
from xl_crm.validation.bounded import bounded
from xl_crm.validation.context import CheckFailure, SheetContext
from xl_crm.validation.findings import (
    CellRows,
    failure_finding,
    row_keys,
    severity_of,
    show_value,
)
from xl_crm.validation.report import Finding
from xl_crm.validation.rules import RULES
from xl_crm.validation.schema import names_in_order

__all__ = [
    "ROW_CHECKS",
    "Failure",
    "cell_findings",
    "failures_from_cases",
    "findings_from_cases",
    "findings_from_failures",
    "in_order",
]


#: the prefixes of the checks of a whole row (frame-level checks of the schema)
ROW_CHECKS = ("duplicate-key:", "row-rule:", "reference:")


@dataclass(frozen=True)
class Failure:
    """Where one check of a sheet's schema failed: ``check`` (its name), ``column`` (the
    field id of a column check; None for a check of whole rows), ``rows`` (the Excel rows,
    distinct and ascending; None when the check could not say which rows: ``cause`` then
    holds its answer or the error it raised)."""

    check: str
    column: str | None
    rows: np.ndarray | None = None
    cause: str = ""


def in_order(failures: list[Failure], frame: pd.DataFrame) -> list[Failure]:
    """``failures`` in the order findings are built from them, whichever engine found
    them: those without rows first, then those with rows; each part with the columns'
    checks in the frame's column order and by check name, then the checks of whole rows
    by name."""
    position = {c: i for i, c in enumerate(frame.columns)}

    def key(f: Failure) -> tuple:
        if f.check.startswith(ROW_CHECKS) or f.column is None:
            return (1, 0, f.check)
        return (0, position.get(f.column, len(position)), f.check)

    return sorted(failures, key=lambda f: (f.rows is not None, *key(f)))


def failures_from_cases(cases: pd.DataFrame, frame: pd.DataFrame) -> list[Failure]:
    """pandera's ``failure_cases`` (columns ``check``, ``column``, ``index``,
    ``failure_case``) on ``frame`` as :class:`Failure` objects, :func:`in_order`."""
    out: list[Failure] = []
    rowless = cases[cases["index"].isna()]
    for _, case in rowless.drop_duplicates(["check", "column"]).iterrows():
        column = case["column"] if isinstance(case["column"], str) else None
        out.append(Failure(str(case["check"]), column, None, str(case["failure_case"])))
    cases = cases[cases["index"].notna()]
    for check, group in cases.groupby("check", sort=False):
        check = str(check)
        if check.startswith(ROW_CHECKS):
            out.append(Failure(check, None, _rows(group["index"], frame)))
            continue
        for fid, sub in group.groupby("column", sort=False):
            out.append(Failure(check, str(fid), _rows(sub["index"], frame)))
    return in_order(out, frame)


def findings_from_cases(
    cases: pd.DataFrame,
    table: Table,
    frame: pd.DataFrame,
    ctx: SheetContext,
    skip: dict[str, set[int]] | None = None,
) -> list[Finding]:
    """The findings of pandera's ``failure_cases`` (columns ``check``, ``column``,
    ``index``, ``failure_case``) on ``frame``, the typed frame of ``table``
    (:func:`findings_from_failures` of :func:`failures_from_cases`)."""
    failures = failures_from_cases(cases, frame)
    return findings_from_failures(failures, table, frame, ctx, skip)


def findings_from_failures(
    failures: list[Failure],
    table: Table,
    frame: pd.DataFrame,
    ctx: SheetContext,
    skip: dict[str, set[int]] | None = None,
) -> list[Finding]:
    """The findings of the schema's ``failures`` on ``frame``, the typed frame of
    ``table``, built in the order of ``failures``.

    A failure that could not be placed on a row is a ``check-failed`` finding; a row-rule,
    composite-key or reference failure is reported at its row; a column check's failure
    at its cell, under the check's rule (``not_nullable`` is ``required``).  ``skip``:
    field id -> rows not to report as ``required`` (cells whose text could not be read
    are reported as such, not as empty).  At most ``ctx.limit`` findings are built per
    rule and column; the rest go to ``ctx.overflow``."""
    sheet = table.spec
    out: list[Finding] = []
    for failure in failures:
        check, rows = failure.check, failure.rows
        if rows is None:
            cause = failure.cause
            if not re.match(r"\w*(Error|Exception|Warning)\b", cause):
                cause = f"pandera could not tell which rows failed (its answer: {cause})"
            item = CheckFailure(check, failure.column, None, cause)
            out.append(failure_finding(table, ctx, frame, item))
            continue
        if check.startswith(ROW_CHECKS):
            out += _frame_findings(check, rows, table, frame, ctx)
            continue
        if failure.column not in frame.columns:
            continue
        slug = "required" if check == "not_nullable" else check
        if slug not in RULES:
            slug = "type"
        f = sheet.field(failure.column)
        if slug == "required" and skip and skip.get(f.id):
            rows = rows[~np.isin(rows, list(skip[f.id]))]
        out += cell_findings(table, ctx, frame, slug, f, rows)
    return out


def cell_findings(
    table: Table, ctx: SheetContext, frame: pd.DataFrame, slug: str, f: FieldSpec, rows
) -> list[Finding]:
    """The ``slug`` findings of field ``f`` at Excel ``rows`` (ascending) of ``frame``,
    each with its value and message details; bounded as :func:`bounded` says."""
    region = ctx.spec.phone_region

    def build(part: np.ndarray) -> CellRows:
        values = frame.loc[part, f.id]
        try:
            shared, details = _details(slug, f, values, region)
        except Exception:  # a finding without its detail beats no finding
            shared, details = {}, {}
        rows = part.tolist()
        parts = [details.get(row) for row in rows] if details else None
        keys = row_keys(table, part, ctx)
        shown = values.tolist()
        typed = table.as_typed.get(f.id) if slug == "duplicate" else None
        if typed:  # what each cell holds as typed (１３８…), compared folded (138…)
            shown = [typed.get(row, v) for row, v in zip(rows, shown, strict=True)]
        return CellRows(table, ctx, slug, f, rows, shown, keys, parts, shared)

    return bounded(
        ctx,
        rows,
        build,
        rule=slug,
        severity=severity_of(ctx, slug, f),
        sheet=table.sheet,
        column=table.letters.get(f.id),
        label=table.headers.get(f.id) or f.id,
    )


def _rows(index: pd.Series, frame: pd.DataFrame) -> np.ndarray:
    """The distinct Excel rows of failure cases that are rows of ``frame``, ascending."""
    rows = index.to_numpy(dtype=np.int64)
    if len(rows) > 1 and not (rows[1:] > rows[:-1]).all():  # usually ascending already
        rows = np.sort(rows)
        rows = rows[np.concatenate(([True], rows[1:] != rows[:-1]))]
    if not frame.index.is_monotonic_increasing:
        return rows[pd.Index(rows).isin(frame.index)]
    known = frame.index.to_numpy(dtype=np.int64)
    at = np.minimum(np.searchsorted(known, rows), max(len(known) - 1, 0))
    return rows[known[at] == rows] if len(known) else rows[:0]


def _details(
    slug: str, f: FieldSpec, values: pd.Series, region: str
) -> tuple[dict, dict[int, dict]]:
    """Message details computed for failing cells only: (those all cells share, those of
    each row)."""
    if slug == "email":
        reasons = fc.email_problems(values)
        return {}, {r: {"limit": (str(v), str(v))} for r, v in reasons.items() if not pd.isna(v)}
    if slug in ("resident-id", "uscc", "damaged-id"):
        if slug == "resident-id":
            reasons = fc.resident_id_problems(values)
        elif slug == "uscc":
            reasons = fc.uscc_problems(values)
        else:
            reasons = fc.damaged_identifiers(values, f.type, region)
        out = {}
        for r, v in reasons.items():
            if pd.isna(v):
                continue
            zh, _, en = str(v).partition(" / ")
            out[r] = {"limit": (zh, en or zh)}
        return {}, out
    if slug == "too-long":
        n = f.effective_max_length
        return {"limit": (n, n)}, {
            r: {"other": (len(str(v)), len(str(v)))} for r, v in values.items()
        }
    if slug == "out-of-range":
        lo = None if f.min_value is None else _num(f.min_value)
        hi = None if f.max_value is None else _num(f.max_value)
        if lo is not None and hi is not None:
            span = (f"在 {lo} 到 {hi} 之间", f"between {lo} and {hi}")
        elif lo is not None:
            span = (f"不小于 {lo}", f"at least {lo}")
        else:
            span = (f"不大于 {hi}", f"at most {hi}")
        return {"limit": span}, {}
    if slug == "choice":
        zh = "、".join(f.choice_labels("zh"))
        en = ", ".join(f.choice_labels("en"))
        return {"choices": (zh, en)}, {}
    return {}, {}


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else str(v)


def _frame_findings(
    check: str, rows: np.ndarray, table: Table, frame: pd.DataFrame, ctx: SheetContext
) -> list[Finding]:
    sheet = table.spec
    region = ctx.spec.phone_region
    kind, _, name = check.partition(":")
    if kind == "duplicate-key":
        combo = sheet.unique_together[int(name)]
        f = sheet.field(combo[0])
        keys = pd.DataFrame({c: comparable(frame[c], sheet.field(c), region) for c in combo})
        copies = keys[keys.duplicated(keep=False) & keys.notna().all(axis=1)]
        group = copies.groupby(list(combo), sort=False, dropna=False).ngroup()
        firsts = group.groupby(group.to_numpy()).head(2)  # the first two rows of each key
        by_group: dict[int, list[int]] = {}
        for row, g in firsts.items():
            by_group.setdefault(int(g), []).append(int(row))
        header = " + ".join(table.headers[c] for c in combo)

        def build(part: np.ndarray) -> CellRows:
            rows, values, parts = part.tolist(), [], []
            for row in rows:
                mates = by_group.get(int(group.get(row, -1)), [row])
                # a copy points at the first row of its key; the first row at its next copy
                other = mates[0] if mates[0] != row else (mates[1:] or [row])[0]
                values.append(" + ".join(show_value(frame.at[row, c]) for c in combo))
                parts.append({"other": (str(other), str(other))})
            keys = row_keys(table, part, ctx)
            return CellRows(
                table, ctx, "duplicate-key", f, rows, values, keys, parts, {"header": header}
            )

        return bounded(
            ctx,
            rows,
            build,
            rule="duplicate-key",
            severity=severity_of(ctx, "duplicate-key", f),
            sheet=table.sheet,
            column=table.letters.get(f.id),
            label=header,
        )
    if kind == "row-rule":
        rule = next(r for r in sheet.rules if r.id == name)
        expr = parse_expression(rule.check)
        names = [n for n in sheet.field_ids() if n in expr.names]
        target = next((n for n in names_in_order(rule.check) if n in frame.columns), names[0])
        message = rule.message or None
        zh = message.zh if message else f"不满足规则 {rule.check}"
        en = message.en if message else f"rule {rule.check} does not hold"
        f = sheet.field(target)

        options = {"rule": (zh, en), "severity": rule.severity, "mask_value": False}

        def build(part: np.ndarray) -> CellRows:
            texts = [
                ", ".join(
                    f"{table.headers[n]}={show_value(v)}" for n, v in zip(names, vs, strict=True)
                )
                for _, *vs in frame.loc[part, names].itertuples()
            ]
            keys = row_keys(table, part, ctx)
            return CellRows(table, ctx, "row-rule", f, part.tolist(), texts, keys, None, options)

        return bounded(
            ctx,
            rows,
            build,
            rule="row-rule",
            severity=severity_of(ctx, "row-rule", f, rule.severity),
            sheet=table.sheet,
            column=table.letters.get(f.id),
            label=table.headers.get(f.id) or f.id,
        )
    if kind == "reference":
        ref = next(r for r in sheet.references if r.field == name)
        target_sheet = ctx.tables[ref.sheet].sheet
        f = sheet.field(name)

        options = {"sheet_name": target_sheet, "severity": ref.severity}

        def build(part: np.ndarray) -> CellRows:
            values = frame.loc[part, name].tolist()
            keys = row_keys(table, part, ctx)
            return CellRows(table, ctx, "reference", f, part.tolist(), values, keys, None, options)

        return bounded(
            ctx,
            rows,
            build,
            rule="reference",
            severity=severity_of(ctx, "reference", f, ref.severity),
            sheet=table.sheet,
            column=table.letters.get(f.id),
            label=table.headers.get(f.id) or f.id,
        )
    return []
