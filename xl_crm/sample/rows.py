"""Realistic, deterministic sample data for a template's sheets.

Used by ``xl-crm template build --sample N --seed S`` for demos and by the benchmarks,
which need up to Excel's 1,048,575 rows quickly: values are generated column-wise with
numpy in chunks, identifiers are derived from the row number so unique fields stay unique
and references always point at existing keys, and the same seed gives the same workbook.

Values come out ready for the sheet writer: text already XML-escaped, numbers as text,
dates as Excel serial numbers, ``None`` for an empty cell.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Literal

import numpy as np

from xl_crm.errors import InvalidOptionError
from xl_crm.fields.grid import EXCEL_EPOCH_1900, EXCEL_MAX_ROWS
from xl_crm.sample import vocab as V
from xl_crm.sample.texts import (
    affine,
    guess_kind,
    sample_emails,
    sample_phones,
    sample_resident_ids,
    sample_texts,
    sample_usccs,
)
from xl_crm.specs.expressions import parse_expression
from xl_crm.specs.model import FieldSpec, Lang, SheetSpec, Spec

CellKind = Literal["n", "s", "b"]
EXCEL_MAX_DATA_ROWS = EXCEL_MAX_ROWS - 1  # below the header row
CHUNK_ROWS = 65_536
EXCEL_EPOCH = EXCEL_EPOCH_1900.date()
#: sample dates run up to this day, so a seed gives the same workbook on any day
ANCHOR_SERIAL = (date(2026, 6, 30) - EXCEL_EPOCH).days
SPAN_DAYS = 3 * 365


@dataclass
class SampleColumn:
    kind: CellKind
    values: list[str | None]


def escape_all(values: list[str]) -> list[str]:
    """XML-escape a list of texts (fast when, as usual, nothing needs escaping)."""
    joined = "\x00".join(values)
    if "&" not in joined and "<" not in joined and ">" not in joined:
        return values
    joined = joined.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return joined.split("\x00")


class HashRng:
    """Random numbers that depend only on the row number (and a salt), not on a stream.

    Unique fields and the keys other sheets refer to are drawn from it, so a referencing
    sheet can recompute any key of another sheet from its row number alone.
    """

    def __init__(self, idx: np.ndarray, salt: int) -> None:
        self.idx = idx.astype(np.uint64)
        self.salt = np.uint64(salt & 0xFFFFFFFF)
        self.calls = np.uint64(0)

    def _bits(self, n: int) -> np.ndarray:
        self.calls += np.uint64(1)
        with np.errstate(over="ignore"):
            x = self.idx[:n] * np.uint64(0x9E3779B97F4A7C15)
            x += self.salt * np.uint64(0xBF58476D1CE4E5B9) + self.calls * np.uint64(
                0x94D049BB133111EB
            )
            x ^= x >> np.uint64(30)
            x *= np.uint64(0xBF58476D1CE4E5B9)
            x ^= x >> np.uint64(27)
            x *= np.uint64(0x94D049BB133111EB)
            x ^= x >> np.uint64(31)
        return x

    def random(self, n: int) -> np.ndarray:
        return (self._bits(n) >> np.uint64(11)).astype(np.float64) * (2.0**-53)

    def integers(self, low: int, high: int, size: int | tuple[int, int]) -> np.ndarray:
        if isinstance(size, tuple):
            return np.stack([self.integers(low, high, size[0]) for _ in range(size[1])], axis=1)
        return low + (self._bits(size) % np.uint64(high - low)).astype(np.int64)


class SampleGenerator:
    """Sample rows for every sheet of ``spec``: ``rows`` on the first sheet."""

    def __init__(self, spec: Spec, rows: int, seed: int = 0, lang: Lang = "zh") -> None:
        if rows < 0:
            raise InvalidOptionError(
                (f"样本行数 {rows} 不能为负", f"sample rows {rows} cannot be negative"),
                expected=("0 或更大的整数", "a whole number, 0 or more"),
            )
        self.spec = spec
        self.rows = rows
        self.seed = seed
        self.lang = lang
        self._counts = {s.id: self._count(s) for s in spec.sheets}

    def _count(self, sheet: SheetSpec) -> int:
        ratio = sheet.sample_ratio or (2.0 if sheet.references else 1.0)
        return min(round(self.rows * ratio), EXCEL_MAX_DATA_ROWS)

    def row_count(self, sheet_id: str) -> int:
        return self._counts[sheet_id]

    def chunks(self, sheet_id: str) -> Iterator[tuple[int, dict[str, SampleColumn]]]:
        """``(first row index, columns by field id)`` for each chunk of the sheet."""
        sheet = self.spec.sheet(sheet_id)
        sheet_no = self.spec.sheet_ids().index(sheet_id)
        total = self._counts[sheet_id]
        sorted_by = _sort_field(sheet)
        for chunk_no, start in enumerate(range(0, total, CHUNK_ROWS)):
            idx = np.arange(start, min(start + CHUNK_ROWS, total), dtype=np.int64)
            rng = np.random.default_rng([self.seed, sheet_no, chunk_no])
            raw_dates: dict[str, np.ndarray] = {}
            columns: dict[str, SampleColumn] = {}
            # the sort field first (its values follow the row order), then the others in
            # order, so a date follows the dates its row rules compare it with
            for f in sorted(sheet.fields, key=lambda f: f.id != sorted_by):
                columns[f.id] = self._column(sheet, f, idx, rng, raw_dates)
            yield start, {f.id: columns[f.id] for f in sheet.fields}

    # -- one column ---------------------------------------------------------------------

    def _column(
        self,
        sheet: SheetSpec,
        f: FieldSpec,
        idx: np.ndarray,
        rng: np.random.Generator,
        raw_dates: dict[str, np.ndarray],
    ) -> SampleColumn:
        n = len(idx)
        storage = f.ftype.storage
        kind: CellKind = "n" if storage in ("integer", "number", "date", "datetime") else "s"
        if storage == "boolean":
            kind = "b"
        if f.computed:
            return SampleColumn(kind, [None] * n)
        ref = next((r for r in sheet.references if r.field == f.id), None)
        if ref is not None:
            target_sheet = self.spec.sheet(ref.sheet)
            target = target_sheet.field(ref.target_field)
            count = self._counts[ref.sheet]
            if count == 0:
                return SampleColumn(kind, [None] * n)
            # skewed towards early keys: some customers order much more than others
            picks = np.minimum((rng.pareto(1.2, n) * count / 8).astype(np.int64), count - 1)
            picks = affine(picks, count, 7)
            values = self._values(target_sheet, target, picks, rng, unique=True)
        elif storage in ("date", "datetime"):
            raw = self._dates(sheet, f, idx, rng, raw_dates)
            raw_dates[f.id] = raw
            values = [str(v) for v in raw.tolist()]
        else:
            values = self._values(sheet, f, idx, rng, unique=f.unique or sheet.key == f.id)
        if kind == "s":
            values = escape_all(
                [v[: f.effective_max_length] if f.effective_max_length else v for v in values]
            )
        blank_rate = 0.0 if (f.required or sheet.key == f.id) else 0.06
        if blank_rate:
            blanks = np.flatnonzero(rng.random(n) < blank_rate)
            out: list[str | None] = list(values)
            for i in blanks.tolist():
                out[i] = None
            return SampleColumn(kind, out)
        return SampleColumn(kind, list(values))

    def _dates(
        self,
        sheet: SheetSpec,
        f: FieldSpec,
        idx: np.ndarray,
        rng: np.random.Generator,
        raw_dates: dict[str, np.ndarray],
    ) -> np.ndarray:
        n = len(idx)
        datetime_ = f.ftype.storage == "datetime"
        if f.highlight_overdue:  # follow-ups: mostly ahead, some overdue
            first, span = ANCHOR_SERIAL - 20, 110
        else:
            first, span = ANCHOR_SERIAL - SPAN_DAYS, SPAN_DAYS
        if f.id == _sort_field(sheet):  # values follow the row order
            total = max(self._counts[sheet.id] - 1, 1)
            position = idx / total
            order = sheet.sort[0].order
            offset = position * span if order == "asc" else (1 - position) * span
            day = np.floor(offset)
            if not datetime_:
                return (first + day).astype(np.int64)
            # within a day, times run from 08:00 to 22:00 in row order
            minutes = 8 * 60 + np.floor((offset - day) * 14 * 60)
            return np.round(first + day + minutes / 1440, 10)
        for other, sign in _date_links(sheet, f.id):
            if other in raw_dates:
                base = np.floor(raw_dates[other])
                days = rng.integers(1, 8, n) if sign > 0 else -rng.integers(1, 61, n)
                if not datetime_:
                    return (base + days).astype(np.int64)
                minutes = rng.integers(8 * 60, 20 * 60, n) // 5 * 5
                return np.round(base + days + minutes / 1440, 10)
        days = first + rng.integers(0, span, n)
        if not datetime_:
            return days.astype(np.int64)
        minutes = rng.integers(7 * 60, 23 * 60, n)
        return np.round(days + minutes / 1440, 10)

    def _values(
        self,
        sheet: SheetSpec,
        f: FieldSpec,
        idx: np.ndarray,
        rng: np.random.Generator,
        *,
        unique: bool,
    ) -> list[str]:
        n = len(idx)
        lang = self.lang
        kind = f.sample
        t = f.type
        salt = sum(map(ord, f"{sheet.id}.{f.id}")) * 7919 + self.seed
        if unique:
            rng = HashRng(idx, salt)  # type: ignore[assignment]
        if kind == "sequence" or (t == "integer" and unique):
            start = int(f.min_value) if f.min_value is not None and f.min_value > 1 else 100_001
            return [str(v) for v in (idx + start).tolist()]
        if kind == "code" or (t == "text" and unique and kind is None):
            prefix = sheet.id[:3].upper()
            width = max(6, min(8, (f.max_length or 12) - len(prefix)))
            return [f"{prefix}{v:0{width}d}" for v in (idx + 1).tolist()]
        if t == "integer":
            if kind == "mileage":
                return [str(v) for v in rng.integers(500, 150_000, n).tolist()]
            lo = int(f.min_value) if f.min_value is not None else 0
            hi = int(f.max_value) if f.max_value is not None else lo + 100
            return [str(v) for v in rng.integers(lo, hi + 1, n).tolist()]
        if t in ("decimal", "money"):
            amounts = np.round(rng.lognormal(6.0, 1.1, n), 2)
            if kind is None and "price" in f.id:
                amounts = np.round(rng.lognormal(12.2, 0.4, n), -2)
            if f.min_value is not None:
                amounts = np.maximum(amounts, f.min_value)
            if f.max_value is not None:
                amounts = np.minimum(amounts, f.max_value)
            return [str(v) for v in amounts.tolist()]
        if t == "boolean":
            return ["1" if v else "0" for v in (rng.random(n) < 0.5).tolist()]
        if t == "phone":
            return sample_phones(idx, rng, unique=unique, salt=salt)
        if t == "email":
            return sample_emails(idx, rng, salt)
        if t == "cn_resident_id":
            return sample_resident_ids(idx, rng, salt)
        if t == "uscc":
            return sample_usccs(idx, rng, salt)
        if t == "url":
            words = np.array(V.CITY_PINYIN)[rng.integers(0, len(V.CITY_PINYIN), n)]
            return [
                f"https://www.{w}{i}.example.com" for w, i in zip(words, idx.tolist(), strict=True)
            ]
        if t == "choice":
            labels = np.array(f.choice_labels(lang), dtype=object)
            weights = np.linspace(2.0, 1.0, len(labels))
            return labels[rng.choice(len(labels), n, p=weights / weights.sum())].tolist()
        if t == "multi_choice":
            labels = f.choice_labels(lang)
            sep = f.separator
            counts = rng.integers(1, min(3, len(labels)) + 1, n)
            out = []
            for k, offset in zip(
                counts.tolist(), rng.integers(0, len(labels), n).tolist(), strict=True
            ):
                out.append(sep.join(labels[(offset + j) % len(labels)] for j in range(k)))
            return out
        return sample_texts(kind or guess_kind(f), idx, rng, lang, unique=unique)


def _sort_field(sheet: SheetSpec) -> str | None:
    """The field sample rows are ordered by: the sheet's first sort key, when it is a date."""
    if not sheet.sort:
        return None
    f = sheet.field(sheet.sort[0].field)
    if f.ftype.storage not in ("date", "datetime") or f.computed:
        return None
    if any(r.field == f.id for r in sheet.references):
        return None
    return f.id


def _date_links(sheet: SheetSpec, field_id: str) -> list[tuple[str, int]]:
    """Other date fields this one must follow (+1) or precede (-1) by a row rule."""
    links: list[tuple[str, int]] = []
    for rule in sheet.rules:
        tree = parse_expression(rule.check).tree.body
        if not (
            type(tree).__name__ == "Compare"
            and len(tree.ops) == 1
            and type(tree.left).__name__ == "Name"
            and type(tree.comparators[0]).__name__ == "Name"
        ):
            continue
        left, right = tree.left.id, tree.comparators[0].id
        op = type(tree.ops[0]).__name__
        greater = op in ("Gt", "GtE")
        if op not in ("Gt", "GtE", "Lt", "LtE"):
            continue
        if left == field_id:
            links.append((right, 1 if greater else -1))
        elif right == field_id:
            links.append((left, -1 if greater else 1))
    return links
