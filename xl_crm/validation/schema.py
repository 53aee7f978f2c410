"""The pandera schema of a sheet: one column per field with the field's checks (required,
length, range, choices, formats, uniqueness on normalised keys), plus frame-level checks
for row rules, composite keys and references to other sheets.  Every check answers one
bool per row whatever the values hold; a check that raises is recorded, not fatal
(:class:`xl_crm.validation.context.CheckFailures`)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

import numpy as np
import pandas as pd
import pandera.pandas as pa

from xl_crm.fields import formats as fc
from xl_crm.fields.normalise import comparable, normalise_text, per_distinct, repeated
from xl_crm.specs.expressions import parse_expression
from xl_crm.specs.model import FieldSpec
from xl_crm.table import Table
from xl_crm.validation.context import CheckFailures, SheetContext

__all__ = [
    "Derived",
    "build_schema",
    "field_checks",
    "guarded",
    "names_in_order",
    "parts_allowed",
    "parts_allowed_each",
]

_SEPARATORS = re.compile(r"[、,，;；/|]")


class Derived:
    """Per-column values several checks need, computed once per run (E.164 phones ...),
    and the checks that could not run (:class:`CheckFailures`)."""

    def __init__(self, frame: pd.DataFrame, region: str) -> None:
        self.frame = frame
        self.region = region
        self._phones: dict[str, tuple[pd.Series, pd.Series]] = {}
        self._damage: dict[str, pd.Series] = {}
        self.failures = CheckFailures()
        #: fields the uniqueness check found filled and distinct in every row
        self.distinct: set[str] = set()

    def damage(self, fid: str, kind: str) -> pd.Series:
        """How each identifier of column ``fid`` was damaged (NA where intact)."""
        if fid not in self._damage:
            self._damage[fid] = fc.damaged_identifiers(self.frame[fid], kind, self.region)
        return self._damage[fid]

    def phones(self, fid: str) -> tuple[pd.Series, pd.Series]:
        if fid not in self._phones:
            self._phones[fid] = fc.phone_numbers(self.frame[fid], self.region)
        return self._phones[fid]


def _aligned(result, index: pd.Index) -> pd.Series:
    """A check's result as a bool Series on ``index`` (NA counts as failed); raises
    ValueError when it does not have one answer per value."""
    if isinstance(result, pd.DataFrame):
        result = result.all(axis=1)
    if isinstance(result, pd.Series):
        if len(result) != len(index):
            raise ValueError(f"the check gave {len(result)} answers for {len(index)} values")
        same = result.index.equals(index)
        if same and result.dtype == bool:  # the usual answer: nothing to convert
            return pd.Series(result.to_numpy(), index=index)
        reordered = not same and index.is_unique
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
        if present.all():  # pandera hands over present values only
            return _aligned(check(s), s.index)
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


def parts_allowed_each(s: pd.Series, allowed: set[str]) -> pd.Series:
    """Whether every part of each multi-choice text (split at 、 , ， ; ； / |) is one of
    ``allowed`` (NFKC, trimmed, lower case; empty parts are skipped): the rule itself,
    value by value in Python.  :func:`parts_allowed` gives the same answers by columns."""
    return normalise_text(s).map(
        lambda text: all(p.strip() in allowed for p in _SEPARATORS.split(text) if p.strip())
    )


def parts_allowed(s: pd.Series, allowed: set[str]) -> pd.Series:
    """:func:`parts_allowed_each` by Arrow kernels: the texts split by one regular
    expression, the parts trimmed and looked up in ``allowed`` at once.  Texts holding a
    whitespace character other than the space (where Arrow's trimming and Python's
    ``str.strip`` might differ) go through :func:`parts_allowed_each`."""
    import pyarrow as pa_arrow
    import pyarrow.compute as pc

    texts = normalise_text(s)
    arr = pa_arrow.array(texts.to_numpy(dtype=object, na_value=None), type=pa_arrow.string())
    parts = pc.split_pattern_regex(arr, _SEPARATORS.pattern)
    flat = pc.utf8_trim_whitespace(pc.list_flatten(parts))
    choices = pa_arrow.array(sorted(allowed), pa_arrow.string())
    right = pc.or_(pc.equal(flat, ""), pc.is_in(flat, choices))
    wrong = pc.invert(pc.fill_null(right, False)).to_numpy(zero_copy_only=False)
    owner = pc.list_parent_indices(parts).to_numpy()
    ok = np.ones(len(texts), dtype=bool)
    ok[owner[wrong]] = False
    odd = pc.fill_null(pc.match_substring_regex(arr, _OTHER_SPACE), False)
    odd = odd.to_numpy(zero_copy_only=False)
    if odd.any():
        ok[odd] = parts_allowed_each(s[odd], allowed).to_numpy(dtype=bool)
    return pd.Series(ok, index=s.index)


#: the characters ``str.strip`` removes other than the space (all in the BMP), as an RE2
#: character class
_OTHER_SPACE = (
    "[" + "".join(f"\\x{{{i:x}}}" for i in range(0x10000) if chr(i).isspace() and i != 32) + "]"
)


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
            add("choice", lambda s: per_distinct(s, lambda u: parts_allowed(u, allowed)))
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
            first = next((n for n in names_in_order(rule.check) if n in table.frame.columns), None)
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
        twice = repeated(keys)
        if len(s) == len(derived.frame) and not twice.any() and keys.notna().all():
            derived.distinct.add(f.id)
        return pd.Series(~twice, index=s.index)

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
    found = comparable(target.frame[target_field], target_f, region).dropna()
    numeric = pd.api.types.is_numeric_dtype(found.dtype)

    def check(frame: pd.DataFrame) -> pd.Series:
        values = comparable(frame[f.id], f, region)
        if numeric and pd.api.types.is_numeric_dtype(values.dtype):
            return values.isna() | values.isin(found)  # one hash table, no Python set
        return values.isna() | values.isin(set(found.tolist()))

    return check


def names_in_order(source: str) -> list[str]:
    """The names in an expression's source, in the order they are written."""
    return re.findall(r"[A-Za-z_][A-Za-z0-9_]*", source)
