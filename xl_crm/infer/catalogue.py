"""Headers, sheets and groups the built-in templates know, so inferred fields get their ids.

A column headed 手机 or Mobile becomes the field ``phone`` with both labels, as the
built-in templates name it; a sheet whose headers mostly match a built-in sheet takes
that sheet's id and labels.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from xl_crm.specs import builtin_names, load_spec
from xl_crm.specs.model import FieldSpec, Group, Label, SheetSpec
from xl_crm.view.matching import normalise_header

_CJK = re.compile(r"[\u2e80-\u9fff]")


@dataclass
class Known:
    """A built-in field a header names, with the sheet it belongs to."""

    sheet_id: str
    field: FieldSpec


@dataclass
class Catalogue:
    """Headers, sheet names and group names the built-in templates use."""

    fields: dict[str, Known]
    sheets: dict[str, SheetSpec]
    groups: dict[str, Group]
    all_sheets: list[SheetSpec]


@functools.cache
def catalogue() -> Catalogue:
    """The catalogue of every built-in template (loaded once)."""
    specs = [load_spec(name) for name in builtin_names()]
    cat = Catalogue({}, {}, {}, [s for spec in specs for s in spec.sheets])
    for spec in specs:  # labels first: an exact header beats another field's alias
        for sheet in spec.sheets:
            for text in (sheet.label.zh, sheet.label.en):
                cat.sheets.setdefault(text.strip().casefold(), sheet)
            for group in sheet.groups:
                for text in (group.label.zh, group.label.en):
                    cat.groups.setdefault(text.strip().casefold(), group)
            for f in sheet.fields:
                for text in (f.label.zh, f.label.en):
                    cat.fields.setdefault(text.strip().casefold(), Known(sheet.id, f))
    for spec in specs:
        for sheet in spec.sheets:
            for f in sheet.fields:
                for text in f.aliases:
                    cat.fields.setdefault(text.strip().casefold(), Known(sheet.id, f))
    return cat


def match_sheet(title: str, headers: list[str]) -> SheetSpec | None:
    """The built-in sheet these headers come from, when most of them match one."""
    cat = catalogue()
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


def match_field(header: str, sheet: SheetSpec | None) -> Known | None:
    """The built-in field a header names: in the matched sheet first, then anywhere."""
    key = header.strip().casefold()
    if sheet is not None:
        for f in sheet.fields:
            if key in (f.label.zh.casefold(), f.label.en.casefold()):
                return Known(sheet.id, f)
        for f in sheet.fields:
            if key in (a.strip().casefold() for a in f.aliases):
                return Known(sheet.id, f)
    return catalogue().fields.get(key)


def match_group(label: str) -> Group | None:
    return catalogue().groups.get(label.strip().casefold())


def label(text: str, known: Label | None, taken: set[str] | None = None) -> dict[str, str]:
    """The header as the label in its language; the other language from a known label,
    unless that name is already another column's header (``taken``, normalised)."""
    if known is not None:
        other = known.en if _CJK.search(text) else known.zh
        if taken is None or normalise_header(other) not in taken:
            if _CJK.search(text):
                return {"zh": text, "en": known.en}
            return {"zh": known.zh, "en": text}
    return {"zh": text, "en": text}


def slug(text: str, fallback: str) -> str:
    """An id from a header or title (``"Customer ID"`` -> ``customer_id``), else ``fallback``."""
    value = re.sub(r"[^a-z0-9]+", "_", text.strip().lower()).strip("_")
    if not value or not value[0].isalpha():
        return fallback
    return value[:40]


def unique_id(base: str, used: set[str], clash=lambda candidate: False) -> str:
    """``base``, or ``base_2``, ``base_3`` … when in ``used`` or ``clash(candidate)`` holds;
    the id returned is added to ``used``."""
    candidate, n = base, 2
    while candidate in used or clash(candidate):
        candidate, n = f"{base}_{n}", n + 1
    used.add(candidate)
    return candidate
