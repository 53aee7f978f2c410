"""Checking Tables against their template spec with pandera.

Each sheet's spec becomes a ``pandera.DataFrameSchema``: one column per field with the
field's checks (required, length, range, choices, formats, uniqueness on normalised
keys), plus frame-level checks for row rules, composite keys and references to other
sheets.  The schema runs lazily, so every failure in every column is collected in one
pass; failure cases are then turned into findings, one per cell and rule, with messages
in Chinese and English.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from xl_crm.fields import formats as fc
from xl_crm.fields.normalise import comparable, normalise_text, per_distinct
from xl_crm.privacy import PERSONAL_TYPES, mask
from xl_crm.specs.expressions import parse_expression
from xl_crm.specs.model import FieldSpec, Spec
from xl_crm.table import Table
from xl_crm.validation.report import Finding
from xl_crm.validation.rules import RULES
from xl_crm.xlsx.texts import TYPE_LABELS

_SEPARATORS = re.compile(r"[、,，;；/|]")


@dataclass
class SheetContext:
    """What one sheet's checks need from the run: other sheets' keys, masking; and
    ``duplicate_groups``: (sheet, field id) -> (comparable keys, key -> rows), computed
    once for the messages of duplicate findings."""

    spec: Spec
    tables: dict[str, Table]
    mask: bool = False
    duplicate_groups: dict[tuple[str, str], tuple[pd.Series, dict]] = field(default_factory=dict)


class Derived:
    """Per-column values several checks need, computed once per run (E.164 phones ...),
    and the checks that could not run (:class:`CheckFailures`)."""

    def __init__(self, frame: pd.DataFrame, region: str) -> None:
        self.frame = frame
        self.region = region
        self._phones: dict[str, tuple[pd.Series, pd.Series]] = {}
        self._damage: dict[str, pd.Series] = {}
        self.failures = CheckFailures()

    def damage(self, fid: str, kind: str) -> pd.Series:
        """How each identifier of column ``fid`` was damaged (NA where intact)."""
        if fid not in self._damage:
            self._damage[fid] = fc.damaged_identifiers(self.frame[fid], kind, self.region)
        return self._damage[fid]

    def phones(self, fid: str) -> tuple[pd.Series, pd.Series]:
        if fid not in self._phones:
            self._phones[fid] = fc.phone_numbers(self.frame[fid], self.region)
        return self._phones[fid]


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
    for issue in table.issues:
        f = table.spec.field(issue.field)
        if issue.kind in ("formula-error", "formula-no-value"):
            findings.append(make_finding(table, ctx, issue.kind, f, issue.row, issue.raw))
            continue
        kind = TYPE_LABELS[f.type]
        if f.ftype.storage in ("date", "datetime"):
            kind = (f"{kind[0]}（可用格式：{DATE_FORMS[0]}）", f"{kind[1]} ({DATE_FORMS[1]})")
        findings.append(
            make_finding(table, ctx, "type", f, issue.row, issue.raw, limit=(kind[0], kind[1]))
        )
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
            _finding(
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


# -- the pandera schema ---------------------------------------------------------------


@dataclass(frozen=True)
class CheckFailure:
    """A check that raised: on one row (``row``) or on its whole column (``row`` None)."""

    check: str
    column: str | None  # field id, or None for a check of the whole sheet
    row: int | None
    cause: str  # "ValueError: ..." as raised


class CheckFailures:
    """Where checks raised instead of answering; each becomes a ``check-failed`` finding,
    so a check that breaks on one value never hides the findings of the other cells."""

    def __init__(self) -> None:
        self.items: list[CheckFailure] = []

    def add(self, check: str, column: str | None, row, exc: BaseException) -> None:
        cause = f"{type(exc).__name__}: {exc}"
        self.items.append(CheckFailure(check, column, None if row is None else int(row), cause))


def _aligned(result, index: pd.Index) -> pd.Series:
    """A check's result as a bool Series on ``index`` (NA counts as failed); raises
    ValueError when it does not have one answer per value."""
    if isinstance(result, pd.DataFrame):
        result = result.all(axis=1)
    if isinstance(result, pd.Series):
        if len(result) != len(index):
            raise ValueError(f"the check gave {len(result)} answers for {len(index)} values")
        reordered = not result.index.equals(index) and index.is_unique
        if reordered and result.index.is_unique and result.index.isin(index).all():
            result = result.reindex(index)  # the same rows in another order
        values = result.to_numpy()
    else:
        values = np.asarray(result, dtype=object)
        if values.ndim == 0:
            values = np.full(len(index), values.item(), dtype=object)
        if values.shape != (len(index),):
            raise ValueError(f"the check gave {values.size} answers for {len(index)} values")
    flags = pd.array(values, dtype="boolean").fillna(False)
    return pd.Series(flags.to_numpy(dtype=bool), index=index)


def guarded(
    check: Callable, name: str, column: str | None, failures: CheckFailures, *, local=True
) -> Callable:
    """``check`` that always answers, one bool per row.  If it raises, a ``local`` check
    (each row's answer depends on that row only) is run again on halves of the data down
    to the rows that raise, which are recorded in ``failures`` and pass; a check of the
    whole column (uniqueness) is recorded once and passes every row."""

    def run(data):
        try:
            return _aligned(check(data), data.index)
        except Exception as exc:
            if not local:
                failures.add(name, column, None, exc)
                return pd.Series(True, index=data.index)
        return pd.Series(_bisect(data), index=data.index)

    def _bisect(data) -> np.ndarray:
        try:
            return _aligned(check(data), data.index).to_numpy()
        except Exception as exc:
            if len(data) <= 1:
                if len(data):
                    failures.add(name, column, data.index[0], exc)
                return np.ones(len(data), dtype=bool)
        mid = len(data) // 2
        return np.concatenate([_bisect(data.iloc[:mid]), _bisect(data.iloc[mid:])])

    return run


def _ok_where_missing(check: Callable[[pd.Series], pd.Series]) -> Callable[[pd.Series], pd.Series]:
    """``check`` run on the present values only; missing values pass (``required`` is
    its own check).  The answer is aligned with the input whatever ``check`` returns."""

    def wrapped(s: pd.Series) -> pd.Series:
        result = np.ones(len(s), dtype=bool)
        present = s.notna().to_numpy(dtype=bool)
        if present.any():
            some = s[present]
            result[present] = _aligned(check(some), some.index).to_numpy()
        return pd.Series(result, index=s.index)

    return wrapped


def _numbers(s: pd.Series) -> pd.Series:
    """Numeric values of ``s`` as float (NaN where a value is not a number: text, dates,
    booleans are the type check's business, not the range's)."""
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        return s.astype("float64")
    values = [
        v if isinstance(v, int | float | np.number) and not isinstance(v, bool | np.bool_) else None
        for v in s.tolist()
    ]
    return pd.Series(values, index=s.index, dtype="float64")


def field_checks(f: FieldSpec, region: str, derived: Derived) -> list[pa.Check]:
    """The pandera checks of one field's values (not ``required``/``unique``).

    Every check answers one bool per row whatever the values hold (text, numbers, dates,
    ``None``, full-width digits ...); a value a check cannot judge is recorded in
    ``derived.failures`` (see :func:`guarded`) instead of hiding the column's findings.
    """
    checks: list[pa.Check] = []

    def add(name: str, fn: Callable[[pd.Series], pd.Series]) -> None:
        run = guarded(_ok_where_missing(fn), name, f.id, derived.failures)
        checks.append(pa.Check(run, name=name))

    storage = f.ftype.storage
    damage_kinds = ("phone", "cn_resident_id", "uscc")

    def intact(s: pd.Series) -> pd.Series:
        if f.type not in damage_kinds:
            return pd.Series(True, index=s.index)
        return derived.damage(f.id, f.type).reindex(s.index).isna()

    if f.type in damage_kinds:
        add("damaged-id", intact)
    limit = f.effective_max_length
    if storage == "text" and limit:
        add("too-long", lambda s: s.astype("str").str.len() <= limit)
    if storage == "integer":

        def whole(s: pd.Series) -> pd.Series:
            x = _numbers(s)
            return x.isna() | np.isclose(x, np.round(x))

        add("not-integer", whole)
    if storage in ("integer", "number") and (f.min_value is not None or f.max_value is not None):
        lo = -np.inf if f.min_value is None else f.min_value
        hi = np.inf if f.max_value is None else f.max_value

        def in_range(s: pd.Series) -> pd.Series:
            x = _numbers(s)
            return x.isna() | x.between(lo, hi)

        add("out-of-range", in_range)
    if f.type in ("choice", "multi_choice"):
        allowed = {
            unicodedata.normalize("NFKC", t).strip().lower()
            for c in f.choices
            for t in (c.value, c.zh, c.en)
        }
        if f.type == "choice":

            def is_allowed(s: pd.Series) -> pd.Series:
                return normalise_text(s).isin(allowed)

            add("choice", lambda s: per_distinct(s, is_allowed))
        else:

            def parts_allowed(s: pd.Series) -> pd.Series:
                return normalise_text(s).map(
                    lambda text: all(
                        p.strip() in allowed for p in _SEPARATORS.split(text) if p.strip()
                    )
                )

            add("choice", lambda s: per_distinct(s, parts_allowed))
    if f.type == "email":
        add("email", lambda s: fc.email_problems(s).isna())
    if f.type == "phone":
        add("phone", lambda s: ~derived.phones(f.id)[1].reindex(s.index).fillna(True) | ~intact(s))
    if f.type == "cn_resident_id":
        add("resident-id", lambda s: fc.resident_id_problems(s).isna() | ~intact(s))
    if f.type == "uscc":
        add("uscc", lambda s: fc.uscc_problems(s).isna() | ~intact(s))
    if f.type == "url":
        add("url", lambda s: ~fc.url_invalid(s))
    return checks


def build_schema(table: Table, ctx: SheetContext, derived: Derived) -> pa.DataFrameSchema:
    """The pandera schema of one sheet, for the columns the sheet has."""
    sheet = table.spec
    region = ctx.spec.phone_region
    columns = {}
    for fid in table.frame.columns:
        f = sheet.field(fid)
        checks = field_checks(f, region, derived)
        if f.unique or sheet.key == fid:
            unique = _unique_check(f, region, derived)
            run = guarded(unique, "duplicate", fid, derived.failures, local=False)
            checks.append(pa.Check(run, name="duplicate"))
        columns[fid] = pa.Column(
            nullable=not (f.required or sheet.key == fid), checks=checks, coerce=False
        )
    frame_checks = []
    for i, combo in enumerate(sheet.unique_together):
        if all(c in table.frame.columns for c in combo):
            name = f"duplicate-key:{i}"
            run = guarded(
                _composite_check(sheet, combo, region), name, None, derived.failures, local=False
            )
            frame_checks.append(pa.Check(run, name=name))
    for rule in sheet.rules:
        expr = parse_expression(rule.check)
        needed = rule.when_present or sorted(expr.names)
        if all(n in table.frame.columns for n in expr.names | set(needed)):
            name = f"row-rule:{rule.id}"
            first = next((n for n in _names_in_order(rule.check) if n in table.frame.columns), None)
            run = guarded(_row_rule_check(expr, needed), name, first, derived.failures)
            frame_checks.append(pa.Check(run, name=name))
    for ref in sheet.references:
        target = ctx.tables.get(ref.sheet)
        if (
            ref.field in table.frame.columns
            and target is not None
            and (ref.target_field in target.frame.columns)
        ):
            name = f"reference:{ref.field}"
            check = _reference_check(
                sheet.field(ref.field), target, ref.target_field, ctx.spec.phone_region
            )
            run = guarded(check, name, ref.field, derived.failures)
            frame_checks.append(pa.Check(run, name=name))
    return pa.DataFrameSchema(columns, checks=frame_checks, strict=False, name=sheet.id)


def _unique_check(f: FieldSpec, region: str, derived: Derived):
    def check(s: pd.Series) -> pd.Series:
        keys = comparable(
            s,
            f,
            region,
            derived.phones(f.id)[0]
            if f.type == "phone" and f.id in derived.frame.columns
            else None,
        )
        dup = keys.duplicated(keep=False) & keys.notna()
        return ~dup

    return check


def _composite_check(sheet, combo: list[str], region: str):
    def check(frame: pd.DataFrame) -> pd.Series:
        keys = pd.DataFrame({c: comparable(frame[c], sheet.field(c), region) for c in combo})
        complete = keys.notna().all(axis=1)
        dup = keys.duplicated(keep=False) & complete
        return ~dup

    return check


def _row_rule_check(expr, needed: list[str]):
    def check(frame: pd.DataFrame) -> pd.Series:
        present = frame[needed].notna().all(axis=1)
        result = pd.Series(True, index=frame.index)
        if present.any():
            env = {name: frame.loc[present, name] for name in expr.names}
            outcome = pd.Series(expr.evaluate(env), index=frame.index[present])
            result[present] = outcome.fillna(False).astype(bool)
        return result

    return check


def _reference_check(f: FieldSpec, target: Table, target_field: str, region: str):
    target_f = target.spec.field(target_field)
    keys = set(comparable(target.frame[target_field], target_f, region).dropna().tolist())

    def check(frame: pd.DataFrame) -> pd.Series:
        values = comparable(frame[f.id], f, region)
        return values.isna() | values.isin(keys)

    return check


# -- running and turning failures into findings ------------------------------------------


def check_table(table: Table, ctx: SheetContext) -> list[Finding]:
    findings = column_findings(table, ctx)
    frame, type_findings = prepare(table, ctx)
    findings += type_findings
    derived = Derived(frame, ctx.spec.phone_region)
    schema = build_schema(table, ctx, derived)
    try:
        schema.validate(frame, lazy=True)
        found: list[Finding] = []
    except SchemaErrors as exc:
        found = findings_from_cases(exc.failure_cases, table, frame, ctx)
    found += [failure_finding(table, ctx, frame, item) for item in derived.failures.items]
    # a cell whose text is not of the column's type is not also "empty"
    typed = {(f.cell) for f in type_findings}
    findings += [f for f in found if not (f.rule == "required" and f.cell in typed)]
    return _ordered(findings)


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
            _finding(table, ctx, slug, None, f"A{table.header_row}", None, header, None, None, {})
        )
    for header, letter in table.unknown:
        out.append(
            _finding(
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


def findings_from_cases(
    cases: pd.DataFrame, table: Table, frame: pd.DataFrame, ctx: SheetContext
) -> list[Finding]:
    """The findings of pandera's ``failure_cases`` for ``table`` (its checked ``frame``):
    one per failing cell, and a ``check-failed`` finding naming the check, the column and
    the cause for each failure pandera could not place on a row (index NaN)."""
    sheet = table.spec
    region = ctx.spec.phone_region
    out: list[Finding] = []
    rowless = cases[cases["index"].isna()]
    for _, case in rowless.drop_duplicates(["check", "column"]).iterrows():
        column = case["column"] if isinstance(case["column"], str) else None
        cause = str(case["failure_case"])
        if not re.match(r"\w*(Error|Exception|Warning)\b", cause):
            cause = f"pandera could not tell which rows failed (its answer: {cause})"
        item = CheckFailure(str(case["check"]), column, None, cause)
        out.append(failure_finding(table, ctx, frame, item))
    cases = cases[cases["index"].notna()]
    for check, group in cases.groupby("check", sort=False):
        check = str(check)
        if check.startswith(("duplicate-key:", "row-rule:", "reference:")):
            rows = sorted(set(int(r) for r in group["index"]))
            out += _frame_findings(check, rows, table, frame, ctx)
            continue
        slug = "required" if check == "not_nullable" else check
        if slug not in RULES:
            slug = "type"
        for fid, sub in group.groupby("column", sort=False):
            if str(fid) not in frame.columns:
                continue
            f = sheet.field(str(fid))
            rows = sorted(set(int(r) for r in sub["index"]) & set(frame.index))
            try:
                details = _details(slug, f, frame.loc[rows, f.id], region)
            except Exception:  # a finding without its detail beats no finding
                details = {}
            for row in rows:
                value = frame.at[row, f.id]
                extra = details.get(row, {})
                out.append(make_finding(table, ctx, slug, f, row, value, **extra))
    return out


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
    return _finding(
        table,
        ctx,
        "check-failed",
        f,
        f"{letter or 'A'}{row}",
        item.row,
        head,
        None,
        _row_key(table, item.row, ctx) if item.row in frame.index else None,
        parts,
        column=letter,
    )


def _details(slug: str, f: FieldSpec, values: pd.Series, region: str) -> dict[int, dict]:
    """Message details computed for failing cells only."""
    if slug == "email":
        reasons = fc.email_problems(values)
        return {r: {"limit": (str(v), str(v))} for r, v in reasons.items() if not pd.isna(v)}
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
        return out
    if slug == "too-long":
        n = f.effective_max_length
        return {
            r: {"limit": (n, n), "other": (len(str(v)), len(str(v)))} for r, v in values.items()
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
        return {r: {"limit": span} for r in values.index}
    if slug == "choice":
        zh = "、".join(f.choice_labels("zh"))
        en = ", ".join(f.choice_labels("en"))
        return {r: {"choices": (zh, en)} for r in values.index}
    return {}


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else str(v)


def _frame_findings(
    check: str, rows: list[int], table: Table, frame: pd.DataFrame, ctx: SheetContext
) -> list[Finding]:
    sheet = table.spec
    region = ctx.spec.phone_region
    kind, _, name = check.partition(":")
    out = []
    if kind == "duplicate-key":
        combo = sheet.unique_together[int(name)]
        keys = pd.DataFrame({c: comparable(frame[c], sheet.field(c), region) for c in combo})
        first_row: dict[tuple, int] = {}
        for row in keys.index[keys.duplicated(keep=False) & keys.notna().all(axis=1)]:
            first_row.setdefault(tuple(keys.loc[row]), row)
        header = " + ".join(table.headers[c] for c in combo)
        for row in rows:
            key = tuple(keys.loc[row])
            other = first_row.get(key, row)
            if other == row:  # point at a later copy
                later = [r for r in rows if r != row and tuple(keys.loc[r]) == key]
                other = later[0] if later else row
            value = " + ".join(_show(frame.at[row, c]) for c in combo)
            out.append(
                make_finding(
                    table,
                    ctx,
                    "duplicate-key",
                    sheet.field(combo[0]),
                    row,
                    value,
                    header=header,
                    other=(str(other), str(other)),
                )
            )
    elif kind == "row-rule":
        rule = next(r for r in sheet.rules if r.id == name)
        expr = parse_expression(rule.check)
        names = [n for n in sheet.field_ids() if n in expr.names]
        target = next((n for n in _names_in_order(rule.check) if n in frame.columns), names[0])
        message = rule.message or None
        for row in rows:
            shown = ", ".join(f"{table.headers[n]}={_show(frame.at[row, n])}" for n in names)
            zh = message.zh if message else f"不满足规则 {rule.check}"
            en = message.en if message else f"rule {rule.check} does not hold"
            out.append(
                make_finding(
                    table,
                    ctx,
                    "row-rule",
                    sheet.field(target),
                    row,
                    shown,
                    rule=(zh, en),
                    severity=rule.severity,
                    mask_value=False,
                )
            )
    elif kind == "reference":
        ref = next(r for r in sheet.references if r.field == name)
        target = ctx.tables[ref.sheet]
        for row in rows:
            out.append(
                make_finding(
                    table,
                    ctx,
                    "reference",
                    sheet.field(name),
                    row,
                    frame.at[row, name],
                    sheet_name=target.sheet,
                    severity=ref.severity,
                )
            )
    return out


def _names_in_order(source: str) -> list[str]:
    return re.findall(r"[A-Za-z_][A-Za-z0-9_]*", source)


def _show(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp | datetime):
        ts = pd.Timestamp(value)
        return ts.strftime("%Y-%m-%d") if ts == ts.normalize() else ts.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


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
) -> Finding:
    text = _show(value)
    personal = f is not None and _personal(f)
    display = mask(text, f.type) if (ctx.mask and personal and mask_value and text) else text
    column = table.letters.get(f.id) if f is not None else None
    cell = f"{column}{row}" if column else f"A{table.header_row}"
    head = header or (table.headers.get(f.id) if f is not None else None)
    if slug == "duplicate" and f is not None:
        other = _duplicate_other(table, f, row, ctx)
    return _finding(
        table,
        ctx,
        slug,
        f,
        cell,
        row,
        head,
        display,
        _row_key(table, row, ctx),
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
    cache = ctx.duplicate_groups
    if (table.sheet, f.id) not in cache:
        keys = comparable(table.frame[f.id], f, ctx.spec.phone_region)
        groups: dict = {}
        for r, k in keys[keys.duplicated(keep=False) & keys.notna()].items():
            groups.setdefault(k, []).append(r)
        cache[(table.sheet, f.id)] = (keys, groups)
    keys, groups = cache[(table.sheet, f.id)]
    rows = groups.get(keys.get(row), [])
    others = [r for r in rows if r != row]
    cell = f"{table.letters[f.id]}{others[0]}" if others else ""
    return cell, cell


def _personal(f: FieldSpec) -> bool:
    return f.type in PERSONAL_TYPES or f.personal


def _row_key(table: Table, row: int | None, ctx: SheetContext) -> str | None:
    key = table.spec.key
    if row is None or key is None or key not in table.frame.columns:
        return None
    text = _show(table.frame.at[row, key]) if row in table.frame.index else ""
    f = table.spec.field(key)
    if ctx.mask and _personal(f) and text:
        return mask(text, f.type)
    return text or None


def _finding(
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
    if severity is None:
        severity = ctx.spec.severity.get(slug, rule.severity)
        if (
            f is not None
            and f.severity == "warning"
            and rule.severity == "error"
            and slug not in ("missing-column",)
        ):
            severity = "warning"
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
