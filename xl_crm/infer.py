"""Inferring a template spec from a sheet people already have.

``infer_spec("客户台账.xlsx")`` reads every table of a workbook (or a CSV) and writes the
spec a template author would: for each column a field with its type (from the values,
the number formats and any data validation), max length, choices for short lists,
required and unique flags; the key; references between sheets; field groups from a
header band.  Headers in Chinese or English, and the aliases of the built-in templates,
are recognised, so a column headed 手机 or Mobile becomes the field ``mobile`` with both
labels.  Build then infer gives back an equivalent spec.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter, range_boundaries

from xl_crm.errors import WorkbookError
from xl_crm.identifiers import USCC_CHARSET, resident_id_check_char, uscc_check_char
from xl_crm.reader import check_readable, damaged_workbook
from xl_crm.specs import builtin_names, load_spec, spec_from_data
from xl_crm.specs.metrics import METRICS
from xl_crm.specs.model import FieldSpec, Group, Label, SheetSpec, Spec
from xl_crm.workbook.layout import INSTRUCTIONS_TITLE, LISTS_SHEET
from xl_crm.workbook.structure import SheetStructure, Validation, read_structure
from xl_crm.workbook.texts import TYPE_LABELS

READABLE = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")
NICE_LENGTHS = (10, 20, 30, 50, 100, 200, 255, 500, 1000, 2000, 5000, 32767)
MAX_CHOICES = 12
#: how many values of a column the pattern checks (e-mail, phone, ID ...) look at
PROBE_VALUES = 20_000
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_PHONE = re.compile(r"^\+?[\d\s\-()]{7,20}$")
_URL = re.compile(r"^https?://\S+$", re.I)
_SEPARATORS = re.compile(r"[、,，;；/]")
_CJK = re.compile(r"[\u2e80-\u9fff]")
_CURRENCY = re.compile(r"[¥$€£]|\[\$")


@dataclass
class _Known:
    sheet_id: str
    field: FieldSpec


def infer_spec(
    book: str | Path, *, name: str | None = None, sheets: list[str] | None = None
) -> Spec:
    """Infer a spec from ``book`` (.xlsx, .xlsm, .xls, .ods or .csv)."""
    path = Path(book)
    check_readable(path)  # missing, damaged, encrypted: said as validate and compute say it
    tables = _read_tables(path, sheets)
    if not tables:
        raise WorkbookError(
            ("没有找到带表头行和数据的工作表", "no sheet with a header row and data was found"),
            file=path,
            hint=(
                "每个工作表放一张表，表头放在前几行",
                "put one table per sheet with its header in the first rows",
            ),
        )
    cat = _catalogue()
    sheet_data = []
    used_sheet_ids: set[str] = set()
    for title, _header_row, headers, band, rows, structure in tables:
        known_sheet = _match_sheet(title, headers, cat)
        sid = _unique_id(known_sheet.id if known_sheet else _slug(title, "sheet"), used_sheet_ids)
        fields, groups = _fields(headers, band, rows, structure, cat, known_sheet)
        label = _label(title, known_sheet.label if known_sheet else None)
        sheet: dict[str, Any] = {"id": sid, "label": label, "fields": fields}
        if groups:
            sheet["groups"] = groups
        key = next((f["id"] for f in fields if f.get("unique") and f.get("required")), None)
        if key:
            sheet["key"] = key
        sheet_data.append((sheet, rows, headers))
    _references(sheet_data)
    spec_name = name or _slug(path.stem, "inferred").replace("_", "-")
    if not re.match(r"^[a-z][a-z0-9_-]*$", spec_name):
        spec_name = "inferred"
    title = path.stem
    data = {
        "spec_version": 1,
        "name": spec_name,
        "title": {"zh": title, "en": title},
        "sheets": [s for s, _, _ in sheet_data],
    }
    return spec_from_data(data, source=str(path))


# -- reading ------------------------------------------------------------------------


def _read_tables(path: Path, only: list[str] | None):
    """``(title, header_row, headers, band, data rows, structure)`` per table found."""
    if path.suffix.lower() == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = [list(r) for r in csv.reader(fh)]
        found = _find_header(rows)
        if found is None:
            return []
        h, width = found
        return [(path.stem, h + 1, rows[h][:width], [""] * width, _data(rows, h, width), None)]

    from python_calamine import CalamineWorkbook, SheetVisibleEnum

    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for damaged files
        raise damaged_workbook(path, exc) from None
    structures: dict[str, SheetStructure] = {}
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        structures = read_structure(path)
        for structure in structures.values():
            for dv in structure.validations.values():
                if dv.type == "list" and dv.formula1:
                    dv.choices = _list_values(wb, dv.formula1)
    if only:
        missing = [s for s in only if s not in wb.sheet_names]
        if missing:
            raise WorkbookError(
                (f"没有名为 {missing[0]!r} 的工作表", f"no sheet called {missing[0]!r}"),
                file=path,
                hint=(
                    "此工作簿中的工作表：" + "、".join(wb.sheet_names),
                    "sheets in this workbook: " + ", ".join(wb.sheet_names),
                ),
            )
    has_tables = any(s.tables for s in structures.values())
    out = []
    for meta in wb.sheets_metadata:
        title = meta.name
        if only and title not in only:
            continue
        if not only and (
            meta.visible != SheetVisibleEnum.Visible
            or title in (LISTS_SHEET, *INSTRUCTIONS_TITLE.values())
        ):
            continue
        structure = structures.get(title)
        if not only and has_tables and (structure is None or not structure.tables):
            continue  # a workbook of Excel Tables: the other sheets are notes and lists
        try:
            rows = wb.get_sheet_by_name(title).to_python(skip_empty_area=False)
        except Exception as exc:  # calamine's XML errors on a damaged sheet
            raise damaged_workbook(path, exc) from None
        if structure is not None and structure.tables:
            c1, r1, c2, _ = range_boundaries(structure.tables[0][1])
            h, width, first_col = r1 - 1, c2, c1 - 1
        else:
            found = _find_header(rows)
            if found is None:
                continue
            (h, width), first_col = found, 0
        if h >= len(rows):
            continue
        header = [str(v).strip() for v in rows[h][first_col:width]]
        band = _band(rows, h, first_col, width, structure)
        out.append((title, h + 1, header, band, _data(rows, h, width, first_col), structure))
    return out


def _find_header(rows: list[list[Any]]) -> tuple[int, int] | None:
    best: tuple[int, int] | None = None
    best_count = 1
    for i, row in enumerate(rows[:20]):
        texts = [v for v in row if isinstance(v, str) and v.strip()]
        if len(texts) > best_count and len(set(texts)) == len(texts) and i + 1 < len(rows):
            best_count, best = len(texts), (i, _width(row))
    return best


def _width(row: list[Any]) -> int:
    width = len(row)
    while width and (row[width - 1] is None or row[width - 1] == ""):
        width -= 1
    return width


def _data(rows, h: int, width: int, first_col: int = 0) -> list[list[Any]]:
    data = [r[first_col:width] + [""] * (width - len(r)) for r in rows[h + 1 :]]
    while data and all(v in ("", None) for v in data[-1]):
        data.pop()
    return data


def _band(rows, h: int, first_col: int, width: int, structure) -> list[str]:
    band = [""] * (width - first_col)
    if h == 0:
        return band
    above = rows[h - 1]
    for i in range(first_col, width):
        value = above[i] if i < len(above) else ""
        band[i - first_col] = str(value).strip() if value not in (None, "") else ""
    if structure is not None:
        for c1, r1, c2, r2 in structure.merged:
            if r1 == h and r2 == h:  # merged across the band row (1-based r == h)
                label = band[c1 - 1 - first_col] if 0 <= c1 - 1 - first_col < len(band) else ""
                for c in range(c1, c2 + 1):
                    if 0 <= c - 1 - first_col < len(band):
                        band[c - 1 - first_col] = label
    return band


# -- one column ---------------------------------------------------------------------


@dataclass
class _Catalogue:
    """Headers, sheet names and group names the built-in templates use."""

    fields: dict[str, _Known]
    sheets: dict[str, SheetSpec]
    groups: dict[str, Group]
    all_sheets: list[SheetSpec]


def _catalogue() -> _Catalogue:
    specs = [load_spec(name) for name in builtin_names()]
    cat = _Catalogue({}, {}, {}, [s for spec in specs for s in spec.sheets])
    for spec in specs:  # labels first: an exact header beats another field's alias
        for sheet in spec.sheets:
            for text in (sheet.label.zh, sheet.label.en):
                cat.sheets.setdefault(text.strip().casefold(), sheet)
            for group in sheet.groups:
                for text in (group.label.zh, group.label.en):
                    cat.groups.setdefault(text.strip().casefold(), group)
            for f in sheet.fields:
                for text in (f.label.zh, f.label.en):
                    cat.fields.setdefault(text.strip().casefold(), _Known(sheet.id, f))
    for spec in specs:
        for sheet in spec.sheets:
            for f in sheet.fields:
                for text in f.aliases:
                    cat.fields.setdefault(text.strip().casefold(), _Known(sheet.id, f))
    return cat


def _match_sheet(title: str, headers: list[str], cat: _Catalogue) -> SheetSpec | None:
    """The built-in sheet these headers come from, when most of them match one."""
    wanted = {h.strip().casefold() for h in headers if h}
    best, best_score = None, 0.0
    for sheet in cat.all_sheets:
        names = {t.strip().casefold() for f in sheet.fields for t in (f.label.zh, f.label.en)}
        score = len(wanted & names) / max(len(wanted), len(sheet.fields))
        if title.strip().casefold() in (sheet.label.zh.casefold(), sheet.label.en.casefold()):
            score += 0.25
        if score > best_score:
            best, best_score = sheet, score
    return best if best_score >= 0.6 else None


def _match_field(header: str, sheet: SheetSpec | None, cat: _Catalogue) -> _Known | None:
    key = header.strip().casefold()
    if sheet is not None:
        for f in sheet.fields:
            if key in (f.label.zh.casefold(), f.label.en.casefold()):
                return _Known(sheet.id, f)
        for f in sheet.fields:
            if key in (a.strip().casefold() for a in f.aliases):
                return _Known(sheet.id, f)
    return cat.fields.get(key)


def _fields(headers, band, rows, structure, cat: _Catalogue, known_sheet: SheetSpec | None):
    fields: list[dict[str, Any]] = []
    groups: list[dict[str, Any]] = []
    group_ids: dict[str, str] = {}
    used: set[str] = set()
    for i, header in enumerate(headers):
        if not header:
            continue
        letter = get_column_letter(i + 1)
        values = [r[i] for r in rows]
        match = _match_field(header, known_sheet, cat)
        fid = _unique_id(match.field.id if match else _slug(header, f"field_{i + 1}"), used)
        field = _infer_column(header, values, structure, letter, match)
        field = {"id": fid, "label": _label(header, match.field.label if match else None), **field}
        group_label = band[i] if i < len(band) else ""
        if group_label:
            if group_label not in group_ids:
                known_group = cat.groups.get(group_label.casefold())
                base = known_group.id if known_group else _slug(group_label, "group")
                gid = _unique_id(base, set(group_ids.values()))
                group_ids[group_label] = gid
                label = _label(group_label, known_group.label if known_group else None)
                groups.append({"id": gid, "label": label})
            field["group"] = group_ids[group_label]
        fields.append(field)
    return fields, groups


def _infer_column(header, values, structure, letter, match) -> dict[str, Any]:
    present = [v for v in values if v not in ("", None)]
    dv = structure.validations.get(letter) if structure else None
    fmt = structure.number_formats.get(letter, "General") if structure else "General"
    out: dict[str, Any] = {}
    ftype, choices = _type(present, dv, fmt, structure)
    stated = _stated_type(dv)
    if stated is not None and stated != ftype and stated not in ("choice",):
        ftype, choices = stated, _stated_choices(dv) if stated == "multi_choice" else None
    out["type"] = ftype
    if choices:
        out["choices"] = choices
    if ftype in ("text", "email", "phone", "url", "multi_choice"):
        limit = _max_length(present, dv)
        if limit:
            out["max_length"] = limit
    if dv is not None:
        required = not dv.allow_blank
    else:
        required = bool(values) and len(present) == len(values)
    if required:
        out["required"] = True
    if (structure and letter in structure.duplicate_rules) or (
        not (structure and structure.validations)
        and len(present) >= 10
        and len(set(map(str, present))) == len(present)
        and ftype in ("integer", "text", "email", "phone", "cn_resident_id", "uscc")
    ):
        out["unique"] = True
    if structure and letter in structure.today_rules:
        out["highlight_overdue"] = True
    locked = structure is not None and structure.protected and structure.locked.get(letter)
    if locked and match is not None and match.field.computed in METRICS:
        out["computed"] = match.field.computed
    return out


def _type(present, dv: Validation | None, fmt: str, structure) -> tuple[str, list | None]:
    if dv is not None and dv.type == "list" and dv.choices:
        return "choice", dv.choices
    kinds = Counter(_kind(v) for v in present)
    if present and kinds["bool"] == len(present):
        return "boolean", None
    if present and kinds["datetime"] + kinds["date"] == len(present):
        midnight = all(
            isinstance(v, date) and (not isinstance(v, datetime) or v.time() == time(0))
            for v in present
        )
        return ("date" if midnight and "h" not in fmt.lower() else "datetime"), None
    if present and kinds["int"] + kinds["float"] == len(present) and fmt != "@":
        if kinds["float"] == 0 and not _CURRENCY.search(fmt) and "0.0" not in fmt:
            return "integer", None
        return ("money" if _CURRENCY.search(fmt) else "decimal"), None
    if not present:
        return _type_from_format(fmt, dv), None
    texts = [str(v).strip() for v in present]
    step = max(1, len(texts) // PROBE_VALUES)  # pattern checks on an even spread of values
    share = _share(texts[::step])
    if share(_is_resident_id) >= 0.9:
        return "cn_resident_id", None
    if share(_is_uscc) >= 0.9:
        return "uscc", None
    if share(lambda s: bool(_EMAIL.match(s))) >= 0.9:
        return "email", None
    if share(lambda s: bool(_URL.match(s))) >= 0.9:
        return "url", None
    if share(_is_phone) >= 0.9:
        return "phone", None
    if dv is not None:  # a validated column that is not a dropdown is not a choice
        return "text", None
    distinct = Counter(texts)
    if len(distinct) <= MAX_CHOICES and len(texts) >= 3 * len(distinct) and not _all_codes(texts):
        return "choice", sorted(distinct, key=lambda s: (-distinct[s], s))
    parts = Counter(p.strip() for t in texts for p in _SEPARATORS.split(t) if p.strip())
    if (
        any(_SEPARATORS.search(t) for t in texts)
        and len(parts) <= 2 * MAX_CHOICES
        and len(texts) >= 3 * len(parts)
    ):
        return "multi_choice", sorted(parts, key=lambda s: (-parts[s], s))
    return "text", None


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
        return "money" if _CURRENCY.search(fmt) else "decimal"
    if "y" in low and "d" in low:
        return "datetime" if "h" in low else "date"
    if _CURRENCY.search(fmt):
        return "money"
    if fmt == "0":
        return "integer"
    if "0.0" in fmt:
        return "decimal"
    return "text"


def _list_values(wb, formula: str) -> list[str] | None:
    """The values a list validation allows: inline ("a,b") or from a cell range."""
    formula = formula.lstrip("=")
    if formula.startswith('"'):
        return [p.strip() for p in formula.strip('"').split(",") if p.strip()]
    match = re.match(
        r"^(?:'((?:[^']|'')+)'|([^!]+))!(\$?[A-Z]+\$?\d+(?::\$?[A-Z]+\$?\d+)?)$", formula
    )
    if not match:
        return None
    sheet = (match.group(1) or "").replace("''", "'") or match.group(2)
    if sheet not in wb.sheet_names:
        return None
    c1, r1, c2, r2 = range_boundaries(match.group(3).replace("$", ""))
    rows = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    values = []
    for row in rows[r1 - 1 : r2]:
        for v in row[c1 - 1 : c2]:
            if v not in ("", None):
                values.append(_norm(v))
    return values or None


def _kind(v: Any) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, datetime):
        return "datetime"
    if isinstance(v, date):
        return "date"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "int" if v.is_integer() and abs(v) < 2**53 else "float"
    return "text"


def _share(texts: list[str]):
    def share(pred) -> float:
        return sum(1 for t in texts if pred(t)) / len(texts)

    return share


def _is_resident_id(s: str) -> bool:
    s = s.upper()
    return len(s) == 18 and s[:17].isdigit() and resident_id_check_char(s[:17]) == s[17]


def _is_uscc(s: str) -> bool:
    s = s.upper()
    return len(s) == 18 and all(c in USCC_CHARSET for c in s) and uscc_check_char(s[:17]) == s[17]


def _is_phone(s: str) -> bool:
    digits = re.sub(r"\D", "", s)
    return (bool(_PHONE.match(s)) and 7 <= len(digits) <= 15 and not s.isdigit()) or (
        s.isdigit()
        and ((len(s) == 11 and s.startswith("1")) or (s.startswith("0") and len(s) >= 10))
    )


def _all_codes(texts: list[str]) -> bool:
    return all(any(c.isdigit() for c in t) for t in texts)


def _max_length(present, dv: Validation | None) -> int | None:
    if dv is not None and dv.type == "textLength" and dv.formula1 and dv.formula1.isdigit():
        return int(dv.formula1)
    if not present:
        return None
    longest = max(len(str(v)) for v in present)
    return next(n for n in NICE_LENGTHS if n >= longest)


# -- names, labels, references -------------------------------------------------------


def _label(text: str, known: Label | None) -> dict[str, str]:
    """The header as the label in its language; the other language from a known label."""
    if known is not None:
        if _CJK.search(text):
            return {"zh": text, "en": known.en}
        return {"zh": known.zh, "en": text}
    return {"zh": text, "en": text}


def _slug(text: str, fallback: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", text.strip().lower()).strip("_")
    if not slug or not slug[0].isalpha():
        return fallback
    return slug[:40]


def _unique_id(base: str, used: set[str]) -> str:
    candidate, n = base, 2
    while candidate in used:
        candidate, n = f"{base}_{n}", n + 1
    used.add(candidate)
    return candidate


def _references(sheet_data) -> None:
    keys = {}
    for sheet, rows, _ in sheet_data:
        key = sheet.get("key")
        if key:
            idx = [f["id"] for f in sheet["fields"]].index(key)
            keys[key] = (sheet["id"], {_norm(r[idx]) for r in rows if r[idx] not in ("", None)})
    for sheet, rows, _ in sheet_data:
        for i, f in enumerate(sheet["fields"]):
            target = keys.get(f["id"])
            if target is None or target[0] == sheet["id"] or sheet.get("key") == f["id"]:
                continue
            values = {_norm(r[i]) for r in rows if r[i] not in ("", None)}
            if values <= target[1]:
                sheet.setdefault("references", []).append(
                    {"field": f["id"], "to": f"{target[0]}.{f['id']}"}
                )


def _norm(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()
