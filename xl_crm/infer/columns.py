"""One column: its type, length, choices and flags, read from its values and header.

Every decision is made the way ``validate`` will read the column, so the spec does not
flag the file it came from: types from :func:`~xl_crm.infer.values.coerce_column`,
identifiers and contact details checked with the validator's own functions
(:mod:`xl_crm.fields.formats`), uniqueness compared in the validator's form
(:func:`xl_crm.validation.engine.comparable`).  Where a header names a phone, e-mail or
ID column but a few of its values are not valid, the field keeps its type with severity
``warning``: the bad cells are shown without failing the file.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

import numpy as np
import pandas as pd

from xl_crm.fields import formats as fc
from xl_crm.fields.types import FIELD_TYPES
from xl_crm.fields.words import FALSE_WORDS, NUMERAL_WORDS, TRUE_WORDS
from xl_crm.infer.values import (
    CURRENCY,
    coerce_column,
    norm_key,
    present_texts,
)
from xl_crm.infer.words import header_roles, is_place_value
from xl_crm.specs.metrics import METRICS
from xl_crm.specs.model import FieldSpec
from xl_crm.xlsx.structure import SheetStructure, Validation
from xl_crm.xlsx.texts import TYPE_LABELS

#: max lengths a spec gets: the first of these at least 1.5 times the longest value
NICE_LENGTHS = (10, 20, 30, 50, 100, 200, 255, 500, 1000, 2000, 5000, 32767)
HEADROOM = 1.5
#: a choice list has at most this many values, each seen at least MIN_REPEATS times
MAX_CHOICES = 12
MIN_REPEATS = 2
#: and at most this share of the rows are distinct values
MAX_CHOICE_RATIO = 1 / 3
MAX_CHOICE_CHARS = 20
#: share of valid values for a typed column whose header names the type (else warnings)
NAMED_SHARE = 0.5
#: share of valid values for a column typed by its values alone
SHAPE_SHARE = 0.9
#: values of a column a first look at its shape takes (an even spread)
PROBE_VALUES = 20_000
#: column types that can hold another sheet's keys
REFERABLE = ("integer", "text", "phone", "email", "cn_resident_id", "uscc")
_SEPARATORS = re.compile(r"[、,，;；/]")
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-./#]*$")
_DATE_SHAPE = re.compile(r"^\d{2,4}[-/.年]\d{1,2}[-/.月]\d{1,4}")
_PHONE_SHAPE = re.compile(r"^\+?[\d\s\-()（）]{7,24}$")
_TIME_TYPES = (datetime, date, time)
_NOT_NUMBERS = (bool, datetime, date, time)
_BOOL_WORDS = (TRUE_WORDS | FALSE_WORDS) - NUMERAL_WORDS


@dataclass
class Column:
    """What inference found about one column (the field's spec data and facts for links)."""

    data: dict[str, Any]  # the field's spec entries: type, required, unique, ...
    roles: set[str] = field(default_factory=set)
    identifier: bool = False  # IDs, codes, phones, e-mails: may be a key or a reference
    keys: set[str] = field(default_factory=set)  # present values in the form keys compare

    @property
    def type(self) -> str:
        return self.data["type"]


def infer_column(
    header: str,
    values: list[Any],
    *,
    structure: SheetStructure | None = None,
    letter: str = "A",
    known: FieldSpec | None = None,
) -> Column:
    """Infer one column's field (type, max_length, choices, required, unique, severity).

    ``values`` are the raw cells under the header (blank rows already left out);
    ``structure`` the sheet's validations and formats when it is an .xlsx; ``known`` the
    built-in field the header names (its type for an empty column, its metric for an
    empty or locked one, so ``compute`` fills it)."""
    present, texts = present_texts(values)
    roles = header_roles(header)
    dv = structure.validations.get(letter) if structure else None
    fmt = structure.number_formats.get(letter, "General") if structure else "General"
    ftype, choices, severity = _type(present, texts, roles, dv, fmt)
    if not present and dv is None and ftype == "text":
        ftype = _empty_type(roles, known)
    stated = _stated_type(dv)
    if stated is not None and stated != ftype and stated != "choice":
        ftype, choices, severity = stated, None, "error"
        if stated == "multi_choice":
            choices = _stated_choices(dv)
    out: dict[str, Any] = {"type": ftype}
    if choices:
        out["choices"] = choices
    storage = FIELD_TYPES[ftype].storage
    if storage == "text" and not FIELD_TYPES[ftype].fixed_length and ftype != "choice":
        limit = _max_length(texts, dv, ftype, roles)
        if limit:
            out["max_length"] = limit
    required = (
        (not dv.allow_blank) if dv is not None else bool(values) and len(present) == len(values)
    )
    if required:
        out["required"] = True
    identifier = _identifier_like(ftype, roles, texts)
    if (structure and letter in structure.duplicate_rules) or (
        not (structure and structure.validations)
        and identifier
        and len(present) >= 2
        and _distinct(present, texts, ftype)
    ):
        out["unique"] = True
    if structure and letter in structure.today_rules:
        out["highlight_overdue"] = True
    locked = structure is not None and structure.protected and structure.locked.get(letter)
    computed = known.computed if known is not None else None
    if computed in METRICS and (locked or not present):
        out["computed"] = computed
    if severity == "warning":
        out["severity"] = "warning"
    keys = {norm_key(t) for t in set(texts)} if ftype in REFERABLE else set()
    return Column(out, roles, identifier, keys)


# -- the type ---------------------------------------------------------------------------


def _type(
    present: list[Any], texts: list[str], roles: set[str], dv: Validation | None, fmt: str
) -> tuple[str, list[str] | None, str]:
    """(type, choices, severity) of a column from its values (and their ``texts``), header
    roles and format."""
    if dv is not None and dv.type == "list" and dv.choices:
        return "choice", dv.choices, "error"
    if not present:
        return _type_from_format(fmt, dv), None, "error"
    if all(isinstance(v, bool) for v in present) or (
        all(isinstance(v, str) for v in present)
        and all(t.casefold() in _BOOL_WORDS for t in texts)
        and len(set(t.casefold() for t in texts)) == 2
    ):
        return "boolean", None, "error"
    for kind in ("cn_resident_id", "uscc", "email", "url"):
        found = _checked(kind, texts, roles)
        if found:
            return kind, None, found
    dated = _dates(present, texts, roles, fmt)
    if dated:
        return dated
    found = _checked("phone", texts, roles, numbers=present)
    if found:
        return "phone", None, found
    numbered = _numbers(present, texts, roles, fmt)
    if numbered:
        return numbered
    if dv is not None:  # a validated column that is not a dropdown is not a choice
        return "text", None, "error"
    if not ({"place", "notes", "identifier"} & roles) and not _places(texts):
        choices = _choices(texts)
        if choices:
            return "choice", choices, "error"
        parts = _multi_choices(texts)
        if parts:
            return "multi_choice", parts, "error"
    return "text", None, "error"


def _empty_type(roles: set[str], known: FieldSpec | None) -> str:
    """The type of a column with no values: the built-in field's, else the header's."""
    if known is not None and known.type not in ("choice", "multi_choice"):
        return known.type
    for role, ftype in (("date", "date"), ("money", "money"), ("email", "email")):
        if role in roles:
            return ftype
    return "phone" if "phone" in roles else "text"


def _valid(kind: str, texts: pd.Series) -> pd.Series:
    """Which values the validator accepts for ``kind`` (every check it runs on the type)."""
    if kind == "email":
        return fc.email_problems(texts).isna()
    if kind == "url":
        return ~fc.url_invalid(texts)
    if kind == "phone":
        _, invalid = fc.phone_numbers(texts)
        ok = ~invalid
    elif kind == "cn_resident_id":
        ok = fc.resident_id_problems(texts).isna()
    else:
        ok = fc.uscc_problems(texts).isna()
    return ok & fc.damaged_identifiers(texts, kind).isna()


def _shaped(kind: str, text: str, value: Any = None) -> bool:
    """Whether a value has the look of ``kind`` (before it is checked)."""
    if kind == "email":
        return "@" in text
    if kind == "url":
        return text.casefold().startswith(("http://", "https://", "www."))
    if kind in ("cn_resident_id", "uscc"):
        return len(text) == 18 and text.isalnum()
    if isinstance(value, float | int) and not isinstance(value, bool):
        return len(text) == 11 and text.startswith("1")  # a mobile stored as a number
    digits = re.sub(r"\D", "", text)
    return (
        bool(_PHONE_SHAPE.match(text))
        and not _DATE_SHAPE.match(text)
        and 7 <= len(digits) <= 15
        and (not text.isdigit() or (len(text) == 11 and text[0] == "1") or text[0] == "0")
    )


def _checked(kind: str, texts: list[str], roles: set[str], numbers=None) -> str | None:
    """``"error"`` when every value is a valid ``kind``; ``"warning"`` when most are (or
    half are and the header names it); None when the column is not of that kind."""
    values = numbers if numbers is not None else texts
    named = kind in roles
    step = max(1, len(texts) // PROBE_VALUES)  # an even spread first: most columns stop here
    for every in dict.fromkeys((step, 1)):
        pairs = list(zip(texts[::every], values[::every], strict=True))
        shaped = sum(1 for t, v in pairs if _shaped(kind, t, v))
        if shaped < len(pairs) * (NAMED_SHARE if named else SHAPE_SHARE):
            return None
    distinct = pd.Series(sorted(set(texts)), dtype="object")
    ok = _valid(kind, distinct)
    valid = dict(zip(distinct, ok, strict=True))
    share = sum(1 for t in texts if valid[t]) / len(texts)
    if share == 1:
        return "error"
    if share >= (NAMED_SHARE if named else SHAPE_SHARE):
        return "warning"
    return None


_DATE_LIKE = re.compile(
    r"^\s*(?:\d{4}\s*[-/.年]\s*\d{1,2}|\d{1,2}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{2,4}"
    r"|\d{1,2}[\s-]+[A-Za-z]{3,}|[A-Za-z]{3,}\.?\s+\d{1,2}\b)"
)


def _coerced(values: list[Any], storage: str) -> tuple[int, pd.Series]:
    """(cells that fail, typed values of the others): each distinct text coerced once;
    cells already of the type (numbers, dates) taken as they are."""
    native = _NATIVE[storage]
    texts = Counter(v for v in values if v.__class__ is str)
    kept = [v for v in values if isinstance(v, native) and not isinstance(v, bool)]
    others = [
        v
        for v in values
        if v.__class__ is not str
        and not (isinstance(v, native) and v is not True and v is not False)
    ]
    distinct = list(texts)
    coerced = coerce_column(distinct + others, storage)
    bad = coerced.failed.to_numpy()
    failed = sum(texts[t] for t, b in zip(distinct, bad, strict=False) if b)
    failed += int(bad[len(distinct) :].sum())
    counts = [texts[t] for t in distinct] + [1] * len(others)
    typed = coerced.values.repeat(counts)[~np.repeat(bad, counts)].dropna()
    if kept:
        as_type = pd.to_datetime(pd.Series(kept)) if storage == "datetime" else pd.Series(kept)
        typed = pd.concat([typed.reset_index(drop=True), as_type], ignore_index=True)
    return failed, typed


_NATIVE = {"number": (int, float), "datetime": (datetime, date)}


def _dates(present, texts, roles, fmt) -> tuple[str, None, str] | None:
    """date or datetime when the values read as dates (cells or text), not as numbers."""
    shaped = sum(
        1
        for v, t in zip(present, texts, strict=True)
        if isinstance(v, _TIME_TYPES) or (v.__class__ is str and _DATE_LIKE.match(t))
    )
    allowed = len(present) * (1 - SHAPE_SHARE) if "date" in roles else 0
    if len(present) - shaped > allowed:
        return None
    failed, values = _coerced(present, "datetime")
    if failed > allowed or not len(values):
        return None
    stamps = pd.to_datetime(values)
    timed = (
        "h" in fmt.lower()
        or bool((stamps != stamps.dt.normalize()).any())
        or any(v.__class__ is str and (":" in v or "时" in v) for v in present)
    )
    return ("datetime" if timed else "date"), None, ("warning" if failed else "error")


def _numbers(present, texts, roles, fmt) -> tuple[str, None, str] | None:
    """integer, money or decimal when every value reads as a number (text too: ¥89.50)."""
    if any(isinstance(v, _NOT_NUMBERS) for v in present):
        return None
    if any(_identifier_text(t) for v, t in zip(present, texts, strict=True) if v.__class__ is str):
        return None  # 007, 18-digit numbers: identifiers kept as text
    allowed = len(present) * (1 - SHAPE_SHARE) if "money" in roles else 0
    failed, values = _coerced(present, "number")
    if failed > allowed or not len(values):
        return None
    severity = "warning" if failed else "error"
    currency = bool(CURRENCY.search(fmt)) or any(
        v.__class__ is str and CURRENCY.search(v) for v in present
    )
    numbers = values.to_numpy(dtype=float)
    whole = bool(np.isclose(numbers, np.round(numbers)).all()) and "0.0" not in fmt
    if currency or ("money" in roles and not {"identifier", "date"} & roles):
        return "money", None, severity
    return ("integer" if whole else "decimal"), None, severity


def _identifier_text(text: str) -> bool:
    digits = text.strip()
    return digits.isdigit() and ((len(digits) > 1 and digits[0] == "0") or len(digits) >= 16)


def _places(texts: list[str]) -> bool:
    return sum(1 for t in texts if is_place_value(t)) >= len(texts) / 2


def _choices(texts: list[str]) -> list[str] | None:
    """A closed list: few distinct short values, each repeated; never one value alone."""
    counts = Counter(texts)
    if not (2 <= len(counts) <= MAX_CHOICES) or len(counts) > len(texts) * MAX_CHOICE_RATIO:
        return None
    if min(counts.values()) < MIN_REPEATS or any(len(t) > MAX_CHOICE_CHARS for t in counts):
        return None
    if all(any(c.isdigit() for c in t) for t in counts):  # codes and numbers are not labels
        return None
    return sorted(counts, key=lambda s: (-counts[s], s))


def _multi_choices(texts: list[str]) -> list[str] | None:
    if not any(_SEPARATORS.search(t) for t in texts):
        return None
    parts = Counter(p.strip() for t in texts for p in _SEPARATORS.split(t) if p.strip())
    if not (2 <= len(parts) <= 2 * MAX_CHOICES) or len(texts) < 3 * len(parts):
        return None
    if min(parts.values()) < MIN_REPEATS or any(len(p) > MAX_CHOICE_CHARS for p in parts):
        return None
    return sorted(parts, key=lambda s: (-parts[s], s))


def _stated_type(dv: Validation | None) -> str | None:
    """The type named at the start of an input message ("电话号码，必填…" / "phone number, …")."""
    if dv is None or not dv.prompt:
        return None
    first = re.split(r"[，,\n]", dv.prompt, maxsplit=1)[0].strip().casefold()
    for name, (zh, en) in TYPE_LABELS.items():
        if first in (zh.casefold(), en.casefold()):
            return name
    return None


def _stated_choices(dv: Validation | None) -> list[str] | None:
    """Choices listed in an input message after a colon ("…分隔：服装、美妆")."""
    if dv is None or not dv.prompt:
        return None
    for line in dv.prompt.splitlines():
        _head, sep, tail = line.rpartition("：") if "：" in line else line.rpartition(": ")
        if sep and tail.strip():
            parts = re.split(r"、|, ", tail.strip())
            if len(parts) > 1:
                return [p.strip() for p in parts if p.strip()]
    return None


def _type_from_format(fmt: str, dv: Validation | None) -> str:
    low = fmt.lower()
    if dv is not None and dv.type == "whole":
        return "integer"
    if dv is not None and dv.type == "decimal":
        return "money" if CURRENCY.search(fmt) else "decimal"
    if "y" in low and "d" in low:
        return "datetime" if "h" in low else "date"
    if CURRENCY.search(fmt):
        return "money"
    if fmt == "0":
        return "integer"
    if "0.0" in fmt:
        return "decimal"
    return "text"


# -- lengths and keys --------------------------------------------------------------------


def _max_length(texts: list[str], dv: Validation | None, ftype: str, roles: set[str]):
    """The limit a built workbook states, else the first nice length with headroom over
    the longest value; none on notes, nor where the type's own limit is enough."""
    if dv is not None and dv.type == "textLength" and dv.formula1 and dv.formula1.isdigit():
        return int(dv.formula1)
    if not texts or "notes" in roles:
        return None
    longest = max(len(t) for t in texts)
    default = FIELD_TYPES[ftype].default_max_length
    if default and longest <= default:
        return None
    wanted = math.ceil(longest * HEADROOM)
    return next((n for n in NICE_LENGTHS if n >= wanted), NICE_LENGTHS[-1])


def _identifier_like(ftype: str, roles: set[str], texts: list[str]) -> bool:
    """IDs, codes, phones, e-mails, ID numbers: never free text, dates or amounts."""
    if ftype in ("phone", "email", "cn_resident_id", "uscc"):
        return True
    if ftype not in ("integer", "text") or {"notes", "place", "date", "money"} & roles:
        return False
    if "identifier" in roles:
        return True
    return (
        ftype == "text"
        and bool(texts)
        and all(_CODE.match(t) and any(c.isdigit() for c in t) and len(t) <= 32 for t in texts)
    )


def _distinct(present: list[Any], texts: list[str], ftype: str) -> bool:
    """Whether no two values are equal in the form the validator compares them."""
    from xl_crm.fields.normalise import comparable

    spec = FieldSpec(id="probe", label="probe", type=ftype)
    if spec.ftype.storage == "text":
        series = pd.Series(texts, dtype="object")
    else:
        series = pd.Series(coerce_column(present, spec.ftype.storage).values, dtype="object")
    keys = comparable(series, spec, "CN")
    return not bool(keys.duplicated().any())
